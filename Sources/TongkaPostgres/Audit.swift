import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Writes audit events inside the transaction of the change they record, so a change and its
/// audit record commit or vanish together. Details never hold personal data or full card numbers.
enum Audit {
    /// One event to append: who (from the origin), what, and the hall it happened in.
    struct Event: Sendable {
        let origin: RequestOrigin
        let action: String
        let subject: String?
        let details: [String: String]
        let hall: HallID?

        /// Appends the nine values of ``Audit/insertSQL(firstParameter:)``, in its order.
        func appendBindings(to bindings: inout PostgresBindings) throws {
            let actor = origin.actor
            bindings.append(actor?.clerkID.rawValue)
            bindings.append(actor?.username)
            bindings.append(actor?.role.rawValue)
            bindings.append(hall?.rawValue ?? actor?.hallID?.rawValue)
            bindings.append(action)
            bindings.append(subject)
            bindings.append(String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self))
            bindings.append(origin.requestID)
            bindings.append(origin.clientAddress)
        }
    }

    /// The INSERT of one event, its values in parameters `$first` to `$first + 8`; a use case that
    /// writes several rows in one statement embeds it as a CTE.
    static func insertSQL(firstParameter p: Int) -> String {
        """
        INSERT INTO audit_events (actor_clerk_id, actor_username, actor_role, hall_id, action, subject, details,
                                  request_id, client_address)
        VALUES ($\(p)::bigint, $\(p + 1)::text, $\(p + 2)::text, $\(p + 3)::bigint, $\(p + 4)::text, $\(p + 5)::text,
                $\(p + 6)::text::jsonb, $\(p + 7)::text, $\(p + 8)::text)
        """
    }

    struct Insert: PostgresPreparedStatement {
        static let name = "audit.insert"
        static let sql = Audit.insertSQL(firstParameter: 1)
        typealias Row = ()
        let event: Event

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 9)
            try event.appendBindings(to: &bindings)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    static func record(
        _ connection: PostgresConnection, origin: RequestOrigin, action: String, subject: String?,
        details: [String: String] = [:], hall: HallID? = nil, logger: Logger
    ) async throws {
        let event = Event(origin: origin, action: action, subject: subject, details: details, hall: hall)
        try await connection.run(Insert(event: event), logger: logger)
    }
}

extension JSONEncoder {
    /// Deterministic output: the idempotency hash and audit details depend on it.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
