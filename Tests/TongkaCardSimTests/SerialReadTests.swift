import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

@Suite("Reading a card's serials with abandoned INITIALIZE commands")
struct SerialReadTests {
    @Test("readSerials reports the serials the next load and purchase will use, and changes nothing on the card")
    func readSerialsReportsTheNextSerialsAndChangesNothing() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(5_000)
        try await fixture.load(1_000)
        try await fixture.purchase(200)
        let before = try fixture.snapshot()

        let serials = try await fixture.terminal.readSerials(terminal: terminalNumber)

        #expect(serials == PurseSerials(online: 2, offline: 1))
        #expect(serials.online == before.onlineSerial)
        #expect(serials.offline == before.offlineSerial)
        #expect(try fixture.snapshot() == before)
        // The abandoned sessions leave nothing behind: the next load and purchase use these serials.
        let load = try await fixture.load(100)
        #expect(load.onlineSerial == serials.online)
        let purchase = try await fixture.purchase(100, serial: 2)
        #expect(purchase.offlineSerial == serials.offline)
        #expect(try fixture.snapshot().balance == 5_000 + 1_000 - 200 + 100 - 100)
    }

    @Test("A CREDIT FOR LOAD straight after readSerials is refused with 6985: no load session is left open")
    func noLoadSessionIsLeftOpen() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.terminal.readSerials(terminal: terminalNumber)
        let credit = try await fixture.send("805200000B 20250615120000 00000000 04")
        #expect(credit.statusWord == StatusWord.conditionsNotSatisfied)
        #expect(try fixture.snapshot().balance == 0)
    }

    @Test("Serials that reached FFFF are reported as FFFF instead of failing")
    func exhaustedSerialsAreReportedAsTheMaximum() async throws {
        let fixture = try SimFixture()
        try SimulatedCard.adjust(at: fixture.path, onlineSerial: .max, offlineSerial: .max)
        try await fixture.connect()
        let serials = try await fixture.terminal.readSerials(terminal: terminalNumber)
        #expect(serials == PurseSerials(online: .max, offline: .max))
    }

    @Test("readSerials on a temporarily blocked card throws applicationBlocked")
    func aBlockedCardHasNoReadableSerials() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.terminal.maintain(.temporaryBlock, host: fixture.host)
        let error = await thrownError { _ = try await fixture.terminal.readSerials(terminal: terminalNumber) }
        #expect(error as? PurseTerminalError == .applicationBlocked)
    }
}
