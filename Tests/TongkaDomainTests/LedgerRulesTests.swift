import Testing
import TongkaDomain

private let shift = ShiftID(7)
private let hall = HallID(3)
private let card = CardNumber(trusted: "3104820000170907984")

private func yuan(_ value: Int64) -> Money { Money(yuan: value) }

/// Whether a draft keeps the journal's invariants: two or more non-zero entries summing to zero.
private func isBalanced(_ draft: JournalDraft) -> Bool {
    draft.postings.count >= 2 && draft.postings.allSatisfy { $0.amount != .zero }
        && draft.postings.reduce(Int64(0)) { $0 + $1.amount.fen } == 0
}

@Suite("Journal drafts")
struct JournalDraftTests {
    @Test func everyTransactionKindHasADistinctNameInEachLanguage() {
        for language in [Language.en, .zh] {
            let names = TransactionKind.allCases.map { $0.localizedName(language) }
            #expect(Set(names).count == TransactionKind.allCases.count)
        }
        #expect(TransactionKind.cardLoad.localizedName(.zh) == "充值")
        #expect(TransactionKind.cardLoad.localizedName(.en) == "top-up")
    }

    @Test func acceptsTwoOrMoreNonZeroEntriesSummingToZero() throws {
        let two = try JournalDraft(
            kind: .shiftOpen, postings: [Posting(.shiftCash(shift), yuan(500)), Posting(.hallCashOffice(hall), yuan(-500))])
        #expect(two.kind == .shiftOpen)
        #expect(two.postings.count == 2)
        let three = try JournalDraft(
            kind: .cardIssue,
            postings: [
                Posting(.paymentChannel(.alipay), yuan(25)), Posting(.depositsHeld, yuan(-20)),
                Posting(.cardCostIncome, yuan(-5)),
            ])
        #expect(three.postings.map(\.amount) == [yuan(25), yuan(-20), yuan(-5)])
    }

    @Test func refusesNoEntries() {
        let error = expectError(.unbalancedTransaction) { try JournalDraft(kind: .shiftOpen, postings: []) }
        #expect(error?.detail == "0 entries, 0 zero")
    }

    @Test func refusesASingleEntry() {
        expectError(.unbalancedTransaction) {
            try JournalDraft(kind: .shiftOpen, postings: [Posting(.shiftCash(shift), yuan(1))])
        }
    }

    @Test func refusesAZeroEntryEvenWhenTheRestBalances() {
        let error = expectError(.unbalancedTransaction) {
            try JournalDraft(
                kind: .shiftClose,
                postings: [
                    Posting(.shiftCash(shift), yuan(-10)), Posting(.hallCashOffice(hall), yuan(10)),
                    Posting(.cashOverShort(hall), .zero),
                ])
        }
        #expect(error?.detail == "3 entries, 1 zero")
    }

    @Test func refusesTwoZeroEntries() {
        expectError(.unbalancedTransaction) {
            try JournalDraft(
                kind: .shiftOpen, postings: [Posting(.shiftCash(shift), .zero), Posting(.hallCashOffice(hall), .zero)])
        }
    }

    @Test func refusesEntriesThatDoNotSumToZero() {
        let error = expectError(.unbalancedTransaction) {
            try JournalDraft(
                kind: .shiftOpen,
                postings: [Posting(.shiftCash(shift), Money(fen: 100)), Posting(.hallCashOffice(hall), Money(fen: -99))])
        }
        #expect(error?.detail == "entries sum to 1 fen")
        expectError(.unbalancedTransaction) {
            try JournalDraft(kind: .cardIssue, postings: [Posting(.depositsHeld, yuan(-20)), Posting(.cardCostIncome, yuan(-5))])
        }
    }

    @Test func acceptsEntriesOfExactlyTheMaximum() throws {
        let max = Money(fen: Money.maximumFen)
        let draft = try JournalDraft(
            kind: .shiftOpen, postings: [Posting(.shiftCash(shift), max), Posting(.hallCashOffice(hall), -max)])
        #expect(draft.postings.map(\.amount) == [max, -max])
    }

    @Test(arguments: [Money.maximumFen + 1, Int64.max / 2])
    func refusesEntriesAboveTheMaximumEvenWhenBalanced(fen: Int64) {
        expectError(.amountOutOfRange) {
            try JournalDraft(
                kind: .shiftOpen,
                postings: [Posting(.shiftCash(shift), Money(fen: fen)), Posting(.hallCashOffice(hall), Money(fen: -fen))])
        }
    }

    @Test func refusesACreditAboveTheMaximumSplitAcrossDebits() {
        let half = Money.maximumFen / 2 + 1
        expectError(.amountOutOfRange) {
            try JournalDraft(
                kind: .cardIssue,
                postings: [
                    Posting(.shiftCash(shift), Money(fen: half)), Posting(.paymentChannel(.unionpay), Money(fen: half)),
                    Posting(.depositsHeld, Money(fen: -2 * half)),
                ])
        }
    }
}

@Suite("Ledger rules")
struct LedgerRulesTests {
    // MARK: Opening a shift

    @Test func shiftOpenMovesTheFloatFromTheCashOfficeToTheDrawer() throws {
        let draft = try #require(try LedgerRules.shiftOpen(shift: shift, hall: hall, float: yuan(500)))
        #expect(draft.kind == .shiftOpen)
        #expect(draft.postings == [Posting(.shiftCash(shift), yuan(500)), Posting(.hallCashOffice(hall), yuan(-500))])
    }

    @Test func shiftOpenWithoutAFloatPostsNothing() throws {
        #expect(try LedgerRules.shiftOpen(shift: shift, hall: hall, float: .zero) == nil)
    }

    @Test func shiftOpenRefusesAFloatAboveTheMaximum() {
        expectError(.amountOutOfRange) {
            try LedgerRules.shiftOpen(shift: shift, hall: hall, float: Money(fen: Money.maximumFen + 1))
        }
    }

    // MARK: Closing a shift

    @Test func shiftCloseWithCashOverCreditsOverShort() throws {
        // Expected 1,000, counted 1,002.50: 2.50 over, a credit (income) on over/short.
        let draft = try #require(
            try LedgerRules.shiftClose(shift: shift, hall: hall, expected: yuan(1000), counted: Money(fen: 100_250)))
        #expect(draft.kind == .shiftClose)
        #expect(
            draft.postings == [
                Posting(.shiftCash(shift), yuan(-1000)),
                Posting(.hallCashOffice(hall), Money(fen: 100_250)),
                Posting(.cashOverShort(hall), Money(fen: -250)),
            ])
    }

    @Test func shiftCloseWithCashShortDebitsOverShort() throws {
        let draft = try #require(try LedgerRules.shiftClose(shift: shift, hall: hall, expected: yuan(1000), counted: yuan(990)))
        #expect(
            draft.postings == [
                Posting(.shiftCash(shift), yuan(-1000)),
                Posting(.hallCashOffice(hall), yuan(990)),
                Posting(.cashOverShort(hall), yuan(10)),
            ])
    }

    @Test func shiftCloseWithExactCashHasNoOverShortEntry() throws {
        let draft = try #require(try LedgerRules.shiftClose(shift: shift, hall: hall, expected: yuan(800), counted: yuan(800)))
        #expect(draft.postings == [Posting(.shiftCash(shift), yuan(-800)), Posting(.hallCashOffice(hall), yuan(800))])
    }

    @Test func shiftCloseWithNothingExpectedOrCountedPostsNothing() throws {
        #expect(try LedgerRules.shiftClose(shift: shift, hall: hall, expected: .zero, counted: .zero) == nil)
    }

    @Test func shiftCloseWithAnEmptyDrawerBooksEverythingShort() throws {
        let draft = try #require(try LedgerRules.shiftClose(shift: shift, hall: hall, expected: yuan(300), counted: .zero))
        #expect(draft.postings == [Posting(.shiftCash(shift), yuan(-300)), Posting(.cashOverShort(hall), yuan(300))])
    }

    @Test func shiftCloseWithCashButNothingExpectedBooksEverythingOver() throws {
        let draft = try #require(try LedgerRules.shiftClose(shift: shift, hall: hall, expected: .zero, counted: yuan(40)))
        #expect(draft.postings == [Posting(.hallCashOffice(hall), yuan(40)), Posting(.cashOverShort(hall), yuan(-40))])
    }

    @Test(arguments: [(Int64(100_000), Int64(100_250)), (100_000, 99_000), (500, 0), (0, 500), (123_456, 123_456)])
    func overShortEntryIsExpectedMinusCountedAndTheOppositeOfCashCountDifference(expected: Int64, counted: Int64) throws {
        let draft = try #require(
            try LedgerRules.shiftClose(shift: shift, hall: hall, expected: Money(fen: expected), counted: Money(fen: counted)))
        let overShort = draft.postings.filter { $0.account.kind == .cashOverShort }.map(\.amount)
        let difference = CashCount(expected: Money(fen: expected), counted: Money(fen: counted)).difference
        #expect(overShort == (expected == counted ? [] : [Money(fen: expected - counted)]))
        #expect(overShort.reduce(Money.zero, +) == -difference)
    }

    // MARK: Issuing a card

    @Test func cardIssuePaidInCashLandsInTheShiftDrawer() throws {
        let draft = try #require(try LedgerRules.cardIssue(shift: shift, payment: .cash, deposit: yuan(20), cardCost: yuan(5)))
        #expect(draft.kind == .cardIssue)
        #expect(
            draft.postings == [
                Posting(.shiftCash(shift), yuan(25)), Posting(.depositsHeld, yuan(-20)), Posting(.cardCostIncome, yuan(-5)),
            ])
    }

    @Test(arguments: [PaymentMethod.wechatPay, .alipay, .unionpay])
    func cardIssuePaidOtherwiseLandsInThePaymentChannel(method: PaymentMethod) throws {
        let draft = try #require(try LedgerRules.cardIssue(shift: shift, payment: method, deposit: yuan(20), cardCost: yuan(5)))
        #expect(
            draft.postings == [
                Posting(.paymentChannel(method), yuan(25)), Posting(.depositsHeld, yuan(-20)), Posting(.cardCostIncome, yuan(-5)),
            ])
        #expect(!draft.postings.contains { $0.account.kind == .shiftCash })
    }

    @Test func cardIssueWithOnlyADepositHasNoCardCostEntry() throws {
        let draft = try #require(try LedgerRules.cardIssue(shift: shift, payment: .cash, deposit: yuan(20), cardCost: .zero))
        #expect(draft.postings == [Posting(.shiftCash(shift), yuan(20)), Posting(.depositsHeld, yuan(-20))])
    }

    @Test func cardIssueWithOnlyACardCostHasNoDepositEntry() throws {
        let draft = try #require(
            try LedgerRules.cardIssue(shift: shift, payment: .wechatPay, deposit: .zero, cardCost: Money(fen: 1_550)))
        #expect(
            draft.postings == [
                Posting(.paymentChannel(.wechatPay), Money(fen: 1_550)), Posting(.cardCostIncome, Money(fen: -1_550)),
            ])
    }

    @Test(arguments: PaymentMethod.allCases)
    func freeCardIssuePostsNothing(method: PaymentMethod) throws {
        #expect(try LedgerRules.cardIssue(shift: shift, payment: method, deposit: .zero, cardCost: .zero) == nil)
    }

    @Test func cardIssueRefusesATotalAboveTheMaximum() {
        expectError(.amountOutOfRange) {
            try LedgerRules.cardIssue(
                shift: shift, payment: .cash, deposit: Money(fen: Money.maximumFen), cardCost: Money(fen: 1))
        }
    }

    // MARK: Properties

    @Test func everyDraftFromTheRulesBalancesForRandomAmounts() throws {
        var random = SeededGenerator(seed: 978)
        func amount(upTo limit: Int64) -> Money {
            // A quarter of the draws are zero, so the branches that leave entries out are covered.
            Int.random(in: 0..<4, using: &random) == 0 ? .zero : Money(fen: Int64.random(in: 1...limit, using: &random))
        }
        for _ in 0..<2_000 {
            let float = amount(upTo: Money.maximumFen)
            let open = try LedgerRules.shiftOpen(shift: shift, hall: hall, float: float)
            #expect((open == nil) == (float == .zero))
            if let open { #expect(isBalanced(open), "open \(float)") }

            let expected = amount(upTo: Money.maximumFen)
            let counted = amount(upTo: Money.maximumFen)
            let close = try LedgerRules.shiftClose(shift: shift, hall: hall, expected: expected, counted: counted)
            #expect((close == nil) == (expected == .zero && counted == .zero))
            if let close { #expect(isBalanced(close), "close \(expected) \(counted)") }

            let deposit = amount(upTo: Money.maximumFen / 2)
            let cost = amount(upTo: Money.maximumFen / 2)
            let method = PaymentMethod.allCases.randomElement(using: &random)!
            let issue = try LedgerRules.cardIssue(shift: shift, payment: method, deposit: deposit, cardCost: cost)
            #expect((issue == nil) == (deposit == .zero && cost == .zero))
            if let issue {
                #expect(isBalanced(issue), "issue \(deposit) \(cost)")
                #expect(issue.postings.first?.account == LedgerAccount.receiving(method, shift: shift))
            }
        }
    }
}

@Suite("Ledger accounts")
struct LedgerAccountTests {
    @Test func cashCountDifferenceIsPositiveWhenOverAndNegativeWhenShort() {
        #expect(CashCount(expected: yuan(100), counted: yuan(105)).difference == yuan(5))
        #expect(CashCount(expected: yuan(100), counted: yuan(95)).difference == yuan(-5))
        #expect(CashCount(expected: yuan(100), counted: yuan(100)).difference == .zero)
    }

    @Test(arguments: [
        (AccountKind.shiftCash, Int64(1)), (.hallCashOffice, 1), (.cashOverShort, 1), (.paymentChannel, 1),
        (.cardPurse, -1), (.depositsHeld, -1), (.cardCostIncome, -1), (.feeIncome, -1),
    ])
    func assetsAreDebitNormalAndLiabilitiesAndIncomeCreditNormal(kind: AccountKind, side: Int64) {
        #expect(kind.normalSide == side)
    }

    @Test func onlyCardPursesKeepAStoredBalanceDrawersAreTheSumOfTheirEntries() {
        #expect(AccountKind.allCases.filter(\.tracksBalance) == [.cardPurse])
    }

    @Test func cashIsReceivedIntoTheShiftDrawerAndEverythingElseIntoItsChannel() {
        #expect(LedgerAccount.receiving(.cash, shift: shift) == .shiftCash(shift))
        for method in PaymentMethod.allCases where method != .cash {
            #expect(LedgerAccount.receiving(method, shift: shift) == .paymentChannel(method))
        }
    }

    @Test(arguments: [
        (LedgerAccount.cardPurse(card), AccountKind.cardPurse, "card_purse:3104***********7984"),
        (.depositsHeld, .depositsHeld, "deposits_held"),
        (.cardCostIncome, .cardCostIncome, "card_cost_income"),
        (.feeIncome, .feeIncome, "fee_income"),
        (.shiftCash(shift), .shiftCash, "shift_cash:7"),
        (.hallCashOffice(hall), .hallCashOffice, "hall_cash_office:3"),
        (.cashOverShort(hall), .cashOverShort, "cash_over_short:3"),
        (.paymentChannel(.wechatPay), .paymentChannel, "payment_channel:wechat_pay"),
    ])
    func accountsNameTheirKindAndOwnerWithoutTheFullCardNumber(account: LedgerAccount, kind: AccountKind, text: String) {
        #expect(account.kind == kind)
        #expect(account.description == text)
        #expect(!"\(account)".contains(card.digits))
    }

    @Test func everyPaymentMethodHasAnEnglishAndAChineseName() {
        for method in PaymentMethod.allCases {
            #expect(!method.localizedName(.en).isEmpty)
            #expect(!method.localizedName(.zh).isEmpty)
            #expect(method.localizedName(.en) != method.localizedName(.zh))
        }
        #expect(PaymentMethod.wechatPay.rawValue == "wechat_pay")
    }
}
