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

    /// Called between the password check and the session's creation; tests use it to race a
    /// password change against a login.
    var afterPasswordCheck: (@Sendable () async throws -> Void)?

    // MARK: Login and sessions

    /// Checks a password and opens a session. Wrong passwords are counted per (clerk, address) and
    /// per clerk (``LockoutPolicy``); every outcome is audited. The session is created only if the
    /// password checked is still the clerk's when it is stored: a password change or reset that
    /// commits meanwhile makes this login fail.
    public func login(
        username rawUsername: String, password: String, origin: RequestOrigin, now: Date
    ) async throws -> LoginResult {
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
        let clerkRow: StaffStore.ClerkRow = (
            found.0, found.1, found.2, found.3, found.4, found.5, found.6, found.7, found.8, found.9
        )
        let passwordHash = found.10
        let clerk = try StaffStore.clerk(clerkRow)
        // A channel presents its token; it has no password to log in with.
        guard clerk.role != .channel else {
            await settings.passwordHasher.burn()
            throw TongkaError(.invalidCredentials)
        }
        let loginOrigin = RequestOrigin(actor: clerk.actor, requestID: origin.requestID, clientAddress: origin.clientAddress)
        let attempt = try await reserveAttempt(clerk: clerk, origin: origin, now: now)
        let passwordMatches = try await settings.passwordHasher.verify(password, against: passwordHash)
        guard passwordMatches else {
            try await recordFailure(attempt, clerk: clerk, failed: "session.login_failed", origin: loginOrigin)
            throw TongkaError(.invalidCredentials)
        }
        try await afterPasswordCheck?()
        let token = SessionToken.generate()
        let expiresAt = now.addingTimeInterval(settings.sessionLifetime.seconds)
        let address = Self.addressKey(origin)
        let lockout = settings.lockout
        try await database.transaction { connection in
            // Locks the clerk's row: a password change or reset either committed before (the
            // hash differs: refused) or waits for this session and then revokes it.
            guard
                let current = try await connection.first(
                    """
                    SELECT disabled, locked_until FROM clerks
                     WHERE clerk_id = \(clerk.id.rawValue) AND password_hash = \(passwordHash) FOR UPDATE
                    """, as: (Bool, Date?).self, logger: logger)
            else { throw TongkaError(.invalidCredentials) }
            // An administrator's lock that arrived meanwhile still wins.
            if current.0 { throw TongkaError(.accountDisabled) }
            // The reserved attempt succeeded: the counts start again.
            let user = lockout.afterSuccess(user: FailureCount(failures: 0, lockedUntil: current.1), now: now)
            try await connection.query(
                """
                UPDATE clerks SET failed_logins = 0, locked_until = \(user.lockedUntil) WHERE clerk_id = \(clerk.id.rawValue)
                """, logger: logger)
            try await connection.query(
                "DELETE FROM login_failures WHERE clerk_id = \(clerk.id.rawValue) AND client_address = \(address)",
                logger: logger)
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

    /// How far back a successful login makes an address known to the lockout and the throttle.
    static let knownAddressDays = 90

    /// The lockout's key for the request's address.
    static func addressKey(_ origin: RequestOrigin) -> String { origin.clientAddress ?? "" }

    /// Whether `username` has logged in successfully from `address` in the last 90 days. Such
    /// addresses skip the per-user throttle and the per-user lock.
    public func isKnownAddress(username rawUsername: String, address: String?, now: Date) async throws -> Bool {
        guard let username = try? Validate.username(rawUsername), let address else { return false }
        let since = now.addingTimeInterval(-Double(Self.knownAddressDays) * 86_400)
        return try await database.read { connection in
            try await connection.one(
                """
                SELECT EXISTS (SELECT 1 FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
                                WHERE c.username = \(username) AND s.client_address = \(address) AND s.created_at > \(since))
                """, as: Bool.self, logger: logger)
        }
    }

    /// A password attempt counted before the slow check, so that parallel guesses cannot exceed the
    /// thresholds: each takes one of the allowed attempts under the clerk's row lock, and the one
    /// that reaches a threshold sets the lock (``LockoutPolicy/reserve``).
    struct PasswordAttempt {
        let failuresInARow: Int
        let locksOut: Bool
    }

    func reserveAttempt(clerk: Clerk, origin: RequestOrigin, now: Date) async throws -> PasswordAttempt {
        let address = Self.addressKey(origin)
        let lockout = settings.lockout
        let since = now.addingTimeInterval(-Double(Self.knownAddressDays) * 86_400)
        let reservation = try await database.transaction { connection in
            guard
                let user = try await connection.first(
                    "SELECT disabled, failed_logins, locked_until FROM clerks WHERE clerk_id = \(clerk.id.rawValue) FOR UPDATE",
                    as: (Bool, Int32, Date?).self, logger: logger)
            else { throw TongkaError(.clerkNotFound) }
            if user.0 { throw TongkaError(.accountDisabled) }
            let pair = try await connection.first(
                """
                SELECT failed_logins, locked_until FROM login_failures
                 WHERE clerk_id = \(clerk.id.rawValue) AND client_address = \(address)
                """, as: (Int32, Date?).self, logger: logger)
            let known = try await connection.one(
                """
                SELECT EXISTS (SELECT 1 FROM sessions WHERE clerk_id = \(clerk.id.rawValue)
                                  AND client_address = \(origin.clientAddress) AND created_at > \(since))
                """, as: Bool.self, logger: logger)
            let reservation = lockout.reserve(
                pair: FailureCount(failures: Int(pair?.0 ?? 0), lockedUntil: pair?.1),
                user: FailureCount(failures: Int(user.1), lockedUntil: user.2), knownAddress: known, now: now)
            guard case .reserved(let newPair, let newUser, _, _) = reservation else { return reservation }
            try await connection.query(
                """
                UPDATE clerks SET failed_logins = \(Int32(newUser.failures)), locked_until = \(newUser.lockedUntil)
                 WHERE clerk_id = \(clerk.id.rawValue)
                """, logger: logger)
            try await connection.query(
                """
                INSERT INTO login_failures (clerk_id, client_address, failed_logins, locked_until)
                VALUES (\(clerk.id.rawValue), \(address), \(Int32(newPair.failures)), \(newPair.lockedUntil))
                ON CONFLICT (clerk_id, client_address)
                DO UPDATE SET failed_logins = EXCLUDED.failed_logins, locked_until = EXCLUDED.locked_until
                """, logger: logger)
            return reservation
        }
        switch reservation {
        case .reserved(_, _, let failures, let locksOut):
            return PasswordAttempt(failuresInARow: failures, locksOut: locksOut)
        case .locked(let until):
            let seconds = Int(until.timeIntervalSince(now).rounded(.up))
            throw TongkaError(
                .accountLocked, detail: "until \(ISO8601DateFormatter().string(from: until))", retryAfter: max(1, seconds))
        }
    }

    /// Audits a wrong password; the attempt was already counted.
    private func recordFailure(_ attempt: PasswordAttempt, clerk: Clerk, failed: String, origin: RequestOrigin) async throws {
        try await database.transaction { connection in
            try await Audit.record(
                connection, origin: origin, action: attempt.locksOut ? "session.locked_out" : failed,
                subject: "clerk:\(clerk.id)", details: ["failed_logins": "\(attempt.failuresInARow)"], logger: logger)
        }
    }

    /// Resolves a bearer token. Expired, revoked or malformed tokens and disabled clerks fail, and
    /// so does a session created before the clerk's last password change or reset.
    public func authenticate(token: String, now: Date) async throws -> AuthenticatedSession {
        guard SessionToken.isWellFormed(token) else { throw TongkaError(.invalidToken) }
        let lookup = SessionLookup(tokenHash: SessionToken.hash(token))
        let row = try await database.read { connection in
            var found: SessionLookup.Row?
            for try await row in try await connection.execute(lookup, logger: logger) { found = row }
            return found
        }
        guard let row, !row.2 else { throw TongkaError(.invalidToken) }
        guard row.1 > now else { throw TongkaError(.sessionExpired) }
        let clerk = try StaffStore.clerk((row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10, row.11, row.12))
        if clerk.disabled { throw TongkaError(.accountDisabled) }
        return AuthenticatedSession(sessionID: SessionID(row.0), clerk: clerk, expiresAt: row.1)
    }

    /// Every authenticated request runs this, so it is a prepared statement.
    struct SessionLookup: PostgresPreparedStatement {
        static let name = "session.lookup"
        static let sql = """
            SELECT s.session_id, s.expires_at, (s.revoked_at IS NOT NULL OR s.created_at < c.password_changed_at),
                   \(StaffStore.clerkColumns)
              FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
              LEFT JOIN service_halls h ON h.hall_id = c.hall_id
             WHERE s.token_hash = $1::bytea
            """
        typealias Row = (Int64, Date, Bool, Int64, String, String, String, Int64?, String?, Bool, Bool, Date?, Date)
        let tokenHash: Data

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            try bindings.append(tokenHash)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// Revokes the session (logout).
    public func logout(session: SessionID, origin: RequestOrigin, now: Date) async throws {
        try await database.transaction { connection in
            try await connection.query(
                "UPDATE sessions SET revoked_at = \(now) WHERE session_id = \(session.rawValue) AND revoked_at IS NULL",
                logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "session.logout", subject: "session:\(session)", logger: logger)
        }
    }

    /// Changes the actor's own password after checking the current one; ends every other session.
    /// The session that made the change keeps working: its `created_at` moves to the change, so
    /// that it is not older than the new password (``authenticate``).
    public func changePassword(current: String, new: String, session: SessionID, origin: RequestOrigin, now: Date) async throws {
        let actor = try origin.requireActor()
        try Validate.password(new, username: actor.username)
        guard
            let stored = try await database.read({ connection in
                try await connection.first(
                    "SELECT password_hash FROM clerks WHERE clerk_id = \(actor.clerkID.rawValue)", as: (String.self),
                    logger: logger)
            })
        else { throw TongkaError(.clerkNotFound) }
        // A wrong current password counts like a wrong login: an unattended session must not
        // allow unlimited guessing.
        let clerk = try await staff.clerk(id: actor.clerkID)
        let attempt = try await reserveAttempt(clerk: clerk, origin: origin, now: now)
        guard try await settings.passwordHasher.verify(current, against: stored) else {
            try await recordFailure(attempt, clerk: clerk, failed: "clerk.password_check_failed", origin: origin)
            throw TongkaError(.invalidCredentials)
        }
        guard current != new else { throw TongkaError(.weakPassword, detail: "same as the current password") }
        let hash = try await settings.passwordHasher.hash(new)
        let address = Self.addressKey(origin)
        try await database.transaction { connection in
            // Only over the password just checked: a concurrent change or reset wins.
            guard
                try await connection.first(
                    """
                    UPDATE clerks SET password_hash = \(hash), must_change_password = false, password_changed_at = \(now),
                           failed_logins = 0, locked_until = NULL
                     WHERE clerk_id = \(actor.clerkID.rawValue) AND password_hash = \(stored) RETURNING 1
                    """, as: (Int32.self), logger: logger) != nil
            else { throw TongkaError(.invalidCredentials) }
            try await connection.query(
                "DELETE FROM login_failures WHERE clerk_id = \(actor.clerkID.rawValue) AND client_address = \(address)",
                logger: logger)
            try await connection.query(
                "UPDATE sessions SET created_at = \(now) WHERE session_id = \(session.rawValue) AND created_at < \(now)",
                logger: logger)
            try await connection.query(
                """
                UPDATE sessions SET revoked_at = \(now)
                 WHERE clerk_id = \(actor.clerkID.rawValue) AND session_id <> \(session.rawValue) AND revoked_at IS NULL
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "clerk.change_password", subject: "clerk:\(actor.clerkID)", logger: logger)
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
