import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A member of staff as shown to others: never the password hash.
public struct Clerk: Sendable, Codable, Equatable {
    public let id: ClerkID
    public let username: String
    public let displayName: String
    public let role: Role
    public let hallID: HallID?
    public let hallCode: String?
    public let mustChangePassword: Bool
    public let disabled: Bool
    /// Set while the automatic lock after wrong passwords lasts.
    public let lockedUntil: Date?
    public let createdAt: Date

    public var actor: StaffActor { StaffActor(clerkID: id, username: username, role: role, hallID: hallID) }
}

/// The result of bootstrap: the first hall, the first admin and its one-time password.
public struct BootstrapResult: Sendable {
    public let hall: Hall
    public let admin: Clerk
    public let oneTimePassword: String
}

/// Clerks (staff accounts): the first admin, creating, listing, locking and password resets.
public struct StaffStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var settings: StoreSettings { database.settings }

    public init(database: Database) { self.database = database }

    static let clerkColumns = """
        c.clerk_id, c.username, c.display_name, c.role, c.hall_id, h.code, c.must_change_password, c.disabled,
        c.locked_until, c.created_at
        """

    typealias ClerkRow = (Int64, String, String, String, Int64?, String?, Bool, Bool, Date?, Date)

    static func clerk(_ row: ClerkRow) throws -> Clerk {
        Clerk(
            id: ClerkID(row.0), username: row.1, displayName: row.2, role: try Stored.value(row.3, as: Role.self),
            hallID: row.4.map { HallID($0) }, hallCode: row.5, mustChangePassword: row.6, disabled: row.7,
            lockedUntil: row.8, createdAt: row.9)
    }

    // MARK: Bootstrap

    /// Creates the first hall and the first admin with a one-time password. Refuses a second run:
    /// the single-row `installation` table decides, also when two bootstraps race.
    public func bootstrap(
        adminUsername: String, adminName: String, hallCode: String, hallName: String, now: Date
    ) async throws -> BootstrapResult {
        let username = try Validate.username(adminUsername)
        let displayName = try Validate.name(adminName, field: "admin name")
        let code = try Validate.hallCode(hallCode)
        let name = try Validate.name(hallName, field: "hall name")
        let password = OneTimePassword.generate()
        let hash = try await settings.passwordHasher.hash(password)
        return try await database.transaction { connection in
            try await connection.query("INSERT INTO installation DEFAULT VALUES", logger: logger)
            let hallRow = try await connection.one(
                """
                INSERT INTO service_halls (code, name) VALUES (\(code), \(name))
                RETURNING hall_id, code, name, address, status, created_at
                """, as: (Int64, String, String, String?, String, Date).self, logger: logger)
            let hall = HallStore.hall(hallRow)
            let admin = try await insertClerk(
                username: username, displayName: displayName, role: .admin, hall: nil, passwordHash: hash, now: now,
                connection: connection)
            let origin = RequestOrigin(actor: admin.actor, requestID: "bootstrap", clientAddress: nil)
            try await Audit.record(
                connection, origin: origin, action: "installation.bootstrap", subject: "clerk:\(admin.id)",
                details: ["hall": code, "admin": username], hall: hall.id, logger: logger)
            return BootstrapResult(hall: hall, admin: admin, oneTimePassword: password)
        }
    }

    // MARK: Clerks

    /// Creates a clerk with a one-time password the clerk must change at first login.
    public func createClerk(
        username rawUsername: String, displayName rawName: String, role: Role, hallCode: String?, origin: RequestOrigin,
        now: Date
    ) async throws -> (Clerk, String) {
        // Channel accounts come with a token, not a password: `tongka-server channel add`.
        guard role != .channel else { throw TongkaError(.forbiddenRole, detail: "channels are added on the server host") }
        let username = try Validate.username(rawUsername)
        let displayName = try Validate.name(rawName, field: "display name")
        var hall: Hall?
        if let hallCode { hall = try await HallStore(database: database).hall(code: hallCode) }
        if role.isHallBound, hall == nil { throw TongkaError(.hallRequired) }
        let password = OneTimePassword.generate()
        let hash = try await settings.passwordHasher.hash(password)
        let clerk = try await database.transaction { [hall] connection in
            // Inside the transaction, holding the hall: a hall closed meanwhile takes no new staff.
            if let hall { try await HallCheck.requireOpen(hall.id, connection: connection, logger: logger) }
            let clerk = try await insertClerk(
                username: username, displayName: displayName, role: role, hall: role.isHallBound ? hall?.id : nil,
                passwordHash: hash, now: now, connection: connection)
            try await Audit.record(
                connection, origin: origin, action: "clerk.create", subject: "clerk:\(clerk.id)",
                details: ["username": username, "role": role.rawValue, "hall": clerk.hallCode ?? ""], logger: logger)
            return clerk
        }
        return (clerk, password)
    }

    /// Inserts a clerk whose password was set at `now` (sessions older than that do not count).
    private func insertClerk(
        username: String, displayName: String, role: Role, hall: HallID?, passwordHash: String, now: Date,
        connection: PostgresConnection
    ) async throws -> Clerk {
        let row = try await connection.one(
            """
            WITH inserted AS (
                INSERT INTO clerks (username, display_name, role, hall_id, password_hash, password_changed_at)
                VALUES (\(username), \(displayName), \(role.rawValue), \(hall?.rawValue), \(passwordHash), \(now))
                RETURNING *)
            SELECT \(unescaped: Self.clerkColumns) FROM inserted c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
            """, as: ClerkRow.self, logger: logger)
        return try Self.clerk(row)
    }

    /// Lists clerks; hall-bound readers see only their own hall.
    public func listClerks(hallCode: String?, actor: StaffActor) async throws -> [Clerk] {
        var hallFilter: Int64?
        if let hallCode { hallFilter = try await HallStore(database: database).hall(code: hallCode).id.rawValue }
        if actor.role.isHallBound {
            if let hallFilter, hallFilter != actor.hallID?.rawValue { throw TongkaError(.forbiddenHall) }
            hallFilter = actor.hallID?.rawValue
        }
        return try await database.read { [hallFilter] connection in
            try await connection.all(
                """
                SELECT \(unescaped: Self.clerkColumns) FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE \(hallFilter)::bigint IS NULL OR c.hall_id = \(hallFilter)
                 ORDER BY c.username
                """, as: ClerkRow.self, logger: logger
            ).map { try Self.clerk($0) }
        }
    }

    public func clerk(username rawUsername: String) async throws -> Clerk {
        let username = try Validate.username(rawUsername)
        guard
            let row = try await database.read({ connection in
                try await connection.first(
                    """
                    SELECT \(unescaped: Self.clerkColumns) FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                     WHERE c.username = \(username)
                    """, as: ClerkRow.self, logger: logger)
            })
        else { throw TongkaError(.clerkNotFound, detail: username) }
        return try Self.clerk(row)
    }

    public func clerk(id: ClerkID) async throws -> Clerk {
        guard
            let row = try await database.read({ connection in
                try await connection.first(
                    """
                    SELECT \(unescaped: Self.clerkColumns) FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                     WHERE c.clerk_id = \(id.rawValue)
                    """, as: ClerkRow.self, logger: logger)
            })
        else { throw TongkaError(.clerkNotFound) }
        return try Self.clerk(row)
    }

    /// An administrator's lock: the clerk cannot log in and every session ends until unlocked.
    /// Unlocking also lifts the automatic locks after wrong passwords, from every address. An
    /// unlock may come from the operator (`tongka-server staff unlock`, no actor); a lock may not.
    public func setDisabled(username: String, disabled: Bool, origin: RequestOrigin, now: Date) async throws -> Clerk {
        let target = try await clerk(username: username)
        if disabled {
            let actor = try origin.requireActor()
            if target.id == actor.clerkID { throw TongkaError(.cannotLockSelf) }
        }
        try await database.transaction { connection in
            try await connection.query(
                """
                UPDATE clerks SET disabled = \(disabled), failed_logins = 0,
                       locked_until = CASE WHEN \(disabled) THEN locked_until ELSE NULL END
                 WHERE clerk_id = \(target.id.rawValue)
                """, logger: logger)
            if disabled {
                try await revokeSessions(of: target.id, now: now, connection: connection)
            } else {
                try await forgetFailures(of: target.id, connection: connection)
            }
            try await Audit.record(
                connection, origin: origin, action: disabled ? "clerk.lock" : "clerk.unlock",
                subject: "clerk:\(target.id)", details: ["username": target.username], hall: target.hallID, logger: logger)
        }
        return try await clerk(id: target.id)
    }

    /// Gives the clerk a new one-time password, ends its sessions and lifts the automatic locks.
    /// An admin may not reset its own (the one-time password would lock it out); the operator's
    /// reset (`tongka-server staff reset-password`, no actor) may reset anyone's.
    public func resetPassword(username: String, origin: RequestOrigin, now: Date) async throws -> (Clerk, String) {
        let target = try await clerk(username: username)
        if let actor = origin.actor, actor.clerkID == target.id { throw TongkaError(.cannotResetSelf) }
        let password = OneTimePassword.generate()
        let hash = try await settings.passwordHasher.hash(password)
        try await database.transaction { connection in
            try await connection.query(
                """
                UPDATE clerks SET password_hash = \(hash), must_change_password = true, failed_logins = 0,
                       locked_until = NULL, password_changed_at = \(now)
                 WHERE clerk_id = \(target.id.rawValue)
                """, logger: logger)
            try await revokeSessions(of: target.id, now: now, connection: connection)
            try await forgetFailures(of: target.id, connection: connection)
            try await Audit.record(
                connection, origin: origin, action: "clerk.reset_password", subject: "clerk:\(target.id)",
                details: ["username": target.username], hall: target.hallID, logger: logger)
        }
        return (try await clerk(id: target.id), password)
    }

    private func revokeSessions(of clerk: ClerkID, now: Date, connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE sessions SET revoked_at = \(now) WHERE clerk_id = \(clerk.rawValue) AND revoked_at IS NULL",
            logger: logger)
    }

    private func forgetFailures(of clerk: ClerkID, connection: PostgresConnection) async throws {
        try await connection.query("DELETE FROM login_failures WHERE clerk_id = \(clerk.rawValue)", logger: logger)
    }
}
