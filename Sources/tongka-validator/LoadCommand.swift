import ArgumentParser
import AsyncHTTPClient
import Foundation
import Synchronization
import TongkaClient
import TongkaDomain

/// Many validators at once, for `Scripts/bench/blacklist.sh`: delta downloads per second against
/// `/health` on the same server, and how long a committed addition takes to reach long-polling
/// validators. Figures go to standard output, the last line `RESULT key=value ...`.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Simulate many validators: delta download rate against /health, and commit-to-long-poll latency.")
    @Option(help: "Server URL.") var server: String = "http://127.0.0.1:8080"
    @Option(help: "An admin's session token (or TONGKA_ADMIN_TOKEN).") var adminToken: String?
    @Option(help: "Validators to register and simulate.") var validators: Int = 1_000
    @Option(help: "Concurrent requests in the rate runs.") var concurrency: Int = 64
    @Option(help: "Seconds per rate run.") var seconds: Int = 10
    @Option(help: "Additions timed to the long-polling validators.") var additions: Int = 20
    @Option(help: "Validators long-polling during the latency run.") var pollers: Int = 200

    func run() async throws {
        try await guarded {
            guard let token = adminToken ?? ProcessInfo.processInfo.environment["TONGKA_ADMIN_TOKEN"],
                let url = URL(string: server)
            else { throw ValidatorFailure(code: "usage", message: "give --admin-token or TONGKA_ADMIN_TOKEN, and a server URL") }
            guard concurrency > 0, validators >= concurrency, validators >= pollers else {
                throw ValidatorFailure(
                    code: "usage", message: "give at least as many validators as --concurrency and as --pollers")
            }
            let concurrency = self.concurrency
            // Every poller holds a connection while it waits.
            let pool = TongkaClient.makeHTTPClient(connectionsPerHost: pollers + concurrency + 8)
            defer { _ = pool.shutdown() }
            let admin = TongkaClient(serverURL: url, token: token, language: .en, httpClient: pool)
            let progress = isatty(STDERR_FILENO) == 1
            func say(_ text: String) { if progress { FileHandle.standardError.write(Data("== \(text)\n".utf8)) } }

            say("registering \(validators) validators")
            var registered: [TongkaClient] = []
            let stamp = UInt64(Date().timeIntervalSince1970) % 1_000_000
            for index in 0..<validators {
                let terminal = String(format: "%06llu%06d", stamp, index)
                let answer = try await admin.registerValidator(
                    .init(
                        terminalNumber: terminal, psamSerial: "0000AB12CD34", mode: .bus, line: "1", depot: "load", group: "LOAD")
                )
                registered.append(TongkaClient(serverURL: url, token: answer.token, language: .en, httpClient: pool))
            }
            let clients = registered
            // Something to send: 100 changes after the version every validator holds.
            let serial = Mutex(UInt64(stamp) * 1_000_000)
            func nextCard() -> String {
                let value = serial.withLock { value in
                    value += 1
                    return value
                }
                return "3101" + String(format: "%015llu", value)
            }
            func addHundred() async throws {
                _ = try await admin.changeBlacklist(
                    (0..<100).map { _ in .init(cardNumber: nextCard(), action: .add, reason: .external) }, note: "load")
            }
            // The version held must be above 0: `since=0` asks for the full list, not a delta.
            try await addHundred()
            let held = try await clients[0].downloadBlacklist(since: nil, wait: nil).map { $0.version } ?? 0
            try await addHundred()

            say("delta downloads for \(seconds) s, \(concurrency) at a time")
            // Each validator is one device with at most one request in flight: worker w downloads
            // as validators w, w + concurrency, w + 2 x concurrency, ... in turn. (Indexing all
            // validators from every worker let the workers bunch up behind one validator's token
            // look-up and send its requests all at once, which no fleet of devices does.)
            let deltaRate = try await rate(seconds: seconds) { worker, done in
                let own = (clients.count - worker + concurrency - 1) / concurrency
                _ = try await clients[worker + concurrency * (done % own)].downloadBlacklist(since: held, wait: nil)
            }
            say("/health for \(seconds) s, \(concurrency) at a time")
            let healthRate = try await rate(seconds: seconds) { worker, _ in _ = try await clients[worker].health() }
            print(
                String(
                    format: "delta downloads: %.0f/s; /health: %.0f/s; ratio %.3f (minimum 0.5, target 0.8)",
                    deltaRate, healthRate, deltaRate / healthRate))

            say("latency: \(pollers) validators long-polling, \(additions) additions")
            var latencies: [Double] = []
            for _ in 0..<additions {
                let head = try await clients[0].downloadBlacklist(since: nil, wait: nil)?.version ?? 0
                let arrivals = try await withThrowingTaskGroup(of: ContinuousClock.Instant.self) { group in
                    for poller in clients.prefix(pollers) {
                        group.addTask {
                            _ = try await poller.downloadBlacklist(since: head, wait: 30)
                            return ContinuousClock.now
                        }
                    }
                    // Let the polls reach the server and wait before the addition is sent.
                    try await Task.sleep(for: .milliseconds(300))
                    let sent = ContinuousClock.now
                    _ = try await admin.changeBlacklist(
                        [.init(cardNumber: nextCard(), action: .add, reason: .external)], note: nil)
                    var arrived: [Double] = []
                    for try await instant in group {
                        arrived.append(
                            Double((instant - sent).components.attoseconds) / 1e18
                                + Double((instant - sent).components.seconds))
                    }
                    return arrived
                }
                latencies += arrivals
            }
            latencies.sort()
            func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            let p50 = percentile(0.5) * 1000
            let p99 = percentile(0.99) * 1000
            print(
                String(
                    format: "commit to long-polling validator: p50 %.1f ms, p99 %.1f ms over %d arrivals (target p99 < 1000 ms)",
                    p50, p99, latencies.count))
            print(
                String(
                    format:
                        "RESULT scenario=blacklist-load validators=%d delta_per_s=%.0f health_per_s=%.0f ratio=%.3f p50_ms=%.1f p99_ms=%.1f",
                    validators, deltaRate, healthRate, deltaRate / healthRate, p50, p99))
        }
    }

    /// Requests per second of `request(worker, done)` over `seconds`, `concurrency` workers at a
    /// time, each sending its next request when the last is answered.
    private func rate(seconds: Int, _ request: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> Double {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var done = 0
                    while ContinuousClock.now < deadline {
                        try await request(worker, done)
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
