import Testing
import TongkaDomain

private let card = CardNumber(trusted: "3104820000170907984")

private func facts(
    status: CardStatus = .active, deposit: Int64 = 2_000, backOffice: Int64 = 5_000, open: LoadID? = nil,
    rule: RefundFeeRule = .none
) -> RefundFacts {
    RefundFacts(
        cardStatus: status, deposit: Money(fen: deposit), backOfficeBalance: Money(fen: backOffice), openLoad: open,
        feeRule: rule)
}

@Suite struct RefundPolicyTests {
    @Test func aPercentageFeeIsChargedOnlyAtOrAboveItsThresholdAndRoundsHalfUp() {
        let rule = RefundFeeRule.percentage(basisPoints: 500, threshold: Money(yuan: 10))
        #expect(rule.fee(balance: Money(fen: 999)) == .zero)
        #expect(rule.fee(balance: Money(yuan: 10)) == Money(fen: 50))
        #expect(rule.fee(balance: Money(fen: 1_010)) == Money(fen: 51))  // 50.5 rounds up
        #expect(RefundFeeRule.fixed(Money(yuan: 5)).fee(balance: .zero) == Money(yuan: 5))
        #expect(RefundFeeRule.none.fee(balance: Money(yuan: 500)) == .zero)
    }

    @Test func theRiderGetsDepositPlusTheCardsBalanceLessTheFee() throws {
        let quote = try RefundPolicy.quote(
            facts(rule: .fixed(Money(yuan: 5))), cardBalance: Money(fen: 5_000), approvalLimit: Money(yuan: 1_000),
            approved: false)
        #expect(quote.paid == Money(fen: 2_000 + 5_000 - 500) && quote.fee == Money(fen: 500) && quote.unsettled == .zero)
        let draft = try #require(try LedgerRules.cardRefund(shift: ShiftID(1), card: card, quote: quote))
        #expect(draft.kind == .cardRefund && draft.postings.count == 4)
    }

    @Test func aCardShowingLessThanTheBackOfficePaysTheCardAndParksTheDifference() throws {
        let quote = try RefundPolicy.quote(
            facts(backOffice: 5_000), cardBalance: Money(fen: 3_000), approvalLimit: Money(yuan: 1_000), approved: false)
        #expect(quote.paid == Money(fen: 5_000) && quote.unsettled == Money(fen: 2_000))
        let draft = try #require(try LedgerRules.cardRefund(shift: ShiftID(1), card: card, quote: quote))
        #expect(draft.postings.contains(Posting(.unsettledSpend, Money(fen: -2_000))))
        #expect(draft.postings.contains(Posting(.cardPurse(card), Money(fen: 5_000))))
    }

    @Test func aFeeNeverExceedsWhatTheCardIsWorth() throws {
        let quote = try RefundPolicy.quote(
            facts(deposit: 0, backOffice: 100, rule: .fixed(Money(yuan: 5))), cardBalance: Money(fen: 100),
            approvalLimit: Money(yuan: 1_000), approved: false)
        #expect(quote.fee == Money(fen: 100) && quote.paid == .zero)
    }

    @Test func refusalsHaveTheirOwnCodes() {
        let limit = Money(yuan: 1_000)
        expectError(.cardNotRefundable) {
            try RefundPolicy.quote(
                facts(status: .refunded), cardBalance: Money(fen: 5_000), approvalLimit: limit, approved: false)
        }
        expectError(.greyLoadPending) {
            try RefundPolicy.quote(facts(open: LoadID(7)), cardBalance: Money(fen: 5_000), approvalLimit: limit, approved: false)
        }
        expectError(.balanceMismatch) {
            try RefundPolicy.quote(facts(), cardBalance: Money(fen: 5_001), approvalLimit: limit, approved: false)
        }
        expectError(.refundApprovalRequired) {
            try RefundPolicy.quote(facts(), cardBalance: Money(fen: 5_000), approvalLimit: Money(yuan: 50), approved: false)
        }
        #expect(
            (try? RefundPolicy.quote(facts(), cardBalance: Money(fen: 5_000), approvalLimit: Money(yuan: 50), approved: true))?
                .paid == Money(fen: 7_000))
    }

    @Test func storedFeeRulesThatDoNotFitTheirKindAreErrors() throws {
        #expect(try RefundFeeRule(kind: "fixed", fee: Money(yuan: 5), basisPoints: 0, threshold: .zero) == .fixed(Money(yuan: 5)))
        expectError(.invalidProduct) { try RefundFeeRule(kind: "none", fee: Money(yuan: 5), basisPoints: 0, threshold: .zero) }
        expectError(.invalidProduct) { try RefundFeeRule(kind: "odd", fee: .zero, basisPoints: 0, threshold: .zero) }
        expectError(.invalidProduct) {
            try RefundFeeRule(kind: "percentage", fee: .zero, basisPoints: 10_001, threshold: .zero)
        }
    }
}

@Suite struct LoadVoidPolicyTests {
    let confirmed = LoadVoidFacts(state: .confirmed, card: card.digits, amount: Money(yuan: 50), shiftOpen: true)

    @Test func aSupervisorVoidsAConfirmedLoadOfAnOpenShiftWithTheSameCardHoldingTheAmount() throws {
        try LoadVoidPolicy.check(confirmed, presentedCard: card.digits, cardBalance: Money(yuan: 50), actorRole: .supervisor)
        expectError(.forbiddenRole) {
            try LoadVoidPolicy.check(confirmed, presentedCard: card.digits, cardBalance: Money(yuan: 50), actorRole: .clerk)
        }
        expectError(.voidNotAllowed) {
            try LoadVoidPolicy.check(
                LoadVoidFacts(state: .grey, card: card.digits, amount: Money(yuan: 50), shiftOpen: true),
                presentedCard: card.digits, cardBalance: Money(yuan: 50), actorRole: .supervisor)
        }
        expectError(.voidNotAllowed) {
            try LoadVoidPolicy.check(
                LoadVoidFacts(state: .confirmed, card: card.digits, amount: Money(yuan: 50), shiftOpen: false),
                presentedCard: card.digits, cardBalance: Money(yuan: 50), actorRole: .supervisor)
        }
        expectError(.cardMismatch) {
            try LoadVoidPolicy.check(
                confirmed, presentedCard: "3104820000170907985", cardBalance: Money(yuan: 50), actorRole: .supervisor)
        }
        expectError(.amountNotInPurse) {
            try LoadVoidPolicy.check(
                confirmed, presentedCard: card.digits, cardBalance: Money(fen: 4_999), actorRole: .supervisor)
        }
    }
}
