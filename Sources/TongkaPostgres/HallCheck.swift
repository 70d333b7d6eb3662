import Logging
import PostgresNIO
import TongkaDomain

/// Reads a hall's status inside the caller's transaction and holds it `FOR SHARE`, so closing the
/// hall waits for the command in flight and a command never runs in a hall that closed meanwhile.
enum HallCheck {
    static func requireOpen(_ hall: HallID, connection: PostgresConnection, logger: Logger) async throws {
        try requireOpen(
            storedStatus: try await connection.first(
                "SELECT status FROM service_halls WHERE hall_id = \(hall.rawValue) FOR SHARE", as: (String.self), logger: logger))
    }

    /// The same decision over a status a use case read (and locked `FOR SHARE`) in its own statement.
    static func requireOpen(storedStatus: String?) throws {
        guard let storedStatus else { throw TongkaError(.hallNotFound) }
        try Stored.value(storedStatus, as: HallStatus.self).requireOpen()
    }
}
