import Foundation
import Logging
import PostgresNIO
import TongkaDomain

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

/// Logins, sessions, bearer tokens, logout and a clerk's own password change.
public struct SessionStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var settings: StoreSettings { database.settings }

    public init(database: Database) { self.database = database }

    var staff: StaffStore { StaffStore(database: database) }

    // MARK: Login and sessions

    /// Checks a password and opens a session. Counts wrong passwords in a row; at the threshold
    /// the clerk is locked until `lockoutDuration` has passed. Every outcome is audited.
    public func login(username rawUsername: String, password: String, origin: RequestOrigin, now: Date) async throws -> LoginResult {
        let username = try? Validate.username(rawUsername)
        let found = try await database.read { connection in
            try await connection.first(
                """
                SELECT \(unescaped: StaffStore.clerkColumns), c.password_hash
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
        let clerkRow: StaffStore.ClerkRow = (found.0, found.1, found.2, found.3, found.4, found.5, found.6, found.7, found.8, found.9)
        let passwordHash = found.10
        let clerk = StaffStore.clerk(clerkRow)
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
        let current = try await staff.clerk(id: clerk.id)
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
                SELECT s.session_id, s.expires_at, s.revoked_at, \(unescaped: StaffStore.clerkColumns)
                  FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
                  LEFT JOIN service_halls h ON h.hall_id = c.hall_id
                 WHERE s.token_hash = \(SessionToken.hash(token))
                """,
                as: (Int64, Date, Date?, Int64, String, String, String, Int64?, String?, Bool, Bool, Date?, Date).self,
                logger: logger)
        }
        guard let row, row.2 == nil else { throw TongkaError(.invalidToken) }
        guard row.1 > now else { throw TongkaError(.sessionExpired) }
        let clerk = StaffStore.clerk((row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12))
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
        let clerk = try await staff.clerk(id: actor.clerkID)
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
}

extension Duration {
    /// Whole and fractional seconds, for `Date` arithmetic.
    public var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
