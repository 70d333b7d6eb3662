import Foundation
import Testing
import TongkaCardSim
import TongkaCardTerminal
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// Online top-up orders loaded by the real `tongka-counter` binary with a software card in the reader.
@Suite(.timeLimit(.minutes(5))) struct OrderCounterTests {
    @Test func orderLoadPutsTheCardsPendingOrdersOnTheCardThroughThePurseProtocol() async throws {
        try await withTestServer { server in
            let (clerk, card, path) = try await TopupCounterTests.counterWithCard(server)
            let (_, token) = try await ChannelStore(database: server.database).add(
                name: "wechat-mall", method: .wechatPay,
                origin: RequestOrigin(actor: nil, requestID: "test", clientAddress: nil), now: Date())
            let channel = server.client(token: token)
            let first = try await channel.createTopupOrder(
                cardNumber: card, amountFen: 3_000, channelReference: "WX-CLI-0001", idempotencyKey: UUID().uuidString)
            let second = try await channel.createTopupOrder(
                cardNumber: card, amountFen: 2_000, channelReference: "WX-CLI-0002", idempotencyKey: UUID().uuidString)

            let listed = try await clerk.counter(["order", "list"])
            #expect(listed.exitCode == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains("#\(first.orderId)") && listed.stdout.contains("¥20.00"))

            let loaded = try await clerk.counter(["order", "load", "--json", "--lang", "en"])
            #expect(loaded.exitCode == 0, "\(loaded.stderr)")
            let loads = try #require(try loaded.json()["loads"] as? [[String: Any]])
            #expect(loads.count == 2)
            #expect(loads.allSatisfy { $0["state"] as? String == "confirmed" })
            #expect(loads.compactMap { $0["orderId"] as? Int } == [Int(first.orderId), Int(second.orderId)])
            #expect(try SimulatedCard.snapshot(at: path).balance == 5_000)
            #expect(try await channel.topupOrder(id: first.orderId).state == .loaded)
            #expect(try await channel.topupOrder(id: second.orderId).state == .loaded)

            // Nothing left: a second run loads nothing.
            let again = try await clerk.counter(["order", "load", "--lang", "en"])
            #expect(again.exitCode == 0 && again.stdout.contains("No pending"))
            #expect(try SimulatedCard.snapshot(at: path).balance == 5_000)
        }
    }

    @Test func anOrderLoadWhoseCardAnswerIsLostIsGreyAndResolvedFromTheCard() async throws {
        try await withTestServer { server in
            let (clerk, card, path) = try await TopupCounterTests.counterWithCard(server)
            let (_, token) = try await ChannelStore(database: server.database).add(
                name: "wechat-mall", method: .wechatPay,
                origin: RequestOrigin(actor: nil, requestID: "test", clientAddress: nil), now: Date())
            let channel = server.client(token: token)
            let order = try await channel.createTopupOrder(
                cardNumber: card, amountFen: 3_000, channelReference: "WX-CLI-0003", idempotencyKey: UUID().uuidString)

            let lost = try await clerk.adding(environment: ["TONGKA_SIM_FAULT": "lose:52"])
                .counter(["order", "load", "--lang", "en"])
            #expect(lost.exitCode == 1 && lost.stderr.contains("[grey_load]"), "\(lost.stderr)")
            #expect(lost.stderr.contains("of order #\(order.orderId)"))
            let grey = try #require(
                (try await clerk.counter(["load", "list", "--json"]).json()["loads"] as? [[String: Any]])?.first)
            let resolved = try await clerk.counter(["load", "resolve", "\(try #require(grey["loadId"] as? Int))", "--json"])
            #expect(try resolved.json()["state"] as? String == "confirmed", "\(resolved.stderr)")
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)
            #expect(try await channel.topupOrder(id: order.orderId).state == .loaded)
        }
    }
}
