import Foundation
import Logging
import PostgresNIO
import Testing
import TongkaDomain
import TongkaHTTP
import TongkaTestSupport

@testable import TongkaPostgres

/// Store-level fixtures and SQL helpers shared by the suites of this target.

let testLogger = Logger(label: "tongka-postgres-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A request origin for `actor`, as the HTTP layer would build it.
func origin(_ actor: StaffActor?, requestID: String = "t") -> RequestOrigin {
    RequestOrigin(actor: actor, requestID: requestID, clientAddress: nil)
}

/// A bootstrapped installation: the first hall (HQ), its admin, and one clerk of that hall.
struct Staffed: Sendable {
    let database: Database
    let admin: Clerk
    let adminPassword: String
    let hall: Hall
    let clerk: Clerk
    let clerkPassword: String

    var adminOrigin: RequestOrigin { origin(admin.actor) }
    var clerkOrigin: RequestOrigin { origin(clerk.actor) }
    var shifts: ShiftStore { ShiftStore(database: database) }
    var staff: StaffStore { StaffStore(database: database) }
    var halls: HallStore { HallStore(database: database) }
    var sessions: SessionStore { SessionStore(database: database) }
}

/// Runs `body` with a fresh migrated database holding a bootstrapped installation and a clerk.
func withStaff<T: Sendable>(_ body: (Staffed) async throws -> T) async throws -> T {
    try await withTestDatabase { database in
        let staff = StaffStore(database: database)
        let boot = try await staff.bootstrap(
            adminUsername: "admin", adminName: "管理员", hallCode: "HQ", hallName: "总部服务大厅", now: Date())
        let (clerk, password) = try await staff.createClerk(
            username: "zhangsan", displayName: "张三", role: .clerk, hallCode: "HQ",
            origin: origin(boot.admin.actor), now: Date())
        return try await body(
            Staffed(
                database: database, admin: boot.admin, adminPassword: boot.oneTimePassword, hall: boot.hall,
                clerk: clerk, clerkPassword: password))
    }
}

/// Runs `body` with a client on a new database without any migration, dropped afterwards.
func withEmptyDatabase<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
    try await withEmptyDatabase { client, _ in try await body(client) }
}

/// The same, also passing the database's configuration (for a second, independent pool).
func withEmptyDatabase<T: Sendable>(
    _ body: (PostgresClient, PostgresClient.Configuration) async throws -> T
) async throws -> T {
    let name = try await TestDatabases.shared.createEmpty()
    let configuration = try DatabaseURL.configuration(try TestDatabases.url(database: name))
    let client = PostgresClient(configuration: configuration, backgroundLogger: testLogger)
    let runner = Task { await client.run() }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(client, configuration))
    } catch {
        outcome = .failure(error)
    }
    await stopClient(runner)
    await TestDatabases.shared.drop(name)
    return try outcome.get()
}

extension PostgresClient {
    /// Runs one statement on its own (autocommit).
    func execute(_ query: PostgresQuery) async throws {
        try await withConnection { connection in
            _ = try await connection.query(query, logger: testLogger)
        }
    }

    /// The single value of a one-row, one-column query.
    func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T {
        try await withConnection { connection in
            try await connection.one(query, as: (T.self), logger: testLogger)
        }
    }

    /// Whether a relation exists.
    func relationExists(_ name: String) async throws -> Bool {
        try await value("SELECT to_regclass(\(name)) IS NOT NULL", as: Bool.self)
    }

    /// The rows of `schema_migrations` in version order.
    func appliedMigrations() async throws -> [(version: Int, name: String, checksum: String)] {
        guard try await relationExists("schema_migrations") else { return [] }
        return try await withConnection { connection in
            try await connection.all(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version", as: (Int, String, String).self,
                logger: testLogger
            ).map { (version: $0.0, name: $0.1, checksum: $0.2) }
        }
    }
}

extension Database {
    /// Runs statements in one transaction (each one a separate query).
    func execute(_ queries: PostgresQuery...) async throws {
        try await transaction { connection in
            for query in queries { _ = try await connection.query(query, logger: testLogger) }
        }
    }

    func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T {
        try await read { connection in try await connection.one(query, as: (T.self), logger: testLogger) }
    }

    func values<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> [T] {
        try await read { connection in try await connection.all(query, as: (T.self), logger: testLogger) }
    }
}

/// Runs `body`, which must fail in PostgreSQL with the named constraint (the name a trigger gives
/// with `USING CONSTRAINT` counts too) and, when given, the SQLSTATE. For constraints the store
/// does not map to an API error, the `PSQLError` comes through unchanged.
func expectViolation<T>(
    _ constraint: String, sqlState: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected a violation of \(constraint), but the statement succeeded", sourceLocation: sourceLocation)
    } catch let error as PSQLError {
        #expect(error.code == .server, "\(String(reflecting: error))", sourceLocation: sourceLocation)
        #expect(
            error.serverInfo?[.constraintName] == constraint, "\(String(reflecting: error))",
            sourceLocation: sourceLocation)
        if let sqlState {
            #expect(error.serverInfo?[.sqlState] == sqlState, "\(String(reflecting: error))", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record(
            "expected a violation of \(constraint), got \(String(reflecting: error))", sourceLocation: sourceLocation)
    }
}
