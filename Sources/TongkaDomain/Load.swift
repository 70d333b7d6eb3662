import Foundation

/// Where a purse load (圈存) stands in the protocol. The money is posted when the host issues
/// MAC2, in the same database transaction that stores it.
public enum LoadState: String, Sendable, CaseIterable, Codable {
    /// MAC1 verified, limits passed, the money posted and MAC2 answered; the card's TAC has not come back yet.
    case mac2Issued = "mac2_issued"
    /// The card's TAC verified, or the card showed the credit (its online serial moved on).
    case confirmed
    /// MAC2 issued and the counter lost the card's answer: the money may or may not be on the card.
    case grey
    /// The card showed it did not credit the load; the money went back to the payment.
    case reversed
    /// A supervisor debited the load back from the card in the same shift.
    case voided

    /// MAC2 issued and not yet decided: blocks another load on the card.
    public var isOpen: Bool { self == .mac2Issued || self == .grey }
}

/// The operator's load limits (configuration), beside each product's maximum balance.
public struct LoadLimits: Sendable, Equatable {
    /// Loads in whole yuan only (the usual rule at counters).
    public var wholeYuanOnly: Bool
    /// The most one card may be loaded with in one operator day (all channels together).
    public var dailyLimit: Money

    public init(wholeYuanOnly: Bool = true, dailyLimit: Money = Money(yuan: 2_000)) {
        self.wholeYuanOnly = wholeYuanOnly
        self.dailyLimit = dailyLimit
    }
}

/// What the back office knows about a card at the moment of a load, read in the load's transaction.
public struct LoadFacts: Sendable, Equatable {
    public let cardStatus: CardStatus
    public let validTo: CalendarDate
    /// The product's maximum stored balance.
    public let maximumBalance: Money
    /// The shadow balance of the card's purse account.
    public let backOfficeBalance: Money
    /// What the card was loaded with today (operator day), reversed loads excluded.
    public let loadedToday: Money
    /// A load of this card whose MAC2 was issued and that is not decided yet.
    public let openLoad: LoadID?

    public init(
        cardStatus: CardStatus, validTo: CalendarDate, maximumBalance: Money, backOfficeBalance: Money,
        loadedToday: Money, openLoad: LoadID?
    ) {
        self.cardStatus = cardStatus
        self.validTo = validTo
        self.maximumBalance = maximumBalance
        self.backOfficeBalance = backOfficeBalance
        self.loadedToday = loadedToday
        self.openLoad = openLoad
    }
}

/// Whether a card may be loaded. Pure: facts, the card's own balance (authenticated by MAC1) and
/// `today` in, a refusal with its stable code out.
public enum LoadPolicy {
    public static func check(
        amount: Money, cardBalance: Money, facts: LoadFacts, limits: LoadLimits, today: CalendarDate
    ) throws(TongkaError) {
        try checkAmountAndCard(amount: amount, status: facts.cardStatus, validTo: facts.validTo, limits: limits, today: today)
        if let open = facts.openLoad { throw TongkaError(.greyLoadPending, detail: "load \(open)") }
        guard cardBalance + amount <= facts.maximumBalance else {
            throw TongkaError(
                .balanceLimitExceeded,
                detail: "card \(cardBalance.formatted) + \(amount.formatted) > \(facts.maximumBalance.formatted)")
        }
        guard facts.backOfficeBalance + amount <= facts.maximumBalance else {
            throw TongkaError(
                .balanceLimitExceeded,
                detail:
                    "back office \(facts.backOfficeBalance.formatted) + \(amount.formatted) > \(facts.maximumBalance.formatted)")
        }
        guard facts.loadedToday + amount <= limits.dailyLimit else {
            throw TongkaError(
                .dailyLoadLimit, detail: "\(facts.loadedToday.formatted) + \(amount.formatted) > \(limits.dailyLimit.formatted)")
        }
    }
}

extension LoadPolicy {
    /// What every load and every top-up order checks first: a positive amount within the purse's
    /// range, whole yuan unless configured, an active card within its validity.
    public static func checkAmountAndCard(
        amount: Money, status: CardStatus, validTo: CalendarDate, limits: LoadLimits, today: CalendarDate
    ) throws(TongkaError) {
        guard amount > .zero, amount.fen <= ProductDefinition.purseLimit.fen else {
            throw TongkaError(.amountOutOfRange)
        }
        if limits.wholeYuanOnly, amount.fen % 100 != 0 { throw TongkaError(.loadNotWholeYuan) }
        switch status {
        case .active: break
        case .refunded: throw TongkaError(.cardRefunded)
        case .suspended: throw TongkaError(.cardSuspended)
        case .replaced: throw TongkaError(.cardReplaced)
        }
        guard validTo >= today else { throw TongkaError(.cardExpired, detail: validTo.description) }
    }
}

/// What the card showed about a grey load.
public enum GreyLoadDecision: Sendable, Equatable {
    /// The card credited it: confirm the load.
    case credited
    /// The card did not, and its MAC2 can no longer be used: reverse the load.
    case notCredited
    /// The evidence does not decide: keep the load grey.
    case undetermined(reason: String)
}

/// Decides a grey load from the card's online serial, read from a new INITIALIZE FOR LOAD whose
/// MAC1 the host verified (so the serial is the card's, not typed or forged). Never guesses.
///
/// A load authorised at serial S moves the card to S+1 only when CREDIT FOR LOAD succeeded with
/// the MAC2 issued for S, and the host issues one MAC2 per card serial (the loads table enforces
/// it). A new INITIALIZE makes a new session key, so a MAC2 for S is dead once the card shows S again.
public enum GreyLoadRules {
    public static func decide(authorisedSerial: Int, observedSerial: Int) -> GreyLoadDecision {
        if observedSerial == authorisedSerial { return .notCredited }
        if observedSerial == authorisedSerial + 1 { return .credited }
        if observedSerial < authorisedSerial {
            return .undetermined(reason: "the card's online serial \(observedSerial) is below the load's \(authorisedSerial)")
        }
        return .undetermined(
            reason: "the card's online serial \(observedSerial) moved past \(authorisedSerial + 1): other loads happened since")
    }
}

/// Where the money of a load comes from.
public enum LoadFunding: Sendable, Equatable {
    /// Paid at the counter: cash into the clerk's drawer or a channel payment with its reference.
    case payment(Payment)
    /// An online top-up order a channel paid for, waiting for the card.
    case order(TopupOrderID)
}

/// The terminal label a counter workstation uses: 1 to 32 letters, digits, '.', '_' or '-'.
public enum TerminalLabel {
    public static func validate(_ text: String) throws(TongkaError) -> String {
        guard (1...32).contains(text.count),
            text.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "_" || $0 == "-")
            })
        else { throw TongkaError(.invalidTerminal, detail: "a label is 1 to 32 letters, digits, '.', '_' or '-'") }
        return text
    }
}
