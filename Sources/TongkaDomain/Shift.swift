import Foundation

/// The operator's rules for shifts, from configuration: decided here, applied by the shift store.
public struct ShiftPolicy: Sendable, Equatable {
    /// The largest cash float a clerk may take into a drawer. Bounded (¥10,000 by default) so that
    /// a drawer's expected cash stays far below the ledger's amount limit and a shift can always
    /// be closed.
    public let maximumFloat: Money

    public static let defaultMaximumFloat = Money(fen: 1_000_000)

    public init(maximumFloat: Money = ShiftPolicy.defaultMaximumFloat) {
        self.maximumFloat = maximumFloat
    }

    /// Checks an opening float: not negative, not above ``maximumFloat``.
    public func checkFloat(_ float: Money) throws(TongkaError) {
        guard float.isValidCounterAmount else { throw TongkaError(.amountOutOfRange, detail: "opening float") }
        guard float <= maximumFloat else {
            throw TongkaError(.floatTooLarge, detail: "at most \(maximumFloat.formatted)")
        }
    }

    /// Whether `actor` may force-close the shift of `owner` in `hall`: a supervisor of that hall or
    /// an admin, never for their own shift (that is an ordinary close), and always with a reason.
    /// Returns the reason, trimmed.
    public func checkForceClose(
        actor: StaffActor, owner: ClerkID, hall: HallID, reason: String
    ) throws(TongkaError) -> String {
        guard actor.role == .supervisor || actor.role == .admin else { throw TongkaError(.forbiddenRole) }
        try actor.requireReach(hall: hall)
        guard owner != actor.clerkID else { throw TongkaError(.ownShift) }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(trimmed.count),
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw TongkaError(.reasonRequired) }
        return trimmed
    }
}
