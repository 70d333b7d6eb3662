import ArgumentParser
import Foundation
import Histogram
import Synchronization
import TongkaClient
import TongkaDomain

/// `tongka-bench loss` (`Scripts/bench/loss.sh`, issue 11): with VALIDATORS simulated validators
/// long-polling the blacklist, registered cards are reported lost through self-service one after
/// the other; for each report, the time from sending it to each validator having applied (and
/// acknowledged) the version that lists the card: p50, p99 and the worst over every validator and
/// report (target p99 under one second). Then the self-service answer time for a registered card
/// with a wrong document, for a card number never issued and for an anonymous card, measured
/// interleaved, side by side: they must not differ measurably.
struct LossCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss",
        abstract: "Loss reports against long-polling validators: report-to-applied time, and self-service answer times.")

    @OptionGroup var state: StateOption
    @Option(help: "Validators to register and keep long-polling.") var validators = 1_000
    @Option(help: "Cards reported lost, one after the other.") var reports = 20
    @Option(help: "Self-service refusals timed per kind.") var probes = 200

    func run() async throws {
        var bench = try BenchState.load(state.state)
        let progress = isatty(STDERR_FILENO) == 1
        func say(_ text: String) { if progress { FileHandle.standardError.write(Data("== \(text)\n".utf8)) } }
        guard let url = URL(string: bench.server), let clerkToken = bench.clerks.first?.token else {
            throw BenchFailure("the state has no server or clerk; run setup first")
        }
        let pool = TongkaClient.makeHTTPClient(connectionsPerHost: validators + 32)
        defer { _ = pool.shutdown() }
        let admin = TongkaClient(serverURL: url, token: bench.adminToken, language: .en, httpClient: pool)
        let clerk = TongkaClient(serverURL: url, token: clerkToken, language: .en, httpClient: pool)
        let rider = TongkaClient(serverURL: url, token: nil, language: .zh, httpClient: pool)
        bench.runs += 1
        let run = bench.runs

        say("selling \(reports) registered cards and one anonymous card")
        try await Stock.ensure(cards: reports + 1, state: &bench)
        var registered: [(card: String, document: String)] = []
        for index in 0..<reports {
            let document = Self.residentID(run: run, serial: index)
            let holder = try await clerk.registerHolder(
                .init(name: "压测乘客\(index)", documentType: .residentId, documentNumber: document, phone: nil))
            let card = bench.cardNumber(bench.nextCard)
            bench.nextCard += 1
            _ = try await clerk.issueCard(
                cardNumber: card, holderID: holder.id, payment: .cash, idempotencyKey: "bench-loss-\(run)-\(index)")
            registered.append((card, document))
        }
        let anonymous = bench.cardNumber(bench.nextCard)
        bench.nextCard += 1
        _ = try await clerk.issueCard(
            cardNumber: anonymous, holderID: nil, payment: .cash, idempotencyKey: "bench-loss-\(run)-anon")
        try bench.save(state.state)

        say("registering \(validators) validators")
        let stamp = UInt64(Date().timeIntervalSince1970) % 1_000_000
        var clients: [TongkaClient] = []
        for index in 0..<validators {
            let answer = try await admin.registerValidator(
                .init(
                    terminalNumber: String(format: "%06llu%06d", stamp, index), psamSerial: "0000AB12CD34", mode: .bus,
                    line: "1", depot: "loss", group: "LOSS"))
            clients.append(TongkaClient(serverURL: url, token: answer.token, language: .en, httpClient: pool))
        }

        // Every validator long-polls from the head; each version it applies is noted with the time.
        let arrivals = Arrivals(validators)
        let start = try await clients[0].downloadBlacklist(since: nil, wait: nil)?.version ?? 0
        let pollers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        var held = start
                        try await client.acknowledgeBlacklist(version: held)
                        while !Task.isCancelled {
                            guard let next = try await client.downloadBlacklist(since: held, wait: 30) else { continue }
                            held = next.version
                            try await client.acknowledgeBlacklist(version: held)
                            let at = ContinuousClock.now
                            arrivals.list.withLock { $0[index].append((UInt64(held), at)) }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Let every poll reach the server and wait.
        try await Task.sleep(for: .seconds(2))

        say("\(reports) self-service reports")
        var applied = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var missing = 0
        var lastFigure = ""
        for (card, document) in registered {
            let sent = ContinuousClock.now
            let report = try await rider.reportLossSelfService(
                .init(cardNumber: card, documentType: .residentId, documentNumber: document))
            let version = UInt64(report.listedVersion)
            let deadline = ContinuousClock.now + .seconds(30)
            var times: [Duration?] = []
            while true {
                times = arrivals.list.withLock { all in
                    all.map { list in list.first { $0.version >= version }.map { $0.at - sent } }
                }
                if !times.contains(where: { $0 == nil }) || ContinuousClock.now > deadline { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            for time in times {
                guard let time else {
                    missing += 1
                    continue
                }
                _ = applied.record(UInt64(max(1, time.microseconds)))
            }
            lastFigure = try await clerk.cardLossReport(cardNumber: card).propagation.sentence
        }
        pollers.cancel()
        _ = await pollers.result

        func ms(_ value: UInt64) -> String { String(format: "%.1f", Double(value) / 1000) }
        let p50 = applied.valueAtPercentile(50)
        let p99 = applied.valueAtPercentile(99)
        print(
            "report to applied on \(validators) long-polling validators, \(reports) reports: p50 \(ms(p50)) ms, p99 \(ms(p99)) ms, worst \(ms(applied.max)) ms (target p99 < 1000 ms); \(missing) never applied within 30 s"
        )
        print("the last report's propagation figure: \(lastFigure)")

        // Self-service refusals, interleaved so that any drift hits every kind alike.
        say("self-service answer times, \(probes) per kind")
        let wrong = Self.residentID(run: run, serial: 999)
        let kinds: [(name: String, card: String, document: String)] = [
            ("registered card, wrong document", registered[0].card, wrong),
            ("card never issued", bench.cardNumber(bench.nextCard + 1_000_000), wrong),
            ("anonymous card", anonymous, wrong),
        ]
        var histograms = kinds.map { _ in
            Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        }
        var codes = kinds.map { _ in Set<String>() }
        for round in 0..<probes {
            for offset in 0..<kinds.count {
                let index = (round + offset) % kinds.count
                let kind = kinds[index]
                let started = ContinuousClock.now
                do {
                    _ = try await rider.reportLossSelfService(
                        .init(cardNumber: kind.card, documentType: .residentId, documentNumber: kind.document))
                    codes[index].insert("accepted")
                } catch let failure as APIFailure {
                    codes[index].insert("\(failure.status) \(failure.code)")
                }
                _ = histograms[index].record(UInt64(max(1, (ContinuousClock.now - started).microseconds)))
            }
        }
        var medians: [Double] = []
        for (index, kind) in kinds.enumerated() {
            let histogram = histograms[index]
            medians.append(Double(histogram.valueAtPercentile(50)))
            print(
                "self-service, \(kind.name): p50 \(ms(histogram.valueAtPercentile(50))) ms, p99 \(ms(histogram.valueAtPercentile(99))) ms; answers: \(codes[index].sorted().joined(separator: ", "))"
            )
        }
        let spread = (medians.max()! - medians.min()!) / 1000
        print(
            String(
                format: "self-service medians differ by at most %.2f ms (%.2f%% of the slowest)", spread,
                100 * spread * 1000 / medians.max()!))
        let sameAnswers = Set(codes).count == 1
        print(sameAnswers ? "every refusal gave the same answer" : "REFUSALS DIFFER: \(codes)")
        print(
            "RESULT scenario=loss validators=\(validators) reports=\(reports) p50_ms=\(ms(p50)) p99_ms=\(ms(p99)) worst_ms=\(ms(applied.max)) missing=\(missing) self_service_spread_ms=\(String(format: "%.2f", spread)) same_answers=\(sameAnswers)"
        )
    }

    /// A valid resident ID number, different for every run and serial (born 1980-01-01 + days).
    static func residentID(run: Int, serial: Int) -> String {
        let birth = Calendar(identifier: .gregorian).date(
            byAdding: .day, value: (run * 1_000 + serial) % 15_000, to: Date(timeIntervalSince1970: 315_532_800))!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: birth)
        let first17 = String(
            format: "110105%04d%02d%02d%03d", parts.year!, parts.month!, parts.day!, (run * 7 + serial) % 1_000)
        return first17 + String(IdentityDocument.residentIDCheckCharacter(first17)!)
    }
}

/// Each validator's applied versions with the time it acknowledged them.
final class Arrivals: Sendable {
    let list: Mutex<[[(version: UInt64, at: ContinuousClock.Instant)]]>
    init(_ count: Int) { list = Mutex(Array(repeating: [], count: count)) }
}

extension Duration {
    /// Whole microseconds, for latency histograms.
    var microseconds: Int64 { components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000 }

    /// Seconds as a floating-point figure, for rates printed by the benchmarks (never money).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
