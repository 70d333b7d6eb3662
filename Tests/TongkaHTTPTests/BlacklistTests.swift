import Crypto
import Foundation
import Testing
import TongkaAPI
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// A registered validator: its own client and the key its lists are signed with.
struct TestValidator {
    let client: TongkaClient
    let publicKey: Curve25519.Signing.PublicKey
    let terminal: String
    let token: String

    static func register(
        _ fixture: Fixture, terminal: String = "000000000001", group: String = "BUS-A"
    ) async throws
        -> TestValidator
    {
        let registered = try await fixture.admin.registerValidator(
            .init(terminalNumber: terminal, psamSerial: "0000AB12CD34", mode: .bus, line: "1路", depot: "东站", group: group))
        #expect(registered.token.hasPrefix("tv_"))
        #expect(registered.issuerId == TestSettings.issuerID)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: try #require(Data(base64Encoded: registered.publicKey)))
        return TestValidator(
            client: TongkaClient(serverURL: fixture.server.url, token: registered.token, language: .en), publicKey: key,
            terminal: terminal, token: registered.token)
    }

    /// Downloads and verifies a list.
    func download(since: Int64?, wait: Int? = nil) async throws -> BlacklistList? {
        guard let download = try await client.downloadBlacklist(since: since, wait: wait) else { return nil }
        let list = try BlacklistList.decode(download.bytes) { signed, signature in
            publicKey.isValidSignature(signature, for: signed)
        }
        #expect(Int64(list.toVersion) == download.version)
        return list
    }
}

extension Fixture {
    /// Sells cards 1...count to have cards of ours to list.
    func soldCards(_ count: Int) async throws -> [String] {
        if try await admin.products().isEmpty { try await Cards.stock(self) }
        if (try? await clerk.currentShift()) == nil {
            _ = try await clerk.openShift(floatFen: 50_000, idempotencyKey: UUID().uuidString)
        }
        var cards: [String] = []
        for serial in 1...count {
            let card = Cards.number(serial)
            _ = try await clerk.issueCard(cardNumber: card, holderID: nil, payment: .cash, idempotencyKey: UUID().uuidString)
            cards.append(card)
        }
        return cards
    }
}

func add(_ cards: [String], reason: Components.Schemas.BlacklistReason = .lost) -> [Components.Schemas.BlacklistChangeRequest] {
    cards.map { .init(cardNumber: $0, action: .add, reason: reason) }
}

func remove(_ cards: [String]) -> [Components.Schemas.BlacklistChangeRequest] {
    cards.map { .init(cardNumber: $0, action: .remove, reason: .lost) }
}

@Suite(.timeLimit(.minutes(5))) struct BlacklistTests {
    @Test func supervisorsListAndRemoveCardsAndEveryChangeIsKeptInTheCardsHistory() async throws {
        try await withFixture { fixture in
            let cards = try await fixture.soldCards(2)
            let batch = try await fixture.supervisor.changeBlacklist(add([cards[0]]), note: "挂失")
            #expect(batch.state == .applied && batch.firstVersion == 1 && batch.size == 1)
            await expectFailure(.alreadyListed) { try await fixture.supervisor.changeBlacklist(add([cards[0]]), note: nil) }
            await expectFailure(.notListed) { try await fixture.supervisor.changeBlacklist(remove([cards[1]]), note: nil) }
            await expectFailure(.cardNotFound) {
                try await fixture.supervisor.changeBlacklist(add([Cards.number(99)]), note: nil)
            }
            await expectFailure(.invalidBlacklistReason) {
                try await fixture.supervisor.changeBlacklist(add([cards[1]], reason: .external), note: nil)
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.changeBlacklist(add([cards[1]]), note: nil) }
            // Another issuer's card is listed as external.
            let foreign = "3101000000000000042"
            _ = try await fixture.admin.changeBlacklist(add([foreign], reason: .external), note: nil)
            _ = try await fixture.supervisor.changeBlacklist(remove([cards[0]]), note: "找回")

            let card = try await fixture.auditor.blacklistCard(cards[0])
            #expect(card.listed == false)
            #expect(card.history.map(\.action) == [.add, .remove])
            #expect(card.history.map(\.version) == [1, 3])
            #expect(card.history.first?.changedBy == "lisi")
            let entries = try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries
            #expect(entries.map(\.cardNumber) == [CardNumber.mask(foreign)])
            // The log only grows: a removal is a change, and no row is ever deleted.
            let rows = try await fixture.server.database.read { connection in
                try await connection.query("SELECT count(*)::int FROM blacklist_changes", logger: fixture.server.database.logger)
                    .collect().first!.decode(Int.self)
            }
            #expect(rows == 3)
            await #expect(throws: (any Error).self) {
                try await fixture.server.database.transaction { connection in
                    try await connection.query("DELETE FROM blacklist_changes", logger: fixture.server.database.logger)
                }
            }
        }
    }

    @Test func aBatchAboveTheApprovalSizeWaitsForASecondAdminAndAnUndoRevertsTheWholeBatch() async throws {
        try await withFixture(configure: { $0.blacklistApprovalSize = 2 }) { fixture in
            let cards = try await fixture.soldCards(3)
            let held = try await fixture.admin.changeBlacklist(add(cards), note: "批量")
            #expect(held.state == .pending && held.firstVersion == nil)
            #expect(try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries.isEmpty)
            await expectFailure(.secondAdminRequired) { try await fixture.admin.approveBlacklistBatch(held.batchId) }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.approveBlacklistBatch(held.batchId) }
            let second = try await fixture.server.createStaff(admin: fixture.admin, username: "qian", role: .admin, hall: nil)
            let applied = try await second.approveBlacklistBatch(held.batchId)
            #expect(applied.state == .applied && applied.firstVersion == 1 && applied.lastVersion == 3)
            #expect(applied.approvedBy == "qian")
            await expectFailure(.batchNotPending) { try await second.approveBlacklistBatch(held.batchId) }
            await expectFailure(.batchNotFound) { try await second.approveBlacklistBatch(9_999) }
            #expect(try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries.count == 3)

            // One card changed again since: the undo leaves it and says so; it is also held (3 > 2? no: 2 changes).
            _ = try await fixture.supervisor.changeBlacklist(remove([cards[2]]), note: nil)
            let undo = try await fixture.admin.undoBlacklistBatch(held.batchId, note: "误操作")
            #expect(undo.state == .applied && undo.size == 2 && undo.skipped == 1 && undo.undoesBatch == held.batchId)
            #expect(try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries.isEmpty)
            await expectFailure(.batchAlreadyUndone) { try await fixture.admin.undoBlacklistBatch(held.batchId, note: nil) }
            let detail = try await fixture.auditor.blacklistBatch(undo.batchId)
            #expect(detail.changes.allSatisfy { $0.action == .remove && $0.cardNumber.contains("*") })
            let pending = try await fixture.auditor.blacklistBatches(state: .pending, cursor: nil, limit: nil)
            #expect(pending.batches.isEmpty)
        }
    }

    @Test func aValidatorGetsTheFullListThenDeltasSignedAnd304WhenCurrent() async throws {
        try await withFixture { fixture in
            let cards = try await fixture.soldCards(3)
            let validator = try await TestValidator.register(fixture)
            let empty = try #require(try await validator.download(since: nil))
            #expect(empty.kind == .full && empty.toVersion == 0 && empty.added.isEmpty)

            _ = try await fixture.supervisor.changeBlacklist(add([cards[0], cards[1]]), note: nil)
            let full = try #require(try await validator.download(since: 0))
            #expect(full.kind == .full && full.toVersion == 2 && full.added.map(\.digits) == [cards[0], cards[1]])
            #expect(full.issuerID == TestSettings.issuerID)
            // Current: 304, with or without the ETag.
            #expect(try await validator.download(since: 2) == nil)
            #expect(try await validator.client.downloadBlacklist(since: nil, wait: nil, ifNoneMatch: "\"v2\"") == nil)

            _ = try await fixture.supervisor.changeBlacklist(remove([cards[0]]) + add([cards[2]]), note: nil)
            let delta = try #require(try await validator.download(since: 2))
            #expect(delta.kind == .delta && delta.fromVersion == 2 && delta.toVersion == 4)
            #expect(delta.added.map(\.digits) == [cards[2]] && delta.removed.map(\.digits) == [cards[0]])
            let applied = try BlacklistChanges(added: delta.added, removed: delta.removed).applied(to: full.added)
            let head = try #require(try await validator.download(since: nil))
            #expect(applied == head.added)

            // A tampered list fails verification.
            let download = try #require(try await validator.client.downloadBlacklist(since: nil, wait: nil))
            var tampered = download.bytes
            tampered[tampered.count - 70] ^= 0x01
            #expect(throws: BlacklistCodecError.self) {
                try BlacklistList.decode(tampered) { validator.publicKey.isValidSignature($1, for: $0) }
            }
            #expect(throws: BlacklistCodecError.self) {
                try BlacklistList.decode(Array(download.bytes.dropLast(10))) { validator.publicKey.isValidSignature($1, for: $0) }
            }

            try await validator.client.acknowledgeBlacklist(version: 4)
            await expectFailure(.invalidVersion) { try await validator.client.acknowledgeBlacklist(version: 5) }
            try await validator.client.validatorHeartbeat()
            let status = try await fixture.supervisor.blacklistCard(cards[2])
            #expect(status.listed && status.version == 4 && status.activeValidators == 1 && status.appliedValidators == 1)
        }
    }

    @Test func aLongPollingValidatorLearnsOfABlockWithinASecondOfTheCommit() async throws {
        try await withFixture { fixture in
            let cards = try await fixture.soldCards(1)
            let validator = try await TestValidator.register(fixture)
            let started = ContinuousClock.now
            async let waited = validator.download(since: 0, wait: 20)
            try await Task.sleep(for: .milliseconds(500))
            _ = try await fixture.supervisor.changeBlacklist(add(cards), note: nil)
            let committed = ContinuousClock.now
            let list = try #require(try await waited)
            #expect(list.toVersion == 1 && list.added.map(\.digits) == cards)
            // Answered by the notification, not by the 20-second timeout.
            #expect(ContinuousClock.now - started < .seconds(15))
            _ = committed
            // Nothing new: the wait ends with 304.
            #expect(try await validator.download(since: 1, wait: 1) == nil)
        }
    }

    @Test func unknownRevokedAndForeignRequestsAreRefused() async throws {
        try await withFixture { fixture in
            let validator = try await TestValidator.register(fixture)
            await expectFailure(.terminalTaken) {
                try await fixture.admin.registerValidator(
                    .init(
                        terminalNumber: validator.terminal, psamSerial: "0000AB12CD35", mode: .metro, line: "2号线",
                        depot: "西站", group: "GATE"))
            }
            await expectFailure(.invalidValidator) {
                try await fixture.admin.registerValidator(
                    .init(terminalNumber: "000000000009", psamSerial: "12", mode: .metro, line: "2号线", depot: "西站", group: "GATE")
                )
            }
            await expectFailure(.invalidTerminal) {
                try await fixture.admin.registerValidator(
                    .init(
                        terminalNumber: "12345", psamSerial: "0000AB12CD35", mode: .metro, line: "2号线", depot: "西站", group: "GATE"
                    ))
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.registerValidator(
                    .init(
                        terminalNumber: "000000000009", psamSerial: "0000AB12CD35", mode: .metro, line: "2号线", depot: "西站",
                        group: "GATE"))
            }
            await expectFailure(.wrongOperator) {
                try await validator.client.downloadBlacklist(since: nil, wait: nil, issuer: "3101FFFFFFFFFFFF")
            }
            let stranger = TongkaClient(
                serverURL: fixture.server.url, token: "tv_" + String(repeating: "A", count: 43), language: .en)
            await expectFailure(.invalidToken) { try await stranger.downloadBlacklist(since: nil, wait: nil) }
            // A staff token is not a validator token, and a validator token opens no staff endpoint.
            await expectFailure(.invalidToken) { try await fixture.admin.downloadBlacklist(since: nil, wait: nil) }
            await expectFailure(.invalidToken) { try await validator.client.blacklistEntries(cursor: nil, limit: nil) }
            _ = try await fixture.admin.revokeValidator(validator.terminal)
            await expectFailure(.validatorRevoked) { try await validator.client.downloadBlacklist(since: nil, wait: nil) }
            await expectFailure(.validatorNotFound) { try await fixture.admin.revokeValidator("000000000777") }
            let listed = try await fixture.auditor.validators(cursor: nil, limit: nil)
            #expect(listed.validators.first?.revoked == true)
        }
    }

    @Test func aGroupWithASmallMemoryGetsTheListCutByTheRuleAndTheReportSaysSo() async throws {
        try await withFixture { fixture in
            let cards = try await fixture.soldCards(3)
            let validator = try await TestValidator.register(fixture, group: "OLD")
            try await fixture.admin.setValidatorGroup("OLD", maxEntries: 2)
            _ = try await fixture.supervisor.changeBlacklist(add([cards[0]], reason: .fraud), note: nil)
            _ = try await fixture.supervisor.changeBlacklist(add([cards[1], cards[2]]), note: nil)
            let download = try #require(try await validator.client.downloadBlacklist(since: 1, wait: nil))
            #expect(download.dropped == 1)
            let list = try BlacklistList.decode(download.bytes) { validator.publicKey.isValidSignature($1, for: $0) }
            // Always the full list, cut: fraud first, then the newest lost.
            #expect(list.kind == .full && list.added.map(\.digits) == [cards[0], cards[2]])
            let report = try await fixture.supervisor.validatorReport(maxAgeHours: 1)
            let row = try #require(report.rows.first)
            #expect(row.group == "OLD" && row.maxEntries == 2 && row.droppedEntries == 1 && row.active == 1 && row.stale == 1)
            #expect(report.stale.map(\.terminalNumber) == [validator.terminal])
            try await validator.client.acknowledgeBlacklist(version: 3)
            let fresh = try await fixture.supervisor.validatorReport(maxAgeHours: 1)
            #expect(fresh.rows.first?.stale == 0 && fresh.rows.first?.upToDate == 1 && fresh.stale.isEmpty)
        }
    }

    @Test func anotherIssuersFileIsImportedAsItsDifferencesAndOursIsExportedInTheSameFormat() async throws {
        try await withFixture { fixture in
            let issuer = "3101AAAAFFFFFFFF"
            func file(_ serials: [Int]) throws -> [UInt8] {
                try BlacklistExchangeFile(numbers: serials.map { CardNumber(trusted: "31010000" + String(format: "%011d", $0)) })
                    .encoded()
            }
            let first = try await fixture.admin.importBlacklist(issuer: issuer, file: try file([1, 2, 3]))
            #expect(first.listed == 3 && first.added == 3 && first.removed == 0 && first.batch?.kind == ._import)
            // The next file: 2 gone, 4 new; 1 and 3 unchanged.
            let second = try await fixture.admin.importBlacklist(issuer: issuer, file: try file([1, 3, 4]))
            #expect(second.added == 1 && second.removed == 1 && second.batch?.size == 2)
            let same = try await fixture.admin.importBlacklist(issuer: issuer.lowercased(), file: try file([1, 3, 4]))
            #expect(same.added == 0 && same.removed == 0 && same.batch == nil)
            let entries = try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries
            #expect(entries.count == 3 && entries.allSatisfy { $0.reason == .external })

            // Refused whole, with line numbers: a bad CRC, an unsorted line.
            var corrupt = try file([5, 6])
            corrupt[38] = UInt8(ascii: "7")  // the second number, still in order
            let crc = await expectFailure(.exchangeFileInvalid) {
                try await fixture.admin.importBlacklist(issuer: issuer, file: corrupt)
            }
            #expect(crc?.lineErrors.first?.problem == "crc_mismatch")
            let unsorted = Array("3101000000000000009\n3101000000000000008\nCRC32 00000000\n".utf8)
            let order = await expectFailure(.exchangeFileInvalid) {
                try await fixture.admin.importBlacklist(issuer: issuer, file: unsorted)
            }
            #expect(order?.lineErrors.contains { $0.line == 2 && $0.problem == "not_ascending" } == true)
            #expect(try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries.count == 3)
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.importBlacklist(issuer: issuer, file: try file([1]))
            }
            await expectFailure(.wrongOperator) {
                try await fixture.admin.importBlacklist(issuer: TestSettings.issuerID, file: try file([1]))
            }

            // Ours, in the same format: only this operator's cards.
            let cards = try await fixture.soldCards(2)
            _ = try await fixture.supervisor.changeBlacklist(add(cards), note: nil)
            let exported = try BlacklistExchangeFile.parse(try await fixture.auditor.exportBlacklist())
            #expect(exported.numbers.map(\.digits) == cards)
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.exportBlacklist() }
        }
    }

    @Test func cardsPastTheirValidToDateLeaveValidatorListsAsLoggedRemovalsAndStayInTheRecord() async throws {
        try await withFixture { fixture in
            let cards = try await fixture.soldCards(1)
            let validator = try await TestValidator.register(fixture)
            _ = try await fixture.supervisor.changeBlacklist(add(cards), note: nil)
            _ = try await fixture.admin.changeBlacklist(add(["3101000000000000042"], reason: .external), note: nil)
            let before = try #require(try await validator.download(since: nil))
            #expect(before.toVersion == 2 && before.added.count == 2)
            let store = BlacklistStore(database: fixture.server.database)
            // Not yet: the sold cards are valid for years.
            #expect(try await store.expire(today: CalendarDate(year: 2027, month: 1, day: 1)!, now: Date()) == 0)
            #expect(try await store.expire(today: CalendarDate(year: 2099, month: 1, day: 1)!, now: Date()) == 1)
            // The expiry ran outside the server, so the server hears of it by notification: the
            // download waits for it rather than racing it.
            let delta = try #require(try await validator.download(since: 2, wait: 10))
            #expect(delta.removed.map(\.digits) == cards && delta.added.isEmpty && delta.toVersion == 3)
            let head = try #require(try await validator.download(since: nil))
            #expect(try BlacklistChanges(added: delta.added, removed: delta.removed).applied(to: before.added) == head.added)
            // Another issuer's card has no valid-to date here and stays; ours stays in its history.
            #expect(head.added.map(\.digits) == ["3101000000000000042"])
            let record = try await fixture.auditor.blacklistCard(cards[0])
            #expect(!record.listed && record.history.map(\.reason) == [.lost, .expired])
            #expect(record.history.last?.changedBy == nil)
        }
    }

    @Test func withoutASigningKeyValidatorsCannotBeServed() async throws {
        _ = try await withFixture(configure: { $0.blacklistSigningKey = nil }) { fixture in
            await expectFailure(.blacklistKeyUnavailable) {
                try await fixture.admin.registerValidator(
                    .init(
                        terminalNumber: "000000000001", psamSerial: "0000AB12CD34", mode: .bus, line: "1路", depot: "东站",
                        group: "BUS-A"))
            }
        }
    }
}
