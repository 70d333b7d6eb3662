import Foundation
import Logging
import PostgresNIO
import TongkaDomain
import _ConnectionPoolModule

/// Settings the stores need besides the connection: who the operator is, its time zone, the
/// personal-data keys and the password hashing cost.
public struct StoreSettings: Sendable {
    public var issuer: IssuerProfile
    public var timeZone: TimeZone
    public var sessionLifetime: Duration
    public var lockoutThreshold: Int
    public var lockoutDuration: Duration
    public var passwordHasher: PasswordHasher
    public var personalData: PersonalDataVault

    public init(
        issuer: IssuerProfile, timeZone: TimeZone, sessionLifetime: Duration = .seconds(12 * 3600),
        lockoutThreshold: Int = 5, lockoutDuration: Duration = .seconds(15 * 60),
        passwordHasher: PasswordHasher, personalData: PersonalDataVault
    ) {
        self.issuer = issuer
        self.timeZone = timeZone
        self.sessionLifetime = sessionLifetime
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.passwordHasher = passwordHasher
        self.personalData = personalData
    }
}

/// Who asked, for the audit log: the actor (nil before login), the request id and the address.
public struct RequestOrigin: Sendable {
    public var actor: Actor?
    public var requestID: String
    public var clientAddress: String?

    public init(actor: Actor?, requestID: String, clientAddress: String?) {
        self.actor = actor
        self.requestID = requestID
        self.clientAddress = clientAddress
    }

    /// The actor, or `unauthenticated` when there is none.
    public func requireActor() throws(TongkaError) -> Actor {
        guard let actor else { throw TongkaError(.unauthenticated) }
        return actor
    }
}

/// The connection pool plus settings; every store works through it.
public struct Database: Sendable {
    public let client: PostgresClient
    public let settings: StoreSettings
    public let logger: Logger

    public init(client: PostgresClient, settings: StoreSettings, logger: Logger) {
        self.client = client
        self.settings = settings
        self.logger = logger
    }

    /// Runs `body` in one database transaction (READ COMMITTED; races are decided by row locks and
    /// constraints inside). Errors come out mapped to ``TongkaError`` where a constraint names
    /// the cause; constraint failures at COMMIT (deferred checks) are mapped the same way.
    ///
    /// Written over `withConnection` rather than `PostgresClient.withTransaction`, which wraps
    /// closure errors in `PostgresTransactionError` and would hide our typed errors.
    @discardableResult
    public func transaction<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await mapped {
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                let result: Result
                do {
                    result = try await body(connection)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                try await connection.query("COMMIT", logger: logger)
                return result
            }
        }
    }

    /// Runs read-only work on one connection, with the same error mapping.
    public func read<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        try await mapped { try await client.withConnection(body) }
    }

    private func mapped<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError {
            if let mapped = ErrorMapping.map(error) { throw mapped }
            logger.error("database error", metadata: ["error": "\(LogSafe.describe(error))"])
            throw error
        } catch let error as ConnectionPoolError {
            // No connection could be made (the circuit breaker tripped) or the pool is shutting down.
            logger.error("database unavailable", metadata: ["error": "\(LogSafe.describe(error))"])
            throw TongkaError(.serviceUnavailable, detail: "database unavailable")
        }
    }
}

extension PostgresConnection {
    /// Runs a query and decodes every row.
    func all<each T: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as types: (repeat each T).Type, logger: Logger
    ) async throws -> [(repeat each T)] {
        let rows = try await self.query(query, logger: logger)
        var result: [(repeat each T)] = []
        for try await row in rows.decode((repeat each T).self) { result.append(row) }
        return result
    }

    /// Runs a query and decodes the first row, if any.
    func first<each T: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as types: (repeat each T).Type, logger: Logger
    ) async throws -> (repeat each T)? {
        let rows = try await self.query(query, logger: logger)
        for try await row in rows.decode((repeat each T).self) { return row }
        return nil
    }

    /// Runs a query that must return exactly one row (`INSERT ... RETURNING`, aggregates).
    func one<each T: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as types: (repeat each T).Type, logger: Logger
    ) async throws -> (repeat each T) {
        guard let row = try await first(query, as: (repeat each T).self, logger: logger) else {
            throw TongkaError(.internalError, detail: "a query that returns one row returned none")
        }
        return row
    }
}
