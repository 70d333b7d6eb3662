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
    /// Step one of a void: INITIALIZE FOR PURCHASE of the load's amount at the load's terminal, sent to the server.
    func startVoid(
        _ load: Components.Schemas.Load, by client: TongkaClient, card: String? = nil
    ) async throws -> Components.Schemas.LoadVoidAuthorization {
        let answer = try await purse.purchaseAnswer(
            amount: UInt32(load.amountFen), terminal: try TerminalNumber(hex: load.terminalNumber)
        ).1
        return try await client.voidLoad(
            id: load.loadId,
            request: .init(
                cardNumber: card ?? self.card, issuerId: TestSettings.issuerID, purchaseAnswer: Hex.encode(answer.bytes)))
    }

    /// DEBIT FOR PURCHASE with the server's MAC1: the card's TAC and MAC2.
    func debit(_ authorization: Components.Schemas.LoadVoidAuthorization) async throws -> (tac: [UInt8], mac2: [UInt8]) {
        let time = authorization.cardTime
        return try await purse.debitForPurchase(
            terminalSerial: UInt32(authorization.terminalSerial),
            dateTime: try TransactionDateTime(yyyymmdd: String(time.prefix(8)), hhmmss: String(time.suffix(6))),
            mac1: try Hex.decode(authorization.mac1, field: "MAC1"))
    }

    /// A complete void by `client`.
    func void(
        _ load: Components.Schemas.Load, by client: TongkaClient, key: String = UUID().uuidString
    ) async throws
        -> Components.Schemas.Load
    {
        let answer = try await debit(try await startVoid(load, by: client))
        return try await client.confirmLoadVoid(
            id: load.loadId, mac2: Hex.encode(answer.mac2), tac: Hex.encode(answer.tac), idempotencyKey: key)
    }
}

@Suite(.timeLimit(.minutes(5))) struct LoadVoidTests {
    @Test func aSupervisorVoidsAConfirmedLoadAndTheCardAndTheDrawerGetTheirMoneyBack() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let before = try await fixture.clerk.currentShift().shift.expectedCashFen
            let load = try await bench.topUp(5_000)
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before + 5_000)
            let voided = try await bench.void(load, by: fixture.supervisor, key: "void-key-1")
            #expect(voided.state == .voided)
            #expect(try bench.cardBalance == 0)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before)
            // The card can be topped up again afterwards, and a voided load cannot be voided again.
            try await bench.topUp(5_000)
            #expect(try bench.cardBalance == 5_000)
            await expectFailure(.voidNotAllowed) { try await bench.startVoid(load, by: fixture.supervisor) }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func onlyASupervisorVoidsOnlyWithTheSameCardHoldingTheAmount() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let load = try await bench.topUp(5_000)
            await expectFailure(.forbiddenRole) { try await bench.startVoid(load, by: fixture.clerk) }
            await expectFailure(.forbiddenRole) {
                try await fixture.clerk.confirmLoadVoid(
                    id: load.loadId, mac2: "00000000", tac: "00000000", idempotencyKey: UUID().uuidString)
            }
            // Nothing started from the card: there is nothing to confirm.
            await expectFailure(.voidNotAllowed) {
                try await fixture.supervisor.confirmLoadVoid(
                    id: load.loadId, mac2: "00000000", tac: "00000000", idempotencyKey: UUID().uuidString)
            }
            // Another card in the reader.
            let other = try await LoadBench.make(fixture, serial: 2)
            try await other.topUp(5_000)
            await expectFailure(.cardMismatch) { try await other.startVoid(load, by: fixture.supervisor, card: other.card) }
            // The rider spent part of it: the card no longer holds the amount. (A real card refuses
            // INITIALIZE FOR PURCHASE beyond its balance; the server checks the answer's balance too.)
            let real = try await bench.purse.purchaseAnswer(amount: 5_000, terminal: try TerminalNumber(hex: load.terminalNumber))
                .1
            var spent = real.bytes
            spent[0] = 0; spent[1] = 0; spent[2] = 0x0F; spent[3] = 0xA0  // ¥40.00
            await expectFailure(.amountNotInPurse) {
                try await fixture.supervisor.voidLoad(
                    id: load.loadId,
                    request: .init(cardNumber: bench.card, issuerId: TestSettings.issuerID, purchaseAnswer: Hex.encode(spent)))
            }
            #expect(try await fixture.clerk.load(id: load.loadId).state == .confirmed)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aForgedMAC2OrTACVoidsNothingAndTheGenuineAnswerStillDoes() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let load = try await bench.topUp(3_000)
            let answer = try await bench.debit(try await bench.startVoid(load, by: fixture.supervisor))
            var forged = answer.mac2
            forged[0] ^= 0x01
            await expectFailure(.purchaseMACInvalid) {
                try await fixture.supervisor.confirmLoadVoid(
                    id: load.loadId, mac2: Hex.encode(forged), tac: Hex.encode(answer.tac), idempotencyKey: UUID().uuidString)
            }
            var forgedTAC = answer.tac
            forgedTAC[3] ^= 0x80
            await expectFailure(.tacInvalid) {
                try await fixture.supervisor.confirmLoadVoid(
                    id: load.loadId, mac2: Hex.encode(answer.mac2), tac: Hex.encode(forgedTAC), idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 3_000)
            let voided = try await fixture.supervisor.confirmLoadVoid(
                id: load.loadId, mac2: Hex.encode(answer.mac2), tac: Hex.encode(answer.tac), idempotencyKey: "void-genuine-1")
            #expect(voided.state == .voided && voided.replayed != true)
            let again = try await fixture.supervisor.confirmLoadVoid(
                id: load.loadId, mac2: Hex.encode(answer.mac2), tac: Hex.encode(answer.tac), idempotencyKey: "void-genuine-1")
            #expect(again.replayed == true)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aLoadOfAClosedShiftOrAnUndecidedLoadCannotBeVoided() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let open = try await fixture.clerk.authorizeLoad(
                Loads.request(
                    card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                idempotencyKey: UUID().uuidString)
            try SimulatedCard.adjust(at: bench.path, balance: 5_000)
            _ = try await bench.reader.connect()
            await expectFailure(.voidNotAllowed) { try await bench.startVoid(open, by: fixture.supervisor) }
            try SimulatedCard.adjust(at: bench.path, balance: 0)
            _ = try await bench.reader.connect()
            _ = try await fixture.clerk.resolveLoad(
                id: open.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            let load = try await bench.topUp(2_000)
            let expected = try await fixture.clerk.currentShift().shift.expectedCashFen
            _ = try await fixture.clerk.closeShift(countedFen: expected, note: nil, idempotencyKey: UUID().uuidString)
            await expectFailure(.voidNotAllowed) { try await bench.startVoid(load, by: fixture.supervisor) }
            #expect(try bench.cardBalance == 2_000)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
