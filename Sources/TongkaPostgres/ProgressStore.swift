import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// The ministry's monthly progress report: live figures for the month and an admin's entries.
public struct ProgressStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// The month's table (`YYYY-MM`, months in the operator's time zone).
    public func report(
        month: String, variant: ProgressVariant, province: String, city: String, actor: StaffActor
    ) async throws -> ProgressReport {
        guard ProgressPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let (start, end) = try Self.range(month, zone: database.settings.timeZone)
        return try await database.read { connection in
            var live = ProgressLiveData()
            let issued = try await connection.one(
                """
                SELECT count(*) FILTER (WHERE c.issued_at >= \(start) AND c.issued_at < \(end)),
                       count(*) FILTER (WHERE c.issued_at < \(end)),
                       count(*) FILTER (WHERE c.issued_at >= \(start) AND c.issued_at < \(end) AND p.interconnection)
                  FROM cards c JOIN card_products p ON p.product_id = c.product_id
                 WHERE c.issued_at IS NOT NULL
                """, as: (Int64, Int64, Int64).self, logger: logger)
            (live.issuedInMonth, live.issuedTotal, live.interconnectionInMonth) = issued
            live.byProduct = try await connection.all(
                """
                SELECT p.name, count(*) FROM cards c JOIN card_products p ON p.product_id = c.product_id
                 WHERE c.issued_at >= \(start) AND c.issued_at < \(end) GROUP BY p.code, p.name ORDER BY p.code
                """, as: (String, Int64).self, logger: logger
            ).map { ProgressLiveData.Count(name: $0.0, cards: $0.1) }
            live.byCardType = try await connection.all(
                """
                SELECT p.card_type, count(*) FROM cards c JOIN card_products p ON p.product_id = c.product_id
                 WHERE c.issued_at >= \(start) AND c.issued_at < \(end) GROUP BY p.card_type ORDER BY p.card_type
                """, as: (Int16, Int64).self, logger: logger
            ).map {
                ProgressLiveData.Count(name: CardType(rawValue: Int($0.0))?.localizedName(.zh) ?? "\($0.0)", cards: $0.1)
            }
            let modes = try await connection.all(
                """
                SELECT DISTINCT m FROM cards c JOIN card_products p ON p.product_id = c.product_id, unnest(p.transport_modes) m
                 WHERE c.issued_at < \(end)
                """, as: String.self, logger: logger)
            live.modes = modes.compactMap(TransportMode.init(rawValue:)).sorted()
            live.validatorsByMode = try await connection.all(
                "SELECT mode, count(*) FROM validators WHERE revoked_at IS NULL GROUP BY mode", as: (String, Int64).self,
                logger: logger
            ).compactMap { row in TransportMode(rawValue: row.0).map { ProgressLiveData.ModeCount(mode: $0, count: row.1) } }
                .sorted { $0.mode < $1.mode }
            let current = try await connection.one(
                """
                SELECT count(*), count(*) FILTER (WHERE v.applied_version >= h.version)
                  FROM validators v, blacklist_head h WHERE v.revoked_at IS NULL
                """, as: (Int64, Int64).self, logger: logger)
            (live.validatorsActive, live.validatorsCurrent) = current
            let taps = try await connection.one(
                """
                SELECT count(*), count(*) FILTER (WHERE NOT own_card) FROM taps
                 WHERE tapped_at >= \(start) AND tapped_at < \(end)
                """, as: (Int64, Int64).self, logger: logger)
            (live.tapsInMonth, live.otherIssuerTapsInMonth) = taps
            let exchanged = try await connection.one(
                """
                SELECT COALESCE(sum(records) FILTER (WHERE direction = 'OUT'), 0)::bigint,
                       COALESCE(sum(records) FILTER (WHERE direction = 'IN'), 0)::bigint
                  FROM clearing_files WHERE made_at >= \(start) AND made_at < \(end)
                """, as: (Int64, Int64).self, logger: logger)
            (live.exchangedOut, live.exchangedIn) = exchanged
            // Each active validator's latest application: from the change of the version it holds.
            let delays = try await connection.all(
                """
                SELECT extract(epoch FROM v.applied_at - c.changed_at)::float8 FROM validators v
                  JOIN blacklist_changes c ON c.version = v.applied_version
                 WHERE v.revoked_at IS NULL AND v.applied_at IS NOT NULL ORDER BY 1
                """, as: Double.self, logger: logger)
            if !delays.isEmpty {
                live.propagationMedian = max(0, delays[delays.count / 2])
                live.propagationWorst = max(0, delays[delays.count - 1])
            }
            var entries: [String: ProgressEntry] = [:]
            for try await (row, status, note) in try await connection.query(
                """
                SELECT row_number, status, note FROM progress_entries WHERE month = \(month) AND variant = \(variant.rawValue)
                """, logger: logger
            ).decode((String, String, String).self) {
                entries[row] = ProgressEntry(status: try Stored.value(status, as: ProgressStatus.self), note: note)
            }
            return ProgressReport(variant: variant, month: month, province: province, city: city, live: live, entries: entries)
        }
    }

    /// Sets one row's status and note for a month (admin); the problems and the plan are rows
    /// `problems` and `plan`.
    public func set(
        month: String, variant: ProgressVariant, row: String, status: ProgressStatus, note: String, now: Date,
        origin: RequestOrigin
    ) async throws {
        let actor = try origin.requireActor()
        guard ProgressPolicy.editors.contains(actor.role) else {
            throw TongkaError(.forbiddenRole, detail: "an admin sets the progress report")
        }
        guard ProgressReport.isMonth(month) else { throw TongkaError(.invalidDate, detail: "month is YYYY-MM") }
        guard ProgressReport.isRow(row, of: variant) else {
            throw TongkaError(.invalidProgressRow, detail: "\(row) is not a row of the \(variant.rawValue) table")
        }
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 1_000 else { throw TongkaError(.invalidName, detail: "a note is at most 1,000 characters") }
        try await database.transaction { connection in
            try await connection.query(
                """
                INSERT INTO progress_entries (month, variant, row_number, status, note, updated_by, updated_at)
                VALUES (\(month), \(variant.rawValue), \(row), \(status.rawValue), \(note), \(actor.clerkID.rawValue), \(now))
                ON CONFLICT (month, variant, row_number) DO UPDATE
                   SET status = EXCLUDED.status, note = EXCLUDED.note, updated_by = EXCLUDED.updated_by,
                       updated_at = EXCLUDED.updated_at
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "progress.set", subject: "progress:\(month):\(variant.rawValue):\(row)",
                details: ["status": status.rawValue, "note": note], logger: logger)
        }
    }

    static func range(_ month: String, zone: TimeZone) throws(TongkaError) -> (Date, Date) {
        guard ProgressReport.isMonth(month) else { throw TongkaError(.invalidDate, detail: "month is YYYY-MM") }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = month.split(separator: "-").map { Int($0)! }
        let start = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1))!
        return (start, calendar.date(byAdding: .month, value: 1, to: start)!)
    }
}
