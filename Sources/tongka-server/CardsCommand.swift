import ArgumentParser
import Foundation
import TongkaCardCrypto
import TongkaCardSim
import TongkaDomain
import TongkaHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The card factory's part, for software cards: what personalisation machines do for real cards.
struct Cards: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Software cards: personalise a factory stock file into card files.",
        subcommands: [Personalise.self])

    struct Personalise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one software card per line of a factory stock file, keyed with the operator's master keys.",
            discussion: """
                The stock file is the CSV that `tongka-counter stock import` takes
                (card_number,issuer_id,valid_from,valid_to,card_type,chip_uid). Every line is checked
                first, against the issuer prefixes and id of the configuration (TONGKA_ISSUER_PREFIXES,
                TONGKA_ISSUER_ID, or --config); one bad line refuses the whole file, with line numbers,
                and nothing is written. Each card goes to DIR/<card number>.card (mode 0600), balance 0,
                serials 0, with its own diversified keys; the master keys never reach a card file and
                key values are never printed. Existing card files are refused unless --force.
                """)

        @Option(help: "A file of TONGKA_* settings, one KEY=VALUE per line.")
        var config: String?

        @Option(help: "The factory stock file (CSV).")
        var stock: String

        @Option(help: "Directory for the card files (created with mode 0700 when missing).")
        var out: String

        @Option(help: "The card master key file (default TONGKA_CARD_KEYS_FILE).")
        var keys: String?

        @Option(help: "Maximum balance written to every card, in fen (the product's maximum balance).")
        var maxBalanceFen: UInt32 = SimulatedCardOptions().maxBalance

        @Option(help: "Interconnection cards (file 0017 bytes 8-9 0001): true or false.")
        var interconnection = true

        @Flag(help: "Replace existing card files (their balance and records are lost).")
        var force = false

        func run() async throws {
            guard maxBalanceFen > 0 else { throw ValidationError("--max-balance-fen must be positive") }
            let reader = try await configReader(file: config)
            let issuer: IssuerProfile
            do {
                issuer = try ServerSettings.issuer(reader: reader)
            } catch let problem as ServerSettings.Problem {
                throw ValidationError(problem.description)
            }
            guard let keyFile = keys ?? reader.string(forKey: "card.keys.file"), !keyFile.isEmpty else {
                throw ValidationError("give --keys or set TONGKA_CARD_KEYS_FILE")
            }
            let store: MasterKeyStore
            do {
                store = try MasterKeyStore.load(fromFile: keyFile)
            } catch {
                throw ValidationError("\(error)")
            }
            guard Hex.encode(store.configuration.issuerID) == issuer.issuerID else {
                throw ValidationError(
                    "\(keyFile) holds the keys of issuer \(Hex.encode(store.configuration.issuerID)), not of the configured issuer \(issuer.issuerID)"
                )
            }
            let zone =
                reader.string(forKey: "timezone").flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "Asia/Shanghai")!
            let cards = try Self.readStock(stock, issuer: issuer, today: CalendarDate(Date(), in: zone))

            try Self.prepare(directory: out)
            let paths = cards.map { (out as NSString).appendingPathComponent("\($0.cardNumber.digits).card") }
            let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty, !force {
                throw ValidationError(
                    "\(existing.count) card file(s) exist already, e.g. \(existing[0]); nothing written (--force replaces them)")
            }

            let options = SimulatedCardOptions(maxBalance: maxBalanceFen)
            let progress = isatty(STDERR_FILENO) == 1
            for (index, (card, path)) in zip(cards, paths).enumerated() {
                do {
                    if force { try? FileManager.default.removeItem(atPath: path) }
                    try SimulatedCard.create(
                        at: path, from: try Self.stockLine(card, interconnection: interconnection), keyStore: store,
                        options: options)
                } catch {
                    if progress { FileHandle.standardError.write(Data("\n".utf8)) }
                    throw ValidationError(
                        "line \(card.line) (\(card.cardNumber.masked)): \(error); \(index) card file(s) were written before it")
                }
                if progress, index % 50 == 49 || index == cards.count - 1 {
                    FileHandle.standardError.write(Data("\rpersonalised \(index + 1)/\(cards.count)".utf8))
                }
            }
            if progress { FileHandle.standardError.write(Data("\n".utf8)) }
            print(
                "Personalised \(cards.count) card(s) into \(out) (maximum balance \(Money(fen: Int64(maxBalanceFen)).formatted), interconnection \(interconnection ? "yes" : "no"))."
            )
        }

        /// Every card of the file, or the whole file refused with its bad lines on standard error.
        static func readStock(_ path: String, issuer: IssuerProfile, today: CalendarDate) throws -> [StockCard] {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ValidationError("cannot read \(path)") }
            defer { try? handle.close() }
            var parser = StockFileParser(profile: issuer, expectedCardType: nil, today: today)
            var cards: [StockCard] = []
            while true {
                let chunk = handle.readData(ofLength: 256 * 1024)
                if chunk.isEmpty { break }
                cards += parser.feed(chunk)
            }
            cards += parser.finish()
            if parser.errorCount > 0 {
                var report = "\(path): \(parser.errorCount) bad line(s); nothing written\n"
                for error in parser.errors { report += "  line \(error.line): \(error.problem.rawValue): \(error.message)\n" }
                if parser.errorCount > parser.errors.count {
                    report += "  ... \(parser.errorCount - parser.errors.count) more\n"
                }
                FileHandle.standardError.write(Data(report.utf8))
                throw ExitCode(1)
            }
            guard !cards.isEmpty else { throw ValidationError("\(path) has no cards") }
            return cards
        }

        /// The simulator's stock line for a checked stock card.
        static func stockLine(_ card: StockCard, interconnection: Bool) throws -> StockLine {
            try StockLine(
                cardNumber: card.cardNumber.digits, issuerID: try Hex.decode(card.issuerID, field: "issuer id"),
                validFrom: card.validFrom.compact, validTo: card.validTo.compact, cardType: UInt8(card.cardType.rawValue),
                interconnection: interconnection)
        }

        /// Creates the output directory (0700) when it is missing; refuses a path that is not one.
        static func prepare(directory: String) throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw ValidationError("\(directory) is not a directory") }
                return
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ValidationError("cannot create \(directory): \(error.localizedDescription)")
            }
        }
    }
}
