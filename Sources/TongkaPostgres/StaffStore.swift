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

    public var actor: Actor { Actor(clerkID: id, username: username, role: role, hallID: hallID) }
}

/// A successful login: the token (shown once) and what it is good for.
public struct LoginResult: Sendable {
    public let token: String
    public let expiresAt: Date
    public let clerk: Clerk
}

/// What a valid bearer token resolves to.
public struct AuthenticatedSession: Sendable {
    public let sessionID: SessionID
    public let clerk: Clerk
    public let expiresAt: Date
}

/// The result of bootstrap: the first hall, the first admin and its one-time password.
public struct BootstrapResult: Sendable {
    public let hall: Hall
    public let admin: Clerk
    public let oneTimePassword: String
}

/// Halls, clerks, logins and sessions.
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

    static func clerk(_ row: ClerkRow) -> Clerk {
        Clerk(
            id: ClerkID(row.0), username: row.1, displayName: row.2, role: Role(rawValue: row.3) ?? .auditor,
            hallID: row.4.map { HallID($0) }, hallCode: row.5, mustChangePassword: row.6, disabled: row.7,
            lockedUntil: row.8, createdAt: row.9)
    }

    static func hall(_ row: (Int64, String, String, String?, String, Date)) -> Hall {
        Hall(id: HallID(row.0), code: row.1, name: row.2, address: row.3, open: row.4 == "open", createdAt: row.5)
    }

    // MARK: Bootstrap

    /// Creates the first hall and the first admin with a one-time password. Refuses a second run:
    /// the single-row `installation` table decides, also when two bootstraps race.
    public func bootstrap(
        adminUsername: String, adminName: String, hallCode: String, hallName: String
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
            let hall = Self.hall(hallRow)
            let admin = try await insertClerk(
                username: username, displayName: displayName, role: .admin, hall: nil, passwordHash: hash,
                connection: connection)
            let origin = RequestOrigin(actor: admin.actor, requestID: "bootstrap", clientAddress: nil)
            try await Audit.record(
                connection, origin: origin, action: "installation.bootstrap", subject: "clerk:\(admin.id)",
                details: ["hall": code, "admin": username], hall: hall.id, logger: logger)
            return BootstrapResult(hall: hall, admin: admin, oneTimePassword: password)
        }
    }

    // MARK: Login and sessions

    /// Checks a password and opens a session. Counts wrong passwords in a row; at the threshold
    /// the clerk is locked until `lockoutDuration` has passed. Every outcome is audited.
    public func login(username rawUsername: String, password: String, origin: RequestOrigin, now: Date) async throws -> LoginResult {
        let username = try? Validate.username(rawUsername)
        let found = try await database.read { connection in
            try await connection.first(
                """
                SELECT \(unescaped: Self.clerkColumns), c.password_hash
                  FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE c.username = \(username ?? "")
                """, as: (Int64, String, String, String, Int64?, String?, Bool, Bool, Date?, Date, String).self,
                logger: logger)
        }
        guard let found else {
            // Unknown user: spend the same time as a real check so timing does not tell.
            await settings.passwordHasher.burn()
            throw TongkaError(.invalidCredentials)
        }
        let clerkRow: ClerkRow = (found.0, found.1, found.2, found.3, found.4, found.5, found.6, found.7, found.8, found.9)
        let passwordHash = found.10
        let clerk = Self.clerk(clerkRow)
        let loginOrigin = RequestOrigin(actor: clerk.actor, requestID: origin.requestID, clientAddress: origin.clientAddress)
        let attempt = try await reserveAttempt(clerk: clerk, now: now)
        let passwordMatches = try await settings.passwordHasher.verify(password, against: passwordHash)
        guard passwordMatches else {
            try await recordFailure(attempt, clerk: clerk, failed: "session.login_failed", origin: loginOrigin)
            throw TongkaError(.invalidCredentials)
        }
        let token = SessionToken.generate()
        let expiresAt = now.addingTimeInterval(settings.sessionLifetime.seconds)
        try await database.transaction { connection in
            // The reserved attempt succeeded: the count starts again. An administrator's lock
            // that arrived meanwhile still wins.
            guard try await connection.first(
                """
                UPDATE clerks SET failed_logins = 0, locked_until = NULL
                 WHERE clerk_id = \(clerk.id.rawValue) AND NOT disabled RETURNING 1
                """, as: (Int32.self), logger: logger) != nil
            else { throw TongkaError(.accountDisabled) }
            try await connection.query(
                """
                INSERT INTO sessions (token_hash, clerk_id, created_at, expires_at, client_address)
                VALUES (\(SessionToken.hash(token)), \(clerk.id.rawValue), \(now), \(expiresAt), \(origin.clientAddress))
                """, logger: logger)
            try await Audit.record(
                connection, origin: loginOrigin, action: "session.login", subject: "clerk:\(clerk.id)", logger: logger)
        }
        return LoginResult(token: token, expiresAt: expiresAt, clerk: clerk)
    }

    /// A password attempt counted before the slow check, so that parallel guesses cannot exceed the
    /// threshold: each takes one of the allowed attempts atomically, and the one that reaches the
    /// threshold locks the account (and starts the count afresh for after the lock).
    struct PasswordAttempt {
        let failedBefore: Int32
        let locksAccount: Bool
    }

    func reserveAttempt(clerk: Clerk, now: Date) async throws -> PasswordAttempt {
        let lockUntil = now.addingTimeInterval(settings.lockoutDuration.seconds)
        let threshold = Int32(settings.lockoutThreshold)
        let row = try await database.transaction { connection in
            try await connection.first(
                """
                UPDATE clerks
                   SET failed_logins = CASE WHEN failed_logins + 1 >= \(threshold) THEN 0 ELSE failed_logins + 1 END,
                       locked_until = CASE WHEN failed_logins + 1 >= \(threshold) THEN \(lockUntil) ELSE locked_until END
                 WHERE clerk_id = \(clerk.id.rawValue) AND NOT disabled AND (locked_until IS NULL OR locked_until <= \(now))
                RETURNING failed_logins, locked_until IS NOT NULL AND locked_until > \(now)
                """, as: (Int32, Bool).self, logger: logger)
        }
        if let row { return PasswordAttempt(failedBefore: row.1 ? threshold - 1 : row.0 - 1, locksAccount: row.1) }
        // No attempt left: say why.
        let current = try await self.clerk(id: clerk.id)
        if current.disabled { throw TongkaError(.accountDisabled) }
        let until = current.lockedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? "later"
        throw TongkaError(.accountLocked, detail: "until \(until)")
    }

    /// Audits a wrong password; the attempt was already counted.
    private func recordFailure(_ attempt: PasswordAttempt, clerk: Clerk, failed: String, origin: RequestOrigin) async throws {
        try await database.transaction { connection in
            try await Audit.record(
                connection, origin: origin, action: attempt.locksAccount ? "session.locked_out" : failed,
                subject: "clerk:\(clerk.id)", details: ["failed_logins": "\(attempt.failedBefore + 1)"], logger: logger)
        }
    }

    /// Resolves a bearer token. Expired, revoked or malformed tokens and disabled clerks fail.
    public func authenticate(token: String, now: Date) async throws -> AuthenticatedSession {
        guard SessionToken.isWellFormed(token) else { throw TongkaError(.invalidToken) }
        let row = try await database.read { connection in
            try await connection.first(
                """
                SELECT s.session_id, s.expires_at, s.revoked_at, \(unescaped: Self.clerkColumns)
                  FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
                  LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE s.token_hash = \(SessionToken.hash(token))
                """,
                as: (Int64, Date, Date?, Int64, String, String, String, Int64?, String?, Bool, Bool, Date?, Date).self,
                logger: logger)
        }
        guard let row, row.2 == nil else { throw TongkaError(.invalidToken) }
        guard row.1 > now else { throw TongkaError(.sessionExpired) }
        let clerk = Self.clerk((row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12))
        if clerk.disabled { throw TongkaError(.accountDisabled) }
        return AuthenticatedSession(sessionID: SessionID(row.0), clerk: clerk, expiresAt: row.1)
    }

    /// Revokes the session (logout).
    public func logout(session: SessionID, origin: RequestOrigin, now: Date) async throws {
        try await database.transaction { connection in
            try await connection.query(
                "UPDATE sessions SET revoked_at = \(now) WHERE session_id = \(session.rawValue) AND revoked_at IS NULL",
                logger: logger)
            try await Audit.record(connection, origin: origin, action: "session.logout", subject: "session:\(session)", logger: logger)
        }
    }

    /// Changes the actor's own password after checking the current one; ends every other session.
    public func changePassword(current: String, new: String, session: SessionID, origin: RequestOrigin, now: Date) async throws {
        let actor = try origin.requireActor()
        try Validate.password(new, username: actor.username)
        guard let stored = try await database.read({ connection in
            try await connection.first(
                "SELECT password_hash FROM clerks WHERE clerk_id = \(actor.clerkID.rawValue)", as: (String.self), logger: logger)
        }) else { throw TongkaError(.clerkNotFound) }
        // A wrong current password counts like a wrong login: an unattended session must not
        // allow unlimited guessing.
        let clerk = try await self.clerk(id: actor.clerkID)
        let attempt = try await reserveAttempt(clerk: clerk, now: now)
        guard try await settings.passwordHasher.verify(current, against: stored) else {
            try await recordFailure(attempt, clerk: clerk, failed: "clerk.password_check_failed", origin: origin)
            throw TongkaError(.invalidCredentials)
        }
        guard current != new else { throw TongkaError(.weakPassword, detail: "same as the current password") }
        let hash = try await settings.passwordHasher.hash(new)
        try await database.transaction { connection in
            try await connection.query(
                """
                UPDATE clerks SET password_hash = \(hash), must_change_password = false, password_changed_at = \(now),
                       failed_logins = 0, locked_until = NULL
                 WHERE clerk_id = \(actor.clerkID.rawValue)
                """, logger: logger)
            try await connection.query(
                """
                UPDATE sessions SET revoked_at = \(now)
                 WHERE clerk_id = \(actor.clerkID.rawValue) AND session_id <> \(session.rawValue) AND revoked_at IS NULL
                """, logger: logger)
            try await Audit.record(connection, origin: origin, action: "clerk.change_password", subject: "clerk:\(actor.clerkID)", logger: logger)
        }
    }

    // MARK: Halls

    public func createHall(code rawCode: String, name rawName: String, address: String?, origin: RequestOrigin) async throws -> Hall {
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
            guard let row = try await connection.first(
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
        guard let row = try await database.read({ connection in
            try await connection.first(
                "SELECT hall_id, code, name, address, status, created_at FROM service_halls WHERE code = \(code)",
                as: (Int64, String, String, String?, String, Date).self, logger: logger)
        }) else { throw TongkaError(.hallNotFound, detail: code) }
        return Self.hall(row)
    }

    // MARK: Clerks

    /// Creates a clerk with a one-time password the clerk must change at first login.
    public func createClerk(
        username rawUsername: String, displayName rawName: String, role: Role, hallCode: String?, origin: RequestOrigin
    ) async throws -> (Clerk, String) {
        let username = try Validate.username(rawUsername)
        let displayName = try Validate.name(rawName, field: "display name")
        var hall: Hall?
        if let hallCode { hall = try await self.hall(code: hallCode) }
        if role.isHallBound, hall == nil { throw TongkaError(.hallRequired) }
        if let hall, !hall.open { throw TongkaError(.hallClosed, detail: hall.code) }
        let password = OneTimePassword.generate()
        let hash = try await settings.passwordHasher.hash(password)
        let clerk = try await database.transaction { [hall] connection in
            let clerk = try await insertClerk(
                username: username, displayName: displayName, role: role, hall: role.isHallBound ? hall?.id : nil,
                passwordHash: hash, connection: connection)
            try await Audit.record(
                connection, origin: origin, action: "clerk.create", subject: "clerk:\(clerk.id)",
                details: ["username": username, "role": role.rawValue, "hall": clerk.hallCode ?? ""], logger: logger)
            return clerk
        }
        return (clerk, password)
    }

    private func insertClerk(
        username: String, displayName: String, role: Role, hall: HallID?, passwordHash: String,
        connection: PostgresConnection
    ) async throws -> Clerk {
        let row = try await connection.one(
            """
            WITH inserted AS (
                INSERT INTO clerks (username, display_name, role, hall_id, password_hash)
                VALUES (\(username), \(displayName), \(role.rawValue), \(hall?.rawValue), \(passwordHash))
                RETURNING *)
            SELECT \(unescaped: Self.clerkColumns) FROM inserted c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
            """, as: ClerkRow.self, logger: logger)
        return Self.clerk(row)
    }

    /// Lists clerks; hall-bound readers see only their own hall.
    public func listClerks(hallCode: String?, actor: Actor) async throws -> [Clerk] {
        var hallFilter: Int64?
        if let hallCode { hallFilter = try await hall(code: hallCode).id.rawValue }
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
            ).map(Self.clerk)
        }
    }

    public func clerk(username rawUsername: String) async throws -> Clerk {
        let username = try Validate.username(rawUsername)
        guard let row = try await database.read({ connection in
            try await connection.first(
                """
                SELECT \(unescaped: Self.clerkColumns) FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE c.username = \(username)
                """, as: ClerkRow.self, logger: logger)
        }) else { throw TongkaError(.clerkNotFound, detail: username) }
        return Self.clerk(row)
    }

    public func clerk(id: ClerkID) async throws -> Clerk {
        guard let row = try await database.read({ connection in
            try await connection.first(
                """
                SELECT \(unescaped: Self.clerkColumns) FROM clerks c LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE c.clerk_id = \(id.rawValue)
                """, as: ClerkRow.self, logger: logger)
        }) else { throw TongkaError(.clerkNotFound) }
        return Self.clerk(row)
    }

    /// An administrator's lock: the clerk cannot log in and every session ends until unlocked.
    public func setDisabled(username: String, disabled: Bool, origin: RequestOrigin, now: Date) async throws -> Clerk {
        let actor = try origin.requireActor()
        let target = try await clerk(username: username)
        if disabled, target.id == actor.clerkID { throw TongkaError(.cannotLockSelf) }
        try await database.transaction { connection in
            try await connection.query(
                """
                UPDATE clerks SET disabled = \(disabled), failed_logins = 0,
                       locked_until = CASE WHEN \(disabled) THEN locked_until ELSE NULL END
                 WHERE clerk_id = \(target.id.rawValue)
                """, logger: logger)
            if disabled { try await revokeSessions(of: target.id, now: now, connection: connection) }
            try await Audit.record(
                connection, origin: origin, action: disabled ? "clerk.lock" : "clerk.unlock",
                subject: "clerk:\(target.id)", details: ["username": target.username], hall: target.hallID, logger: logger)
        }
        return try await clerk(id: target.id)
    }

    /// Gives the clerk a new one-time password, ends its sessions and lifts an automatic lock.
    public func resetPassword(username: String, origin: RequestOrigin, now: Date) async throws -> (Clerk, String) {
        let target = try await clerk(username: username)
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
}

extension Duration {
    /// Whole and fractional seconds, for `Date` arithmetic.
    public var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
