import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A payment channel's API account: a `clerks` row of role `channel` bound to one payment method,
/// with one long-lived bearer token (a session row that authenticates like a clerk's).
public struct ChannelAccount: Sendable, Equatable {
    public let clerkID: ClerkID
    public let name: String
    public let paymentMethod: PaymentMethod
}

/// Adds and revokes channel accounts (from the server host: `tongka-server channel`).
public struct ChannelStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// How long a channel token lasts: until it is revoked, in practice.
    public static let tokenLifetime = Duration.seconds(10 * 365 * 86_400)

    /// Creates a channel account and its token, which is returned once and stored only hashed. The
    /// account has no usable password: it never logs in, it only presents its token.
    public func add(
        name rawName: String, method rawMethod: PaymentMethod, origin: RequestOrigin, now: Date
    ) async throws -> (ChannelAccount, token: String) {
        let name = try Validate.username(rawName)
        let method = try ChannelMethod.validate(rawMethod)
        let token = SessionToken.generate()
        // A hash of a password nobody knows, so the login path refuses it like any wrong password.
        let unusable = try await database.settings.passwordHasher.hash(SessionToken.generate())
        let expiresAt = now.addingTimeInterval(Self.tokenLifetime.seconds)
        let id = try await database.transaction { connection in
            let id = try await connection.one(
                """
                INSERT INTO clerks (username, display_name, role, hall_id, password_hash, password_changed_at,
                                    must_change_password)
                VALUES (\(name), \("Payment channel " + name), 'channel', NULL, \(unusable), \(now), false)
                RETURNING clerk_id
                """, as: (Int64.self), logger: logger)
            try await connection.query(
                "INSERT INTO channels (clerk_id, payment_method, created_at) VALUES (\(id), \(method.rawValue), \(now))",
                logger: logger)
            try await connection.query(
                """
                INSERT INTO sessions (token_hash, clerk_id, created_at, expires_at, client_address)
                VALUES (\(SessionToken.hash(token)), \(id), \(now), \(expiresAt), NULL)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "channel.add", subject: "clerk:\(id)",
                details: ["name": name, "payment_method": method.rawValue], logger: logger)
            return id
        }
        return (ChannelAccount(clerkID: ClerkID(id), name: name, paymentMethod: method), token)
    }

    /// Revokes a channel: its token stops working at once and the account is disabled. Its orders
    /// stay; pending ones are still loaded or refunded.
    public func revoke(name rawName: String, origin: RequestOrigin, now: Date) async throws -> ChannelAccount {
        let name = try Validate.username(rawName)
        return try await database.transaction { connection in
            guard
                let row = try await connection.first(
                    """
                    SELECT c.clerk_id, ch.payment_method FROM clerks c JOIN channels ch ON ch.clerk_id = c.clerk_id
                     WHERE c.username = \(name) AND c.role = 'channel' FOR UPDATE OF c, ch
                    """, as: (Int64, String).self, logger: logger)
            else { throw TongkaError(.clerkNotFound, detail: "no channel named \(name)") }
            try await connection.query(
                "UPDATE channels SET revoked_at = COALESCE(revoked_at, \(now)) WHERE clerk_id = \(row.0)", logger: logger)
            try await connection.query("UPDATE clerks SET disabled = true WHERE clerk_id = \(row.0)", logger: logger)
            try await connection.query(
                "UPDATE sessions SET revoked_at = \(now) WHERE clerk_id = \(row.0) AND revoked_at IS NULL", logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "channel.revoke", subject: "clerk:\(row.0)", details: ["name": name],
                logger: logger)
            return ChannelAccount(
                clerkID: ClerkID(row.0), name: name, paymentMethod: try Stored.value(row.1, as: PaymentMethod.self))
        }
    }
}
