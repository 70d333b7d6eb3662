import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A service hall as stored.
public struct Hall: Sendable, Codable, Equatable {
    public let id: HallID
    public let code: String
    public let name: String
    public let address: String?
    public let open: Bool
    public let createdAt: Date
}

/// Service halls: creating, closing and reopening them, and finding them by code.
public struct HallStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    static func hall(_ row: (Int64, String, String, String?, String, Date)) -> Hall {
        Hall(id: HallID(row.0), code: row.1, name: row.2, address: row.3, open: row.4 == "open", createdAt: row.5)
    }

    public func createHall(
        code rawCode: String, name rawName: String, address: String?, origin: RequestOrigin
    ) async throws -> Hall {
        let code = try Validate.hallCode(rawCode)
        let name = try Validate.name(rawName, field: "hall name")
        let address = try address.map { try Validate.name($0, field: "address", maxLength: 200) }
        return try await database.transaction { connection in
            let row = try await connection.one(
                """
                INSERT INTO service_halls (code, name, address) VALUES (\(code), \(name), \(address))
                RETURNING hall_id, code, name, address, status, created_at
                """, as: (Int64, String, String, String?, String, Date).self, logger: logger)
            let hall = Self.hall(row)
            try await Audit.record(
                connection, origin: origin, action: "hall.create", subject: "hall:\(hall.id)", details: ["code": code],
                hall: hall.id, logger: logger)
            return hall
        }
    }

    /// Closes or reopens a hall. A closed hall takes no new shifts, staff or stock; shifts already
    /// open there can still be closed.
    public func setHallOpen(code rawCode: String, open: Bool, origin: RequestOrigin) async throws -> Hall {
        let code = try Validate.hallCode(rawCode)
        return try await database.transaction { connection in
            guard
                let row = try await connection.first(
                    """
                    UPDATE service_halls SET status = \(open ? "open" : "closed") WHERE code = \(code)
                    RETURNING hall_id, code, name, address, status, created_at
                    """, as: (Int64, String, String, String?, String, Date).self, logger: logger)
            else { throw TongkaError(.hallNotFound, detail: code) }
            let hall = Self.hall(row)
            try await Audit.record(
                connection, origin: origin, action: open ? "hall.reopen" : "hall.close", subject: "hall:\(hall.id)",
                details: ["code": code], hall: hall.id, logger: logger)
            return hall
        }
    }

    public func listHalls() async throws -> [Hall] {
        try await database.read { connection in
            try await connection.all(
                "SELECT hall_id, code, name, address, status, created_at FROM service_halls ORDER BY code",
                as: (Int64, String, String, String?, String, Date).self, logger: logger
            ).map(Self.hall)
        }
    }

    public func hall(code rawCode: String) async throws -> Hall {
        let code = try Validate.hallCode(rawCode)
        guard
            let row = try await database.read({ connection in
                try await connection.first(
                    "SELECT hall_id, code, name, address, status, created_at FROM service_halls WHERE code = \(code)",
                    as: (Int64, String, String, String?, String, Date).self, logger: logger)
            })
        else { throw TongkaError(.hallNotFound, detail: code) }
        return Self.hall(row)
    }
}
