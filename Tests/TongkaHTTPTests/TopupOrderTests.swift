import Foundation
import Testing
import TongkaAPI
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// A counter loading a top-up order: the load protocol with `orderId` instead of a payment.
actor OrderLoadHost: LoadHost {
    let client: TongkaClient
    let orderID: Int64
    let key = UUID().uuidString
    var authorised: Components.Schemas.Load?
    var confirmed: Components.Schemas.Load?

    init(_ client: TongkaClient, orderID: Int64) {
        self.client = client
        self.orderID = orderID
    }

    func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) async throws -> LoadAuthorization {
        var request = Loads.request(card: card, amount: amount, terminal: terminal, answer: response)
        request.paymentMethod = nil
        request.orderId = orderID
        let load = try await client.authorizeLoad(request, idempotencyKey: key)
        authorised = load
        return try Loads.authorization(load, card: card, terminal: terminal, answer: response)
    }

    func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws {
        confirmed = try await client.confirmLoad(id: authorised!.loadId, tac: Hex.encode(tac))
    }
}

enum Channels {
    /// A channel account bound to `method`, logged in with its token.
    static func add(
        _ fixture: Fixture, name: String = "wechat-mall", method: PaymentMethod = .wechatPay
    ) async throws
        -> TongkaClient
    {
        let (_, token) = try await ChannelStore(database: fixture.server.database).add(
            name: name, method: method, origin: RequestOrigin(actor: nil, requestID: "test", clientAddress: nil), now: Date())
        return fixture.server.client(token: token)
    }
}

@Suite(.timeLimit(.minutes(5))) struct TopupOrderTests {
    @Test func aChannelsPaidOrderIsLoadedAtTheCounterByThePurseProtocolAndTheLedgerAgrees() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let channel = try await Channels.add(fixture)
            let order = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 5_000, channelReference: "WX-ORDER-0001", idempotencyKey: UUID().uuidString)
            #expect(order.state == .pending && order.amountFen == 5_000 && order.paymentMethod == .wechatPay)
            #expect(order.channel == "wechat-mall" && order.replayed == false)
            // The money waits: nothing is on the card or its purse account yet.
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.clerk.topupOrders(cardNumber: bench.card).map(\.orderId) == [order.orderId])

            let host = OrderLoadHost(fixture.clerk, orderID: order.orderId)
            _ = try await bench.purse.load(amount: 5_000, terminal: bench.terminal, dateTime: try Loads.now(), host: host)
            let load = try #require(await host.confirmed)
            #expect(load.state == .confirmed && load.orderId == order.orderId && load.newBalanceFen == 5_000)
            #expect(load.paymentReference == nil)
            #expect(try bench.cardBalance == 5_000)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 5_000)
            let loaded = try await fixture.clerk.topupOrder(id: order.orderId)
            #expect(loaded.state == .loaded && loaded.loadId == load.loadId && loaded.loadedAt != nil)
            // The counter's drawer is untouched: the money came from the channel, not from cash.
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == 50_000 + 2_500)
            #expect(try await fixture.admin.checkLedger().passed)

            // A loaded order is not loaded again.
            await expectFailure(.orderNotPending) {
                try await fixture.clerk.authorizeLoad(
                    {
                        var request = Loads.request(
                            card: bench.identity, amount: 5_000, terminal: bench.terminal,
                            answer: try await bench.initialize(5_000))
                        request.paymentMethod = nil
                        request.orderId = order.orderId
                        return request
                    }(), idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test func aChannelReferenceNeverCreatesTwoOrdersAndAnotherBodyIsAConflict() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let channel = try await Channels.add(fixture)
            let first = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 3_000, channelReference: "WX-REF-1", idempotencyKey: UUID().uuidString)
            let again = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 3_000, channelReference: "WX-REF-1", idempotencyKey: UUID().uuidString)
            #expect(again.orderId == first.orderId && again.replayed == true)
            await expectFailure(.orderReferenceConflict) {
                try await channel.createTopupOrder(
                    cardNumber: bench.card, amountFen: 4_000, channelReference: "WX-REF-1", idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.topupOrders(cardNumber: bench.card).count == 1)
            // The product's maximum (¥1,000) counts the orders still waiting for the card.
            await expectFailure(.balanceLimitExceeded) {
                try await channel.createTopupOrder(
                    cardNumber: bench.card, amountFen: 98_000, channelReference: "WX-REF-2", idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.loadNotWholeYuan) {
                try await channel.createTopupOrder(
                    cardNumber: bench.card, amountFen: 1_050, channelReference: "WX-REF-3", idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.cardNotFound) {
                try await channel.createTopupOrder(
                    cardNumber: Cards.number(4), amountFen: 1_000, channelReference: "WX-REF-4", idempotencyKey: UUID().uuidString
                )
            }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func anUnloadedOrderExpiresAndIsRefundedToTheChannel() async throws {
        try await withFixture(configure: { $0.orderSettings = TopupOrderSettings(expiry: .seconds(3600)) }) { fixture in
            let bench = try await LoadBench.make(fixture)
            let channel = try await Channels.add(fixture, name: "alipay-app", method: .alipay)
            let order = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 2_000, channelReference: "ALI-0001", idempotencyKey: UUID().uuidString)
            let store = TopupOrderStore(database: fixture.server.database)
            #expect(try await store.refundExpired(now: Date()) == 0)
            #expect(try await store.refundExpired(now: Date().addingTimeInterval(3_601)) == 1)
            let refunded = try await channel.topupOrder(id: order.orderId)
            #expect(refunded.state == .refunded && refunded.refundTransactionId != nil && refunded.refundedAt != nil)
            // Refunded once only, and never loaded afterwards.
            #expect(try await store.refundExpired(now: Date().addingTimeInterval(7_200)) == 0)
            await expectFailure(.orderNotPending) {
                var request = Loads.request(
                    card: bench.identity, amount: 2_000, terminal: bench.terminal, answer: try await bench.initialize(2_000))
                request.paymentMethod = nil
                request.orderId = order.orderId
                return try await fixture.clerk.authorizeLoad(request, idempotencyKey: UUID().uuidString)
            }
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
            let events = try await fixture.server.database.client.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) FROM audit_events WHERE action = 'order.refund' AND subject = \("order:\(order.orderId)")",
                    logger: connection.logger
                ).collect().first!.decode(Int64.self)
            }
            #expect(events == 1)
        }
    }

    @Test func anOrderLoadTheCardDidNotTakeIsReversedAndTheOrderWaitsAgain() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let channel = try await Channels.add(fixture)
            let order = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 1_000, channelReference: "WX-GREY-1", idempotencyKey: UUID().uuidString)
            var request = Loads.request(
                card: bench.identity, amount: 1_000, terminal: bench.terminal, answer: try await bench.initialize(1_000))
            request.paymentMethod = nil
            request.orderId = order.orderId
            let open = try await fixture.clerk.authorizeLoad(request, idempotencyKey: UUID().uuidString)
            #expect(try await fixture.clerk.topupOrder(id: order.orderId).state == .loading)
            _ = try await fixture.clerk.markLoadGrey(id: open.loadId)
            // The card never got CREDIT FOR LOAD: its serial did not move, the load is reversed.
            let decided = try await fixture.clerk.resolveLoad(
                id: open.loadId, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            #expect(decided.state == .reversed)
            let waiting = try await fixture.clerk.topupOrder(id: order.orderId)
            #expect(waiting.state == .pending && waiting.loadId == nil)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == 0)
            #expect(try await fixture.admin.checkLedger().passed)
            // The next read of the card loads it.
            let host = OrderLoadHost(fixture.clerk, orderID: order.orderId)
            _ = try await bench.purse.load(amount: 1_000, terminal: bench.terminal, dateTime: try Loads.now(), host: host)
            #expect(try await fixture.clerk.topupOrder(id: order.orderId).state == .loaded)
            #expect(try bench.cardBalance == 1_000)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func channelsReachOnlyTheirOwnOrdersAndStaffCannotPostOrders() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let channel = try await Channels.add(fixture)
            let other = try await Channels.add(fixture, name: "unionpay-web", method: .unionpay)
            let order = try await channel.createTopupOrder(
                cardNumber: bench.card, amountFen: 1_000, channelReference: "WX-OWN-1", idempotencyKey: UUID().uuidString)
            await expectFailure(.forbiddenRole) { try await channel.currentShift() }
            await expectFailure(.forbiddenRole) { try await channel.card(bench.card) }
            await expectFailure(.forbiddenRole) { try await channel.loads(cardNumber: bench.card) }
            await expectFailure(.forbiddenRole) {
                try await fixture.clerk.createTopupOrder(
                    cardNumber: bench.card, amountFen: 1_000, channelReference: "CLERK-1", idempotencyKey: UUID().uuidString)
            }
            await expectFailure(.orderNotFound) { try await other.topupOrder(id: order.orderId) }
            #expect(try await other.topupOrders(cardNumber: bench.card).isEmpty)
            await expectFailure(.orderNotFound) { try await fixture.clerk.topupOrder(id: 999_999) }
            // A channel has no password: it cannot log in, and admins cannot create one as staff.
            await expectFailure(.forbiddenRole) {
                try await fixture.admin.createClerk(username: "fake-channel", displayName: "Fake", role: .channel, hall: nil)
            }
            // Revoked: its token stops working at once.
            _ = try await ChannelStore(database: fixture.server.database).revoke(
                name: "wechat-mall", origin: RequestOrigin(actor: nil, requestID: "test", clientAddress: nil), now: Date())
            await expectFailure(.invalidToken) { try await channel.topupOrder(id: order.orderId) }
        }
    }
}
