import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A transport company as stored, with how many lines it runs now and what the ledger says this
/// operator owes it.
public struct TransportCompany: Sendable, Equatable {
    public let code: String
    public let name: String
    public let lines: Int
    /// The balance of the company's fare revenue account: fares of this operator's cards on its
    /// lines, owed until clearing.
    public let owed: Money
    public let createdAt: Date
}

/// A line as stored: the company that runs it now, as validators name it, its stations, and every
/// company that ran or will run it, oldest first.
public struct TransportLine: Sendable, Equatable {
    public struct Operator: Sendable, Equatable {
        public let companyCode: String
        public let companyName: String
        /// Nil for the company the line was entered with.
        public let from: Date?
    }

    public let companyCode: String
    public let companyName: String
    public let mode: TransportMode
    public let line: String
    public let stations: [String]
    public let operators: [Operator]
    public let createdAt: Date
}

/// Transport companies and their lines (reference data; admins enter it, every change audited).
public struct TransportStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    public func createCompany(
        code rawCode: String, name rawName: String, now: Date, origin: RequestOrigin
    ) async throws
        -> TransportCompany
    {
        let code = try Validate.companyCode(rawCode)
        let name = try Validate.name(rawName, field: "company name")
        return try await database.transaction { connection in
            try await connection.query(
                "INSERT INTO transport_companies (code, name, created_at) VALUES (\(code), \(name), \(now))", logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "transport_company.create", subject: "company:\(code)",
                details: ["name": name], logger: logger)
            return TransportCompany(code: code, name: name, lines: 0, owed: .zero, createdAt: now)
        }
    }

    public func companies(now: Date) async throws -> [TransportCompany] {
        try await database.read { connection in
            try await connection.all(
                """
                SELECT c.code, c.name,
                       (SELECT count(*)::int FROM transport_lines l
                          JOIN LATERAL (SELECT company_id FROM transport_line_operators
                                         WHERE line_id = l.line_id AND valid_from <= \(now)
                                         ORDER BY valid_from DESC LIMIT 1) o ON true
                         WHERE o.company_id = c.company_id),
                       (SELECT -COALESCE(sum(e.amount_fen), 0)::bigint FROM ledger_accounts a
                          JOIN journal_entries e ON e.account_id = a.account_id
                         WHERE a.kind = 'transit_revenue' AND a.company_id = c.company_id),
                       c.created_at
                  FROM transport_companies c ORDER BY c.code
                """, as: (String, String, Int, Int64, Date).self, logger: logger
            ).map { TransportCompany(code: $0.0, name: $0.1, lines: $0.2, owed: Money(fen: $0.3), createdAt: $0.4) }
        }
    }

    public func createLine(_ line: TransportLineDefinition, now: Date, origin: RequestOrigin) async throws -> TransportLine {
        try await database.transaction { connection in
            guard
                let company = try await connection.first(
                    "SELECT company_id, name FROM transport_companies WHERE code = \(line.companyCode)",
                    as: (Int64, String).self, logger: logger)
            else { throw TongkaError(.companyNotFound, detail: line.companyCode) }
            try await Self.lockLine(line.mode, line.line, connection: connection, logger: logger)
            try await connection.query(
                """
                WITH line AS (
                    INSERT INTO transport_lines (mode, line, stations, created_at)
                    VALUES (\(line.mode.rawValue), \(line.line), \(line.stations), \(now))
                    RETURNING line_id)
                INSERT INTO transport_line_operators (line_id, company_id, valid_from, entered_at)
                SELECT line_id, \(company.0), '-infinity', \(now) FROM line
                """, logger: logger)
            // Records of this line received before it was entered had no company: they are the
            // new company's now, and so are the fares of this operator's cards among them. Found
            // through `taps_without_company`, a partial index of the records without a company only
            // (migration 0026), so the upload path does not pay for it.
            let (records, posted) = try await connection.one(
                """
                WITH credited AS (
                    UPDATE taps SET company_id = \(company.0)
                     WHERE mode = \(line.mode.rawValue) AND line = \(line.line) AND company_id IS NULL
                    RETURNING own_card, transaction_id, amount_fen)
                SELECT count(*), COALESCE(sum(amount_fen) FILTER (WHERE own_card AND transaction_id IS NOT NULL), 0)::bigint
                  FROM credited
                """, as: (Int64, Int64).self, logger: logger)
            if let draft = try LedgerRules.reassignRevenue(to: CompanyID(company.0), amount: Money(fen: posted)) {
                _ = try await LedgerStore.post(
                    draft,
                    context: .init(
                        actor: try origin.requireActor(), hall: nil, shift: nil, idempotencyKey: nil,
                        memo: "\(records) records of \(line.mode.rawValue) \(line.line) received before the line was entered"),
                    connection: connection, logger: logger)
            }
            try await Audit.record(
                connection, origin: origin, action: "transport_line.create", subject: "line:\(line.mode.rawValue):\(line.line)",
                details: [
                    "company": line.companyCode, "stations": "\(line.stations.count)", "earlier_records": "\(records)",
                    "earlier_fares_fen": "\(posted)",
                ], logger: logger)
            return TransportLine(
                companyCode: line.companyCode, companyName: company.1, mode: line.mode, line: line.line, stations: line.stations,
                operators: [.init(companyCode: line.companyCode, companyName: company.1, from: nil)], createdAt: now)
        }
    }

    /// Hands a line to another company from the start of an operator-local day after today
    /// (``TransportRules/transferStart(to:day:today:operators:timeZone:)``): records tapped from
    /// then on are credited to it, in the ledger and the revenue report.
    public func transferLine(
        mode: TransportMode, line rawLine: String, to rawCode: String, from day: CalendarDate, now: Date,
        origin: RequestOrigin
    ) async throws -> TransportLine {
        let code = try Validate.companyCode(rawCode)
        let line = try Validate.name(rawLine, field: "line", maxLength: 40)
        let zone = database.settings.timeZone
        try await database.transaction { connection in
            guard
                let company = try await connection.first(
                    "SELECT company_id FROM transport_companies WHERE code = \(code)", as: (Int64.self), logger: logger)
            else { throw TongkaError(.companyNotFound, detail: code) }
            let (lineID, operators) = try await Self.lockedOperators(mode, line, connection: connection, logger: logger)
            let start = try TransportRules.transferStart(
                to: CompanyID(company), day: day, today: CalendarDate(now, in: zone), operators: operators, timeZone: zone)
            try await connection.query(
                """
                INSERT INTO transport_line_operators (line_id, company_id, valid_from, entered_at)
                VALUES (\(lineID), \(company), \(start), \(now))
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "transport_line.transfer", subject: "line:\(mode.rawValue):\(line)",
                details: ["company": code, "from": day.description], logger: logger)
        }
        return try await currentLine(mode, line, now: now)
    }

    /// Withdraws the change of company entered for `day` (``TransportRules/cancellation``): the line
    /// stays with the company that runs it before that day. A change nothing was credited under
    /// never took effect, so its row goes; the audit trail keeps that it was entered and withdrawn.
    public func cancelLineTransfer(
        mode: TransportMode, line rawLine: String, from day: CalendarDate, now: Date, origin: RequestOrigin
    ) async throws -> TransportLine {
        let line = try Validate.name(rawLine, field: "line", maxLength: 40)
        let zone = database.settings.timeZone
        try await database.transaction { connection in
            let (lineID, operators) = try await Self.lockedOperators(mode, line, connection: connection, logger: logger)
            let start = try TransportRules.cancellation(day: day, now: now, operators: operators, timeZone: zone)
            guard
                let company = try await connection.first(
                    """
                    DELETE FROM transport_line_operators o USING transport_companies c
                     WHERE o.line_id = \(lineID) AND o.valid_from = \(start) AND c.company_id = o.company_id
                    RETURNING c.code
                    """, as: (String.self), logger: logger)
            else { throw TongkaError(.lineTransferNotFound) }
            try await Audit.record(
                connection, origin: origin, action: "transport_line.cancel_transfer",
                subject: "line:\(mode.rawValue):\(line)", details: ["company": company, "from": day.description],
                logger: logger)
        }
        return try await currentLine(mode, line, now: now)
    }

    /// The line (`line_not_found`) and who runs it when, with the line locked for the rest of the
    /// transaction: two changes of one line are judged one after the other, and no upload of the
    /// line is in flight while a change commits.
    static func lockedOperators(
        _ mode: TransportMode, _ line: String, connection: PostgresConnection, logger: Logger
    ) async throws -> (lineID: Int64, operators: LineOperators) {
        guard
            let lineID = try await connection.first(
                "SELECT line_id FROM transport_lines WHERE mode = \(mode.rawValue) AND line = \(line)",
                as: (Int64.self), logger: logger)
        else { throw TongkaError(.lineNotFound, detail: "\(mode.rawValue) \(line)") }
        try await lockLine(mode, line, connection: connection, logger: logger)
        let operators = LineOperators(
            try await connection.all(
                """
                SELECT company_id, NULLIF(valid_from, '-infinity') FROM transport_line_operators WHERE line_id = \(lineID)
                """, as: (Int64, Date?).self, logger: logger
            ).map { LineOperators.Span(company: CompanyID($0.0), from: $0.1) })
        return (lineID, operators)
    }

    private func currentLine(_ mode: TransportMode, _ line: String, now: Date) async throws -> TransportLine {
        guard let changed = try await lines(companyCode: nil, only: (mode, line), now: now).first else {
            throw TongkaError(.lineNotFound)
        }
        return changed
    }

    /// Every line, or the lines one company runs at `now` (`company_not_found` for an unknown code),
    /// or `only` one line.
    public func lines(
        companyCode: String?, only: (mode: TransportMode, line: String)? = nil, now: Date
    ) async throws -> [TransportLine] {
        let code = try companyCode.map { code throws(TongkaError) in try Validate.companyCode(code) }
        let (onlyMode, onlyLine) = (only?.mode.rawValue, only?.line)
        return try await database.read { connection in
            if let code {
                guard
                    try await connection.first(
                        "SELECT 1 FROM transport_companies WHERE code = \(code)", as: (Int.self), logger: logger) != nil
                else { throw TongkaError(.companyNotFound, detail: code) }
            }
            let rows = try await connection.all(
                """
                SELECT l.line_id, c.code, c.name, l.mode, l.line, l.stations, l.created_at
                  FROM transport_lines l
                  JOIN LATERAL (SELECT company_id FROM transport_line_operators
                                 WHERE line_id = l.line_id AND valid_from <= \(now)
                                 ORDER BY valid_from DESC LIMIT 1) o ON true
                  JOIN transport_companies c ON c.company_id = o.company_id
                 WHERE (\(code)::text IS NULL OR c.code = \(code))
                   AND (\(onlyMode)::text IS NULL OR (l.mode = \(onlyMode) AND l.line = \(onlyLine)))
                 ORDER BY c.code, l.mode, l.line
                """, as: (Int64, String, String, String, String, [String], Date).self, logger: logger)
            var history: [Int64: [TransportLine.Operator]] = [:]
            for try await (lineID, code, name, from) in try await connection.query(
                """
                SELECT o.line_id, c.code, c.name, NULLIF(o.valid_from, '-infinity')
                  FROM transport_line_operators o JOIN transport_companies c ON c.company_id = o.company_id
                 WHERE o.line_id = ANY(\(rows.map(\.0))::bigint[]) ORDER BY o.line_id, o.valid_from
                """, logger: logger
            ).decode((Int64, String, String, Date?).self) {
                history[lineID, default: []].append(.init(companyCode: code, companyName: name, from: from))
            }
            return try rows.map { row in
                TransportLine(
                    companyCode: row.1, companyName: row.2, mode: try Stored.value(row.3, as: TransportMode.self), line: row.4,
                    stations: row.5, operators: history[row.0] ?? [], createdAt: row.6)
            }
        }
    }

    /// The advisory lock keys of these lines, each once, sorted (so that uploads taking several never
    /// wait on each other in a cycle). Uploads hold them shared; entering a line or handing it to
    /// another company holds its key alone (``lockLine(_:_:connection:logger:)``).
    static func lineLockKeys(_ lines: [(TransportMode, String)]) -> [String] {
        Set(lines.map { "tongka-line:\($0.0.rawValue):\($0.1)" }).sorted()
    }

    /// Waits for the uploads naming this line to commit and keeps new ones out until commit: every
    /// record of the line is stored either before (and seen by this transaction) or after (and
    /// credited by what it commits).
    static func lockLine(_ mode: TransportMode, _ line: String, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtext(\(lineLockKeys([(mode, line)])[0])))", logger: logger)
    }

    /// A line as validators name it.
    struct LineKey: Hashable {
        let mode: String
        let line: String

        init(_ mode: TransportMode, _ line: String) {
            self.mode = mode.rawValue
            self.line = line
        }
    }

    /// Who ran each of these lines when, for the lines entered (others are missing from the answer).
    static func operators(
        of lines: [(TransportMode, String)], connection: PostgresConnection, logger: Logger
    ) async throws -> [LineKey: LineOperators] {
        let keys = Set(lines.map { LineKey($0.0, $0.1) })
        guard !keys.isEmpty else { return [:] }
        var spans: [LineKey: [LineOperators.Span]] = [:]
        for try await (mode, line, company, from) in try await connection.query(
            """
            SELECT l.mode, l.line, o.company_id, NULLIF(o.valid_from, '-infinity')
              FROM unnest(\(keys.map(\.mode))::text[], \(keys.map(\.line))::text[]) AS k(mode, line)
              JOIN transport_lines l ON l.mode = k.mode AND l.line = k.line
              JOIN transport_line_operators o ON o.line_id = l.line_id
            """, logger: logger
        ).decode((String, String, Int64, Date?).self) {
            spans[LineKey(try Stored.value(mode, as: TransportMode.self), line), default: []].append(
                .init(company: CompanyID(company), from: from))
        }
        return spans.mapValues(LineOperators.init)
    }
}
