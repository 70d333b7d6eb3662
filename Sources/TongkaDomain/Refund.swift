/// A product's refund fee rule (退卡手续费), configuration per product.
public enum RefundFeeRule: Sendable, Equatable, Codable {
    /// No fee.
    case none
    /// A fixed fee per returned card.
    case fixed(Money)
    /// A share of the balance, in basis points (500 = 5%), charged only when the balance is at
    /// or above `threshold` (Shanghai: 5% at or above ¥10).
    case percentage(basisPoints: Int, threshold: Money)

    /// The rule's stored kind: `none`, `fixed` or `percentage`.
    public var kind: String {
        switch self {
        case .none: "none"
        case .fixed: "fixed"
        case .percentage: "percentage"
        }
    }

    /// The rule from its stored columns; an unknown kind or values that do not fit it are an error.
    public init(kind: String, fee: Money, basisPoints: Int, threshold: Money) throws(TongkaError) {
        switch kind {
        case "none" where fee == .zero && basisPoints == 0 && threshold == .zero: self = .none
        case "fixed" where basisPoints == 0 && threshold == .zero: self = .fixed(fee)
        case "percentage" where fee == .zero: self = .percentage(basisPoints: basisPoints, threshold: threshold)
        default: throw TongkaError(.invalidProduct, detail: "refund fee rule \(kind)")
        }
        try validate()
    }

    /// Bounds: a fixed fee up to ¥1,000,000, a percentage up to 100%, a threshold not negative.
    public func validate() throws(TongkaError) {
        switch self {
        case .none: break
        case .fixed(let fee):
            guard fee >= .zero, fee.fen <= 100_000_000 else { throw TongkaError(.invalidProduct, detail: "refund fee") }
        case .percentage(let basisPoints, let threshold):
            guard (0...10_000).contains(basisPoints), threshold >= .zero, threshold.fen <= 100_000_000 else {
                throw TongkaError(.invalidProduct, detail: "refund fee percentage or threshold")
            }
        }
    }

    /// The fee on a refund of `balance`; a percentage rounds half up to the fen.
    public func fee(balance: Money) -> Money {
        switch self {
        case .none: return .zero
        case .fixed(let fee): return fee
        case .percentage(let basisPoints, let threshold):
            guard balance >= threshold, balance > .zero else { return .zero }
            return Money(fen: (balance.fen * Int64(basisPoints) + 5_000) / 10_000)
        }
    }
}

/// What the back office knows about a card when it is returned, read with the card row locked.
public struct RefundFacts: Sendable, Equatable {
    public let cardStatus: CardStatus
    /// The deposit the card was sold with (held in `deposits_held`).
    public let deposit: Money
    /// The shadow balance of the card's purse account.
    public let backOfficeBalance: Money
    /// A load of this card that is not decided yet.
    public let openLoad: LoadID?
    public let feeRule: RefundFeeRule

    public init(cardStatus: CardStatus, deposit: Money, backOfficeBalance: Money, openLoad: LoadID?, feeRule: RefundFeeRule) {
        self.cardStatus = cardStatus
        self.deposit = deposit
        self.backOfficeBalance = backOfficeBalance
        self.openLoad = openLoad
        self.feeRule = feeRule
    }
}

/// What a card return pays and books.
public struct RefundQuote: Sendable, Equatable, Codable {
    /// The card's own balance (authenticated by MAC1).
    public let cardBalance: Money
    public let backOfficeBalance: Money
    public let deposit: Money
    public let fee: Money
    /// Cash handed to the rider: deposit + card balance - fee.
    public let paid: Money
    /// Spending the card shows and the back office has not seen yet (back office - card).
    public let unsettled: Money
}

/// Whether and how a card may be returned (退卡). Pure: facts, the card's authenticated balance
/// and the approval state in, the amounts or a refusal with its stable code out.
///
/// The card pays what it holds: a card showing less than the back office has spent the
/// difference at validators whose records have not arrived, so the rider gets the card's balance
/// and the difference waits in `unsettled_spend`. A card showing more than the back office was
/// credited by something the back office never authorised: refused (`balance_mismatch`).
public enum RefundPolicy {
    public static func quote(
        _ facts: RefundFacts, cardBalance: Money, approvalLimit: Money, approved: Bool
    ) throws(TongkaError) -> RefundQuote {
        switch facts.cardStatus {
        case .active: break
        case .refunded: throw TongkaError(.cardNotRefundable, detail: "refunded already")
        case .suspended: throw TongkaError(.cardSuspended, detail: "reported lost: reclaim or replace it")
        case .replaced: throw TongkaError(.cardReplaced, detail: "its balance moved to the replacement")
        }
        if let open = facts.openLoad { throw TongkaError(.greyLoadPending, detail: "load \(open)") }
        guard cardBalance <= facts.backOfficeBalance else {
            throw TongkaError(
                .balanceMismatch, detail: "card \(cardBalance.formatted) > back office \(facts.backOfficeBalance.formatted)")
        }
        let fee = min(facts.feeRule.fee(balance: cardBalance), facts.deposit + cardBalance)
        let paid = facts.deposit + cardBalance - fee
        if paid > approvalLimit, !approved {
            throw TongkaError(.refundApprovalRequired, detail: "\(paid.formatted) > \(approvalLimit.formatted)")
        }
        return RefundQuote(
            cardBalance: cardBalance, backOfficeBalance: facts.backOfficeBalance, deposit: facts.deposit, fee: fee, paid: paid,
            unsettled: facts.backOfficeBalance - cardBalance)
    }
}

extension LedgerRules {
    /// A card return: the purse account (back-office balance) and the deposit are paid out from
    /// the drawer, less the fee (income); what the card spent unseen waits in `unsettled_spend`.
    public static func cardRefund(shift: ShiftID, card: CardNumber, quote: RefundQuote) throws(TongkaError) -> JournalDraft? {
        let postings = [
            Posting(.cardPurse(card), quote.backOfficeBalance), Posting(.depositsHeld, quote.deposit),
            Posting(.shiftCash(shift), -quote.paid), Posting(.feeIncome, -quote.fee), Posting(.unsettledSpend, -quote.unsettled),
        ].filter { $0.amount != .zero }
        guard !postings.isEmpty else { return nil }
        return try JournalDraft(kind: .cardRefund, postings: postings)
    }
}

extension RefundFeeRule {
    /// The fixed fee column (zero unless fixed).
    public var storedFee: Money {
        if case .fixed(let fee) = self { return fee }
        return .zero
    }
    /// The percentage column in basis points (zero unless percentage).
    public var storedBasisPoints: Int {
        if case .percentage(let basisPoints, _) = self { return basisPoints }
        return 0
    }
    /// The threshold column (zero unless percentage).
    public var storedThreshold: Money {
        if case .percentage(_, let threshold) = self { return threshold }
        return .zero
    }
}

/// When a card return needs a supervisor's approval (configuration).
public struct RefundApprovalRule: Sendable, Equatable {
    /// Refunds paying more than this need an approval (`TONGKA_REFUND_APPROVAL_FEN`).
    public var limit: Money
    /// How long an approval stays usable for its card.
    public var validitySeconds: Int

    public init(limit: Money = Money(yuan: 500), validitySeconds: Int = 30 * 60) {
        self.limit = limit
        self.validitySeconds = validitySeconds
    }
}
