import Foundation
import PostgresNIO
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// The server's load endpoints behind `LoadHost`, as a counter drives them.
actor APILoadHost: LoadHost {
    let client: TongkaClient
    let payment: Components.Schemas.PaymentMethod
    let reference: String?
    let key: String
    var authorised: Components.Schemas.Load?
    var confirmed: Components.Schemas.Load?

    init(_ client: TongkaClient, payment: Components.Schemas.PaymentMethod = .cash, reference: String? = nil, key: String? = nil)
    {
        self.client = client
        self.payment = payment
        self.reference = reference
        self.key = key ?? UUID().uuidString
    }

    func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) async throws -> LoadAuthorization {
        let load = try await client.authorizeLoad(
            Loads.request(
                card: card, amount: amount, terminal: terminal, answer: response, payment: payment, reference: reference),
            idempotencyKey: key)
        authorised = load
        return try Loads.authorization(load, card: card, terminal: terminal, answer: response)
    }

    func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws {
        confirmed = try await client.confirmLoad(id: authorised!.loadId, tac: Hex.encode(tac))
    }
}

enum Loads {
    static func request(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, answer: InitializeForLoadResponse,
        payment: Components.Schemas.PaymentMethod = .cash, reference: String? = nil
    ) -> Components.Schemas.LoadRequest {
        .init(
            cardNumber: card.cardNumber, issuerId: Hex.encode(card.issuerID), amountFen: Int64(amount), paymentMethod: payment,
            paymentReference: reference, terminalNumber: terminal.description, initializeAnswer: Hex.encode(answer.bytes))
    }

    static func authorization(
        _ load: Components.Schemas.Load, card: CardIdentity, terminal: TerminalNumber, answer: InitializeForLoadResponse
    ) throws -> LoadAuthorization {
        LoadAuthorization(
            card: card, amount: UInt32(load.amountFen), terminal: terminal,
            dateTime: try TransactionDateTime(yyyymmdd: String(load.cardTime.prefix(8)), hhmmss: String(load.cardTime.suffix(6))),
            oldBalance: answer.oldBalance, newBalance: UInt32(load.newBalanceFen), onlineSerial: answer.onlineSerial,
            keyVersion: answer.keyVersion, algorithmID: answer.algorithmID, mac2: try Hex.decode(load.mac2, field: "MAC2"))
    }

    static func now() throws -> TransactionDateTime {
        try TransactionDateTime(Date(), in: TimeZone(identifier: "Asia/Shanghai")!)
    }
}

/// A clerk with an open shift, a sold card and its software card in a reader.
struct LoadBench {
    let fixture: Fixture
    let card: String
    let identity: CardIdentity
    let path: String
    let reader: SimulatedCardReader
    let terminal: TerminalNumber

    var purse: PurseTerminal { PurseTerminal(reader: reader) }

    static func make(
        _ fixture: Fixture, serial: Int = 1, float: Int64 = 50_000, validTo: String = "20361231"
    ) async throws
        -> LoadBench
    {
        if try await fixture.admin.products().isEmpty { try await Cards.stock(fixture) }
        if (try? await fixture.clerk.currentShift()) == nil {
            _ = try await fixture.clerk.openShift(floatFen: float, idempotencyKey: UUID().uuidString)
        }
        let card = Cards.number(serial)
        _ = try await fixture.clerk.issueCard(cardNumber: card, holderID: nil, payment: .cash, idempotencyKey: UUID().uuidString)
        let path = try SoftwareCards.personalise(card, validTo: validTo)
        let reader = SimulatedCardReader(cardFile: path)
        _ = try await reader.connect()
        let terminal = try TerminalNumber(hex: try await fixture.clerk.loadTerminal(label: "counter-1").terminalNumber)
        return LoadBench(
            fixture: fixture, card: card,
            identity: try CardIdentity(cardNumber: card, issuerID: try Hex.decode(TestSettings.issuerID, field: "issuer")),
            path: path, reader: reader, terminal: terminal)
    }

    /// A complete top-up by the clerk.
    @discardableResult
    func topUp(
        _ fen: UInt32, client: TongkaClient? = nil, payment: Components.Schemas.PaymentMethod = .cash, reference: String? = nil
    )
        async throws -> Components.Schemas.Load
    {
        let host = APILoadHost(client ?? fixture.clerk, payment: payment, reference: reference)
        _ = try await purse.load(amount: fen, terminal: terminal, dateTime: try Loads.now(), host: host)
        return await host.confirmed!
    }

    /// The card's answer to INITIALIZE FOR LOAD of `fen`, left open (no CREDIT).
    func initialize(_ fen: UInt32) async throws -> InitializeForLoadResponse {
        try await purse.loadAnswer(amount: fen, terminal: terminal).1
    }

    func evidence() async throws -> Components.Schemas.LoadEvidence {
        let answer = try await initialize(0)
        return .init(
            issuerId: TestSettings.issuerID, terminalNumber: terminal.description, initializeAnswer: Hex.encode(answer.bytes))
    }

    var cardBalance: UInt32 { get throws { try SimulatedCard.snapshot(at: path).balance } }
}

@Suite(.timeLimit(.minutes(5))) struct LoadTests {
    @Test func aTopUpIsARealPurseLoadThatPostsTheLedgerAndConfirmsWithTheTAC() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let load = try await bench.topUp(5_000)
            #expect(load.state == .confirmed)
            #expect(load.oldBalanceFen == 0 && load.newBalanceFen == 5_000)
            #expect(try bench.cardBalance == 5_000)
            #expect(try SimulatedCard.snapshot(at: bench.path).onlineSerial == 1)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 5_000)
            #expect(load.terminalSerial == 1)
            // The cash is in the drawer: float + deposit and cost of the sale + the top-up.
            let shift = try await fixture.clerk.currentShift()
            #expect(shift.shift.expectedCashFen == 50_000 + 2_500 + 5_000)
            let second = try await bench.topUp(2_000)
            #expect(second.terminalSerial == 2 && second.oldBalanceFen == 5_000 && second.newBalanceFen == 7_000)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aRetryWithTheSameKeyAnswersTheFirstMAC2AndNeverLoadsTwice() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let answer = try await bench.initialize(3_000)
            let request = Loads.request(card: bench.identity, amount: 3_000, terminal: bench.terminal, answer: answer)
            let first = try await fixture.clerk.authorizeLoad(request, idempotencyKey: "topup-retry-1")
            let again = try await fixture.clerk.authorizeLoad(request, idempotencyKey: "topup-retry-1")
            #expect(again.loadId == first.loadId && again.mac2 == first.mac2 && again.replayed == true)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 3_000)
            // The same INITIALIZE answer under another key is never authorised again.
            await expectFailure(.greyLoadPending) {
                try await fixture.clerk.authorizeLoad(request, idempotencyKey: "topup-retry-2")
            }
            // Once the first is decided, the same answer is a replay.
            _ = try await fixture.clerk.resolveLoad(
                id: first.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            await expectFailure(.loadReplayed) {
                try await fixture.clerk.authorizeLoad(request, idempotencyKey: "topup-retry-3")
            }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func forgedMACsWrongAmountsAndForeignTACsAreRefusedAndChangeNothing() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let answer = try await bench.initialize(3_000)
            var forged = answer.bytes
            forged[15] ^= 0x01
            await expectFailure(.loadMACInvalid) {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(
                        card: bench.identity, amount: 3_000, terminal: bench.terminal,
                        answer: try InitializeForLoadResponse(data: forged)), idempotencyKey: UUID().uuidString)
            }
            // MAC1 covers the amount: asking for more than the card signed fails the same check.
            await expectFailure(.loadMACInvalid) {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(card: bench.identity, amount: 30_000, terminal: bench.terminal, answer: answer),
                    idempotencyKey: UUID().uuidString)
            }
            // Another card's issuer id than the stock record's.
            await expectFailure(.cardMismatch) {
                let other = try CardIdentity(cardNumber: bench.card, issuerID: try Hex.decode("31045511FFFFFFFF", field: "i"))
                return try await fixture.clerk.authorizeLoad(
                    Loads.request(card: other, amount: 3_000, terminal: bench.terminal, answer: answer),
                    idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.invalidCardResponse) {
                var request = Loads.request(card: bench.identity, amount: 3_000, terminal: bench.terminal, answer: answer)
                request.initializeAnswer = "ABCD"
                return try await fixture.clerk.authorizeLoad(request, idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            // A TAC made for another load does not confirm this one.
            let first = try await bench.topUp(1_000)
            let open = try await fixture.clerk.authorizeLoad(
                Loads.request(
                    card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                idempotencyKey: UUID().uuidString)
            let firstTAC = try await fixture.server.database.client.withConnection { connection in
                try await connection.query("SELECT tac FROM loads WHERE load_id = \(first.loadId)", logger: connection.logger)
                    .collect().first!.decode(Data.self)
            }
            await expectFailure(.tacInvalid) {
                try await fixture.clerk.confirmLoad(id: open.loadId, tac: Hex.encode(Array(firstTAC)))
            }
            #expect(try await fixture.clerk.load(id: open.loadId).state == .mac2Issued)
            await expectFailure(.loadNotFound) { try await fixture.clerk.load(id: 999_999) }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func limitsComeFromTheProductAndTheConfiguration() async throws {
        try await withFixture(configure: { $0.loadLimits = LoadLimits(wholeYuanOnly: true, dailyLimit: Money(yuan: 150)) }) {
            fixture in
            let bench = try await LoadBench.make(fixture)
            func attempt(_ fen: UInt32) async throws -> Components.Schemas.Load {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(
                        card: bench.identity, amount: fen, terminal: bench.terminal, answer: try await bench.initialize(fen)),
                    idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.loadNotWholeYuan) { try await attempt(1_050) }
            await expectFailure(.amountOutOfRange) { try await attempt(0) }
            try await bench.topUp(10_000)
            await expectFailure(.dailyLoadLimit) { try await attempt(10_000) }
            // The product's maximum (¥1,000) against the card's own balance (this card's own limit is higher).
            try SimulatedCard.adjust(at: bench.path, balance: 95_000, maxBalance: 200_000)
            _ = try await bench.reader.connect()
            await expectFailure(.balanceLimitExceeded) { try await attempt(5_100) }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 10_000)
        }
    }

    @Test func aRefundedCardCannotBeLoaded() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await fixture.server.database.client.withConnection { connection in
                _ = try await connection.query(
                    "UPDATE cards SET status = 'refunded' WHERE card_number = \(bench.card)", logger: connection.logger)
            }
            await expectFailure(.cardRefunded) {
                try await fixture.clerk.authorizeLoad(
                    Loads.request(
                        card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                    idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func expiredCardsCannotBeLoaded() async throws {
        let clock = TestClock()
        try await withFixture(now: { clock.now }) { fixture in
            let bench = try await LoadBench.make(fixture)
            clock.advance(by: 11 * 366 * 86_400)
            let clerk = try await fixture.server.login(username: "zhangsan")
            await expectFailure(.cardExpired) {
                try await clerk.authorizeLoad(
                    Loads.request(
                        card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                    idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func aGreyLoadBlocksTheCardUntilTheCardShowsItWasCredited() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            await bench.reader.inject(.loseResponse(ins: 0x52))
            let host = APILoadHost(fixture.clerk)
            do {
                _ = try await bench.purse.load(amount: 4_000, terminal: bench.terminal, dateTime: try Loads.now(), host: host)
                Issue.record("the load should have been grey")
            } catch PurseTerminalError.greyLoad {}
            let grey = try await fixture.clerk.markLoadGrey(id: await host.authorised!.loadId)
            #expect(grey.state == .grey)
            #expect(try await fixture.supervisor.loads().map(\.loadId) == [grey.loadId])
            await expectFailure(.greyLoadPending) { try await bench.topUp(1_000) }
            let decided = try await fixture.clerk.resolveLoad(
                id: grey.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            #expect(decided.state == .confirmed && decided.resolution == "card_serial")
            #expect(try bench.cardBalance == 4_000)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 4_000)
            #expect(try await fixture.clerk.loads().isEmpty)
            await expectFailure(.loadNotOpen) {
                try await fixture.clerk.resolveLoad(
                    id: grey.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            }
            try await bench.topUp(1_000)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aGreyLoadTheCardNeverTookIsReversedAndTheCashGoesBack() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let before = try await fixture.clerk.currentShift().shift.expectedCashFen
            await bench.reader.inject(.dropCommand(ins: 0x52))
            let host = APILoadHost(fixture.clerk)
            await #expect(throws: PurseTerminalError.self) {
                _ = try await bench.purse.load(amount: 4_000, terminal: bench.terminal, dateTime: try Loads.now(), host: host)
            }
            let id = await host.authorised!.loadId
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before + 4_000)
            let decided = try await fixture.clerk.resolveLoad(
                id: id, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            #expect(decided.state == .reversed && decided.reversalTransactionId != nil)
            #expect(try bench.cardBalance == 0)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == before)
            await expectFailure(.tacInvalid) { try await fixture.clerk.confirmLoad(id: id, tac: "00000000") }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func evidenceThatDoesNotDecideChangesNothing() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let open = try await fixture.clerk.authorizeLoad(
                Loads.request(
                    card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000)),
                idempotencyKey: UUID().uuidString)
            // The card shows a serial two past the load's: not decidable from the serial alone.
            try SimulatedCard.adjust(at: bench.path, onlineSerial: 2)
            _ = try await bench.reader.connect()
            await expectFailure(.greyLoadUndetermined) {
                try await fixture.clerk.resolveLoad(
                    id: open.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            }
            // Forged evidence is refused.
            var evidence = try await bench.evidence()
            evidence.initializeAnswer = String(evidence.initializeAnswer.dropLast(2)) + "00"
            await expectFailure(.loadMACInvalid) {
                try await fixture.clerk.resolveLoad(id: open.loadId, evidence: evidence, idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.load(id: open.loadId).state == .mac2Issued)
        }
    }

    @Test func terminalsBelongToOneHallAndLabelsAreChecked() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let again = try await fixture.supervisor.loadTerminal(label: "counter-1")
            #expect(again.terminalNumber == bench.terminal.description && again.hall == "CS01")
            let hq = try await fixture.otherClerk.loadTerminal(label: "counter-1")
            #expect(hq.terminalNumber != again.terminalNumber)
            await expectFailure(.invalidTerminal) { try await fixture.clerk.loadTerminal(label: "bad label!") }
            await expectFailure(.forbiddenRole) { try await fixture.admin.loadTerminal(label: "x") }
            // A terminal of another hall cannot be used here.
            await expectFailure(.invalidTerminal) {
                let foreign = try TerminalNumber(hex: hq.terminalNumber)
                let answer = try await bench.purse.loadAnswer(amount: 1_000, terminal: foreign).1
                return try await fixture.clerk.authorizeLoad(
                    Loads.request(card: bench.identity, amount: 1_000, terminal: foreign, answer: answer),
                    idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func withoutCardKeysTheServerRefusesLoads() async throws {
        try await withFixture(configure: { $0.cardKeysFile = nil }) { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: UUID().uuidString)
            await expectFailure(.cardKeysUnavailable) {
                try await fixture.clerk.authorizeLoad(
                    .init(
                        cardNumber: Cards.number(1), issuerId: TestSettings.issuerID, amountFen: 100, paymentMethod: .cash,
                        terminalNumber: "880000000001", initializeAnswer: String(repeating: "0", count: 32)),
                    idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func racingTopUpsOfOneCardFromSeveralClerksLoadAtMostOnePerCardSerial() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let second = try await fixture.server.createStaff(admin: fixture.admin, username: "qian", role: .clerk, hall: "CS01")
            _ = try await second.openShift(floatFen: 0, idempotencyKey: UUID().uuidString)
            _ = try await fixture.supervisor.openShift(floatFen: 0, idempotencyKey: UUID().uuidString)
            let clients = [fixture.clerk, second, fixture.supervisor]
            for round in 0..<3 {
                // Three card answers for the same serial, sent by three clerks at once.
                var answers: [InitializeForLoadResponse] = []
                for _ in clients { answers.append(try await bench.initialize(1_000)) }
                let results = await withTaskGroup(of: Result<Components.Schemas.Load, any Error>.self) { group in
                    for (client, answer) in zip(clients, answers) {
                        group.addTask {
                            await outcome {
                                try await client.authorizeLoad(
                                    Loads.request(card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: answer),
                                    idempotencyKey: UUID().uuidString)
                            }
                        }
                    }
                    var all: [Result<Components.Schemas.Load, any Error>] = []
                    for await result in group { all.append(result) }
                    return all
                }
                let won = results.compactMap { try? $0.get() }
                #expect(won.count == 1, "round \(round)")
                for case .failure(let error) in results {
                    #expect(["grey_load_pending", "load_replayed"].contains((error as? APIFailure)?.code))
                }
                // The winner's load is decided from the card (which never saw its MAC2): reversed.
                _ = try await fixture.clerk.resolveLoad(
                    id: won[0].loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }
}
