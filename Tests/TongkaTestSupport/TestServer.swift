import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import TongkaClient
import TongkaDomain
import TongkaHTTP
import TongkaPostgres

/// A running Tongka server on a free port with its own fresh database, reached over real HTTP.
public struct TestServer: Sendable {
    public let url: URL
    public let port: Int
    public let settings: ServerSettings
    /// The server's database, for seeding and for checking what a request changed.
    public let database: Database

    /// A client with no token.
    public func anonymous(language: Language = .en) -> TongkaClient {
        TongkaClient(serverURL: url, token: nil, language: language)
    }

    public func client(token: String, language: Language = .en) -> TongkaClient {
        TongkaClient(serverURL: url, token: token, language: language)
    }

    /// Bootstraps the first hall (`HQ`) and admin (`admin`), sets the admin's password and logs in.
    public func bootstrapAdmin(password: String = TestServer.defaultPassword) async throws -> TongkaClient {
        let result = try await StaffStore(database: database).bootstrap(
            adminUsername: "admin", adminName: "Admin", hallCode: "HQ", hallName: "总部服务网点")
        return try await firstLogin(username: "admin", oneTimePassword: result.oneTimePassword, newPassword: password)
    }

    /// Logs in with a one-time password, changes it, and returns a client logged in with the new one.
    public func firstLogin(username: String, oneTimePassword: String, newPassword: String = TestServer.defaultPassword) async throws -> TongkaClient {
        let session = try await anonymous().login(username: username, password: oneTimePassword)
        try await client(token: session.token).changePassword(current: oneTimePassword, new: newPassword)
        return try await login(username: username, password: newPassword)
    }

    public func login(username: String, password: String = TestServer.defaultPassword) async throws -> TongkaClient {
        let session = try await anonymous().login(username: username, password: password)
        return client(token: session.token)
    }

    /// Creates a staff member through the API as `admin` and logs it in with its own password.
    public func createStaff(
        admin: TongkaClient, username: String, role: Components.Schemas.Role, hall: String?
    ) async throws -> TongkaClient {
        let created = try await admin.createClerk(username: username, displayName: username, role: role, hall: hall)
        return try await firstLogin(username: username, oneTimePassword: created.oneTimePassword)
    }

    public static let defaultPassword = "correct-horse-battery"
}

/// Starts a server for the duration of `body` and shuts it down gracefully afterwards.
public func withTestServer<T: Sendable>(
    configure: (inout ServerSettings) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let name = try await TestDatabases.shared.create()
    var settings = TestSettings.make(databaseURL: try TestDatabases.url(database: name))
    configure(&settings)
    let logger = TestDatabases.shared.logger
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let app = try buildApplication(settings: settings, logger: logger, now: now, onServerRunning: { port in
        portContinuation.yield(port)
    })
    let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))

    // A second client for the test's own seeding and checks.
    let client = PostgresClient(configuration: try DatabaseURL.configuration(settings.databaseURL), backgroundLogger: logger)
    let database = Database(client: client, settings: try settings.storeSettings(), logger: logger)

    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            // Ends the port stream also when the server fails to start, so the test does not hang.
            defer { portContinuation.finish() }
            try await group.run()
        }
        tasks.addTask { await client.run() }
        defer { tasks.cancelAll() }
        do {
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw TestEnvironmentError(description: "server did not start") }
            let server = TestServer(url: URL(string: "http://127.0.0.1:\(port)")!, port: port, settings: settings, database: database)
            let result = try await body(server)
            await group.triggerGracefulShutdown()
            await TestDatabases.shared.drop(name)
            return result
        } catch {
            await group.triggerGracefulShutdown()
            await TestDatabases.shared.drop(name)
            throw error
        }
    }
}
