/// Hall scope: what a member of staff may see and act on, decided once here. Stores fetch the
/// facts (which hall a holder was registered in, where its cards were sold) and ask these rules.
extension StaffActor {
    /// The hall a listing or report is limited to. Hall-bound staff see their own hall whether or
    /// not they name it, and naming another hall is refused; operator-wide staff see the hall they
    /// name, or every hall (`nil`).
    public func hallFilter(requested: HallID?) throws(TongkaError) -> HallID? {
        if let requested {
            try requireReach(hall: requested)
            return requested
        }
        return role.isHallBound ? hallID : nil
    }

    /// Whether this actor may reach a holder by its number: hall-bound staff reach holders
    /// registered in their hall or holding a card sold there; elsewhere the holder is found only
    /// by the identity document the person shows (``HolderSelection/document(_:)``).
    public func canReachHolder(registeredHall: HallID, cardHalls: Set<HallID>) -> Bool {
        guard role.isHallBound else { return true }
        guard let hallID else { return false }
        return registeredHall == hallID || cardHalls.contains(hallID)
    }
}

/// Whether a hall is serving. A closed hall takes no new shifts, staff, holders or sales; shifts
/// already open there can still be closed.
public enum HallStatus: String, Sendable, CaseIterable, Codable {
    case open
    case closed

    public func requireOpen() throws(TongkaError) {
        guard self == .open else { throw TongkaError(.hallClosed) }
    }
}
