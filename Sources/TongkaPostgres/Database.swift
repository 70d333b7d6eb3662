import Foundation
import Logging
import PostgresNIO
import Synchronization
import TongkaDomain
import _ConnectionPoolModule

/// Settings the stores need besides the connection: who the operator is, its time zone, the
/// personal-data keys and the password hashing cost.
public struct StoreSettings: Sendable {
    public var issuer: IssuerProfile
    public var timeZone: TimeZone
    public var sessionLifetime: Duration
    /// Wrong passwords in a row from one address that lock that address out for the clerk.
    public var lockoutThreshold: Int
    public var lockoutDuration: Duration
    /// Wrong passwords in a row from all addresses that lock the clerk out of unknown addresses.
    public var lockoutUserThreshold: Int
    public var passwordHasher: PasswordHasher
    public var personalData: PersonalDataVault
    /// How long a request waits for a database connection before it fails with
    /// `service_unavailable` (the pool itself would keep a request waiting for a minute while it
    /// retries a database that is down).
    public var connectionWait: Duration
    /// Float limits and forced closes.
    public var shiftPolicy: ShiftPolicy
    /// Lookups of holders' personal data one member of staff may make per hour.
    public var holderLookupsPerHour: Int
    /// How long an idempotency key is kept (and answers its first result).
    public var idempotencyRetention: Duration
    /// Whole-yuan rule and the per-card daily top-up limit.
    public var loadLimits: LoadLimits
    /// How long a top-up order waits for its card before it is refunded.
    public var orderSettings: TopupOrderSettings
    /// Card returns above this need a supervisor's approval.
    public var refundApproval = RefundApprovalRule()
    /// Reclaim window, holdback, settlement wait and self-service limits.
    public var loss = LossSettings()

    public static let defaultHolderLookupsPerHour = 60
    public static let defaultIdempotencyRetention = Duration.seconds(30 * 86_400)

    public init(
        issuer: IssuerProfile, timeZone: TimeZone, sessionLifetime: Duration = .seconds(12 * 3600),
        lockoutThreshold: Int = 5, lockoutDuration: Duration = .seconds(15 * 60),
        passwordHasher: PasswordHasher, personalData: PersonalDataVault, connectionWait: Duration = .seconds(5),
        lockoutUserThreshold: Int, shiftPolicy: ShiftPolicy = ShiftPolicy(),
        holderLookupsPerHour: Int = StoreSettings.defaultHolderLookupsPerHour,
        idempotencyRetention: Duration = StoreSettings.defaultIdempotencyRetention, loadLimits: LoadLimits = LoadLimits(),
        orderSettings: TopupOrderSettings = TopupOrderSettings()
    ) {
        self.loadLimits = loadLimits
        self.orderSettings = orderSettings
        self.lockoutUserThreshold = lockoutUserThreshold
        self.shiftPolicy = shiftPolicy
        self.holderLookupsPerHour = holderLookupsPerHour
        self.idempotencyRetention = idempotencyRetention
        self.issuer = issuer
        self.timeZone = timeZone
        self.sessionLifetime = sessionLifetime
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.passwordHasher = passwordHasher
        self.personalData = personalData
        self.connectionWait = connectionWait
    }

    /// The lockout rules with these numbers.
    public var lockout: LockoutPolicy {
        LockoutPolicy(pairThreshold: lockoutThreshold, userThreshold: lockoutUserThreshold, duration: lockoutDuration.seconds)
    }
}

/// Who asked, for the audit log: the actor (nil before login), the request id and the address.
public struct RequestOrigin: Sendable {
    public var actor: StaffActor?
    public var requestID: String
    public var clientAddress: String?

    public init(actor: StaffActor?, requestID: String, clientAddress: String?) {
        self.actor = actor
        self.requestID = requestID
        self.clientAddress = clientAddress
    }

    /// The actor, or `unauthenticated` when there is none.
    public func requireActor() throws(TongkaError) -> StaffActor {
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
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let logger = self.logger
        return try await mapped {
            try await withConnection { connection in
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
    public func read<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await mapped { try await withConnection(body) }
    }

    /// `PostgresClient.withConnection`, but waiting at most ``StoreSettings/connectionWait`` for the
    /// connection. The pool retries a database that is down for a minute before it fails waiting
    /// requests; a clerk's terminal and a load balancer's readiness probe need an answer sooner.
    /// Hand-written because the pool has no lease timeout: the lease runs in a child task beside a
    /// timer, and whichever decides first wins (a lease after the deadline is handed back unused).
    private func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let gate = LeaseGate()
        let client = self.client
        let wait = settings.connectionWait
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard gate.lease() else { throw ConnectionWaitExceeded() }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: wait)
                guard gate.expire() else { return nil }
                throw ConnectionWaitExceeded()
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            throw ConnectionWaitExceeded()
        }
    }

    private func mapped<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PSQLError {
            if let mapped = ErrorMapping.map(error) { throw mapped }
            logger.error("database error", metadata: ["error": "\(LogSafe.describe(error))"])
            throw error
        } catch is ConnectionWaitExceeded {
            let detail = "no database connection within \(settings.connectionWait)"
            logger.error("database unavailable", metadata: ["error": "\(detail)"])
            throw TongkaError(.serviceUnavailable, detail: detail)
        } catch let error as ConnectionPoolError {
            // No connection could be made (the circuit breaker tripped) or the pool is shutting down.
            logger.error("database unavailable", metadata: ["error": "\(LogSafe.describe(error))"])
            throw TongkaError(.serviceUnavailable, detail: "database unavailable")
        }
    }
}

/// No database connection within ``StoreSettings/connectionWait``.
struct ConnectionWaitExceeded: Error {}

/// Decides the race between a connection lease and its deadline exactly once.
final class LeaseGate: Sendable {
    private enum State { case waiting, leased, expired }
    private let state = Mutex(State.waiting)

    /// The lease arrived: true when it is in time.
    func lease() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .leased
            return true
        }
    }

    /// The deadline passed: true when no lease came first.
    func expire() -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = .expired
            return true
        }
    }
}

extension PostgresConnection {
    /// Runs a prepared statement that returns no rows. (PostgresNIO's `execute` overload that
    /// returns the command tag traps when the tag is read before the stream has finished.)
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement, logger: Logger) async throws
    where Statement.Row == () {
        for try await _ in try await execute(statement, logger: logger) {}
    }

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
