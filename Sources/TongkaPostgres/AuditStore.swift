import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// One audit event as listed for auditors.
public struct AuditEvent: Sendable, Equatable {
    public let id: Int64
    public let occurredAt: Date
    public let actor: String?
    public let role: String?
    public let hallCode: String?
    public let action: String
    public let subject: String?
    public let details: [String: String]
    public let requestID: String?
    public let clientAddress: String?
    public let sealed: Bool
}

/// The result of verifying the audit hash chain.
public struct AuditVerification: Sendable, Equatable {
    public let sealedEvents: Int64
    public let unsealedEvents: Int64
    /// The first event whose hash does not follow from its predecessor; nil when the chain holds.
    public let firstBrokenEventID: Int64?
    /// The chain head: the last sealed event's sequence number and hash (hex). Record it outside
    /// the database; a later verification must show the same hash at that sequence, or the chain
    /// was rewritten and resealed.
    public let headSequence: Int64
    public let headHash: String
    public var valid: Bool { firstBrokenEventID == nil }
}

/// Reads, seals and verifies the audit log.
public struct AuditStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// Events newest first. `action` is an exact action or a prefix ending in `.`.
    public func list(
        from: CalendarDate?, to: CalendarDate?, actor: String?, action: String?, limit: Int, before: Int64?,
        cursor: PageCursor? = nil
    ) async throws -> Page<AuditEvent> {
        if let from, let to, to < from { throw TongkaError(.invalidDateRange) }
        let zone = database.settings.timeZone
        let start = from?.startInstant(in: zone)
        let end = to?.next.startInstant(in: zone)
        let limit = min(max(limit, 1), 1000)
        let before = try cursor.map { try $0.integerKey() } ?? before
        let actionPattern = action.map {
            $0.hasSuffix(".")
                ? $0.replacingOccurrences(of: "_", with: "\\_") + "%" : $0.replacingOccurrences(of: "_", with: "\\_")
        }
        let rows = try await database.read { connection in
            try await connection.all(
                """
                SELECT e.event_id, e.occurred_at, e.actor_username, e.actor_role, h.code, e.action, e.subject,
                       e.details::text, e.request_id, e.client_address, e.chain_seq IS NOT NULL
                  FROM audit_events e LEFT JOIN service_halls h ON h.hall_id = e.hall_id
                 WHERE (\(start)::timestamptz IS NULL OR e.occurred_at >= \(start))
                   AND (\(end)::timestamptz IS NULL OR e.occurred_at < \(end))
                   AND (\(actor)::text IS NULL OR e.actor_username = \(actor))
                   AND (\(actionPattern)::text IS NULL OR e.action LIKE \(actionPattern))
                   AND (\(before)::bigint IS NULL OR e.event_id < \(before))
                 ORDER BY e.event_id DESC
                 LIMIT \(limit + 1)
                """,
                as: (Int64, Date, String?, String?, String?, String, String?, String, String?, String?, Bool).self,
                logger: logger
            ).map { row in
                let details = (try? JSONDecoder().decode([String: String].self, from: Data(row.7.utf8))) ?? [:]
                return AuditEvent(
                    id: row.0, occurredAt: row.1, actor: row.2, role: row.3, hallCode: row.4, action: row.5,
                    subject: row.6, details: details, requestID: row.8, clientAddress: row.9, sealed: row.10)
            }
        }
        return Page(rows: rows, limit: limit) { "\($0.id)" }
    }

    /// Links up to `batch` unsealed events into the hash chain; returns how many it sealed.
    @discardableResult
    public func seal(batch: Int = 1000) async throws -> Int {
        try await database.transaction { connection in
            let sealed: Int32 = try await connection.one("SELECT audit_seal(\(Int32(batch)))", as: (Int32.self), logger: logger)
            return Int(sealed)
        }
    }

    /// Seals what is pending, then recomputes the whole chain.
    public func verify() async throws -> AuditVerification {
        while try await seal() > 0 {}
        return try await database.read { connection in
            let row = try await connection.one(
                "SELECT sealed_events, unsealed_events, first_broken_event, head_seq, head_hash FROM audit_verify()",
                as: (Int64, Int64, Int64?, Int64, Data).self, logger: logger)
            return AuditVerification(
                sealedEvents: row.0, unsealedEvents: row.1, firstBrokenEventID: row.2, headSequence: row.3,
                headHash: row.4.map { String(format: "%02x", $0) }.joined())
        }
    }
}
