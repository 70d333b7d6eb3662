import Crypto
import Foundation
import Testing
import TongkaAPI
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// The issuer whitelist from the national platform, and rejecting a held blacklist batch.
@Suite(.timeLimit(.minutes(5))) struct WhitelistTests {
    static let beijing = IssuerWhitelist.Entry(cardPrefix: "31051700", issuerID: "01001000FFFFFFFF")
    static let shanghai = IssuerWhitelist.Entry(cardPrefix: "31047700", issuerID: "02002900FFFFFFFF")

    @Test func validatorsGetTheImportedWhitelistSignedWithTheOperatorsOwnPrefixesAlwaysIn() async throws {
        try await withFixture { fixture in
            let validator = try await TestValidator.register(fixture)
            // Before any import: this operator's prefixes only, version 0.
            let before = try #require(try await validator.client.downloadWhitelist())
            #expect(before.version == 0)
            #expect(
                try IssuerWhitelist.parse(before.file).entries == [
                    .init(cardPrefix: TestSettings.issuerPrefix, issuerID: TestSettings.issuerID)
                ])

            let file = try IssuerWhitelist(entries: [Self.shanghai, Self.beijing].sorted { $0.cardPrefix < $1.cardPrefix })
                .encoded()
            let imported = try await fixture.admin.importIssuerWhitelist(file: file)
            #expect(
                imported.version == 1 && imported.entries == 2 && imported.added == 2 && imported.removed == 0 && imported.changed
            )
            let same = try await fixture.admin.importIssuerWhitelist(file: file)
            #expect(!same.changed && same.version == 1)

            let download = try #require(try await validator.client.downloadWhitelist())
            #expect(download.version == 1)
            let signature = try #require(Data(base64Encoded: download.signature))
            #expect(validator.publicKey.isValidSignature(signature, for: download.file))
            var tampered = download.file
            tampered[0] ^= 0x01
            #expect(!validator.publicKey.isValidSignature(signature, for: tampered))
            let served = try IssuerWhitelist.parse(download.file)
            #expect(served.entries.map(\.cardPrefix) == ["31047700", TestSettings.issuerPrefix, "31051700"])
            #expect(served.admits(CardNumber(trusted: "3105170000000000001"), issuerID: "01001000FFFFFFFF"))
            #expect(!served.admits(CardNumber(trusted: "3105170000000000001"), issuerID: "02002900FFFFFFFF"))
            #expect(!served.admits(CardNumber(trusted: "3199990000000000001"), issuerID: "01001000FFFFFFFF"))
            // Unchanged: 304 for the tag held.
            #expect(try await validator.client.downloadWhitelist(ifNoneMatch: download.etag) == nil)

            // The next import drops Shanghai: a new version, and the validator's tag is stale.
            let next = try await fixture.admin.importIssuerWhitelist(file: try IssuerWhitelist(entries: [Self.beijing]).encoded())
            #expect(next.version == 2 && next.added == 0 && next.removed == 1)
            let newer = try #require(try await validator.client.downloadWhitelist(ifNoneMatch: download.etag))
            #expect(try IssuerWhitelist.parse(newer.file).entry(for: CardNumber(trusted: "3104770000000000001")) == nil)

            let shown = try await fixture.auditor.issuerWhitelist()
            #expect(shown.version == 2 && shown.importedBy == "admin")
            #expect(shown.entries.filter(\.own).map(\.cardPrefix) == [TestSettings.issuerPrefix])
            await expectFailure(.forbiddenRole) { try await fixture.clerk.issuerWhitelist() }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.importIssuerWhitelist(file: file) }
            // Staff tokens are not validator tokens.
            await expectFailure(.invalidToken) { try await fixture.admin.downloadWhitelist() }
            await expectFailure(.invalidToken) { try await validator.client.issuerWhitelist() }
        }
    }

    @Test func aBadWhitelistFileIsRefusedWholeWithItsLineNumbers() async throws {
        try await withFixture { fixture in
            let unsorted = Array("31051700 01001000FFFFFFFF\n31047700 02002900FFFFFFFF\n31051700 0100\nCRC32 00000000\n".utf8)
            let failure = await expectFailure(.exchangeFileInvalid) {
                try await fixture.admin.importIssuerWhitelist(file: unsorted)
            }
            let problems = failure?.lineErrors.map { "\($0.line):\($0.problem)" } ?? []
            #expect(problems == ["2:not_ascending", "3:wrong_length", "4:crc_mismatch"], "\(problems)")
            let version = try await fixture.auditor.issuerWhitelist().version
            #expect(version == 0)
        }
    }

    @Test func anAdminRejectsAHeldBatchAndNoneOfItsChangesIsApplied() async throws {
        try await withFixture(configure: { $0.blacklistApprovalSize = 1 }) { fixture in
            let cards = try await fixture.soldCards(2)
            let held = try await fixture.admin.changeBlacklist(add(cards), note: "批量")
            #expect(held.state == .pending)
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.rejectBlacklistBatch(held.batchId, note: nil) }
            // The maker may withdraw its own batch.
            let rejected = try await fixture.admin.rejectBlacklistBatch(held.batchId, note: "名单有误")
            #expect(rejected.state == .rejected && rejected.rejectedBy == "admin" && rejected.firstVersion == nil)
            #expect(try await fixture.auditor.blacklistEntries(cursor: nil, limit: nil).entries.isEmpty)
            let second = try await fixture.server.createStaff(admin: fixture.admin, username: "qian", role: .admin, hall: nil)
            await expectFailure(.batchNotPending) { try await second.approveBlacklistBatch(held.batchId) }
            await expectFailure(.batchNotPending) { try await second.rejectBlacklistBatch(held.batchId, note: nil) }
            await expectFailure(.batchNotFound) { try await second.rejectBlacklistBatch(9_999, note: nil) }
            let listed = try await fixture.auditor.blacklistBatches(state: .rejected, cursor: nil, limit: nil)
            #expect(listed.batches.map(\.batchId) == [held.batchId])
        }
    }
}
