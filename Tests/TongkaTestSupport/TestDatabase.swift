import Foundation
import Logging
import PostgresNIO
import Testing
import TongkaDomain
import TongkaHTTP
import TongkaPostgres

/// Why a test that needs PostgreSQL cannot run. Tests fail with this rather than skip: a skipped
/// database test would pass silently in CI.
public struct TestEnvironmentError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Fresh databases for tests: the migrations are applied once per test process into a template
/// database, and every test gets its own copy (`CREATE DATABASE ... TEMPLATE`), dropped afterwards.
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var maintenance: (client: PostgresClient, task: Task<Void, Never>)?
    /// The template's creation, shared by every caller: an actor is re-entered at each `await`, so
    /// a plain optional would let every test that starts together migrate a template of its own.
    private var template: Task<String, any Error>?
    nonisolated let logger: Logger = {
        var logger = Logger(label: "tongka-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["TONGKA_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// The cluster's URL from `Scripts/test.sh` (`TONGKA_TEST_DATABASE_URL`).
    public nonisolated static func clusterURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["TONGKA_TEST_DATABASE_URL"], !url.isEmpty else {
            throw TestEnvironmentError(description: "TONGKA_TEST_DATABASE_URL is not set: run the tests with Scripts/test.sh")
        }
        return url
    }

    /// The URL of another database on the same cluster.
    public nonisolated static func url(database: String) throws -> String {
        guard var components = URLComponents(string: try clusterURL()) else {
            throw TestEnvironmentError(description: "TONGKA_TEST_DATABASE_URL is not a URL")
        }
        components.path = "/" + database
        return components.string!
    }

    /// The login role test servers connect as: a member of `tongka_service` with only the
    /// migrations' grants, as in production, so every API test proves the grants suffice.
    public nonisolated static let serviceRole = "tongka_test_app"

    /// The URL of a database on the same cluster, connecting as ``serviceRole``.
    public nonisolated static func serviceURL(database: String) throws -> String {
        guard var components = URLComponents(string: try url(database: database)) else {
            throw TestEnvironmentError(description: "TONGKA_TEST_DATABASE_URL is not a URL")
        }
        components.user = serviceRole
        components.password = nil
        return components.string!
    }

    private func maintenanceClient() throws -> PostgresClient {
        if let maintenance { return maintenance.client }
        let client = PostgresClient(configuration: try DatabaseURL.configuration(try Self.clusterURL()), backgroundLogger: logger)
        let task = Task { await client.run() }
        maintenance = (client, task)
        return client
    }

    /// Creates and migrates the template database on first use.
    private func templateName() async throws -> String {
        if let template { return try await template.value }
        let admin = try maintenanceClient()
        let logger = self.logger
        let creation = Task {
            let name = "tongka_tpl_\(ProcessInfo.processInfo.processIdentifier)_\(UInt32.random(in: 0...UInt32.max))"
            TestTrace.log("creating template \(name)")
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
            let client = PostgresClient(
                configuration: try DatabaseURL.configuration(try Self.url(database: name)), backgroundLogger: logger)
            let runner = Task { await client.run() }
            do {
                try await Migrator.bundled().migrate(client: client, logger: logger)
                // The role is cluster-wide; another test process may have made it already.
                try await client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            DO $$ BEGIN CREATE ROLE \(TestDatabases.serviceRole) LOGIN IN ROLE tongka_service;
                            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
                            """), logger: logger)
            } catch {
                await stopClient(runner)
                throw error
            }
            // A template must have no connections when it is copied.
            await stopClient(runner)
            return name
        }
        template = creation
        return try await creation.value
    }

    /// A new database with every migration applied; returns its name.
    public func create() async throws -> String {
        TestTrace.log("create: template")
        let template = try await templateName()
        let name = "tongka_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        TestTrace.log("create: CREATE DATABASE \(name)")
        try await maintenanceClient().query(
            PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"), logger: logger)
        TestTrace.log("create: done \(name)")
        return name
    }

    /// Drops a database while a server still uses it (to test a lost database).
    public func dropNow(_ name: String) async throws {
        try await maintenanceClient().query(
            PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    }

    public func drop(_ name: String) async {
        TestTrace.log("drop \(name)")
        _ = try? await maintenanceClient().query(
            PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
    }

    /// An empty database without migrations, for migrator tests.
    public func createEmpty() async throws -> String {
        let name = "tongka_e_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await maintenanceClient().query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        return name
    }
}

/// Settings for a test server: the demo operator, a random personal-data key, cheap password hashing.
public enum TestSettings {
    public static let issuerPrefix = "31048200"
    public static let issuerID = "31045510FFFFFFFF"

    public static func make(databaseURL: String) -> ServerSettings {
        var settings = ServerSettings(
            host: "127.0.0.1", port: 0, databaseURL: databaseURL, databasePoolSize: 8,
            issuer: try! IssuerProfile(cardNumberPrefixes: [issuerPrefix], issuerID: issuerID),
            timeZone: TimeZone(identifier: "Asia/Shanghai")!, dataKey: PersonalDataVault.generateSecret(),
            passwordHasher: PasswordHasher(logN: 10), lockoutThreshold: 5, lockoutDuration: .seconds(60),
            logLevel: .critical, auditSealInterval: .seconds(3600), cardKeysFile: TestCardKeys.file,
            // The five seconds a clerk's terminal waits are too short for a test: hundreds start at
            // once on two cores, each copying a template database, and CI failed tests that waited
            // longer for their first connection. The readiness test sets its own short wait.
            databaseWait: .seconds(60),
            // Every test logs in from 127.0.0.1, many at once: throttles that tests of them lower.
            loginLimits: LoginLimits(perAddressPerMinute: 100_000, perUserPerMinute: 100_000, concurrentHashes: 1_000))
        settings.blacklistSigningKey = PersonalDataVault.generateSecret()
        return settings
    }
}

/// Runs `body` with a fresh migrated database and a `Database` over it (store-level tests).
public func withTestDatabase<T: Sendable>(
    configure: (inout ServerSettings) -> Void = { _ in }, _ body: (Database) async throws -> T
) async throws -> T {
    let name = try await TestDatabases.shared.create()
    var settings = TestSettings.make(databaseURL: try TestDatabases.url(database: name))
    configure(&settings)
    let logger = TestDatabases.shared.logger
    let client = PostgresClient(configuration: try DatabaseURL.configuration(settings.databaseURL), backgroundLogger: logger)
    let database = Database(client: client, settings: try settings.storeSettings(), logger: logger)
    let runner = Task { await client.run() }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(database))
    } catch {
        outcome = .failure(error)
    }
    await stopClient(runner)
    await TestDatabases.shared.drop(name)
    return try outcome.get()
}

/// Cancels a database client's `run()` task and waits for it before its database is dropped. A
/// client that does not stop within ten seconds fails the test instead of hanging the run.
public func stopClient(_ runner: Task<Void, Never>) async {
    runner.cancel()
    if await !finishes(runner, within: .seconds(10)) {
        Issue.record("a database client did not stop within 10 seconds of cancellation; left running")
    }
    TestTrace.log("database client stopped")
}
