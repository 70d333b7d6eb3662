import ArgumentParser
import Foundation
import Histogram
import Synchronization
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// `tongka-bench ingest` (`Scripts/bench/ingest.sh`, issue 10): RECORDS purchase records of this
/// operator's cards, each a real DEBIT FOR PURCHASE on an in-memory software card (so its TAC
/// verifies with the card's key and its balances and offline serials follow on), uploaded through
/// `POST /v1/taps` in batches by VALIDATORS validators at once; then the same batches again. Prints
/// records/s of both passes, the p99 time to the durable answer of a batch, and writes the rows as
/// CSV for the script's `COPY` baseline. The last line is `RESULT key=value ...`.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Upload many tap records through the API, twice; write them as CSV for COPY.")

    @OptionGroup var state: StateOption
    @Option(help: "The operator's card master key file (the server's TONGKA_CARD_KEYS_FILE).") var cardKeys: String
    @Option(help: "Records to upload.") var records = 1_000_000
    @Option(help: "Records per batch.") var batch = 1_000
    @Option(help: "Cards the records are spread over (each topped up first for its fares).") var cards = 2_000
    @Option(help: "Validators uploading at once (each its own batches, one at a time).") var validators = 8
    @Option(help: "Fare per record, fen.") var fare = 100
    @Option(help: "Write the records here as CSV (the taps table's columns) for the COPY baseline.") var csv: String
    @Option(help: "The upload's body: binary (docs/tap-upload-format.md, what validators send) or json.")
    var format: UploadFormat = .binary
    @Option(
        help: """
            A shell command run once everything is set up, before the clock starts (the script vacuums and \
            analyses the database there, as autovacuum keeps a running database's statistics current).
            """)
    var settle: String?
    @Option(help: "The server's process id: its CPU per record of the first upload is printed.") var serverPid: Int32?
    @Option(help: "The PostgreSQL postmaster's process id: the cluster's CPU per record is printed.") var postgresPid: Int32?

    enum UploadFormat: String, ExpressibleByArgument, Sendable {
        case binary, json
    }

    /// One record as the card made it: small, so a million fit in memory.
    struct Made: Sendable {
        let card: Int32
        let validator: Int32
        let terminalSerial: UInt32
        let offlineSerial: UInt16
        let before: UInt32
        let after: UInt32
        let tac: UInt32
    }

    func run() async throws {
        var bench = try BenchState.load(state.state)
        let progress = isatty(STDERR_FILENO) == 1
        func say(_ text: String) { if progress { FileHandle.standardError.write(Data("== \(text)\n".utf8)) } }
        guard let url = URL(string: bench.server), let clerkState = bench.clerks.first else {
            throw BenchFailure("the state has no server or clerk; run setup first")
        }
        let keys = try MasterKeyStore.load(fromFile: cardKeys)
        let pool = TongkaClient.makeHTTPClient(connectionsPerHost: validators + 8)
        defer { _ = pool.shutdown() }
        let admin = TongkaClient(serverURL: url, token: bench.adminToken, language: .en, httpClient: pool)
        let clerk = TongkaClient(serverURL: url, token: clerkState.token, language: .en, httpClient: pool)
        bench.runs += 1
        let run = bench.runs
        let perCard = (records + cards - 1) / cards

        // Cards of their own product (a high maximum balance) and number range, sold and topped up.
        let product = "INGEST"
        if try await !admin.products().contains(where: { $0.code == product }) {
            _ = try await admin.createProduct(
                .init(
                    code: product, name: "压测乘车卡", cardType: 1, depositFen: 0, cardCostFen: 0, transportModes: [.bus],
                    interconnection: true, allowsAnonymous: true, allowsRegistered: true, maxBalanceFen: 1_000_000_000))
        }
        let first = 70_000_000 + run * 100_000
        say("importing, selling and topping up \(cards) cards (¥\(perCard * fare / 100) each)")
        var file = "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid\n"
        for index in first..<(first + cards) {
            file +=
                "\(bench.cardNumber(index)),\(bench.issuerID),20260101,20361231,1,\(String(format: "%08X", 0x6000_0000 + index))\n"
        }
        _ = try await admin.importStock(product: product, hall: bench.hall, fileName: "ingest-\(first).csv", body: .init(file))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let counter = try TerminalNumber(hex: try await clerk.loadTerminal(label: "ingest").terminalNumber)
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        var readers: [MemoryCardReader] = []
        var numbers: [String] = []
        for index in first..<(first + cards) {
            let number = bench.cardNumber(index)
            _ = try await clerk.issueCard(
                cardNumber: number, holderID: nil, payment: .cash, idempotencyKey: "bench-ingest-card-\(number)")
            let stock = try StockLine(
                cardNumber: number, issuerID: try Hex.decode(bench.issuerID, field: "issuer id"), validFrom: "20260101",
                validTo: "20361231", cardType: 1, interconnection: true)
            let path = directory.appendingPathComponent("\(number).card").path
            try SimulatedCard.create(at: path, from: stock, keyStore: keys, options: .init(maxBalance: 1_000_000_000))
            let reader = try MemoryCardReader(cardFile: path)
            _ = try await reader.connect()
            let purse = PurseTerminal(reader: reader)
            let amount = UInt32(perCard * fare)
            let (_, answer) = try await purse.loadAnswer(amount: amount, terminal: counter)
            let load = try await clerk.authorizeLoad(
                .init(
                    cardNumber: number, issuerId: bench.issuerID, amountFen: Int64(amount), paymentMethod: .cash,
                    terminalNumber: counter.description, initializeAnswer: Hex.encode(answer.bytes)),
                idempotencyKey: "bench-ingest-load-\(number)")
            let time = try TransactionDateTime(yyyymmdd: String(load.cardTime.prefix(8)), hhmmss: String(load.cardTime.suffix(6)))
            let credit = try await reader.transmit(
                [0x80, 0x52, 0x00, 0x00, 0x0B] + time.bytes + (try Hex.decode(load.mac2, field: "MAC2")) + [0x04])
            guard credit.isSuccess, credit.data.count == 4 else { throw BenchFailure("CREDIT FOR LOAD refused: \(credit)") }
            _ = try await clerk.confirmLoad(id: load.loadId, tac: Hex.encode(credit.data))
            readers.append(reader)
            numbers.append(number)
        }
        try bench.save(state.state)

        // The line the validators run, entered with its company as in the field: the records are
        // credited to the company (a record of a line not entered waits in the partial index
        // `taps_without_company`, which entered lines' records never enter).
        if try await !admin.transportCompanies().contains(where: { $0.code == "INGESTBUS" }) {
            _ = try await admin.createTransportCompany(code: "INGESTBUS", name: "压测公交")
        }
        if try await !admin.transportLines().contains(where: { $0.mode == .bus && $0.line == "1路" }) {
            _ = try await admin.createTransportLine(company: "INGESTBUS", mode: .bus, line: "1路", stations: ["五一广场"])
        }

        say("registering \(validators) validators")
        let stamp = UInt64(Date().timeIntervalSince1970) % 1_000_000
        var uploaders: [TongkaClient] = []
        var terminals: [TerminalNumber] = []
        for index in 0..<validators {
            let terminal = String(format: "%06llu%06d", stamp, index)
            let answer = try await admin.registerValidator(
                .init(
                    terminalNumber: terminal, psamSerial: "0000AB12CD34", mode: .bus, line: "1路", depot: "ingest", group: "INGEST"
                ))
            uploaders.append(TongkaClient(serverURL: url, token: answer.token, language: .en, httpClient: pool))
            terminals.append(try TerminalNumber(hex: terminal))
        }

        // The fares, card by card, each validator numbering its own records; an hour ago, so that
        // none is in the future.
        say("taking \(records) fares on the software cards")
        let psam = PurseHost(keyStore: keys)
        // Every fare at the same local time: the records differ by terminal serial, as the key does.
        let when = try TransactionDateTime(Date().addingTimeInterval(-3_600), in: zone)
        let localTime = when.description.replacingOccurrences(of: " ", with: "")
        var made: [Made] = []
        made.reserveCapacity(records)
        var serials = Array(repeating: UInt32(0), count: validators)
        var lastShown = 0
        for index in 0..<records {
            let card = index % cards
            let validator = index % validators
            serials[validator] += 1
            let result = try await PurseTerminal(reader: readers[card]).purchase(
                amount: UInt32(fare), terminal: terminals[validator], terminalSerial: serials[validator], dateTime: when,
                securityModule: psam)
            made.append(
                Made(
                    card: Int32(card), validator: Int32(validator), terminalSerial: serials[validator],
                    offlineSerial: result.purchase.offlineSerial, before: result.oldBalance, after: result.newBalance,
                    tac: result.tac.reduce(0) { $0 << 8 | UInt32($1) }))
            if progress && index - lastShown >= 50_000 {
                lastShown = index
                say("  \(index) of \(records)")
            }
        }

        // Each validator's records in batches, in the order it took them.
        var batches: [[Int]] = []
        for validator in 0..<validators {
            let own = made.indices.filter { made[$0].validator == validator }
            for start in stride(from: 0, to: own.count, by: batch) {
                batches.append(Array(own[start..<min(start + batch, own.count)]))
            }
        }
        let records = made
        let cardNumbers = numbers
        let issuer = bench.issuerID
        let terminalNames = terminals.map(\.description)
        let fare = self.fare
        let json: @Sendable ([Int]) -> [Components.Schemas.TapRecord] = { indices in
            indices.map { index in
                let record = records[index]
                return .init(
                    cardNumber: cardNumbers[Int(record.card)], issuerId: issuer, cardType: 1,
                    offlineSerial: Int(record.offlineSerial),
                    amountFen: Int64(fare), balanceBeforeFen: Int64(record.before), balanceAfterFen: Int64(record.after),
                    transactionType: 6, terminalNumber: terminalNames[Int(record.validator)],
                    terminalSerial: Int64(record.terminalSerial), dateTime: localTime,
                    tac: String(format: "%08X", record.tac), mode: .bus, line: "1路", station: "五一广场")
            }
        }

        // The same rows for COPY, in the taps table's columns.
        let instant = Date().addingTimeInterval(-3_600)
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down)))
        var out = ""
        out.reserveCapacity(records.count * 160)
        for record in records {
            out +=
                "\(terminalNames[Int(record.validator)]),\(record.terminalSerial),\(iso),\(cardNumbers[Int(record.card)]),\(issuer),1,"
            out += "\(record.offlineSerial),\(fare),\(record.before),\(record.after),6,\(localTime),"
            out += String(format: "%08X", record.tac) + ",bus,1路,五一广场,\(iso),true\n"
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: csv))

        // The bodies are made before the clock starts, as a validator has its records ready: the load
        // generator shares the machine's cores with the server and PostgreSQL.
        let bodies: [[UInt8]] = format == .binary ? try batches.map { try TapBatchFile.encode(json($0).map(TapRecord.init)) } : []
        let jsonBodies: [[Components.Schemas.TapRecord]] = format == .json ? batches.map(json) : []
        if let settle {
            say("settling: \(settle)")
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", settle]
            try shell.run()
            shell.waitUntilExit()
            guard shell.terminationStatus == 0 else { throw BenchFailure("the settle command failed: \(settle)") }
        }
        let clients = uploaders
        let format = self.format
        func pass(_ name: String) async throws -> (rate: Double, stored: Int, duplicate: Int, p99: Double) {
            say("\(name): \(batches.count) \(format.rawValue) batches of up to \(batch), \(validators) validators at once")
            let queues = (0..<validators).map { validator in
                batches.indices.filter { records[batches[$0][0]].validator == validator }
            }
            let started = ContinuousClock.now
            let outcome = try await withThrowingTaskGroup(of: (Int, Int, Histogram<UInt64>).self) { group in
                for (validator, queue) in queues.enumerated() {
                    group.addTask {
                        var histogram = Histogram<UInt64>(
                            highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
                        var stored = 0
                        var duplicate = 0
                        for batch in queue {
                            let sent = ContinuousClock.now
                            let answer =
                                format == .binary
                                ? try await clients[validator].uploadTaps(batch: bodies[batch])
                                : try await clients[validator].uploadTaps(jsonBodies[batch])
                            _ = histogram.record(UInt64(max(1, (ContinuousClock.now - sent).microseconds)))
                            stored += answer.results.filter { $0.outcome == .stored }.count
                            duplicate += answer.results.filter { $0.outcome == .duplicate }.count
                        }
                        return (stored, duplicate, histogram)
                    }
                }
                var total = (0, 0, Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))
                for try await (stored, duplicate, histogram) in group {
                    total.0 += stored
                    total.1 += duplicate
                    total.2.add(histogram)
                }
                return total
            }
            let elapsed = ContinuousClock.now - started
            return (Double(records.count) / elapsed.seconds, outcome.0, outcome.1, Double(outcome.2.valueAtPercentile(99)) / 1000)
        }
        let server = ProcessCPU(pids: serverPid.map { [$0] } ?? [], withChildren: false)
        let postgres = ProcessCPU(pids: postgresPid.map { [$0] } ?? [], withChildren: true)
        let cpuBefore = (server.seconds(), postgres.seconds())
        let firstPass = try await pass("first upload")
        let cpu = (
            server: (server.seconds() - cpuBefore.0) * 1e6 / Double(records.count),
            postgres: (postgres.seconds() - cpuBefore.1) * 1e6 / Double(records.count)
        )
        print(
            String(
                format: "first upload: %.0f records/s; %d stored, %d duplicate; p99 %.1f ms to the durable answer of a batch",
                firstPass.rate, firstPass.stored, firstPass.duplicate, firstPass.p99))
        if serverPid != nil || postgresPid != nil {
            print(String(format: "  CPU per record: server %.1f µs, PostgreSQL %.1f µs", cpu.server, cpu.postgres))
        }
        let again = try await pass("the same records again")
        print(
            String(
                format:
                    "re-sent: %.0f records/s (%.2f of the first; at least 0.8); %d stored, %d duplicate (0 new rows expected)",
                again.rate, again.rate / firstPass.rate, again.stored, again.duplicate))
        print(
            "RESULT scenario=ingest format=\(format.rawValue) "
                + String(
                    format:
                        "records=%d batch=%d validators=%d api_per_s=%.0f resend_per_s=%.0f resend_ratio=%.3f p99_ms=%.1f stored=%d resend_stored=%d server_us=%.1f postgres_us=%.1f",
                    records.count, batch, validators, firstPass.rate, again.rate, again.rate / firstPass.rate, firstPass.p99,
                    firstPass.stored, again.stored, cpu.server, cpu.postgres))
    }
}
