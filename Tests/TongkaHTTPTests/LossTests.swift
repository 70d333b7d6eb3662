import Foundation
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaHTTP
import TongkaPostgres
import TongkaTestSupport

enum LossFixtures {
    static let document = "11010519491231002X"
    static let otherDocument = "110105198001010016"

    /// A registered card (holder 王小明) sold in the clerk's open shift, with its software card.
    static func registered(_ fixture: Fixture, serial: Int = 1, document: String = document) async throws -> LoadBench {
        if try await fixture.admin.products().isEmpty { try await Cards.stock(fixture) }
        if (try? await fixture.clerk.currentShift()) == nil {
            _ = try await fixture.clerk.openShift(floatFen: 50_000, idempotencyKey: UUID().uuidString)
        }
        let holder = try await fixture.clerk.registerHolder(
            .init(name: "王小明", documentType: .residentId, documentNumber: document, phone: nil))
        let card = Cards.number(serial)
        _ = try await fixture.clerk.issueCard(
            cardNumber: card, holderID: holder.id, payment: .cash, idempotencyKey: UUID().uuidString)
        return try await bench(fixture, card: card)
    }

    /// A software card for a number that is sold or in stock.
    static func bench(_ fixture: Fixture, card: String) async throws -> LoadBench {
        let path = try SoftwareCards.personalise(card, validTo: "20361231")
        let reader = SimulatedCardReader(cardFile: path)
        _ = try await reader.connect()
        let terminal = try TerminalNumber(hex: try await fixture.clerk.loadTerminal(label: "counter-1").terminalNumber)
        return LoadBench(
            fixture: fixture, card: card,
            identity: try CardIdentity(cardNumber: card, issuerID: try Hex.decode(TestSettings.issuerID, field: "issuer")),
            path: path, reader: reader, terminal: terminal)
    }

    static func selfService(_ card: String, _ number: String = document) -> Components.Schemas.SelfServiceLossRequest {
        .init(cardNumber: card, documentType: .residentId, documentNumber: number)
    }

    /// Loads every pending order of the bench's card, as `order load` does at the counter.
    static func loadOrders(_ bench: LoadBench, client: TongkaClient) async throws -> [Components.Schemas.Load] {
        var loads: [Components.Schemas.Load] = []
        for order in try await client.topupOrders(cardNumber: bench.card).filter({ $0.state == .pending }) {
            let host = OrderLoadHost(client, orderID: order.orderId)
            _ = try await bench.purse.load(
                amount: UInt32(order.amountFen), terminal: bench.terminal, dateTime: try Loads.now(), host: host)
            loads.append(try #require(await host.confirmed))
        }
        return loads
    }

    static func fast(_ settings: inout ServerSettings) {
        settings.loss.answerFloor = .zero
        settings.loss.holdback = Money(fen: 1_000)
    }
}

@Suite(.timeLimit(.minutes(5))) struct LossTests {
    @Test func aCounterReportSuspendsAndListsTheCardAtOnceAndAReportTwiceAnswersTheFirst() async throws {
        try await withFixture(configure: LossFixtures.fast) { fixture in
            let bench = try await LossFixtures.registered(fixture)
            try await bench.topUp(5_000)
            let answer = try await bench.initialize(1_000)
            let report = try await fixture.clerk.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            #expect(report.state == .open && report.channel == .counter && report.balanceAtReportFen == 5_000)
            #expect(report.existing == false && report.cardNumber == CardNumber.mask(bench.card))
            #expect(report.reference.hasPrefix("GS") && report.reference.count == 12)
            #expect(try await fixture.clerk.card(bench.card).status == .suspended)
            // Listed in the same transaction.
            let listed = try await fixture.supervisor.blacklistCard(bench.card)
            #expect(listed.listed && listed.entry?.reason == .lost && listed.entry?.version == report.listedVersion)
            // Reporting twice answers the first report.
            let again = try await fixture.supervisor.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            #expect(again.reference == report.reference && again.existing == true)
            // A suspended card never gets a load, even with an answer the card gave before the report.
            await expectFailure(.cardSuspended) {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: answer),
                    idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.cardSuspended) {
                try await fixture.clerk.refundCard(
                    bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
            }
            let audit = try await fixture.admin.auditEvents(action: "loss.report")
            #expect(audit.count == 1)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func onlyRegisteredCardsWithTheHoldersDocumentCanBeReported() async throws {
        try await withFixture(configure: LossFixtures.fast) { fixture in
            let registered = try await LossFixtures.registered(fixture)
            let anonymous = try await LoadBench.make(fixture, serial: 2)
            await expectFailure(.cardAnonymous) {
                try await fixture.clerk.reportLoss(
                    cardNumber: anonymous.card, documentType: .residentId, documentNumber: LossFixtures.document)
            }
            await expectFailure(.documentMismatch) {
                try await fixture.clerk.reportLoss(
                    cardNumber: registered.card, documentType: .residentId, documentNumber: LossFixtures.otherDocument)
            }
            await expectFailure(.documentRequired) {
                try await fixture.clerk.reportLoss(cardNumber: registered.card, documentType: nil, documentNumber: nil)
            }
            await expectFailure(.cardNotFound) {
                try await fixture.clerk.reportLoss(
                    cardNumber: Cards.number(19), documentType: .residentId, documentNumber: LossFixtures.document)
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.auditor.reportLoss(
                    cardNumber: registered.card, documentType: .residentId, documentNumber: LossFixtures.document)
            }
            // Nothing changed.
            #expect(try await fixture.clerk.card(registered.card).status == .active)
            #expect(try await fixture.clerk.card(anonymous.card).status == .active)
            #expect(try await fixture.supervisor.blacklistCard(registered.card).listed == false)
        }
    }

    @Test func theHotlineReportsWithoutAHallOrTheCard() async throws {
        try await withFixture(configure: LossFixtures.fast) { fixture in
            let bench = try await LossFixtures.registered(fixture)
            let hotline = try await fixture.server.createStaff(
                admin: fixture.admin, username: "rexian", role: .hotline, hall: nil)
            let report = try await hotline.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            #expect(report.channel == .hotline && report.state == .open)
            let detail = try await hotline.cardLossReport(cardNumber: bench.card)
            #expect(detail.report.reference == report.reference)
            // The hotline has no drawer and no card: it cannot replace or reclaim.
            await expectFailure(.forbiddenRole) {
                try await hotline.replaceCard(
                    cardNumber: bench.card, newCardNumber: Cards.number(3), documentType: .residentId,
                    documentNumber: LossFixtures.document, idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func selfServiceAnswersEveryRefusalTheSameWayAndIsRateLimited() async throws {
        try await withFixture(configure: {
            LossFixtures.fast(&$0)
            $0.loss.attemptsPerAddressPerHour = 7
        }) { fixture in
            let registered = try await LossFixtures.registered(fixture)
            let anonymous = try await LoadBench.make(fixture, serial: 2)
            let rider = fixture.server.anonymous()
            var messages: [String] = []
            for request in [
                LossFixtures.selfService(Cards.number(19)),  // no such card
                LossFixtures.selfService(anonymous.card),  // anonymous
                LossFixtures.selfService(registered.card, LossFixtures.otherDocument),  // not the holder's document
            ] {
                do {
                    _ = try await rider.reportLossSelfService(request)
                    Issue.record("a refusal was accepted")
                } catch let failure as APIFailure {
                    // [loss_report_not_accepted], whatever the reason.
                    #expect(failure.code == ErrorCode.lossReportNotAccepted.rawValue && failure.status == 422)
                    messages.append(failure.message)
                }
            }
            #expect(Set(messages).count == 1, "the same answer whatever the reason")
            #expect(try await fixture.clerk.card(registered.card).status == .active)
            let report = try await rider.reportLossSelfService(LossFixtures.selfService(registered.card))
            #expect(report.channel == .selfService && report.state == .open)
            #expect(try await fixture.clerk.card(registered.card).status == .suspended)
            let twice = try await rider.reportLossSelfService(LossFixtures.selfService(registered.card))
            #expect(twice.reference == report.reference && twice.existing == true)
            // The statement needs the document; a wrong one looks like no report at all.
            let detail = try await rider.lossReport(
                reference: report.reference, documentType: .residentId, documentNumber: LossFixtures.document)
            #expect(detail.report.balanceAtReportFen == 0 && detail.propagation.active == 0)
            await expectFailure(.lossReportNotFound) {
                try await rider.lossReport(
                    reference: report.reference, documentType: .residentId, documentNumber: LossFixtures.otherDocument)
            }
            // The eighth attempt from this address within the hour is refused.
            await expectFailure(.tooManyLossReports) {
                try await rider.reportLossSelfService(LossFixtures.selfService(registered.card))
            }
            let refused = try await fixture.admin.auditEvents(action: "loss.self_service")
            #expect(refused.count == 3)
        }
    }

    @Test func aFoundCardIsReclaimedWithinTheWindowAndNotAfter() async throws {
        let clock = TestClock()
        try await withFixture(
            configure: {
                LossFixtures.fast(&$0)
                $0.loss.reclaimWindow = .seconds(3_600)
            }, now: { clock.now }
        ) { fixture in
            let bench = try await LossFixtures.registered(fixture)
            try await bench.topUp(2_000)
            let challenge = try await bench.purse.challenge()
            await expectFailure(.lossReportNotFound) {
                try await fixture.clerk.reclaimCard(
                    cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document,
                    challenge: Hex.encode(challenge))
            }
            _ = try await fixture.clerk.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            await expectFailure(.documentMismatch) {
                try await fixture.clerk.reclaimCard(
                    cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.otherDocument,
                    challenge: Hex.encode(challenge))
            }
            let reclaim = try await fixture.clerk.reclaimCard(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document,
                challenge: Hex.encode(challenge))
            try await bench.purse.send(maintenanceCommand: try Hex.decode(reclaim.unblockCommand, field: "unblock"))
            #expect(reclaim.report.state == .reclaimed)
            #expect(try await fixture.clerk.card(bench.card).status == .active)
            #expect(try await fixture.supervisor.blacklistCard(bench.card).listed == false)
            try await bench.topUp(1_000)
            await expectFailure(.lossReportClosed) {
                try await fixture.clerk.reclaimCard(
                    cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document,
                    challenge: Hex.encode(try await bench.purse.challenge()))
            }
            // Reported again, and found after the window: refused, and then blocked for good.
            _ = try await fixture.clerk.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            await expectFailure(.cardNotBlockable) {
                try await fixture.clerk.blockCard(
                    cardNumber: bench.card, challenge: Hex.encode(try await bench.purse.challenge()))
            }
            clock.advance(by: 2 * 3_600)
            await expectFailure(.reclaimWindowPassed) {
                try await fixture.clerk.reclaimCard(
                    cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document,
                    challenge: Hex.encode(try await bench.purse.challenge()))
            }
            let block = try await fixture.clerk.blockCard(
                cardNumber: bench.card, challenge: Hex.encode(try await bench.purse.challenge()))
            try await bench.purse.send(maintenanceCommand: try Hex.decode(block.blockCommand, field: "block"))
            await #expect(throws: PurseTerminalError.applicationPermanentlyBlocked) { try await bench.topUp(1_000) }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aReplacementCarriesTheProvisionalBalanceAtOnceAndTheRestAfterTheWaitingPeriod() async throws {
        let clock = TestClock()
        try await withFixture(
            configure: {
                LossFixtures.fast(&$0)
                $0.loss.waitingPeriod = .seconds(3_600)
            }, now: { clock.now }
        ) { fixture in
            let old = try await LossFixtures.registered(fixture)
            try await old.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let report = try await fixture.clerk.reportLoss(
                cardNumber: old.card, documentType: .residentId, documentNumber: LossFixtures.document)
            // The old card is still used offline before the bus has the block.
            let late = try await bus.tap(old, fen: 300, serial: 1)
            let cashBefore = try await fixture.clerk.currentShift().shift.expectedCashFen
            let newCard = Cards.number(3)
            await expectFailure(.documentRequired) {
                try await fixture.clerk.replaceCard(
                    cardNumber: old.card, newCardNumber: newCard, documentType: nil, documentNumber: nil,
                    idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.documentMismatch) {
                try await fixture.clerk.replaceCard(
                    cardNumber: old.card, newCardNumber: newCard, documentType: .residentId,
                    documentNumber: LossFixtures.otherDocument, idempotencyKey: UUID().uuidString)
            }
            let key = UUID().uuidString
            let replaced = try await fixture.clerk.replaceCard(
                cardNumber: old.card, newCardNumber: newCard, documentType: .residentId, documentNumber: LossFixtures.document,
                idempotencyKey: key)
            let replacement = try #require(replaced.replacement)
            #expect(replaced.reference == report.reference && replaced.state == .replaced)
            #expect(replacement.balanceAtReportFen == 5_000 && replacement.holdbackFen == 1_000)
            #expect(replacement.provisionalFen == 4_000 && replacement.newCardNumber == newCard)
            #expect(replacement.depositFen == 2_000)
            let again = try await fixture.clerk.replaceCard(
                cardNumber: old.card, newCardNumber: newCard, documentType: .residentId, documentNumber: LossFixtures.document,
                idempotencyKey: key)
            #expect(again.replayed == true && again.replacement?.replacementId == replacement.replacementId)
            await expectFailure(.cardReplaced) {
                try await fixture.clerk.replaceCard(
                    cardNumber: old.card, newCardNumber: Cards.number(4), documentType: .residentId,
                    documentNumber: LossFixtures.document, idempotencyKey: UUID().uuidString)
            }
            #expect(
                try await fixture.clerk.currentShift().shift.expectedCashFen == cashBefore + replacement.feeFen)
            #expect(try await fixture.clerk.card(old.card).status == .replaced)
            let fresh = try await fixture.clerk.card(newCard)
            #expect(fresh.status == .active && fresh.holderId != nil && fresh.depositFen == 2_000)
            // The provisional balance goes onto the new card with the top-up protocol.
            let newBench = try await LossFixtures.bench(fixture, card: newCard)
            let loads = try await LossFixtures.loadOrders(newBench, client: fixture.clerk)
            #expect(loads.map(\.amountFen) == [4_000] && loads.first?.paymentMethod == nil)
            #expect(try newBench.cardBalance == 4_000)
            // The late tap arrives; the old purse pays it from the holdback.
            let uploaded = try await bus.validator.client.uploadTaps([late])
            #expect(uploaded.results.first?.outcome == .stored)
            let detail = try await fixture.clerk.cardLossReport(cardNumber: old.card)
            #expect(detail.tapsAfterCount == 1 && detail.spentAfterFen == 300)
            // Not before the waiting period.
            let store = LossStore(database: fixture.server.database)
            #expect(try await store.settleDue(now: clock.now) == 0)
            clock.advance(by: 2 * 3_600)
            #expect(try await store.settleDue(now: clock.now) == 1)
            #expect(try await store.settleDue(now: clock.now) == 0)
            let settled = try #require(try await fixture.clerk.cardLossReport(cardNumber: old.card).report.replacement)
            #expect(settled.remainderFen == 700 && settled.remainderOrderId != nil)
            let rest = try await LossFixtures.loadOrders(newBench, client: fixture.clerk)
            #expect(rest.map(\.amountFen) == [700])
            #expect(try newBench.cardBalance == 4_700)
            #expect(try await fixture.clerk.card(old.card).balanceFen == 0)
            // The old card presented at a counter is blocked for good; the new one is not blockable.
            let block = try await fixture.clerk.blockCard(
                cardNumber: old.card, challenge: Hex.encode(try await old.purse.challenge()))
            try await old.purse.send(maintenanceCommand: try Hex.decode(block.blockCommand, field: "block"))
            await expectFailure(.cardNotBlockable) {
                try await fixture.clerk.blockCard(
                    cardNumber: newCard, challenge: Hex.encode(try await newBench.purse.challenge()))
            }
            await expectFailure(.cardReplaced) {
                try await fixture.clerk.reclaimCard(
                    cardNumber: old.card, documentType: .residentId, documentNumber: LossFixtures.document,
                    challenge: "00000000")
            }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aReportRacingTopUpsRefundsAndSecondReportsHasOneConsistentOutcome() async throws {
        try await withFixture(configure: LossFixtures.fast) { fixture in
            let bench = try await LossFixtures.registered(fixture)
            try await bench.topUp(1_000)
            // Ten loads authorised from one card answer each race a report; every authorisation the
            // server gives happened before the report committed, every later one is refused.
            var answers: [InitializeForLoadResponse] = []
            for _ in 0..<6 { answers.append(try await bench.initialize(100)) }
            let rider = fixture.server.anonymous()
            async let report = rider.reportLossSelfService(LossFixtures.selfService(bench.card))
            async let second = fixture.clerk.reportLoss(
                cardNumber: bench.card, documentType: .residentId, documentNumber: LossFixtures.document)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for answer in answers {
                    group.addTask {
                        do {
                            _ = try await fixture.clerk.authorizeLoad(
                                Loads.request(card: bench.identity, amount: 100, terminal: bench.terminal, answer: answer),
                                idempotencyKey: UUID().uuidString)
                            return "authorised"
                        } catch let failure as APIFailure { return failure.code } catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            let (first, other) = (try await report, try await second)
            #expect(first.reference == other.reference, "two reports, one report")
            #expect(outcomes.allSatisfy { ["authorised", "card_suspended", "load_replayed", "grey_load_pending"].contains($0) })
            // Every authorised load was made before the report: its time is not after the report's.
            let loads = try await fixture.clerk.loads(cardNumber: bench.card)
            for load in loads where load.authorisedAt > first.reportedAt {
                Issue.record("load \(load.loadId) authorised after the card was suspended")
            }
            // A refund racing a report: exactly one wins.
            let other2 = try await LossFixtures.registered(fixture, serial: 2, document: "110105194912310046")
            try await other2.topUp(1_000)
            async let refund: Result<Components.Schemas.CardRefund, any Error> = {
                do {
                    return .success(
                        try await fixture.clerk.refundCard(
                            other2.card, request: try await other2.refundRequest(), idempotencyKey: UUID().uuidString))
                } catch { return .failure(error) }
            }()
            async let lost: Result<Components.Schemas.LossReport, any Error> = {
                do {
                    return .success(
                        try await fixture.supervisor.reportLoss(
                            cardNumber: other2.card, documentType: .residentId, documentNumber: "110105194912310046"))
                } catch { return .failure(error) }
            }()
            let (refunded, reported) = (await refund, await lost)
            let status = try await fixture.clerk.card(other2.card).status
            switch (refunded, reported) {
            case (.success, .failure(let error)):
                #expect((error as? APIFailure)?.code == "card_refunded" && status == .refunded)
            case (.failure(let error), .success):
                #expect((error as? APIFailure)?.code == "card_suspended" && status == .suspended)
            default: Issue.record("both or neither won: \(refunded) \(reported)")
            }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
