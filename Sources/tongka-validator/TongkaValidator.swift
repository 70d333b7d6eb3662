import ArgumentParser
import Crypto
import Foundation
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// The reference validator: what a bus or gate validator does with the blacklist. It keeps the
/// list in its searchable compact form (``ValidatorListState``) in a local file, applies deltas
/// atomically, verifies every list's signature and issuer, and acknowledges what it applied.
@main
struct TongkaValidator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tongka-validator",
        abstract: "Reference validator for the Tongka blacklist (参考验票机).",
        discussion: """
            Exit codes: 0 done (tap: accepted, check: not listed), 1 refused or listed, 69 server
            unreachable or failing.
            """,
        subcommands: [Register.self, Sync.self, Check.self, Tap.self, Upload.self, Run.self, Load.self])
}

struct StateOptions: ParsableArguments {
    @Option(help: "The validator's state directory (its token, the server's public key and the list).")
    var state: String = ".tongka-validator"
}

/// What `register` keeps in the state directory (`validator.json`, readable by the owner only).
struct ValidatorConfig: Codable {
    var server: String
    var terminalNumber: String
    var token: String
    var publicKey: String
    var issuerID: String
    /// Where it runs, for the records it keeps (absent in files from before records were kept).
    var mode: String?
    var line: String?
}

struct ValidatorFailure: Error, CustomStringConvertible {
    let code: String
    let message: String
    var description: String { "\(code): \(message)" }
}

enum ValidatorFiles {
    static func configURL(_ state: String) -> URL { URL(fileURLWithPath: state).appendingPathComponent("validator.json") }
    static func listURL(_ state: String) -> URL { URL(fileURLWithPath: state).appendingPathComponent("list.tkvs") }
    static func whitelistURL(_ state: String) -> URL { URL(fileURLWithPath: state).appendingPathComponent("whitelist.txt") }
    static func whitelistTagURL(_ state: String) -> URL {
        URL(fileURLWithPath: state).appendingPathComponent("whitelist.etag")
    }

    /// The issuer whitelist held, or nil before the first sync. Its CRC is checked on every read.
    static func loadWhitelist(_ state: String) throws -> IssuerWhitelist? {
        guard let data = try? Data(contentsOf: whitelistURL(state)) else { return nil }
        do {
            return try IssuerWhitelist.parse(Array(data))
        } catch {
            throw ValidatorFailure(code: "list_damaged", message: "\(whitelistURL(state).path): \(error)")
        }
    }

    static func loadConfig(_ state: String) throws -> ValidatorConfig {
        guard let data = try? Data(contentsOf: configURL(state)) else {
            throw ValidatorFailure(code: "not_registered", message: "no \(configURL(state).path): run register first")
        }
        return try JSONDecoder().decode(ValidatorConfig.self, from: data)
    }

    /// The list held, or nil before the first sync. A damaged file is reported, never used.
    static func loadList(_ state: String) throws -> ValidatorListState? {
        guard let data = try? Data(contentsOf: listURL(state)) else { return nil }
        do {
            return try ValidatorListState(serialized: Array(data))
        } catch {
            throw ValidatorFailure(code: "list_damaged", message: "\(listURL(state).path): \(error)")
        }
    }

    /// Writes the new list next to the old one and renames it over: a crash leaves the old or the new file, whole.
    static func saveList(_ list: ValidatorListState, _ state: String) throws {
        try Data(list.serialized()).write(to: listURL(state), options: .atomic)
    }
}

/// Fetching, checking and applying one list.
struct Syncer {
    let config: ValidatorConfig
    let state: String
    let client: TongkaClient

    init(state: String) throws {
        config = try ValidatorFiles.loadConfig(state)
        self.state = state
        guard let url = URL(string: config.server) else {
            throw ValidatorFailure(code: "usage", message: "bad server URL in validator.json")
        }
        client = TongkaClient(serverURL: url, token: config.token, language: .en, timeout: .seconds(90))
    }

    enum Outcome {
        case current(version: UInt64)
        case applied(kind: BlacklistListKind, version: UInt64, added: Int, removed: Int, bytes: Int, dropped: Int)
    }

    /// One round: download (waiting up to `wait` seconds for news), verify, apply, acknowledge.
    func sync(wait: Int?) async throws -> Outcome {
        let held = try ValidatorFiles.loadList(state)
        guard
            let download = try await client.downloadBlacklist(
                since: held.map { Int64($0.version) }, wait: wait, issuer: config.issuerID)
        else {
            return .current(version: held?.version ?? 0)
        }
        let list = try verify(download.bytes)
        let next: ValidatorListState
        switch list.kind {
        case .full:
            next = try ValidatorListState(
                version: list.toVersion, issuerID: list.issuerID, index: try BlacklistIndex(sorted: list.added))
        case .delta:
            guard let held, held.version == list.fromVersion else {
                throw ValidatorFailure(
                    code: "delta_mismatch", message: "a delta from v\(list.fromVersion) does not apply to v\(held?.version ?? 0)")
            }
            next = try ValidatorListState(
                version: list.toVersion, issuerID: list.issuerID,
                index: try held.index.applying(BlacklistChanges(added: list.added, removed: list.removed)))
        }
        try ValidatorFiles.saveList(next, state)
        try await client.acknowledgeBlacklist(version: Int64(next.version))
        return .applied(
            kind: list.kind, version: next.version, added: list.added.count, removed: list.removed.count,
            bytes: download.bytes.count, dropped: download.dropped)
    }

    /// Fetches the issuer whitelist unless the one held is current (its ETag), verifies its
    /// signature and CRC, and replaces the file atomically. Returns a line for the operator.
    func syncWhitelist() async throws -> String {
        let held = try ValidatorFiles.loadWhitelist(state)
        let tag = held == nil ? nil : try? String(contentsOf: ValidatorFiles.whitelistTagURL(state), encoding: .utf8)
        guard let download = try await client.downloadWhitelist(ifNoneMatch: tag) else {
            return "whitelist: up to date (\(held?.entries.count ?? 0) prefixes)"
        }
        guard let signature = Data(base64Encoded: download.signature),
            try publicKey().isValidSignature(signature, for: download.file)
        else { throw ValidatorFailure(code: "list_invalid", message: "refused the downloaded whitelist: bad signature") }
        let whitelist: IssuerWhitelist
        do { whitelist = try IssuerWhitelist.parse(download.file) } catch {
            throw ValidatorFailure(code: "list_invalid", message: "refused the downloaded whitelist: \(error)")
        }
        try Data(download.file).write(to: ValidatorFiles.whitelistURL(state), options: .atomic)
        try Data(download.etag.utf8).write(to: ValidatorFiles.whitelistTagURL(state), options: .atomic)
        return "whitelist v\(download.version): \(whitelist.entries.count) prefixes"
    }

    func publicKey() throws -> Curve25519.Signing.PublicKey {
        guard let keyBytes = Data(base64Encoded: config.publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { throw ValidatorFailure(code: "bad_public_key", message: "the public key in validator.json is not valid") }
        return key
    }

    /// The signature (before anything else is decoded) and the issuer.
    func verify(_ bytes: [UInt8]) throws -> BlacklistList {
        let key = try publicKey()
        let list: BlacklistList
        do {
            list = try BlacklistList.decode(bytes) { signed, signature in
                key.isValidSignature(signature, for: signed)
            }
        } catch {
            throw ValidatorFailure(code: "list_invalid", message: "refused the downloaded list: \(error)")
        }
        guard list.issuerID == config.issuerID else {
            throw ValidatorFailure(
                code: "wrong_operator", message: "the list is issuer \(list.issuerID)'s, not \(config.issuerID)'s")
        }
        return list
    }
}

func describe(_ outcome: Syncer.Outcome) -> String {
    switch outcome {
    case .current(let version): return "v\(version): up to date"
    case let .applied(kind, version, added, removed, bytes, dropped):
        var text = "v\(version): applied \(kind) list, +\(added) −\(removed) (\(bytes) bytes)"
        if dropped > 0 { text += "; \(dropped) entries left out by this group's size limit" }
        return text
    }
}

/// Runs a command body, printing failures as `code: message` with the exit codes of the counter.
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as ValidatorFailure {
        FileHandle.standardError.write(Data("\(failure)\n".utf8))
        throw ExitCode(1)
    } catch let failure as APIFailure {
        FileHandle.standardError.write(Data("\(failure)\n".utf8))
        throw ExitCode(failure.status >= 500 || failure.code == "transport_error" ? 69 : 1)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("card_unreadable: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register this validator with an admin's token and keep its own token in the state directory.")
    @OptionGroup var options: StateOptions
    @Option(help: "Server URL.") var server: String = "http://127.0.0.1:8080"
    @Option(help: "An admin's session token (or TONGKA_ADMIN_TOKEN).") var adminToken: String?
    @Argument(help: "Terminal number: 12 digits.") var terminal: String
    @Option(help: "PSAM serial (hex).") var psam: String
    @Option(help: "bus, metro, brt, tram, ferry, taxi, rail or bike.") var mode: String
    @Option(help: "Line.") var line: String
    @Option(help: "Depot.") var depot: String
    @Option(help: "Group (hardware class).") var group: String

    func run() async throws {
        try await guarded {
            guard let token = adminToken ?? ProcessInfo.processInfo.environment["TONGKA_ADMIN_TOKEN"],
                let url = URL(string: server)
            else { throw ValidatorFailure(code: "usage", message: "give --admin-token or TONGKA_ADMIN_TOKEN, and a server URL") }
            guard let mode = Components.Schemas.TransportMode(rawValue: mode) else {
                throw ValidatorFailure(code: "invalid_validator", message: "unknown mode \(self.mode)")
            }
            let client = TongkaClient(serverURL: url, token: token, language: .en)
            let registered = try await client.registerValidator(
                .init(terminalNumber: terminal, psamSerial: psam, mode: mode, line: line, depot: depot, group: group))
            try FileManager.default.createDirectory(atPath: options.state, withIntermediateDirectories: true)
            let config = ValidatorConfig(
                server: server, terminalNumber: registered.validator.terminalNumber, token: registered.token,
                publicKey: registered.publicKey, issuerID: registered.issuerId, mode: mode.rawValue, line: line)
            let file = ValidatorFiles.configURL(options.state)
            try JSONEncoder().encode(config).write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            print("registered \(registered.validator.terminalNumber); state in \(options.state)")
        }
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Download the list (a delta from the version held) and the issuer whitelist, verify them, apply them atomically, acknowledge."
    )
    @OptionGroup var options: StateOptions
    @Option(help: "Seconds to wait for a newer version when up to date (0-60).") var wait: Int?

    func run() async throws {
        try await guarded {
            let syncer = try Syncer(state: options.state)
            print(try await syncer.syncWhitelist())
            print(describe(try await syncer.sync(wait: wait)))
        }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Whether a card is on the list held (exit 1 when listed), without decompressing the list.")
    @OptionGroup var options: StateOptions
    @Argument(help: "Card number (19 digits).") var card: String

    func run() async throws {
        try await guarded {
            guard card.count == 19, card.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ValidatorFailure(code: "invalid_card_number", message: "a card number is 19 digits")
            }
            guard let list = try ValidatorFiles.loadList(options.state) else {
                throw ValidatorFailure(code: "no_list", message: "no list yet: run sync first")
            }
            if list.index.contains(CardNumber(trusted: card)) {
                print("listed (v\(list.version))")
                throw ExitCode(1)
            }
            print("not listed (v\(list.version))")
        }
    }
}

struct Tap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "A card is presented: checked against the issuer whitelist, then the blacklist; a listed card is blocked on the card (APPLICATION BLOCK) and refused.",
        discussion: "The PSAM is simulated with the operator's card key file (its maintenance key makes the block's MAC).")
    @OptionGroup var options: StateOptions
    @Option(help: "Card reader: sim:PATH for a software card file.") var reader: String
    @Option(help: "The card key file the simulated PSAM holds.") var cardKeys: String
    @Option(help: "Take this fare (fen) from an accepted card and keep the record in the outbox for upload.") var fare: Int?
    @Option(help: "The station or stop, for the record.") var station: String = ""

    func run() async throws {
        try await guarded {
            guard reader.hasPrefix("sim:") else {
                throw ValidatorFailure(code: "reader_unavailable", message: "only sim:PATH readers are built in")
            }
            guard let list = try ValidatorFiles.loadList(options.state),
                let whitelist = try ValidatorFiles.loadWhitelist(options.state)
            else {
                throw ValidatorFailure(code: "no_list", message: "no list yet: run sync first")
            }
            let keys = try MasterKeyStore.load(fromFile: cardKeys, requireOwnerOnly: false)
            let cardReader = SimulatedCardReader(cardFile: String(reader.dropFirst(4)), faults: [])
            _ = try await cardReader.connect()
            let terminal = PurseTerminal(reader: cardReader)
            let info = try await terminal.readCard()
            let card = CardNumber(trusted: info.card.cardNumber)
            if info.temporarilyBlocked {
                print("refused: \(card.masked) is blocked")
                throw ExitCode(1)
            }
            // domain.md §6: the issuer whitelist comes first.
            let issuer = info.card.issuerID.map { String(format: "%02X", $0) }.joined()
            guard whitelist.admits(card, issuerID: issuer) else {
                print("refused: \(card.masked) is not from an issuer on the whitelist (\(issuer))")
                throw ExitCode(1)
            }
            guard list.index.contains(card) else {
                guard let fare, fare > 0 else {
                    print("accepted: \(card.masked), balance \(Money(fen: Int64(info.balance ?? 0)).formatted)")
                    return
                }
                let record = try await Outbox(state: options.state).takeFare(
                    fen: UInt32(fare), terminal: terminal, psam: PurseHost(keyStore: keys), station: station)
                print(
                    "accepted: \(card.masked), fare \(Money(fen: record.amountFen).formatted), balance \(Money(fen: record.balanceAfterFen).formatted); record \(record.terminalSerial) kept for upload"
                )
                return
            }
            let challenge = try await terminal.challenge()
            let block = try PurseHost(keyStore: keys).applicationBlockCommand(
                card: info.card, challenge: challenge, permanent: false, keyVersion: 1)
            try await terminal.send(maintenanceCommand: block)
            print("refused: \(card.masked) is on the blacklist (v\(list.version)); the card is blocked")
            throw ExitCode(1)
        }
    }
}

/// The records taken and not yet acknowledged: one JSON file per record in `outbox/`, written as
/// soon as the card has paid and removed only once the server answered it. The PSAM's
/// terminal serial is kept in `terminal-serial` and advanced before each fare, so a crash never
/// reuses one.
struct Outbox {
    let state: String
    var directory: URL { URL(fileURLWithPath: state).appendingPathComponent("outbox") }
    var serialFile: URL { URL(fileURLWithPath: state).appendingPathComponent("terminal-serial") }

    func takeFare(
        fen: UInt32, terminal: PurseTerminal, psam: PurseHost, station: String
    ) async throws
        -> Components.Schemas.TapRecord
    {
        let config = try ValidatorFiles.loadConfig(state)
        let number = try TerminalNumber(hex: config.terminalNumber)
        let last =
            (try? String(contentsOf: serialFile, encoding: .utf8)).flatMap {
                Int64($0.trimmingCharacters(in: .whitespacesAndNewlines))
            } ?? 0
        let serial = last + 1
        try Data("\(serial)".utf8).write(to: serialFile, options: .atomic)
        let zone = TimeZone(identifier: ProcessInfo.processInfo.environment["TONGKA_TIME_ZONE"] ?? "Asia/Shanghai") ?? .current
        let dateTime = try TransactionDateTime(Date(), in: zone)
        let info = try await terminal.readCard()
        let result = try await terminal.purchase(
            amount: fen, terminal: number, terminalSerial: UInt32(serial), dateTime: dateTime, securityModule: psam)
        let record = Components.Schemas.TapRecord(
            cardNumber: info.card.cardNumber, issuerId: Hex.encode(info.card.issuerID), cardType: 1,
            offlineSerial: Int(result.purchase.offlineSerial), amountFen: Int64(fen), balanceBeforeFen: Int64(result.oldBalance),
            balanceAfterFen: Int64(result.newBalance), transactionType: 6, terminalNumber: config.terminalNumber,
            terminalSerial: serial, dateTime: dateTime.description.replacingOccurrences(of: " ", with: ""),
            tac: Hex.encode(result.tac), mode: .init(rawValue: config.mode ?? "bus") ?? .bus, line: config.line ?? "",
            station: station)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(record).write(
            to: directory.appendingPathComponent(String(format: "%010lld.json", serial)), options: .atomic)
        return record
    }

    /// Sends the outbox in batches of up to 1,000 and removes every record the server answered.
    func upload(client: TongkaClient) async throws -> (stored: Int, duplicate: Int, rejected: Int, exceptions: Int) {
        let files = ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        var totals = (stored: 0, duplicate: 0, rejected: 0, exceptions: 0)
        for start in stride(from: 0, to: files.count, by: 1_000) {
            let batch = Array(files[start..<min(files.count, start + 1_000)])
            let records = try batch.map {
                try JSONDecoder().decode(Components.Schemas.TapRecord.self, from: Data(contentsOf: $0))
            }
            // The binary form (docs/tap-upload-format.md): a quarter of the JSON's bytes.
            let answer = try await client.uploadTaps(binary: records.map(TapRecord.init))
            guard answer.results.count == records.count else {
                throw ValidatorFailure(
                    code: "upload_mismatch", message: "the server answered \(answer.results.count) of \(records.count) records")
            }
            for (file, result) in zip(batch, answer.results) {
                switch result.outcome {
                case .stored: totals.stored += 1
                case .duplicate: totals.duplicate += 1
                case .rejected:
                    totals.rejected += 1
                    FileHandle.standardError.write(
                        Data("record \(result.terminalSerial) rejected: \(result.reason?.rawValue ?? "-")\n".utf8))
                }
                totals.exceptions += result.exceptions.count
                try FileManager.default.removeItem(at: file)
            }
        }
        return totals
    }
}

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Send the records kept in the outbox; each is removed once the server answered it (stored, duplicate or rejected).")
    @OptionGroup var options: StateOptions

    func run() async throws {
        try await guarded {
            let syncer = try Syncer(state: options.state)
            let totals = try await Outbox(state: options.state).upload(client: syncer.client)
            print(
                "uploaded: \(totals.stored) stored, \(totals.duplicate) duplicate, \(totals.rejected) rejected; \(totals.exceptions) exceptions raised"
            )
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stay connected: long-poll for each new version, apply it, and send a heartbeat when nothing changed.")
    @OptionGroup var options: StateOptions
    @Option(help: "Seconds each long poll waits (1-60).") var wait: Int = 55
    @Option(help: "Stop after this many rounds (default: never).") var rounds: Int?

    func run() async throws {
        let syncer = try Syncer(state: options.state)
        var done = 0
        var whitelistDue = true
        while rounds.map({ done < $0 }) ?? true {
            done += 1
            do {
                // The whitelist changes rarely: at the start (until it succeeds) and about hourly.
                if whitelistDue || done % 60 == 0 {
                    print(try await syncer.syncWhitelist())
                    whitelistDue = false
                }
                let outcome = try await syncer.sync(wait: wait)
                if case .current = outcome { try await syncer.client.validatorHeartbeat() }
                print(describe(outcome))
            } catch let failure as APIFailure where failure.code == "transport_error" || failure.status >= 500 {
                // Offline: keep the list held and try again shortly.
                FileHandle.standardError.write(Data("\(failure); retrying in 5 s\n".utf8))
                try await Task.sleep(for: .seconds(5))
            }
        }
    }
}
