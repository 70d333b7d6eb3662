import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaTestSupport

/// `tongka-server cards personalise`: the factory's software cards from a stock file.
@Suite(.timeLimit(.minutes(5))) struct PersonaliseTests {
    static let terminal = try! TerminalNumber(hex: "000000000031")
    static func at(_ day: String, _ time: String) -> TransactionDateTime {
        try! TransactionDateTime(yyyymmdd: day, hhmmss: time)
    }

    @Test func personaliseWritesOneCardPerStockLineWhoseKeysTheMasterKeyFileVerifies() async throws {
        let factory = try CardFactory()
        let made = try await factory.personalise(try factory.stockFile(1...3), ["--max-balance-fen", "50000"])
        #expect(made.exitCode == 0, "\(made.stderr)")
        #expect(made.stdout.contains("Personalised 3 card(s)"))
        #expect(made.stdout.contains("¥500.00"))
        // Progress is for terminals; here standard error is a pipe.
        #expect(made.stderr.isEmpty)
        let files = try FileManager.default.contentsOfDirectory(atPath: factory.cardsDirectory).sorted()
        #expect(files == (1...3).map { "\(CardFactory.cardNumber($0)).card" })
        let mode = try FileManager.default.attributesOfItem(atPath: factory.cardFile(2))[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        // Nothing of the master key file reaches the output or a card file.
        let keyText = try String(contentsOfFile: factory.keyFile, encoding: .utf8)
        let masterKeys = keyText.matches(of: /"[0-9A-Fa-f]{32}"/).map { String(keyText[$0.range]).uppercased() }
        #expect(!masterKeys.isEmpty)
        let cardText = try String(contentsOfFile: factory.cardFile(2), encoding: .utf8).uppercased()
        for key in masterKeys {
            #expect(!cardText.contains(key))
            #expect(!made.stdout.uppercased().contains(key.dropFirst().dropLast()))
        }

        // A full load and purchase over the written card, checked by a host holding the master keys.
        let host = PurseHost(keyStore: try factory.keyStore())
        let reader = SimulatedCardReader(cardFile: factory.cardFile(2))
        _ = try await reader.connect()
        let terminal = PurseTerminal(reader: reader)
        let info = try await terminal.readCard()
        #expect(info.card.cardNumber == CardFactory.cardNumber(2))
        #expect(info.validFrom == "20260101" && info.validTo == "20361231")
        #expect(info.cardType == 1 && info.interconnection)
        let load = try await terminal.load(
            amount: 5_000, terminal: Self.terminal, dateTime: Self.at("20261201", "093000"), host: host)
        #expect(load.newBalance == 5_000)
        let purchase = try await terminal.purchase(
            amount: 200, terminal: Self.terminal, terminalSerial: 7, dateTime: Self.at("20261201", "101500"),
            securityModule: host)
        #expect(purchase.newBalance == 4_800)
        // The product maximum was written: a load past ¥500 is refused by the card.
        await #expect(throws: PurseTerminalError.balanceLimitExceeded) {
            _ = try await terminal.load(
                amount: 46_000, terminal: Self.terminal, dateTime: Self.at("20261201", "101600"), host: host)
        }
        await reader.disconnect()
    }

    @Test func personaliseRefusesABadStockFileWholeWithLineNumbersAndWritesNothing() async throws {
        let factory = try CardFactory()
        let stock = try factory.stockFile(
            1...2,
            extraLines: [
                "3104820000000000003,31045510FFFFFFFF,20260101,20361231,9,C0000003",
                "3105170000000000004,31045510FFFFFFFF,20260101,20361231,1,C0000004",
            ])
        let refused = try await factory.personalise(stock)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("2 bad line(s); nothing written"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 4: invalid_card_type"))
        #expect(refused.stderr.contains("line 5: unknown_issuer_prefix"))
        #expect(!FileManager.default.fileExists(atPath: factory.cardFile(1)))
    }

    @Test func personaliseRefusesExistingCardFilesUnlessForcedAndKeysOfAnotherIssuer() async throws {
        let factory = try CardFactory()
        let stock = try factory.stockFile(1...2)
        #expect(try await factory.personalise(stock).exitCode == 0)
        try SimulatedCard.adjust(at: factory.cardFile(1), balance: 700)
        let again = try await factory.personalise(stock)
        #expect(again.exitCode != 0)
        #expect(again.stderr.contains("2 card file(s) exist already"), "\(again.stderr)")
        #expect(try SimulatedCard.snapshot(at: factory.cardFile(1)).balance == 700)
        let forced = try await factory.personalise(stock, ["--force", "--interconnection", "false"])
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        let card = try SimulatedCard.snapshot(at: factory.cardFile(1))
        #expect(card.balance == 0)
        #expect(!card.interconnection)

        let otherIssuer = try await factory.personalise(
            stock, ["--force"], environment: ["TONGKA_ISSUER_ID": "31055510FFFFFFFF"])
        #expect(otherIssuer.exitCode != 0)
        #expect(otherIssuer.stderr.contains("not of the configured issuer 31055510FFFFFFFF"), "\(otherIssuer.stderr)")
        let noKeys = try await CommandRunner.server(
            ["cards", "personalise", "--stock", stock, "--out", factory.cardsDirectory], environment: factory.environment)
        #expect(noKeys.exitCode != 0)
        #expect(noKeys.stderr.contains("TONGKA_CARD_KEYS_FILE"))
    }
}
