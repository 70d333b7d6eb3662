/// Where an issued card stands. Answers report the stored value; a stored value this build does
/// not know is an error, never a silent default.
public enum CardStatus: String, Sendable, CaseIterable, Codable {
    case active
    /// Reported lost (挂失): refused by validators and counters; the holder may reclaim it within
    /// the window, or get a replacement.
    case suspended
    /// Lost and replaced (补卡): blocked for good; the balance moved to the replacement.
    case replaced
    /// Returned at a counter: deposit and balance paid back, the card blocked for good.
    case refunded
}

/// How a registered card's holder is named when selling it.
public enum HolderSelection: Sendable, Equatable {
    /// By holder number: the seller's hall must reach the holder (``StaffActor/canReachHolder(registeredHall:cardHalls:)``).
    case id(HolderID)
    /// By the identity document the person presents: reachable from any hall.
    case document(IdentityDocument)
}
