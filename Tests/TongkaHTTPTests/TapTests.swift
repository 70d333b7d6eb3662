import Foundation
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// A validator on a bus: its PSAM (simulated with the operator's key file) takes fares from
/// software cards offline; the records go up later.
struct TestBus {
    let validator: TestValidator
    let terminal: TerminalNumber
    let psam: PurseHost

    static func make(_ fixture: Fixture, terminal: String = "000000000001") async throws -> TestBus {
        TestBus(
            validator: try await TestValidator.register(fixture, terminal: terminal),
            terminal: try TerminalNumber(hex: terminal),
            psam: PurseHost(keyStore: try MasterKeyStore.load(fromFile: TestCardKeys.file, requireOwnerOnly: false)))
    }

    /// A fare taken from the card: the record the validator keeps.
    func tap(_ bench: LoadBench, fen: UInt32, serial: Int64, at date: Date = Date()) async throws -> Components.Schemas.TapRecord
    {
        let dateTime = try TransactionDateTime(date, in: TimeZone(identifier: "Asia/Shanghai")!)
        let result = try await bench.purse.purchase(
            amount: fen, terminal: terminal, terminalSerial: UInt32(serial), dateTime: dateTime, securityModule: psam)
        return .init(
            cardNumber: bench.card, issuerId: TestSettings.issuerID, cardType: 1,
            offlineSerial: Int(result.purchase.offlineSerial),
            amountFen: Int64(fen), balanceBeforeFen: Int64(result.oldBalance), balanceAfterFen: Int64(result.newBalance),
            transactionType: 6, terminalNumber: terminal.description, terminalSerial: serial,
            dateTime: dateTime.description.replacingOccurrences(of: " ", with: ""), tac: Hex.encode(result.tac), mode: .bus,
            line: "1路", station: "五一广场")
    }
}

extension Components.Schemas.TapRecord {
    func with(amountFen: Int64? = nil, tac: String? = nil, dateTime: String? = nil, terminal: String? = nil) -> Self {
        var copy = self
        if let amountFen { copy.amountFen = amountFen }
        if let tac { copy.tac = tac }
        if let dateTime { copy.dateTime = dateTime }
        if let terminal { copy.terminalNumber = terminal }
        return copy
    }
}

@Suite(.timeLimit(.minutes(5))) struct TapTests {
    @Test func aBatchOfTheDocumentedMaximumOfAThousandRecordsGoesInAsJSON() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(1_000)
            let bus = try await TestBus.make(fixture)
            let own = try await bus.tap(bench, fen: 100, serial: 1)
            // Other issuers' cards (no TAC to make): 1,000 records, about 400 kB of JSON, well over
            // the 64 kB of other JSON requests. The contract check once refused it with a 500.
            let batch = (1...1_000).map { serial -> Components.Schemas.TapRecord in
                var record = own
                record.cardNumber = "3105170000000" + String(format: "%06d", serial)
                record.issuerId = "01001000FFFFFFFF"
                record.terminalSerial = Int64(serial + 1)
                return record
            }
            let answer = try await bus.validator.client.uploadTaps(batch)
            #expect(answer.results.count == 1_000 && answer.results.allSatisfy { $0.outcome == .stored })
            await expectFailure(.invalidTapBatch) { try await bus.validator.client.uploadTaps(batch + [own]) }
        }
    }

    @Test func theFirstUploadsOfAMonthFromManyValidatorsAtOnceAllGoIn() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(1_000)
            let bus = try await TestBus.make(fixture)
            let own = try await bus.tap(bench, fen: 100, serial: 1)
            // No partition for this month exists yet: every validator's first batch makes or waits for
            // it. A partition made inside the upload's transaction deadlocked against the others.
            var validators: [TestValidator] = []
            for terminal in 2...9 {
                validators.append(try await TestValidator.register(fixture, terminal: String(format: "%012d", terminal)))
            }
            let answers = try await withThrowingTaskGroup(of: Components.Schemas.TapUploadResult.ResultsPayload.self) { group in
                for (index, validator) in validators.enumerated() {
                    var foreign = own
                    foreign.cardNumber = "310517000000000000\(index)"
                    foreign.issuerId = "01001000FFFFFFFF"
                    foreign.terminalNumber = validator.terminal
                    group.addTask { try await validator.client.uploadTaps([foreign]).results }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers.count == 8 && answers.allSatisfy { $0.outcome == .stored })
        }
    }

    @Test func uploadedTapsDebitTheCardOnceAndAResendIsAcknowledgedAsADuplicate() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let first = try await bus.tap(bench, fen: 200, serial: 1)
            let second = try await bus.tap(bench, fen: 300, serial: 2)
            #expect(try bench.cardBalance == 4_500)

            let answer = try await bus.validator.client.uploadTaps([first, second])
            #expect(answer.results.map(\.outcome) == [.stored, .stored])
            #expect(answer.results.allSatisfy { $0.posted && $0.exceptions.isEmpty })
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_500)
            let statement = try await fixture.clerk.cardStatement(bench.card)
            let taps = statement.lines.filter { $0.kind == "tap" }
            #expect(taps.map(\.amountFen) == [-200, -300] && taps.map(\.balanceFen) == [4_800, 4_500])
            // One journal transaction for the batch, still a line per tap saying where it was made.
            #expect(Set(taps.map(\.transactionId)).count == 1 && taps.allSatisfy { $0.clerk.hasPrefix("bus ") })
            #expect(statement.balanceFen == 4_500)

            // The connection was cut before the answer: the validator sends the batch again.
            let again = try await bus.validator.client.uploadTaps([first, second])
            #expect(again.results.map(\.outcome) == [.duplicate, .duplicate] && again.results.allSatisfy { !$0.posted })
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_500)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aBinaryBatchIsJudgedAsTheJSONOneAndADamagedOneIsRefusedWholeChangingNothing() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let first = try await bus.tap(bench, fen: 200, serial: 1)
            let second = try await bus.tap(bench, fen: 300, serial: 2)
            let refused = first.with(terminal: "000000000002")
            var batch = try TapBatchFile.encode([TapRecord(first), TapRecord(second), TapRecord(refused)])
            // One bit flipped: the CRC-32 refuses the whole batch, nothing is stored or posted.
            batch[40] ^= 0x10
            await expectFailure(.invalidTapBatch) { try await bus.validator.client.uploadTaps(batch: batch) }
            await expectFailure(.invalidTapBatch) { try await bus.validator.client.uploadTaps(batch: Array(batch.prefix(20))) }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 5_000)
            #expect(try await fixture.supervisor.tapExceptions(all: true, limit: nil).exceptions.isEmpty)

            let answer = try await bus.validator.client.uploadTaps(binary: [first, second, refused].map(TapRecord.init))
            #expect(answer.results.map(\.outcome) == [.stored, .stored, .rejected])
            #expect(answer.results[2].reason == .otherTerminal && answer.results[0].posted && answer.results[1].posted)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_500)
            // The same records as JSON are the same records: duplicates, not a second debit.
            let json = try await bus.validator.client.uploadTaps([first, second])
            #expect(json.results.map(\.outcome) == [.duplicate, .duplicate])
            // The binary answer (what the client asks for) carries what the JSON one would: a
            // tampered record's exceptions, and that it was not posted.
            let tampered = try await bus.tap(bench, fen: 100, serial: 3).with(amountFen: 1)
            let flagged = try await bus.validator.client.uploadTaps(binary: [TapRecord(tampered)])
            #expect(flagged.results.map(\.outcome) == [.stored] && flagged.results[0].terminalSerial == tampered.terminalSerial)
            #expect(flagged.results[0].exceptions == [.balanceDiscontinuity, .tacInvalid] && !flagged.results[0].posted)
            // Without Accept naming it, a binary upload is answered in JSON.
            let raw = try await fixture.server.raw(
                .POST, "/v1/taps", token: bus.validator.token, body: Data(try TapBatchFile.encode([TapRecord(first)])),
                contentType: "application/octet-stream")
            #expect(raw.status == 200 && raw.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            let decoded = try JSONDecoder().decode(Components.Schemas.TapUploadResult.self, from: raw.body)
            #expect(decoded.results.map(\.outcome) == [.duplicate])
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_500)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aTamperedTACAMissingSerialAReusedSerialAndAListedCardAreRaisedNeverDropped() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let first = try await bus.tap(bench, fen: 200, serial: 1)
            _ = try await bus.tap(bench, fen: 200, serial: 2)  // never uploaded: a missing record
            let third = try await bus.tap(bench, fen: 200, serial: 3)
            let tampered = try await bus.tap(bench, fen: 100, serial: 4).with(amountFen: 1)
            _ = try await fixture.supervisor.changeBlacklist(add([bench.card]), note: "挂失")
            // Tap times have whole seconds: a tap two seconds after the listing.
            let listed = try await bus.tap(bench, fen: 100, serial: 5, at: Date().addingTimeInterval(2))

            let answer = try await bus.validator.client.uploadTaps([first, third, tampered, listed])
            #expect(answer.results.map(\.outcome) == [.stored, .stored, .stored, .stored])
            #expect(answer.results[1].exceptions == [.serialGap] && answer.results[1].posted)
            #expect(answer.results[2].exceptions.contains(.tacInvalid) && !answer.results[2].posted)
            #expect(answer.results[2].exceptions.contains(.balanceDiscontinuity))
            #expect(answer.results[3].exceptions == [.listedAtTap] && answer.results[3].posted)
            // Posted: 200 + 200 + 100; the tampered record waits for review.
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_500)

            let conflict = try await bus.validator.client.uploadTaps([first.with(amountFen: 900)])
            #expect(conflict.results.first?.outcome == .rejected && conflict.results.first?.reason == .serialConflict)
            let future = try await bus.tap(bench, fen: 100, serial: 6, at: Date().addingTimeInterval(3_600))
            let refused = try await bus.validator.client.uploadTaps([
                future, future.with(terminal: "000000000002"), future.with(amountFen: 900_000),
                future.with(dateTime: "20260230120000"),
            ])
            #expect(refused.results.map(\.reason) == [.futureTimestamp, .otherTerminal, .amountAboveFare, .invalidDateTime])
            await expectFailure(.invalidTapBatch) { try await bus.validator.client.uploadTaps([]) }
            await expectFailure(.invalidToken) { try await fixture.clerk.uploadTaps([first]) }

            let open = try await fixture.supervisor.tapExceptions(all: false, limit: nil).exceptions
            #expect(Set(open.map(\.kind)) == [.serialGap, .tacInvalid, .balanceDiscontinuity, .listedAtTap, .serialConflict])
            #expect(open.allSatisfy { $0.cardNumber.contains("*") })
            let listing = try #require(open.first { $0.kind == .listedAtTap })
            #expect(listing.detail.contains("did not have it yet"), "\(listing.detail)")
            let resolved = try await fixture.supervisor.resolveTapException(listing.exceptionId, resolution: "乘客挂失前乘车")
            #expect(resolved.resolvedBy == "lisi" || resolved.resolvedBy != nil)
            await expectFailure(.tapExceptionResolved) {
                try await fixture.supervisor.resolveTapException(listing.exceptionId, resolution: "again")
            }
            await expectFailure(.tapExceptionNotFound) {
                try await fixture.supervisor.resolveTapException(99_999, resolution: "x")
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.tapExceptions(all: false, limit: nil) }
            #expect(try await fixture.auditor.tapExceptions(all: false, limit: nil).exceptions.count == open.count - 1)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
