import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

/// A load host that hands out a corrupted MAC2 (a broken host or a man in the middle).
private struct CorruptingHost: LoadHost {
    let inner: PurseHost
    func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) async throws -> LoadAuthorization {
        let real = try inner.authorizeLoad(card: card, amount: amount, terminal: terminal, dateTime: dateTime, response: response)
        var mac2 = real.mac2
        mac2[0] ^= 0xFF
        return LoadAuthorization(
            card: real.card, amount: real.amount, terminal: real.terminal, dateTime: real.dateTime,
            oldBalance: real.oldBalance, newBalance: real.newBalance, onlineSerial: real.onlineSerial,
            keyVersion: real.keyVersion, algorithmID: real.algorithmID, mac2: mac2)
    }
    func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws {
        try await inner.confirmLoad(load, tac: tac)
    }
}

@Suite("Grey loads: MAC2 issued, outcome unknown")
struct GreyLoadSimTests {
    @Test("MAC2 issued but CREDIT never reached the card: same serial next time, resolved as not credited")
    func creditNeverSent() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        await fixture.reader.inject(.dropCommand(ins: 0x52))
        let error = await thrownError { try await fixture.load(2_500, at: dateTime(20)) }
        guard case .greyLoad(let pending)? = error as? PurseTerminalError else {
            Issue.record("expected a grey load, got \(String(describing: error))")
            return
        }
        #expect(pending.onlineSerial == 1 && pending.amount == 2_500)
        #expect(try fixture.snapshot().balance == 1_000)
        // The card is taken out and presented again later.
        await fixture.reader.disconnect()
        try await fixture.connect()
        #expect(try await fixture.terminal.inspectGreyLoad(pending) == .notCredited)
        // The next real load's INITIALIZE shows the same serial; the old MAC2 is now useless.
        let next = try await fixture.load(700, at: dateTime(21))
        #expect(next.onlineSerial == pending.onlineSerial)
        #expect(GreyLoadResolver.resolve(pending, currentOnlineSerial: next.onlineSerial) == .notCredited)
        #expect(try fixture.snapshot().balance == 1_700)
    }

    @Test("CREDIT with a wrong MAC2 answers 9302: certainly not credited, and the serial says so too")
    func creditWithWrongMAC2() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        let error = await thrownError {
            _ = try await fixture.terminal.load(
                amount: 900, terminal: terminalNumber, dateTime: dateTime(),
                host: CorruptingHost(inner: fixture.host))
        }
        guard case .loadNotCredited(let load, let word)? = error as? PurseTerminalError else {
            Issue.record("expected loadNotCredited, got \(String(describing: error))")
            return
        }
        #expect(word == 0x9302)
        #expect(try fixture.snapshot().balance == 0)
        #expect(try await fixture.terminal.inspectGreyLoad(load) == .notCredited)
    }

    @Test("CREDIT processed but its response lost: the card log shows the load, resolved as credited")
    func responseLostAfterCredit() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        await fixture.reader.inject(.loseResponse(ins: 0x52))
        let error = await thrownError { try await fixture.load(3_000) }
        guard case .greyLoad(let pending)? = error as? PurseTerminalError else {
            Issue.record("expected a grey load, got \(String(describing: error))")
            return
        }
        #expect(try fixture.snapshot().balance == 3_000)
        #expect(try await fixture.terminal.inspectGreyLoad(pending) == .credited)
    }

    @Test("Credited load whose record was pushed out of the log: the online serial alone says credited")
    func creditedDecidedBySerial() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        await fixture.reader.inject(.loseResponse(ins: 0x52))
        guard case .greyLoad(let pending)? = await thrownError({ try await fixture.load(5_000) }) as? PurseTerminalError else {
            Issue.record("expected a grey load")
            return
        }
        for i in 0..<10 {
            try await fixture.purchase(10, serial: UInt32(i))
        }
        let log = try await fixture.terminal.readTransactionLog()
        #expect(log.count == 10 && log.allSatisfy { $0.transactionType == 0x06 })
        #expect(GreyLoadResolver.resolve(pending, transactionLog: log) == nil)
        #expect(try await fixture.terminal.inspectGreyLoad(pending) == .credited)
    }

    @Test("Resolving against another card is refused")
    func otherCardRefused() async throws {
        let fixture = try SimFixture()
        let other = try SimFixture(stock: "3104820000170907985,01025510FFFFFFFF,20250101,20341231,1,1")
        try await fixture.connect()
        try await other.connect()
        await fixture.reader.inject(.dropCommand(ins: 0x52))
        guard case .greyLoad(let pending)? = await thrownError({ try await fixture.load(100) }) as? PurseTerminalError else {
            Issue.record("expected a grey load")
            return
        }
        let error = await thrownError { _ = try await other.terminal.inspectGreyLoad(pending) }
        #expect(error as? PurseTerminalError == .cardChanged)
    }
}

@Suite("Card file persistence")
struct PersistenceTests {
    @Test("After writes, a new reader on the same file sees the same state and the same keys")
    func reloadGivesSameState() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(4_000)
        try await fixture.purchase(1_500)
        let before = try fixture.snapshot()
        await fixture.reader.disconnect()
        let reader = SimulatedCardReader(cardFile: fixture.path)
        _ = try await reader.connect()
        let terminal = PurseTerminal(reader: reader)
        let info = try await terminal.readCard()
        #expect(info.balance == 2_500)
        #expect(try fixture.snapshot() == before)
        let load = try await terminal.load(amount: 500, terminal: terminalNumber, dateTime: dateTime(), host: fixture.host)
        #expect(load.newBalance == 3_000 && load.onlineSerial == 1)
    }

    @Test("Writes leave no temporary file and keep mode 0600")
    func noLeftovers() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        for _ in 0..<5 { try await fixture.load(10) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.directory) == ["card.json"])
        #expect(try AtomicFile.permissions(of: fixture.path) == 0o600)
    }

    @Test("A half-written temporary file left by a crash does not affect the card")
    func crashLeftoverIgnored() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        let content = try Array(Data(contentsOf: URL(fileURLWithPath: fixture.path)))
        // What a crash between write() and rename() leaves: a truncated temporary copy.
        let leftover = fixture.directory + "/.card.json.tmp-0123456789AB"
        try Data(content.prefix(content.count / 2)).write(to: URL(fileURLWithPath: leftover))
        let reader = SimulatedCardReader(cardFile: fixture.path)
        _ = try await reader.connect()
        let terminal = PurseTerminal(reader: reader)
        #expect(try await terminal.readCard().balance == 1_000)
        _ = try await terminal.load(amount: 1, terminal: terminalNumber, dateTime: dateTime(), host: fixture.host)
        #expect(try fixture.snapshot().balance == 1_001)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: fixture.directory))
        #expect(names == ["card.json", ".card.json.tmp-0123456789AB"])
    }

    @Test("A corrupted card file is refused with a typed error naming the field, not a crash")
    func corruptedFileRefused() async throws {
        let fixture = try SimFixture()
        let content = try String(contentsOfFile: fixture.path, encoding: .utf8)
        try String(content.prefix(content.count / 2)).write(toFile: fixture.path, atomically: false, encoding: .utf8)
        let error = await thrownError { try await fixture.connect() }
        guard case .invalidCardFile? = error as? CardSimError else {
            Issue.record("expected invalidCardFile, got \(String(describing: error))")
            return
        }
        let edited = content.replacingOccurrences(of: "\"balance\" : 0", with: "\"balance\" : 200000")
        #expect(edited != content)
        try edited.write(toFile: fixture.path, atomically: false, encoding: .utf8)
        #expect(throws: CardSimError.invalidCardFile(path: fixture.path, field: "balance", reason: "exceeds maxBalance")) {
            _ = try SimulatedCard.snapshot(at: fixture.path)
        }
    }
}
