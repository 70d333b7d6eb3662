import ArgumentParser
import Foundation

/// The load generator of `Scripts/bench/`: `setup` once against a freshly bootstrapped server,
/// then `run SCENARIO` as often as the benchmark alternates. Figures go to standard output, the
/// last line machine-readable (`RESULT key=value ...`).
@main
struct TongkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tongka-bench",
        abstract: "Drive N concurrent counter clients through complete money commands for a fixed time.",
        subcommands: [SetupCommand.self, RunCommand.self, BlacklistSizesCommand.self, LossCommand.self, IngestCommand.self])
}

struct StateOption: ParsableArguments {
    @Option(help: "The state file that setup writes and runs read and update (mode 0600: it holds tokens).")
    var state: String
}

struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Create a hall, a product and clerks with sessions and open shifts through the API.")

    @OptionGroup var state: StateOption

    @Option(help: "The server's URL.")
    var server = "http://127.0.0.1:8080"

    @Option(help: "The bootstrapped admin's user name.")
    var admin = "admin"

    @Option(help: "A file holding the admin's one-time password (the form `bootstrap --password-file` writes).")
    var adminPasswordFile: String

    @Option(help: "Clerks to create, each with an open shift: the most clients a run in own-shifts mode can have.")
    var clerks = 16

    @Option(help: "The hall to create.")
    var hall = "BENCH"

    @Option(help: "The server's card-number prefix (TONGKA_ISSUER_PREFIXES).")
    var issuerPrefix = "31048200"

    @Option(help: "The server's issuer id (TONGKA_ISSUER_ID).")
    var issuerID = "31045510FFFFFFFF"

    @Option(help: "Cards to import into the hall's stock now, so that runs need not import while measured.")
    var cards = 0

    func run() async throws {
        let text = try String(contentsOfFile: adminPasswordFile, encoding: .utf8)
        // `bootstrap --password-file` writes "USER PASSWORD"; a bare password is accepted too.
        guard let password = text.split(whereSeparator: \.isWhitespace).last.map(String.init) else {
            throw ValidationError("no password in \(adminPasswordFile)")
        }
        var made = try await Setup.run(
            server: server, adminUser: admin, adminPassword: password, clerkCount: clerks, hall: hall,
            issuerPrefix: issuerPrefix, issuerID: issuerID)
        try await Stock.ensure(cards: cards, state: &made)
        try made.save(state.state)
    }
}

extension ShiftMode: ExpressibleByArgument {}
extension ScenarioName: ExpressibleByArgument {}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one scenario with N clients for a fixed time; print operations/s and latency percentiles.")

    @OptionGroup var state: StateOption

    @Argument(help: "The scenario: \(ScenarioName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: ScenarioName

    @Option(help: "Concurrent clients (each with one connection, one operation at a time).")
    var clients = 16

    @Option(help: "Measured seconds.")
    var seconds = 15

    @Option(help: "Seconds run before measuring (not counted).")
    var warmup = 2

    @Option(help: "own-shifts: every client its own clerk and shift; one-shift: all clients in one clerk's session.")
    var mode = ShiftMode.ownShifts

    @Option(help: "Operations per second to prepare for (stock is imported before the clock starts).")
    var maxRate = 6000

    @Option(help: "Event loop threads of the load generator.")
    var threads = 1

    @Option(help: "topup: the operator's card key file (TONGKA_CARD_KEYS_FILE), to personalise each client's software card.")
    var cardKeys: String?

    @Option(help: "topup: fen per top-up (whole yuan unless the server allows fen).")
    var amountFen: UInt32 = 100

    @Flag(help: "Repeat every request that got no answer or a 5xx, with its key and body, until answered (the crash test).")
    var retryUnanswered = false

    @Option(
        help:
            "topup: append 'KEY LOAD_ID CARD NEW_BALANCE_FEN AUTHORISE_ATTEMPTS CONFIRM_ATTEMPTS REPLAYED' to this file for every top-up the server confirmed."
    )
    var acknowledged: String?

    func validate() throws {
        guard clients > 0, seconds > 0, warmup >= 0, maxRate > 0, threads > 0 else {
            throw ValidationError("clients, seconds, max-rate and threads must be positive")
        }
    }

    func run() async throws {
        var state = try BenchState.load(self.state.state)
        if mode == .ownShifts, clients > state.clerks.count {
            throw ValidationError("own-shifts needs a clerk per client; setup made \(state.clerks.count)")
        }
        state.runs += 1
        let http = BenchHTTP(server: state.server, connections: clients, threads: threads)
        let context = RunContext(
            run: state.runs, mode: mode, clients: clients,
            clerks: (0..<clients).map { mode.clerk(of: $0, in: state) }, http: http)
        let driver = Driver(clients: clients, warmup: .seconds(warmup), duration: .seconds(seconds))
        TopupScenario.options.withLock {
            $0 = TopupOptions(
                cardKeysFile: cardKeys, retryUnanswered: retryUnanswered, acknowledgedFile: acknowledged, amountFen: amountFen)
        }
        let cpuBefore = Self.cpuSeconds()
        let measurement: Measurement
        do {
            measurement = try await scenario.run(
                state: &state, context: context, operations: maxRate * (seconds + warmup), driver: driver)
        } catch {
            await http.shutdown()
            try? state.save(self.state.state)
            throw error
        }
        await http.shutdown()
        try state.save(self.state.state)
        // The load generator shares the machine: what it spends per operation is not the server's.
        let cpuPerOperation =
            (Self.cpuSeconds() - cpuBefore) * Double(seconds) / Double(seconds + warmup) / Double(max(measurement.operations, 1))
        report(measurement, cpuPerOperation: cpuPerOperation)
    }

    /// User and system CPU seconds this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func report(_ measurement: Measurement, cpuPerOperation: Double) {
        func ms(_ percentile: Double) -> String { fixed(measurement.milliseconds(atPercentile: percentile), 2) }
        let rate = fixed(measurement.operationsPerSecond, 1)
        print(
            "\(scenario.rawValue) \(mode.rawValue), \(clients) clients, \(seconds) s: \(rate) ops/s, latency p50 \(ms(50)) ms, "
                + "p95 \(ms(95)) ms, p99 \(ms(99)) ms, max \(fixed(Double(measurement.latency.max) / 1000, 2)) ms")
        for (code, count) in measurement.refusals.sorted(by: { $0.key < $1.key }) {
            print("  refused \(count)× \(code)")
        }
        print("  load generator CPU per operation: \(fixed(cpuPerOperation * 1000, 2)) ms")
        print(
            "RESULT scenario=\(scenario.rawValue) mode=\(mode.rawValue) clients=\(clients) seconds=\(seconds) "
                + "operations=\(measurement.operations) ops_per_s=\(rate) p50_ms=\(ms(50)) p95_ms=\(ms(95)) "
                + "p99_ms=\(ms(99)) errors=\(measurement.errors)")
    }
}

/// `value` with `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// The blacklist's sizes against the information bound, the validator index's memory and
/// correctness, and build times (`Scripts/bench/blacklist.sh`): no server needed.
struct BlacklistSizesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blacklist-sizes", abstract: "Full list and delta sizes, index memory and wrong answers, build times.")
    @Option(help: "Cards issued.") var issued = 10_000_000
    @Option(help: "Cards listed.") var listed = 1_000_000
    @Option(help: "Scattered changes in the delta.") var changes = 1_000
    @Option(help: "Issuer prefixes, comma-separated.") var prefixes = "31048200,31048201,31049900"
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() async throws {
        let report = try BlacklistSizeStudy.run(
            issued: issued, listed: listed, changes: changes, prefixes: prefixes.split(separator: ",").map(String.init),
            seed: seed, progress: isatty(STDERR_FILENO) == 1)
        for line in report.lines { print(line) }
    }
}
