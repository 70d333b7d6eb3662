import Foundation
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaClient
import TongkaDomain
import TongkaTestSupport

extension TapRecord {
    init(_ record: Components.Schemas.TapRecord) {
        self.init(
            card: CardNumber(trusted: record.cardNumber), issuerID: record.issuerId, cardType: record.cardType,
            offlineSerial: record.offlineSerial, amount: Money(fen: record.amountFen),
            balanceBefore: Money(fen: record.balanceBeforeFen),
            balanceAfter: Money(fen: record.balanceAfterFen), transactionType: record.transactionType,
            terminalNumber: record.terminalNumber, terminalSerial: record.terminalSerial, dateTime: record.dateTime,
            tac: record.tac,
            mode: TransportMode(rawValue: record.mode.rawValue)!, line: record.line, station: record.station)
    }
}

/// Clearing with the national platform: other issuers' records out, ours from other cities in.
@Suite(.timeLimit(.minutes(5))) struct ClearingTests {
    static let platform = "99990000FFFFFFFF"

    static func today() -> String {
        CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description
    }

    @Test func anotherIssuersCardsRecordsGoOutInTheDaysFileAndAreNotPostedHere() async throws {
        try await withFixture { fixture in
            let bus = try await TestBus.make(fixture)
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(1_000)
            let own = try await bus.tap(bench, fen: 200, serial: 1)
            var foreign = own
            foreign.cardNumber = "3105170000000000001"
            foreign.issuerId = "01001000FFFFFFFF"
            foreign.terminalSerial = 2
            let answer = try await bus.validator.client.uploadTaps([own, foreign])
            #expect(answer.results.map(\.posted) == [true, false] && answer.results[1].exceptions.isEmpty)

            let file = try ClearingFile.parse(try await fixture.auditor.exportClearing(day: Self.today()))
            #expect(file.direction == .outgoing && file.senderIssuerID == TestSettings.issuerID)
            #expect(file.records == [TapRecord(foreign)])
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.exportClearing(day: Self.today()) }
        }
    }

    @Test func ourCardsRecordsFromOtherCitiesDebitTheCardOnceAndBadFilesAreRefusedWhole() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            // A validator in another city, with its own PSAM and terminal number.
            let elsewhere = try await TestBus.make(fixture, terminal: "310000000009")
            let first = TapRecord(try await elsewhere.tap(bench, fen: 300, serial: 71))
            let forged = TapRecord(try await elsewhere.tap(bench, fen: 100, serial: 72).with(tac: "00000000"))
            func file(_ records: [TapRecord], direction: ClearingFile.Direction = .incoming) -> [UInt8] {
                ClearingFile(direction: direction, senderIssuerID: Self.platform, day: "20261201", records: records).encoded()
            }
            let taken = try await fixture.admin.importClearing(file: file([first, forged]))
            #expect(
                taken.records == 2 && taken.stored == 2 && taken.posted == 1 && taken.exceptions == 1 && taken.duplicates == 0)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_700)
            let again = try await fixture.admin.importClearing(file: file([first]))
            #expect(again.duplicates == 1 && again.posted == 0)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_700)
            let statement = try await fixture.clerk.cardStatement(bench.card)
            #expect(statement.lines.contains { $0.kind == "clearing_in" && $0.amountFen == -300 })
            let raised = try await fixture.supervisor.tapExceptions(all: false, limit: nil).exceptions
            #expect(raised.map(\.kind) == [.tacInvalid])

            var corrupt = file([first])
            corrupt[corrupt.count - 20] ^= 0x01
            await expectFailure(.exchangeFileInvalid) { try await fixture.admin.importClearing(file: corrupt) }
            var theirs = first
            theirs = TapRecord(
                card: CardNumber(trusted: "3105170000000000001"), issuerID: "01001000FFFFFFFF", cardType: 1, offlineSerial: 1,
                amount: Money(fen: 100), balanceBefore: Money(fen: 500), balanceAfter: Money(fen: 400), transactionType: 6,
                terminalNumber: "310000000009", terminalSerial: 90, dateTime: first.dateTime, tac: first.tac, mode: .bus,
                line: "1",
                station: "")
            await expectFailure(.exchangeFileInvalid) { try await fixture.admin.importClearing(file: file([theirs])) }
            await expectFailure(.exchangeFileInvalid) {
                try await fixture.admin.importClearing(file: file([first], direction: .outgoing))
            }
            await expectFailure(.forbiddenRole) { try await fixture.auditor.importClearing(file: file([first])) }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
