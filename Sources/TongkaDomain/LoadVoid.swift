/// What the back office knows about a load when a supervisor asks to void it, read with the load
/// row locked.
public struct LoadVoidFacts: Sendable, Equatable {
    public let state: LoadState
    /// The load's card (19 digits).
    public let card: String
    public let amount: Money
    /// Whether the shift the load was paid into is still open.
    public let shiftOpen: Bool

    public init(state: LoadState, card: String, amount: Money, shiftOpen: Bool) {
        self.state = state
        self.card = card
        self.amount = amount
        self.shiftOpen = shiftOpen
    }
}

/// Whether a load may be voided (debited back from the card and its money returned). Pure: the
/// load's facts and what the card in the reader showed in, a refusal with its stable code out.
///
/// A void is a supervisor's correction at the counter, while the customer and the card are still
/// there: only a confirmed load, only while its shift is open (the drawer that took the cash
/// still holds it), only with that same card, and only when the card still holds the amount.
public enum LoadVoidPolicy {
    public static func check(
        _ facts: LoadVoidFacts, presentedCard: String, cardBalance: Money, actorRole: Role
    ) throws(TongkaError) {
        guard actorRole == .supervisor else { throw TongkaError(.forbiddenRole, detail: "a supervisor voids a top-up") }
        guard facts.state == .confirmed else {
            throw TongkaError(.voidNotAllowed, detail: "the top-up is \(facts.state.rawValue), not confirmed")
        }
        guard facts.shiftOpen else { throw TongkaError(.voidNotAllowed, detail: "the top-up's shift is closed") }
        guard presentedCard == facts.card else { throw TongkaError(.cardMismatch) }
        guard cardBalance >= facts.amount else {
            throw TongkaError(.amountNotInPurse, detail: "card \(cardBalance.formatted) < \(facts.amount.formatted)")
        }
    }
}
