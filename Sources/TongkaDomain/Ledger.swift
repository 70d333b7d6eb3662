/// Kinds of ledger account. Debit-normal accounts (assets, expenses) grow with positive entries;
/// credit-normal ones (liabilities, income) grow with negative entries.
public enum AccountKind: String, Sendable, CaseIterable, Codable {
    /// What the operator owes the rider on one card (shadow of the purse balance). One per card.
    case cardPurse = "card_purse"
    /// Card deposits the operator holds and owes back on refund. One system account.
    case depositsHeld = "deposits_held"
    /// Income from selling card bodies. One system account.
    case cardCostIncome = "card_cost_income"
    /// Income from fees (replacement, refund). One system account.
    case feeIncome = "fee_income"
    /// Cash in one clerk's drawer during one shift.
    case shiftCash = "shift_cash"
    /// Cash in a hall's cash office (safe) between shifts. One per hall.
    case hallCashOffice = "hall_cash_office"
    /// Cash counted over (credit) or short (debit) at shift close. One per hall.
    case cashOverShort = "cash_over_short"
    /// Non-cash payments awaiting settlement with a payment channel. One per channel.
    case paymentChannel = "payment_channel"
    /// Online top-up orders paid by a channel and not yet loaded onto their card or refunded. One
    /// system account.
    case topupOrders = "topup_orders"
    /// Spending a returned card showed that validators have not reported yet. One system account.
    case unsettledSpend = "unsettled_spend"
    /// Fares validators took from this operator's cards, owed to the transport company that ran
    /// the line until clearing. One per company, and one without a company for lines no company
    /// was entered for.
    case transitRevenue = "transit_revenue"
    /// What this operator owes the national platform for its cards' spending in other cities,
    /// until settlement. One system account.
    case platformPayable = "platform_payable"
    /// Balances on their way from a lost card to its replacement (补卡余额转移): the old card's
    /// purse pays in, top-up orders for the new card are paid out. One system account.
    case balanceTransfer = "balance_transfer"

    /// +1 for debit-normal accounts, -1 for credit-normal ones.
    public var normalSide: Int64 {
        switch self {
        case .shiftCash, .hallCashOffice, .cashOverShort, .paymentChannel: 1
        case .cardPurse, .depositsHeld, .cardCostIncome, .feeIncome, .topupOrders, .unsettledSpend, .transitRevenue,
            .platformPayable, .balanceTransfer:
            -1
        }
    }

    /// Accounts that keep a stored running balance (checked non-negative by SQL): card purses,
    /// each touched by one card. Every other balance is the sum of the account's entries, so no
    /// posting waits on a balance row: shared system accounts, and the shift drawer, which every
    /// sale of the shift pays into (migration 0012). A drawer pays cash out only under its shift's
    /// row lock, after summing it; SQL sums again behind every payout.
    public var tracksBalance: Bool { self == .cardPurse }
}

/// One ledger account, named by what it belongs to.
public enum LedgerAccount: Hashable, Sendable, CustomStringConvertible {
    case cardPurse(CardNumber)
    case depositsHeld
    case cardCostIncome
    case feeIncome
    case shiftCash(ShiftID)
    case hallCashOffice(HallID)
    case cashOverShort(HallID)
    case paymentChannel(PaymentMethod)
    case topupOrders
    case unsettledSpend
    /// Owed to this company (nil: to whichever company ran a line nobody entered).
    case transitRevenue(CompanyID?)
    case platformPayable
    case balanceTransfer

    public var kind: AccountKind {
        switch self {
        case .cardPurse: .cardPurse
        case .depositsHeld: .depositsHeld
        case .cardCostIncome: .cardCostIncome
        case .feeIncome: .feeIncome
        case .shiftCash: .shiftCash
        case .hallCashOffice: .hallCashOffice
        case .cashOverShort: .cashOverShort
        case .paymentChannel: .paymentChannel
        case .topupOrders: .topupOrders
        case .unsettledSpend: .unsettledSpend
        case .transitRevenue: .transitRevenue
        case .platformPayable: .platformPayable
        case .balanceTransfer: .balanceTransfer
        }
    }

    /// Where a payment by `method` lands during `shift`.
    public static func receiving(_ method: PaymentMethod, shift: ShiftID) -> LedgerAccount {
        method == .cash ? .shiftCash(shift) : .paymentChannel(method)
    }

    public var description: String {
        switch self {
        case .cardPurse(let card): "card_purse:\(card.masked)"
        case .shiftCash(let shift): "shift_cash:\(shift)"
        case .hallCashOffice(let hall): "hall_cash_office:\(hall)"
        case .cashOverShort(let hall): "cash_over_short:\(hall)"
        case .paymentChannel(let method): "payment_channel:\(method.rawValue)"
        case .transitRevenue(let company?): "transit_revenue:\(company)"
        default: kind.rawValue
        }
    }
}

/// One side of a journal transaction: positive amounts are debits, negative ones credits.
public struct Posting: Hashable, Sendable {
    public let account: LedgerAccount
    public let amount: Money

    public init(_ account: LedgerAccount, _ amount: Money) {
        self.account = account
        self.amount = amount
    }
}

/// What a journal transaction is for.
public enum TransactionKind: String, Sendable, CaseIterable, Codable {
    case shiftOpen = "shift_open"
    case shiftClose = "shift_close"
    case cardIssue = "card_issue"
    case cardLoad = "card_load"
    case loadReversal = "load_reversal"
    case loadVoid = "load_void"
    case orderPaid = "order_paid"
    case orderRefund = "order_refund"
    case cardRefund = "card_refund"
    case tap = "tap"
    case clearingIn = "clearing_in"
    case balanceTransfer = "balance_transfer"
    case cardReplacement = "card_replacement"
    /// Fares received for a line before any company was entered for it, credited to the company
    /// when it is entered.
    case revenueReassign = "revenue_reassign"

    /// What a clerk or a rider reads on a statement.
    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.shiftOpen, .en): "shift opened"
        case (.shiftClose, .en): "shift closed"
        case (.cardIssue, .en): "card sold"
        case (.cardLoad, .en): "top-up"
        case (.loadReversal, .en): "top-up reversed"
        case (.loadVoid, .en): "top-up voided"
        case (.orderPaid, .en): "online order paid"
        case (.orderRefund, .en): "online order refunded"
        case (.cardRefund, .en): "card returned"
        case (.tap, .en): "fare"
        case (.clearingIn, .en): "fare in another city"
        case (.balanceTransfer, .en): "balance moved to the replacement card"
        case (.cardReplacement, .en): "replacement card fee"
        case (.revenueReassign, .en): "fares credited to the line's company"
        case (.shiftOpen, .zh): "开班"
        case (.shiftClose, .zh): "结班"
        case (.cardIssue, .zh): "售卡"
        case (.cardLoad, .zh): "充值"
        case (.loadReversal, .zh): "充值冲正"
        case (.loadVoid, .zh): "充值撤销"
        case (.orderPaid, .zh): "线上订单付款"
        case (.orderRefund, .zh): "线上订单退款"
        case (.cardRefund, .zh): "退卡"
        case (.tap, .zh): "乘车消费"
        case (.clearingIn, .zh): "异地乘车消费"
        case (.balanceTransfer, .zh): "余额转入补办新卡"
        case (.cardReplacement, .zh): "补卡工本费"
        case (.revenueReassign, .zh): "票款划归线路运营企业"
        }
    }
}

/// A journal transaction ready to post: two or more non-zero entries that sum to zero. The
/// database checks the same rules again (deferred constraint trigger), so neither side alone
/// can let an unbalanced transaction through.
public struct JournalDraft: Sendable, Equatable {
    public let kind: TransactionKind
    public let postings: [Posting]

    public init(kind: TransactionKind, postings: [Posting]) throws(TongkaError) {
        let nonZero = postings.filter { $0.amount != .zero }
        guard nonZero.count == postings.count, postings.count >= 2 else {
            throw TongkaError(.unbalancedTransaction, detail: "\(postings.count) entries, \(postings.count - nonZero.count) zero")
        }
        guard postings.allSatisfy({ $0.amount.fen.magnitude <= UInt64(Money.maximumFen) }) else {
            throw TongkaError(.amountOutOfRange)
        }
        let sum = postings.reduce(Int64(0)) { $0 + $1.amount.fen }
        guard sum == 0 else { throw TongkaError(.unbalancedTransaction, detail: "entries sum to \(sum) fen") }
        self.kind = kind
        self.postings = postings
    }
}

/// The postings of each money command. Pure: amounts in, balanced drafts out. A command whose
/// amounts are all zero posts nothing (nil), since a journal entry of zero means nothing.
public enum LedgerRules {
    /// Opening a shift moves the cash float from the hall's cash office into the clerk's drawer.
    public static func shiftOpen(shift: ShiftID, hall: HallID, float: Money) throws(TongkaError) -> JournalDraft? {
        guard float != .zero else { return nil }
        return try JournalDraft(
            kind: .shiftOpen,
            postings: [
                Posting(.shiftCash(shift), float),
                Posting(.hallCashOffice(hall), -float),
            ])
    }

    /// Closing a shift empties the drawer account, puts the counted cash in the cash office and
    /// books the difference as cash over (credit) or short (debit).
    public static func shiftClose(
        shift: ShiftID, hall: HallID, expected: Money, counted: Money
    ) throws(TongkaError) -> JournalDraft? {
        var postings: [Posting] = []
        if expected != .zero { postings.append(Posting(.shiftCash(shift), -expected)) }
        if counted != .zero { postings.append(Posting(.hallCashOffice(hall), counted)) }
        let difference = expected - counted
        if difference != .zero { postings.append(Posting(.cashOverShort(hall), difference)) }
        guard !postings.isEmpty else { return nil }
        return try JournalDraft(kind: .shiftClose, postings: postings)
    }

    /// Selling a card takes its deposit (owed back on refund) and its card cost (income).
    public static func cardIssue(
        shift: ShiftID, payment: PaymentMethod, deposit: Money, cardCost: Money
    ) throws(TongkaError) -> JournalDraft? {
        let total = deposit + cardCost
        guard total != .zero else { return nil }
        var postings = [Posting(.receiving(payment, shift: shift), total)]
        if deposit != .zero { postings.append(Posting(.depositsHeld, -deposit)) }
        if cardCost != .zero { postings.append(Posting(.cardCostIncome, -cardCost)) }
        return try JournalDraft(kind: .cardIssue, postings: postings)
    }
}

extension LedgerRules {
    /// A purse load moves the payment (the clerk's drawer or the channel's clearing account) to
    /// what the operator owes on the card. Posted when MAC2 is issued.
    public static func cardLoad(
        shift: ShiftID, card: CardNumber, payment: PaymentMethod, amount: Money
    ) throws(TongkaError)
        -> JournalDraft
    {
        try JournalDraft(
            kind: .cardLoad,
            postings: [Posting(.receiving(payment, shift: shift), amount), Posting(.cardPurse(card), -amount)])
    }

    /// A load the card did not credit (or a voided one) gives the money back to the payment: cash
    /// from the drawer of the shift that decides it (`shift`), a channel payment to its channel.
    public static func loadReturn(
        kind: TransactionKind, shift: ShiftID, card: CardNumber, payment: PaymentMethod, amount: Money
    ) throws(TongkaError) -> JournalDraft {
        try JournalDraft(
            kind: kind, postings: [Posting(.cardPurse(card), amount), Posting(.receiving(payment, shift: shift), -amount)])
    }
}

extension LedgerRules {
    /// A channel's paid order: the channel's clearing account owes the operator, the operator owes
    /// the order until it is loaded or refunded.
    public static func orderPaid(channel: PaymentMethod, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(kind: .orderPaid, postings: [Posting(.paymentChannel(channel), amount), Posting(.topupOrders, -amount)])
    }

    /// An expired order goes back to its channel.
    public static func orderRefund(channel: PaymentMethod, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(
            kind: .orderRefund, postings: [Posting(.topupOrders, amount), Posting(.paymentChannel(channel), -amount)])
    }

    /// A load funded by an order moves the order's money to what the operator owes on the card.
    public static func orderLoad(card: CardNumber, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(kind: .cardLoad, postings: [Posting(.topupOrders, amount), Posting(.cardPurse(card), -amount)])
    }

    /// An order load the card did not credit: the money waits for the order again.
    public static func orderLoadReversal(card: CardNumber, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(kind: .loadReversal, postings: [Posting(.cardPurse(card), amount), Posting(.topupOrders, -amount)])
    }
}

/// What closing a shift found: the cash the ledger expects in the drawer and the cash counted.
public struct CashCount: Sendable, Equatable, Codable {
    public let expected: Money
    public let counted: Money

    public init(expected: Money, counted: Money) {
        self.expected = expected
        self.counted = counted
    }

    /// Positive when the drawer holds more than expected (over), negative when short.
    public var difference: Money { counted - expected }
}
