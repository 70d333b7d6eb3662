import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaTestSupport

@testable import tongka_counter

/// The counter's card readers: the spec, the factory, and `card read` against personalised software cards.
@Suite(.timeLimit(.minutes(5))) struct CardReaderTests {
    static let terminal = try! TerminalNumber(hex: "000000000031")
    static func at(_ day: String, _ time: String) -> TransactionDateTime {
        try! TransactionDateTime(yyyymmdd: day, hhmmss: time)
    }

    @Test func aSimReaderSpecNamesACardFileAndAPCSCSpecANamedReader() throws {
        #expect(
            try CardReaderSpec(parsing: "sim:demo-cards/3104820000000000001.card")
                == .simulated(path: "demo-cards/3104820000000000001.card"))
        #expect(try CardReaderSpec(parsing: "sim:/a:b/card") == .simulated(path: "/a:b/card"))
        #expect(try CardReaderSpec(parsing: "pcsc:ACS ACR122U 00 00") == .pcsc(name: "ACS ACR122U 00 00"))
        for bad in ["", "sim", "sim:", "pcsc:", "usb:1", "SIM:card", "demo-cards/x.card"] {
            #expect(throws: CardReaderProblem.invalidSpec(bad)) { try CardReaderSpec(parsing: bad) }
        }
    }

    @Test func theFactoryRefusesPCSCAndCardFilesThatAreMissingOrCorrupt() throws {
        #expect(throws: CardReaderProblem.unavailable(kind: "pcsc")) { try CardReaders.open(spec: "pcsc:ACR122") }
        #expect(throws: CardReaderProblem.invalidSpec("usb:1")) { try CardReaders.open(spec: "usb:1") }
        let missing = "/nonexistent-\(UUID().uuidString).card"
        let notThere = #expect(throws: CardReaderProblem.self) { try CardReaders.open(spec: "sim:\(missing)") }
        guard case .unreadable(let path, _) = notThere else {
            throw TestEnvironmentError(description: "\(String(describing: notThere))")
        }
        #expect(path == missing)

        let factory = try CardFactory()
        let corrupt = factory.directory + "/corrupt.card"
        try #"{"format": "tongka-sim-card"}"#.write(toFile: corrupt, atomically: true, encoding: .utf8)
        let broken = #expect(throws: CardReaderProblem.self) { try CardReaders.open(spec: "sim:\(corrupt)") }
        guard case .unreadable(let brokenPath, let reason) = broken else {
            throw TestEnvironmentError(description: "\(String(describing: broken))")
        }
        #expect(brokenPath == corrupt)
        #expect(reason.contains("formatVersion"), "\(reason)")
    }

    @Test func cardReadShowsTheMaskedNumberBalanceSerialsAndRecordsFromTheCardWithoutALogin() async throws {
        let factory = try CardFactory()
        #expect(try await factory.personalise(try factory.stockFile(1...1)).exitCode == 0)
        let path = factory.cardFile(1)
        let host = PurseHost(keyStore: try factory.keyStore())
        let reader = SimulatedCardReader(cardFile: path)
        _ = try await reader.connect()
        let terminal = PurseTerminal(reader: reader)
        _ = try await terminal.load(amount: 5_000, terminal: Self.terminal, dateTime: Self.at("20261201", "093000"), host: host)
        _ = try await terminal.load(amount: 2_000, terminal: Self.terminal, dateTime: Self.at("20261202", "080000"), host: host)
        _ = try await terminal.purchase(
            amount: 250, terminal: Self.terminal, terminalSerial: 1, dateTime: Self.at("20261202", "081502"),
            securityModule: host)
        await reader.disconnect()
        let before = try SimulatedCard.snapshot(at: path)

        // No server and no session: the card alone answers.
        let counter = CommandRunner(server: URL(string: "http://127.0.0.1:9")!)
        let read = try await counter.counter(["card", "read", "--reader", "sim:\(path)"])
        #expect(read.exitCode == 0, "\(read.stderr)")
        #expect(read.stdout.contains("3104***********0001"))
        #expect(!read.stdout.contains(CardFactory.cardNumber(1)))
        #expect(read.stdout.contains("¥67.50"))
        let rows = read.stdout.split(separator: "\n").map(String.init)
        func field(_ label: String) -> String? {
            rows.first { $0.hasPrefix(label + " ") }.map { $0.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        #expect(field("Online serial") == "2", "\(read.stdout)")
        #expect(field("Offline serial") == "1")
        #expect(field("Status (card)") == "active")
        #expect(field("Valid") == "2026-01-01 – 2036-12-31")
        #expect(field("Card type") == "ordinary")
        #expect(field("Interconnection") == "yes")
        let purchaseRow = try #require(rows.firstIndex { $0.contains("purchase") })
        let firstLoadRow = try #require(rows.firstIndex { $0.contains("2026-12-01 09:30:00") })
        #expect(purchaseRow < firstLoadRow, "newest first")
        #expect(rows[purchaseRow].contains("¥2.50") && rows[purchaseRow].contains("000000000031"))
        #expect(rows[purchaseRow].contains("2026-12-02 08:15:02"))
        #expect(rows[firstLoadRow].contains("load") && rows[firstLoadRow].contains("¥50.00"))
        // Reading changed nothing on the card.
        #expect(try SimulatedCard.snapshot(at: path) == before)

        let revealed = try await counter.counter(
            ["card", "read", "--reveal"], environment: ["TONGKA_CARD_READER": "sim:\(path)"])
        #expect(revealed.stdout.contains(CardFactory.cardNumber(1)))
        let chinese = try await counter.counter(["card", "read", "--reader", "sim:\(path)", "--lang", "zh"])
        #expect(chinese.stdout.contains("卡内余额"))
        #expect(chinese.stdout.contains("圈存"))
        #expect(chinese.stdout.contains("消费"))

        let json = try await counter.counter(["card", "read", "--reader", "sim:\(path)", "--json"])
        let object = try json.json()
        #expect(object["cardNumber"] as? String == CardFactory.cardNumber(1))
        #expect(object["balanceFen"] as? Int == 6_750)
        #expect(object["onlineSerial"] as? Int == 2)
        #expect(object["offlineSerial"] as? Int == 1)
        #expect(object["status"] as? String == "active")
        #expect(object["validTo"] as? String == "2036-12-31")
        #expect(object["interconnection"] as? Bool == true)
        #expect(object["backOffice"] == nil)
        let records = try #require(object["transactions"] as? [[String: Any]])
        #expect(records.map { $0["type"] as? String } == ["purchase", "load", "load"])
        #expect(records.map { $0["amountFen"] as? Int } == [250, 2_000, 5_000])
        #expect(records.map { $0["serial"] as? Int } == [0, 1, 0])
    }

    @Test func cardReadShowsABlockedCardsStatus() async throws {
        let factory = try CardFactory()
        #expect(try await factory.personalise(try factory.stockFile(1...2)).exitCode == 0)
        let host = PurseHost(keyStore: try factory.keyStore())
        for (serial, command) in [(1, MaintenanceCommand.temporaryBlock), (2, .permanentBlock)] {
            let reader = SimulatedCardReader(cardFile: factory.cardFile(serial))
            _ = try await reader.connect()
            try await PurseTerminal(reader: reader).maintain(command, host: host)
        }
        let counter = CommandRunner(server: nil)
        let temporary = try await counter.counter(["card", "read", "--reader", "sim:\(factory.cardFile(1))", "--json"])
        #expect(temporary.exitCode == 0, "\(temporary.stderr)")
        #expect(try temporary.json()["status"] as? String == "temporarily_blocked")
        #expect(try temporary.json()["cardNumber"] as? String == CardFactory.cardNumber(1))
        #expect(try temporary.json()["balanceFen"] == nil)
        let permanent = try await counter.counter(["card", "read", "--reader", "sim:\(factory.cardFile(2))"])
        #expect(permanent.exitCode == 0, "\(permanent.stderr)")
        #expect(permanent.stdout.contains("permanently blocked"))
    }

    @Test func cardReadRefusesAMissingReaderAnUnknownSpecPCSCAndAnUnreadableCard() async throws {
        let counter = CommandRunner(server: nil)
        let none = try await counter.counter(["card", "read"])
        #expect(none.exitCode == 1)
        #expect(none.stderr.contains("[reader_required]"))
        #expect(none.stderr.contains("--reader sim:PATH"))
        let unknown = try await counter.counter(["card", "read", "--reader", "usb:1"])
        #expect(unknown.stderr.contains("[invalid_reader]"))
        let pcsc = try await counter.counter(["card", "read", "--reader", "pcsc:ACR122"])
        #expect(pcsc.exitCode == 1)
        #expect(pcsc.stderr.contains("[reader_unavailable]"))
        #expect(pcsc.stderr.contains("PC/SC is not built into this counter yet"))
        let missing = "/tmp/no-such-card-\(UUID().uuidString).card"
        let unreadable = try await counter.counter(["card", "read"], environment: ["TONGKA_CARD_READER": "sim:\(missing)"])
        #expect(unreadable.exitCode == 1)
        #expect(unreadable.stderr.contains("[card_unreadable]"))
        #expect(unreadable.stderr.contains(missing))
        let json = try await counter.counter(["card", "read", "--reader", "pcsc:ACR122", "--json"])
        #expect(try json.json()["code"] as? String == "reader_unavailable")
    }
}
