import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// Online top-up orders at the counter: list a card's orders, load the pending ones onto the card.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order", abstract: "Online top-up orders: a card's orders, loading the pending ones onto the card.",
        subcommands: [List.self, Load.self])

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "The online top-up orders of a card (the card in the reader, or --card).",
            discussion: "JSON: the API's TopupOrderList.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var reading: ReaderOptions
        @Option(help: "The card number, instead of reading the card.") var card: String?
        @Flag(help: "Show full card numbers.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let number: String
            if let card {
                number = card
            } else {
                let reader = try await counter.openReader(reading)
                defer { Task { await reader.disconnect() } }
                number = try await PurseTerminal(reader: reader).readCard().card.cardNumber
            }
            let orders = try await counter.client().topupOrders(cardNumber: number)
            if counter.json { return Output.printJSON(Components.Schemas.TopupOrderList(orders: orders)) }
            if orders.isEmpty { return Output.line(counter.t("No online top-up orders.", "没有在线充值订单。")) }
            Output.line(
                Table(
                    headers: [
                        counter.t("no.", "编号"), counter.t("card", "卡号"), counter.t("amount", "金额"),
                        counter.t("state", "状态"), counter.t("channel", "渠道"), counter.t("paid", "支付时间"),
                    ],
                    rows: orders.map { order in
                        [
                            "#\(order.orderId)", counter.cardNumber(order.cardNumber, reveal: reveal),
                            counter.money(order.amountFen), counter.orderState(order.state),
                            order.channel ?? order.lossReference.map { counter.t("replacement \($0)", "补卡 \($0)") } ?? "",
                            counter.time(order.createdAt),
                        ]
                    }
                ).render())
        }
    }

    struct Load: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the pending online top-up orders of the card in the reader (圈存), one purse load each.",
            discussion: """
                The card is read and each pending order goes through the same protocol as a counter top-up
                (INITIALIZE FOR LOAD, the server's MAC1 check and MAC2, CREDIT FOR LOAD, TAC), funded by the
                order instead of a payment. A lost card answer leaves the load grey: `load resolve` decides it
                from the card, and a load the card did not take puts its order back to pending.
                JSON: the API's LoadList of the loads made.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var station: TerminalOptions
        @OptionGroup var card: ReaderOptions
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let terminal = try await client.loadTerminal(label: station.label)
            let reader = try await counter.openReader(card)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let number = try await purse.readCard().card.cardNumber
            let loads = try await counter.loadPendingOrders(
                number: number, client: client, terminal: terminal, purse: purse, reader: reader, baseKey: money.key)
            if loads.isEmpty {
                if counter.json { return Output.printJSON(Components.Schemas.LoadList(loads: [])) }
                return Output.line(counter.t("No pending online top-up orders for this card.", "该卡没有待圈存的在线充值订单。"))
            }
            if counter.json { return Output.printJSON(Components.Schemas.LoadList(loads: loads)) }
            for load in loads {
                Output.line(
                    counter.t(
                        "Online order #\(load.orderId ?? 0) loaded.", "在线订单 #\(load.orderId ?? 0) 已圈存。"))
                counter.printLoad(load, reveal: reveal)
                Output.line()
            }
        }
    }
}

extension Counter {
    /// Loads every pending order of the card in the reader, oldest first, one purse load each, with
    /// one idempotency key per order derived from `baseKey`: repeating the command with the same
    /// key never loads an order twice. Online orders and a replacement card's balance alike.
    func loadPendingOrders(
        number: String, client: TongkaClient, terminal: Components.Schemas.LoadTerminal, purse: PurseTerminal,
        reader: any CardReader, baseKey base: String
    ) async throws -> [Components.Schemas.Load] {
        let pending = try await client.topupOrders(cardNumber: number).filter { $0.state == .pending }.reversed()
        var loads: [Components.Schemas.Load] = []
        for order in pending {
            guard let fen = UInt32(exactly: order.amountFen) else { continue }
            let key = "\(base)-order-\(order.orderId)"
            let host = RemoteLoadHost(client: client, payment: nil, reference: nil, orderID: order.orderId, idempotencyKey: key)
            do {
                let now = Date()
                _ = try await money(key: base) { _ in
                    try await purse.load(
                        amount: fen, terminal: try TerminalNumber(hex: terminal.terminalNumber),
                        dateTime: try cardDateTime(now), host: host)
                }
            } catch let stopped as PurseTerminalError {
                // A lost answer leaves the order's load grey; a refused MAC2 or TAC is decided now.
                loads.append(
                    try await settleStoppedLoad(
                        stopped, host: host, reader: reader, client: client, key: key, order: order.orderId))
                continue
            }
            guard let confirmed = await host.confirmed else {
                throw CounterFailure(code: "internal_error", message: "the load finished without a confirmation")
            }
            loads.append(confirmed)
        }
        return loads
    }

    func orderState(_ state: Components.Schemas.TopupOrderState) -> String {
        switch state {
        case .pending: t("pending (waiting for the card)", "待圈存")
        case .loading: t("loading", "圈存中")
        case .loaded: t("loaded", "已圈存")
        case .refunded: t("refunded to the channel", "已退回渠道")
        }
    }
}
