import Foundation
import PostgresNIO
import Testing
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// The defects the review of the foundation found (issue 7), each proven fixed over HTTP against a
/// real server and PostgreSQL.
@Suite(.timeLimit(.minutes(5))) struct CorrectionsTests {
    static let holderA = Components.Schemas.HolderInput(
        name: "王小明", documentType: .residentId, documentNumber: "11010519491231002X", phone: nil)

    /// Stock in both halls: cards 1-10 in CS01, 11-20 in HQ.
    static func stockBothHalls(_ fixture: Fixture) async throws {
        try await Cards.stock(fixture)
        _ = try await fixture.admin.allocateStock(product: "STD", toHall: "HQ", fromHall: nil, quantity: 10)
    }

    // 1. Hall scope on issue

    @Test func aClerkOfAnotherHallCannotSellToAHolderByGuessingItsNumber() async throws {
        try await withFixture { fixture in
            try await Self.stockBothHalls(fixture)
            let holder = try await fixture.clerk.registerHolder(Self.holderA)  // registered in CS01
            _ = try await fixture.otherClerk.openShift(floatFen: 0, idempotencyKey: "open-scope-1")
            await expectFailure(.forbiddenHall) {
                try await fixture.otherClerk.issueCard(
                    cardNumber: Cards.number(11), holderID: holder.id, payment: .cash, idempotencyKey: "issue-scope-1")
            }
            // Nothing changed: the card is still in HQ's stock, and the holder still out of reach.
            #expect(try await fixture.otherClerk.stockLevels().map(\.inStock) == [10])
            await expectFailure(.forbiddenHall) { try await fixture.otherClerk.holder(id: holder.id) }
            // With the document the person presents, HQ may sell to the same holder.
            let issued = try await fixture.otherClerk.issueCard(
                cardNumber: Cards.number(11), holderID: nil,
                holderDocument: .init(documentType: .residentId, documentNumber: "11010519491231002X"), payment: .cash,
                idempotencyKey: "issue-scope-2")
            #expect(issued.card.holderId == holder.id)
            // Having sold the holder a card, HQ now reaches the holder by number.
            #expect(try await fixture.otherClerk.holder(id: holder.id).cards.count == 1)
            await expectFailure(.holderNotFound) {
                try await fixture.otherClerk.issueCard(
                    cardNumber: Cards.number(12), holderID: nil,
                    holderDocument: .init(documentType: .passport, documentNumber: "E99999999"), payment: .cash,
                    idempotencyKey: "issue-scope-3")
            }
        }
    }

    // 4. Reads of personal data are audited and limited

    @Test func everyReadOfAHoldersDataIsAuditedAndLookupsAreLimitedPerStaffMember() async throws {
        try await withFixture(configure: { $0.holderLookupsPerHour = 3 }) { fixture in
            try await Cards.stock(fixture)
            let holder = try await fixture.clerk.registerHolder(Self.holderA)
            _ = try await fixture.clerk.holder(id: holder.id)
            _ = try await fixture.clerk.findHolder(type: .residentId, number: "11010519491231002X")
            await expectFailure(.holderNotFound) { try await fixture.clerk.findHolder(type: .passport, number: "E12345678") }
            // The fourth lookup within the hour is refused, found or not.
            await expectFailure(.holderLookupLimit) {
                try await fixture.clerk.findHolder(type: .residentId, number: "11010519491231002X")
            }
            await expectFailure(.holderLookupLimit) { try await fixture.clerk.holder(id: holder.id) }
            // Another member of staff has a limit of their own.
            _ = try await fixture.supervisor.holder(id: holder.id)
            let reads = try await fixture.auditor.auditEvents(action: "holder.read")
            #expect(reads.count == 4)
            let reasons = reads.compactMap { $0.details.additionalProperties["reason"] }.sorted()
            #expect(reasons == ["search", "search", "view", "view"])
            #expect(reads.filter { $0.actor == "zhangsan" }.count == 3)
            let missed = try #require(reads.first { $0.details.additionalProperties["found"] == "no" })
            #expect(missed.subject == nil)
        }
    }

    @Test func viewingARegisteredCardIsAuditedAsAReadOfItsHolder() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            let holder = try await fixture.clerk.registerHolder(Self.holderA)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-read-1")
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: holder.id, payment: .cash, idempotencyKey: "issue-read-1")
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(2), holderID: nil, payment: .cash, idempotencyKey: "issue-read-2")
            _ = try await fixture.auditor.card(Cards.number(1))
            _ = try await fixture.auditor.card(Cards.number(2))  // anonymous: no personal data shown
            let reads = try await fixture.auditor.auditEvents(actor: "wang", action: "holder.read")
            #expect(reads.count == 1)
            #expect(reads.first?.details.additionalProperties["reason"] == "card_view")
            #expect(reads.first?.subject == "holder:\(holder.id)")
        }
    }

    // 6. Non-cash payments carry the channel's reference

    @Test func nonCashSalesNeedAChannelReferenceThatIsUniquePerChannelAndListedAtClose() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-ref-1")
            await expectFailure(.paymentReferenceRequired) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .wechatPay, idempotencyKey: "issue-ref-1")
            }
            await expectFailure(.paymentReferenceNotAllowed) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, reference: "WX0001", idempotencyKey: "issue-ref-2"
                )
            }
            let first = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .wechatPay, reference: "WX20261201-0001",
                idempotencyKey: "issue-ref-3")
            #expect(first.paymentReference == "WX20261201-0001")
            await expectFailure(.paymentReferenceTaken) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(2), holderID: nil, payment: .wechatPay, reference: "WX20261201-0001",
                    idempotencyKey: "issue-ref-4")
            }
            // The card of the refused sale is still in stock; the same number on another channel is fine.
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(2), holderID: nil, payment: .alipay, reference: "WX20261201-0001",
                idempotencyKey: "issue-ref-5")
            let closed = try await fixture.clerk.closeShift(countedFen: 0, note: nil, idempotencyKey: "close-ref-1")
            #expect(
                closed.channelPayments.map { "\($0.method.rawValue):\($0.reference):\($0.amountFen)" }
                    == ["alipay:WX20261201-0001:2500", "wechat_pay:WX20261201-0001:2500"])
            #expect(try await fixture.auditor.checkLedger().passed)
        }
    }

    // 7. Bounded floats and forced closes

    @Test func floatsAreBoundedAndASupervisorCanForceCloseAClerksShiftWithAReason() async throws {
        try await withFixture(configure: { $0.maximumFloat = Money(fen: 1_000_000) }) { fixture in
            try await Cards.stock(fixture)
            await expectFailure(.floatTooLarge) {
                try await fixture.clerk.openShift(floatFen: 1_000_001, idempotencyKey: "open-float-1")
            }
            let opened = try await fixture.clerk.openShift(floatFen: 1_000_000, idempotencyKey: "open-float-2")
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-float-1")
            let shift = opened.shift.id
            await expectFailure(.forbiddenRole) {
                try await fixture.clerk.forceCloseShift(id: shift, countedFen: 0, reason: "x", idempotencyKey: "force-0001")
            }
            let otherSupervisor = try await fixture.server.createStaff(
                admin: fixture.admin, username: "qian", role: .supervisor, hall: "HQ")
            await expectFailure(.forbiddenHall) {
                try await otherSupervisor.forceCloseShift(id: shift, countedFen: 0, reason: "x", idempotencyKey: "force-0002")
            }
            await expectFailure(.reasonRequired) {
                try await fixture.supervisor.forceCloseShift(
                    id: shift, countedFen: 1_002_500, reason: "  ", idempotencyKey: "force-0003")
            }
            let closed = try await fixture.supervisor.forceCloseShift(
                id: shift, countedFen: 1_002_000, reason: "柜员身体不适提前离岗", idempotencyKey: "force-0004")
            #expect(closed.shift.open == false)
            #expect(closed.shift.differenceFen == -500)
            #expect(closed.shift.closedBy == "lisi")
            #expect(closed.shift.forceCloseReason == "柜员身体不适提前离岗")
            await expectFailure(.shiftClosed) {
                try await fixture.admin.forceCloseShift(id: shift, countedFen: 0, reason: "again", idempotencyKey: "force-0005")
            }
            let event = try #require(try await fixture.auditor.auditEvents(action: "shift.force_close").first)
            #expect(event.actor == "lisi")
            #expect(event.details.additionalProperties["reason"] == "柜员身体不适提前离岗")
            // The supervisor's own shift closes the ordinary way.
            let own = try await fixture.supervisor.openShift(floatFen: 0, idempotencyKey: "open-float-3")
            await expectFailure(.ownShift) {
                try await fixture.supervisor.forceCloseShift(
                    id: own.shift.id, countedFen: 0, reason: "x", idempotencyKey: "force-0006")
            }
            #expect(try await fixture.auditor.checkLedger().passed)
        }
    }

    // 8. Money commands are strict

    /// Sends a raw JSON body, as a careless or hostile client would.
    static func post(
        _ fixture: Fixture, _ path: String, _ json: String, token: String
    ) async throws -> (status: Int, code: String?) {
        let response = try await fixture.server.raw(
            .POST, path, token: token, headers: [("Idempotency-Key", UUID().uuidString)], body: Data(json.utf8))
        return (response.status, response.code)
    }

    @Test func moneyCommandsRefuseUnknownMembersAndHaveNoSilentDefaults() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            let token = try await fixture.server.token(username: "zhangsan")
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-strict-1")
            // The review's example: no card number, a holder, a channel; once sold as an anonymous cash card.
            let sloppy = try await Self.post(fixture, "/v1/cards", #"{"holder_id":7,"payment_method":"alipay"}"#, token: token)
            #expect(sloppy.status == 400)
            #expect(sloppy.code == "malformed_request")
            let noPayment = try await Self.post(fixture, "/v1/cards", #"{"cardNumber":"\#(Cards.number(1))"}"#, token: token)
            #expect(noPayment.code == "malformed_request")
            let extra = try await Self.post(
                fixture, "/v1/cards", #"{"cardNumber":"\#(Cards.number(1))","paymentMethod":"cash","discount":100}"#, token: token
            )
            #expect(extra.code == "malformed_request")
            let extraFloat = try await Self.post(
                fixture, "/v1/shifts/current/close", #"{"countedCashFen":0,"force":true}"#, token: token)
            #expect(extraFloat.code == "malformed_request")
            // Nothing was sold.
            #expect(try await fixture.clerk.stockLevels().map(\.inStock) == [10])
            #expect(try await fixture.clerk.currentShift().shift.open)
        }
    }

    // 9. Smaller ones

    @Test func issuingOrRegisteringInAClosedHallIsRefused() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-closed-1")
            _ = try await fixture.admin.closeHall("CS01")
            await expectFailure(.hallClosed) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-closed-1")
            }
            await expectFailure(.hallClosed) { try await fixture.clerk.registerHolder(Self.holderA) }
            // The open shift can still be closed.
            _ = try await fixture.clerk.closeShift(countedFen: 0, note: nil, idempotencyKey: "close-closed-1")
        }
    }

    @Test func anIdempotencyKeyNamesOneCommandOfOneOperation() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            let key = "same-key-for-both"
            let opened = try await fixture.clerk.openShift(floatFen: 10_000, idempotencyKey: key)
            // The same key on another operation is another command, not a replay of the open.
            let issued = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: key)
            #expect(issued.replayed == false)
            #expect(issued.shiftId == opened.shift.id)
            let again = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: key)
            #expect(again.replayed)
        }
    }

    @Test func idempotencyKeysExpireAfterTheRetentionPeriod() async throws {
        try await withFixture(configure: { $0.idempotencyRetention = .seconds(86_400) }) { fixture in
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-retention-1")
            let database = fixture.server.database
            try await database.client.query(
                "UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE idempotency_key = 'open-retention-1'")
            let purged = try await IdempotencyStore(database: database).purgeIdempotencyKeys(now: Date())
            #expect(purged == 1)
            let rows = try await database.client.query("SELECT count(*) FROM idempotency_keys")
            for try await count in rows.decode(Int64.self) { #expect(count == 0) }
        }
    }

    @Test func listsSayWhenMoreRowsFollowAndPageWithACursor() async throws {
        try await withFixture { fixture in
            for index in 0..<5 {
                _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-page-\(index)")
                _ = try await fixture.clerk.closeShift(countedFen: 0, note: nil, idempotencyKey: "close-page-\(index)")
            }
            let first = try await fixture.auditor.shiftPage(limit: 2)
            #expect(first.shifts.count == 2)
            let cursor = try #require(first.next)
            let second = try await fixture.auditor.shiftPage(limit: 2, cursor: cursor)
            let secondCursor = try #require(second.next as String?)
            let third = try await fixture.auditor.shiftPage(limit: 2, cursor: secondCursor)
            #expect(third.shifts.count == 1)
            #expect(third.next == nil)
            let ids = (first.shifts + second.shifts + third.shifts).map(\.id)
            #expect(ids == ids.sorted(by: >))
            #expect(Set(ids).count == 5)
            #expect(try await fixture.auditor.shifts().count == 5)
            await expectFailure(.invalidCursor) { try await fixture.auditor.shiftPage(limit: 2, cursor: "bm90LWEtY3Vyc29y") }
        }
    }

    @Test func auditVerificationPrintsTheChainHead() async throws {
        try await withFixture { fixture in
            let first = try await fixture.auditor.verifyAudit()
            #expect(first.valid)
            #expect(first.headSequence == first.sealedEvents)
            #expect(first.headHash.count == 64)
            _ = try await fixture.admin.createHall(code: "CS02", name: "火车站服务网点", address: nil)
            let second = try await fixture.auditor.verifyAudit()
            #expect(second.headSequence > first.headSequence)
            #expect(second.headHash != first.headHash)
        }
    }
}
