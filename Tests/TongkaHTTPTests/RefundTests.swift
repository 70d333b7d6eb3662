import Foundation
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaTestSupport

extension LoadBench {
    /// Stock of a product whose refund fee is 5% of the balance at or above ¥10, before the bench's cards are sold.
    static func stockWithRefundFee(_ fixture: Fixture) async throws {
        var product = Cards.standard
        product.refundFee = .init(kind: .percentage, basisPoints: 500, thresholdFen: 1_000)
        let created = try await fixture.admin.createProduct(product)
        #expect(created.refundFee.kind == .percentage && created.refundFee.basisPoints == 500)
        _ = try await fixture.admin.importStock(
            product: "STD", hall: nil, fileName: "std.csv", body: Cards.body(Cards.file(count: 20)))
        _ = try await fixture.admin.allocateStock(product: "STD", toHall: "CS01", fromHall: nil, quantity: 10)
    }

    /// The card's evidence for a return: INITIALIZE FOR LOAD of 0 at the bench's terminal and a challenge.
    func refundRequest(approval: Int64? = nil) async throws -> Components.Schemas.CardRefundRequest {
        let answer = try await initialize(0)
        let challenge = try await purse.challenge()
        return .init(
            issuerId: TestSettings.issuerID, terminalNumber: terminal.description, initializeAnswer: Hex.encode(answer.bytes),
            challenge: Hex.encode(challenge), approvalId: approval)
    }
}

@Suite(.timeLimit(.minutes(5))) struct RefundTests {
    @Test func aReturnedCardIsPaidDepositPlusBalanceLessTheFeeAndBlockedOnTheCard() async throws {
        try await withFixture { fixture in
            try await LoadBench.stockWithRefundFee(fixture)
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let before = try await fixture.clerk.currentShift().shift.expectedCashFen
            let loadAnswer = try await bench.initialize(1_000)
            let request = try await bench.refundRequest()
            let refund = try await fixture.clerk.refundCard(bench.card, request: request, idempotencyKey: "refund-key-1")
            #expect(refund.cardBalanceFen == 5_000 && refund.depositFen == 2_000)
            #expect(refund.feeFen == 250 && refund.paidFen == 6_750 && refund.unsettledFen == 0)
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before - 6_750)
            #expect(try await fixture.clerk.card(bench.card).status == .refunded)
            // Listed in the same transaction, so validators refuse it from their next sync.
            let listed = try await fixture.supervisor.blacklistCard(bench.card)
            #expect(listed.listed && listed.entry?.reason == .refunded && listed.history.first?.changedBy == "zhangsan")
            try await bench.purse.send(maintenanceCommand: try Hex.decode(refund.blockCommand, field: "block"))
            // Blocked on the card: no later top-up gets past the card ...
            await #expect(throws: PurseTerminalError.applicationPermanentlyBlocked) { try await bench.topUp(1_000) }
            // ... nor past the server, even with an answer the card gave before.
            await expectFailure(.cardRefunded) {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: loadAnswer),
                    idempotencyKey: UUID().uuidString)
            }
            // A repeat with the key answers the first refund; a new key is refused.
            let again = try await fixture.clerk.refundCard(bench.card, request: request, idempotencyKey: "refund-key-1")
            #expect(again.refundId == refund.refundId && again.replayed == true)
            await expectFailure(.cardNotRefundable) {
                try await fixture.clerk.refundCard(bench.card, request: request, idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before - 6_750)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aRefundAboveTheApprovalAmountNeedsASupervisorsApprovalUsedOnce() async throws {
        try await withFixture(configure: { $0.refundApproval = RefundApprovalRule(limit: Money(fen: 5_000)) }) { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            await expectFailure(.refundApprovalRequired) {
                try await fixture.clerk.refundCard(
                    bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.approveRefund(cardNumber: bench.card) }
            await expectFailure(.cardNotFound) { try await fixture.supervisor.approveRefund(cardNumber: Cards.number(19)) }
            let approval = try await fixture.supervisor.approveRefund(cardNumber: bench.card)
            // An approval of another card does not count.
            let other = try await LoadBench.make(fixture, serial: 2)
            try await other.topUp(5_000)
            await expectFailure(.refundApprovalRequired) {
                try await fixture.clerk.refundCard(
                    other.card, request: try await other.refundRequest(approval: approval.approvalId),
                    idempotencyKey: UUID().uuidString)
            }
            let refund = try await fixture.clerk.refundCard(
                bench.card, request: try await bench.refundRequest(approval: approval.approvalId),
                idempotencyKey: UUID().uuidString)
            #expect(refund.paidFen == 7_000 && refund.approvalId == approval.approvalId)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func theCardsOwnBalanceDecidesAndUndecidedLoadsComeFirst() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            // An undecided top-up on the card blocks its return.
            let open = try await fixture.clerk.authorizeLoad(
                Loads.request(
                    card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                idempotencyKey: UUID().uuidString)
            await expectFailure(.greyLoadPending) {
                try await fixture.clerk.refundCard(
                    bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
            }
            _ = try await fixture.clerk.resolveLoad(
                id: open.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            // The card shows more than the back office credited: refused.
            try SimulatedCard.adjust(at: bench.path, balance: 6_000)
            _ = try await bench.reader.connect()
            await expectFailure(.balanceMismatch) {
                try await fixture.clerk.refundCard(
                    bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
            }
            // Forged evidence is refused.
            var forged = try await bench.refundRequest()
            forged.initializeAnswer = String(forged.initializeAnswer.dropLast(2)) + "00"
            await expectFailure(.loadMACInvalid) {
                try await fixture.clerk.refundCard(bench.card, request: forged, idempotencyKey: UUID().uuidString)
            }
            // Less than the back office: validators' records are on their way; the card's balance is paid.
            try SimulatedCard.adjust(at: bench.path, balance: 3_500)
            _ = try await bench.reader.connect()
            let refund = try await fixture.clerk.refundCard(
                bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
            #expect(refund.paidFen == 2_000 + 3_500 && refund.unsettledFen == 1_500 && refund.feeFen == 0)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func racingTopUpsAndARefundOfOneCardFromSeveralClerksKeepTheBalance() async throws {
        try await withFixture { fixture in
            let second = try await fixture.server.createStaff(admin: fixture.admin, username: "qian", role: .clerk, hall: "CS01")
            var benches: [LoadBench] = []
            for serial in 1...3 { benches.append(try await LoadBench.make(fixture, serial: serial)) }
            _ = try await second.openShift(floatFen: 0, idempotencyKey: UUID().uuidString)
            _ = try await fixture.supervisor.openShift(floatFen: 50_000, idempotencyKey: UUID().uuidString)
            for bench in benches {
                try await bench.topUp(2_000)
                let loadAnswers = [try await bench.initialize(1_000), try await bench.initialize(1_000)]
                let refundRequest = try await bench.refundRequest()
                enum Outcome: Sendable { case loaded(Int64), refunded, refused(String?) }
                let outcomes = await withTaskGroup(of: Outcome.self) { group in
                    for (client, answer) in zip([fixture.clerk, second], loadAnswers) {
                        group.addTask {
                            do {
                                let load = try await client.authorizeLoad(
                                    Loads.request(card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: answer),
                                    idempotencyKey: UUID().uuidString)
                                return .loaded(load.loadId)
                            } catch { return .refused((error as? APIFailure)?.code) }
                        }
                    }
                    group.addTask {
                        do {
                            _ = try await fixture.supervisor.refundCard(
                                bench.card, request: refundRequest, idempotencyKey: UUID().uuidString)
                            return .refunded
                        } catch { return .refused((error as? APIFailure)?.code) }
                    }
                    var all: [Outcome] = []
                    for await outcome in group { all.append(outcome) }
                    return all
                }
                var loaded: [Int64] = []
                var refunded = 0
                for outcome in outcomes {
                    switch outcome {
                    case .loaded(let id): loaded.append(id)
                    case .refunded: refunded += 1
                    case .refused(let code):
                        #expect(
                            ["grey_load_pending", "load_replayed", "card_refunded"].contains(code), "\(String(describing: code))")
                    }
                }
                #expect(loaded.count + refunded == 1)
                if let id = loaded.first {
                    // The card never saw that MAC2: the load is reversed, then the card is returned.
                    _ = try await fixture.clerk.resolveLoad(
                        id: id, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
                    _ = try await fixture.supervisor.refundCard(
                        bench.card, request: try await bench.refundRequest(), idempotencyKey: UUID().uuidString)
                }
                #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
                #expect(try await fixture.clerk.card(bench.card).status == .refunded)
            }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
