import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A transport company as stored, with how many lines it runs.
public struct TransportCompany: Sendable, Equatable {
    public let code: String
    public let name: String
    public let lines: Int
    public let createdAt: Date
}

/// A line as stored: the company that runs it, as validators name it, and its stations.
public struct TransportLine: Sendable, Equatable {
    public let companyCode: String
    public let companyName: String
    public let mode: TransportMode
    public let line: String
    public let stations: [String]
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
            return TransportCompany(code: code, name: name, lines: 0, createdAt: now)
        }
    }

    public func companies() async throws -> [TransportCompany] {
        try await database.read { connection in
            try await connection.all(
                """
                SELECT c.code, c.name, (SELECT count(*)::int FROM transport_lines l WHERE l.company_id = c.company_id), c.created_at
                  FROM transport_companies c ORDER BY c.code
                """, as: (String, String, Int, Date).self, logger: logger
            ).map { TransportCompany(code: $0.0, name: $0.1, lines: $0.2, createdAt: $0.3) }
        }
    }

    public func createLine(_ line: TransportLineDefinition, now: Date, origin: RequestOrigin) async throws -> TransportLine {
        try await database.transaction { connection in
            guard
                let company = try await connection.first(
                    "SELECT company_id, name FROM transport_companies WHERE code = \(line.companyCode)",
                    as: (Int64, String).self, logger: logger)
            else { throw TongkaError(.companyNotFound, detail: line.companyCode) }
            try await connection.query(
                """
                INSERT INTO transport_lines (company_id, mode, line, stations, created_at)
                VALUES (\(company.0), \(line.mode.rawValue), \(line.line), \(line.stations), \(now))
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "transport_line.create", subject: "line:\(line.mode.rawValue):\(line.line)",
                details: ["company": line.companyCode, "stations": "\(line.stations.count)"], logger: logger)
            return TransportLine(
                companyCode: line.companyCode, companyName: company.1, mode: line.mode, line: line.line, stations: line.stations,
                createdAt: now)
        }
    }

    /// Every line, or one company's (`company_not_found` for an unknown code).
    public func lines(companyCode: String?) async throws -> [TransportLine] {
        let code = try companyCode.map { code throws(TongkaError) in try Validate.companyCode(code) }
        return try await database.read { connection in
            if let code {
                guard
                    try await connection.first(
                        "SELECT 1 FROM transport_companies WHERE code = \(code)", as: (Int.self), logger: logger) != nil
                else { throw TongkaError(.companyNotFound, detail: code) }
            }
            return try await connection.all(
                """
                SELECT c.code, c.name, l.mode, l.line, l.stations, l.created_at
                  FROM transport_lines l JOIN transport_companies c ON c.company_id = l.company_id
                 WHERE \(code)::text IS NULL OR c.code = \(code)
                 ORDER BY c.code, l.mode, l.line
                """, as: (String, String, String, String, [String], Date).self, logger: logger
            ).map { row in
                TransportLine(
                    companyCode: row.0, companyName: row.1, mode: try Stored.value(row.2, as: TransportMode.self), line: row.3,
                    stations: row.4, createdAt: row.5)
            }
        }
    }
}
