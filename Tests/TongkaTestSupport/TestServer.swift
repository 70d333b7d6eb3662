import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing
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
            adminUsername: "admin", adminName: "Admin", hallCode: "HQ", hallName: "总部服务网点", now: Date())
        return try await firstLogin(username: "admin", oneTimePassword: result.oneTimePassword, newPassword: password)
    }

    /// Logs in with a one-time password, changes it, and returns a client logged in with the new one.
    public func firstLogin(
        username: String, oneTimePassword: String, newPassword: String = TestServer.defaultPassword
    ) async throws -> TongkaClient {
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

/// Bounds how many test servers run at once. Swift Testing starts every test together; dozens of
/// live servers, each with its connection pools, would crowd two cores and the cluster's
/// connection limit. Hand-written: there is no async semaphore in the packages at hand.
public actor ServerSlots {
    public static let shared = ServerSlots(count: Int(ProcessInfo.processInfo.environment["TONGKA_TEST_SERVERS"] ?? "") ?? 6)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { free = max(1, count) }

    public func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// Starts a server for the duration of `body` and shuts it down gracefully afterwards.
public func withTestServer<T: Sendable>(
    configure: (inout ServerSettings) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
    _ body: (TestServer) async throws -> T
) async throws -> T {
    TestTrace.log("waiting for a server slot")
    await ServerSlots.shared.acquire()
    TestTrace.log("got a server slot")
    do {
        let result = try await runTestServer(configure: configure, now: now, body)
        await ServerSlots.shared.release()
        return result
    } catch {
        await ServerSlots.shared.release()
        throw error
    }
}

private func runTestServer<T: Sendable>(
    configure: (inout ServerSettings) -> Void, now: @escaping @Sendable () -> Date, _ body: (TestServer) async throws -> T
) async throws -> T {
    let name = try await TestDatabases.shared.create()
    TestTrace.log("server database \(name) created")
    // The server connects as the service role, as in production; the test's own client (below)
    // connects as the cluster owner to seed and inspect.
    var settings = TestSettings.make(databaseURL: try TestDatabases.serviceURL(database: name))
    configure(&settings)
    let logger = TestDatabases.shared.logger
    let (ports, portContinuation) = AsyncStream<Int>.makeStream()
    let app = try buildApplication(
        settings: settings, logger: logger, now: now,
        onServerRunning: { port in
            portContinuation.yield(port)
        })
    let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))

    // A second client for the test's own seeding and checks.
    let client = PostgresClient(
        configuration: try DatabaseURL.configuration(try TestDatabases.url(database: name)), backgroundLogger: logger)
    let database = Database(client: client, settings: try settings.storeSettings(), logger: logger)

    // Unstructured tasks, so that a server that does not stop fails its test instead of hanging
    // the whole run (a task group would wait for it forever).
    let serverTask = Task {
        // Ends the port stream also when the server fails to start, so the test does not hang.
        defer { portContinuation.finish() }
        try await group.run()
    }
    let clientTask = Task { await client.run() }

    let outcome: Result<T, any Error>
    do {
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestEnvironmentError(description: "server did not start") }
        let server = TestServer(url: URL(string: "http://127.0.0.1:\(port)")!, port: port, settings: settings, database: database)
        TestTrace.log("server on port \(port)")
        outcome = .success(try await body(server))
    } catch {
        outcome = .failure(error)
    }
    TestTrace.log("body done; stopping the server")

    // Stop the server and both pools before dropping the database: dropping it under a live pool
    // sends the pool into reconnect attempts against a database that no longer exists.
    // A server must stop on a graceful shutdown (SIGTERM in production) by itself; one that needs
    // cancelling fails its test.
    await group.triggerGracefulShutdown()
    let stoppedGracefully = await finishes(serverTask, within: .seconds(30))
    var stopped = stoppedGracefully
    if !stopped {
        serverTask.cancel()
        stopped = await finishes(serverTask, within: .seconds(10))
    }
    TestTrace.log("server stopped: \(stopped) (gracefully: \(stoppedGracefully))")
    if !stoppedGracefully {
        Issue.record(
            "the test server did not stop within 30 seconds of a graceful shutdown\(stopped ? "" : ", nor when cancelled; left running")"
        )
    }
    await stopClient(clientTask)
    await TestDatabases.shared.drop(name)
    TestTrace.log("database dropped")
    return try outcome.get()
}

/// Whether `task` ends within `limit`. A task that does not end is left running (abandoned):
/// waiting for it in a task group would wait forever.
func finishes<Success: Sendable, Failure: Error>(_ task: Task<Success, Failure>, within limit: Duration) async -> Bool {
    let decision = Decision()
    return await withCheckedContinuation { continuation in
        decision.wait(continuation)
        Task {
            _ = await task.result
            decision.decide(true)
        }
        Task {
            try? await Task.sleep(for: limit)
            decision.decide(false)
        }
    }
}

/// The first of two answers, handed to one waiting continuation.
private final class Decision: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func wait(_ waiting: CheckedContinuation<Bool, Never>) {
        continuation.withLock { $0 = waiting }
    }

    func decide(_ value: Bool) {
        let waiting = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        waiting?.resume(returning: value)
    }
}
