import Foundation

/// What a run of one of our executables did.
public struct CommandResult: Sendable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    public let stdoutData: Data

    /// Standard output parsed as one JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: stdoutData) as? [String: Any] else {
            throw TestEnvironmentError(description: "stdout is not a JSON object: \(stdout)")
        }
        return object
    }
}

/// Runs the real `tongka-counter` and `tongka-server` binaries as child processes, the way a clerk
/// or an operator would, each test with its own session file.
public struct CommandRunner: Sendable {
    /// Where `swift build` put the executables: next to the test bundle.
    public static var binDirectory: URL {
        if let explicit = ProcessInfo.processInfo.environment["TONGKA_BIN_DIR"] {
            return URL(fileURLWithPath: explicit)
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1,
            !FileManager.default.fileExists(atPath: url.appendingPathComponent("tongka-counter").path)
        {
            url.deleteLastPathComponent()
        }
        return url
    }

    public let serverURL: URL?
    public let sessionFile: String
    public let environment: [String: String]

    /// - Parameters:
    ///   - server: the server the counter talks to.
    ///   - environment: extra variables (they win over the defaults).
    public init(server: URL?, environment: [String: String] = [:]) {
        serverURL = server
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        sessionFile = directory.appendingPathComponent("session.json").path
        self.environment = environment
    }

    /// The same counter (same session) with more environment variables, e.g. its card reader.
    public func adding(environment extra: [String: String]) -> CommandRunner {
        CommandRunner(server: serverURL, sessionFile: sessionFile, environment: environment.merging(extra) { _, new in new })
    }

    private init(server: URL?, sessionFile: String, environment: [String: String]) {
        serverURL = server
        self.sessionFile = sessionFile
        self.environment = environment
    }

    /// A runner for the same server with a separate session (another person at another counter).
    public func anotherCounter(environment: [String: String] = [:]) -> CommandRunner {
        CommandRunner(server: serverURL, environment: environment)
    }

    /// Runs `tongka-counter` with `arguments`; `input` goes to standard input.
    public func counter(
        _ arguments: [String], environment extra: [String: String] = [:], input: String? = nil
    ) async throws -> CommandResult {
        var variables = ["TONGKA_SESSION_FILE": sessionFile, "LANG": "C", "TONGKA_LANG": ""]
        if let serverURL { variables["TONGKA_SERVER"] = serverURL.absoluteString }
        variables.merge(environment) { _, new in new }
        variables.merge(extra) { _, new in new }
        return try await Self.run("tongka-counter", arguments, environment: variables, input: input)
    }

    /// Runs `tongka-validator` with `arguments` and `environment`.
    public static func validator(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) async throws -> CommandResult {
        try await run("tongka-validator", arguments, environment: environment, input: nil, timeout: timeout)
    }

    /// The session token this runner's counter logged in with (from its session file).
    public func sessionToken() throws -> String? {
        guard let data = FileManager.default.contents(atPath: sessionFile),
            let entries = try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]]
        else { return nil }
        return entries.values.first?["token"] as? String
    }

    /// Runs `tongka-server` with `arguments` and `environment`.
    public static func server(
        _ arguments: [String], environment: [String: String], timeout: Duration = .seconds(60)
    ) async throws -> CommandResult {
        try await run("tongka-server", arguments, environment: environment, input: nil, timeout: timeout)
    }

    /// Runs a program outside the package (an absolute path), such as headless Chromium.
    public static func program(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)
    ) async throws -> CommandResult {
        try await run(path, arguments, environment: environment, input: nil, timeout: timeout)
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], input: String?,
        timeout: Duration = .seconds(120)
    ) async throws -> CommandResult {
        let process = Process()
        process.executableURL =
            executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : binDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TONGKA_") && !$0.key.hasPrefix("LC_") }
        base.merge(environment) { _, new in new }
        process.environment = base
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        // Blocking reads and waits happen on dispatch threads, never on the cooperative pool: it
        // has as many threads as cores, and the server under test runs in this same process.
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let writer = stdin.fileHandleForWriting
        DispatchQueue.global().async {
            if let input { writer.write(Data(input.utf8)) }
            try? writer.close()
        }
        async let outData = Self.readToEnd(stdout.fileHandleForReading)
        async let errData = Self.readToEnd(stderr.fileHandleForReading)
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            process.terminate()
            // A server may treat SIGTERM as a request for a graceful shutdown; do not wait for it.
            try await Task.sleep(for: .seconds(5))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        let (out, err) = await (outData, errData)
        watchdog.cancel()
        return CommandResult(
            exitCode: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
            stdoutData: out)
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }
}
