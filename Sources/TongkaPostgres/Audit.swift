import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Writes audit events inside the transaction of the change they record, so a change and its
/// audit record commit or vanish together. Details never hold personal data or full card numbers.
enum Audit {
    static func record(
        _ connection: PostgresConnection, origin: RequestOrigin, action: String, subject: String?,
        details: [String: String] = [:], hall: HallID? = nil, logger: Logger
    ) async throws {
        let detailsJSON = String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self)
        let actor = origin.actor
        let hallID = hall?.rawValue ?? actor?.hallID?.rawValue
        try await connection.query(
            """
            INSERT INTO audit_events (actor_clerk_id, actor_username, actor_role, hall_id, action, subject, details,
                                      request_id, client_address)
            VALUES (\(actor?.clerkID.rawValue), \(actor?.username), \(actor?.role.rawValue), \(hallID), \(action),
                    \(subject), \(detailsJSON)::jsonb, \(origin.requestID), \(origin.clientAddress))
            """, logger: logger)
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
