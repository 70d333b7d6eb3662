import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

// MARK: Products

struct ProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "product", abstract: "Card products.", subcommands: [List.self, Add.self])

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "List card products.", discussion: "JSON: {\"products\": [Product]}.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let products = try await counter.client().products()
            if counter.json { return Output.printJSON(Components.Schemas.ProductList(products: products)) }
            Output.line(
                Table(
                    headers: [
                        counter.t("Code", "编码"), counter.t("Name", "名称"), counter.t("Type", "卡类型"), counter.t("Deposit", "押金"),
                        counter.t("Cost", "工本费"), counter.t("Modes", "覆盖交通方式"), counter.t("T-Union", "互联互通"),
                        counter.t("Registration", "记名"), counter.t("Max balance", "余额上限"),
                    ],
                    rows: products.map { product in
                        let registration =
                            product.allowsAnonymous && product.allowsRegistered
                            ? counter.t("either", "均可")
                            : product.allowsRegistered ? counter.t("registered", "记名") : counter.t("anonymous", "不记名")
                        return [
                            product.code, product.name, counter.cardType(product.cardType), counter.money(product.depositFen),
                            counter.money(product.cardCostFen), counter.modes(product.transportModes),
                            counter.yesNo(product.interconnection),
                            registration, counter.money(product.maxBalanceFen),
                        ]
                    }
                ).render())
        }
    }

    struct Add: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a card product (admin).", discussion: "JSON: the new Product.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Product code, 2-20 of A-Z 0-9 - _.") var code: String
        @Option(help: "Product name.") var name: String
        @Option(help: "Card type: ordinary, student, elderly, test, military or 1-5.") var type: String = "ordinary"
        @Option(help: "Deposit in yuan.") var deposit: String
        @Option(help: "Card cost in yuan.") var cost: String
        @Option(help: "Replacement fee in yuan.") var replacementFee: String = "0"
        @Option(help: "Transport modes covered, comma-separated: bus, metro, brt, tram, ferry, taxi, rail, bike.") var modes:
            String
        @Flag(inversion: .prefixedNo, help: "A T-Union interconnection card (usable in other cities).") var interconnection = true
        @Option(help: "anonymous, registered or either.") var registration: String = "either"
        @Option(help: "Maximum balance in yuan.") var maxBalance: String = "1000"
        @Option(help: "Refund fee: a fixed fee in yuan per returned card.") var refundFee: String?
        @Option(help: "Refund fee: a percentage of the card's balance (5 = 5%), with --refund-fee-threshold.")
        var refundFeePercent: String?
        @Option(help: "The balance in yuan from which --refund-fee-percent applies (default 0).") var refundFeeThreshold: String?

        func execute(_ counter: Counter) async throws {
            guard let cardType = CardType(code: type) else {
                throw CounterFailure(
                    code: "invalid_product",
                    message: counter.t(
                        "--type is ordinary, student, elderly, test, military or 1-5",
                        "--type 应为 ordinary、student、elderly、test、military 或 1-5"))
            }
            let modeList = try modes.split(separator: ",").map { raw in
                guard let mode = Components.Schemas.TransportMode(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased())
                else {
                    throw CounterFailure(
                        code: "invalid_product", message: counter.t("unknown transport mode \(raw)", "未知交通方式 \(raw)"))
                }
                return mode
            }
            let (anonymous, registered): (Bool, Bool) =
                switch registration {
                case "anonymous": (true, false)
                case "registered": (false, true)
                case "either": (true, true)
                default:
                    throw CounterFailure(
                        code: "invalid_product",
                        message: counter.t(
                            "--registration is anonymous, registered or either", "--registration 应为 anonymous、registered 或 either"
                        ))
                }
            let input = Components.Schemas.ProductInput(
                code: code, name: name, cardType: cardType.rawValue, depositFen: try counter.amount(deposit, field: "--deposit"),
                cardCostFen: try counter.amount(cost, field: "--cost"),
                replacementFeeFen: try counter.amount(replacementFee, field: "--replacement-fee"), transportModes: modeList,
                interconnection: interconnection, allowsAnonymous: anonymous, allowsRegistered: registered,
                maxBalanceFen: try counter.amount(maxBalance, field: "--max-balance"), refundFee: try refundFeeRule(counter))
            let product = try await counter.client().createProduct(input)
            if counter.json { return Output.printJSON(product) }
            Output.line(
                counter.t("Created product \(product.code) (\(product.name)).", "已创建卡产品 \(product.code)（\(product.name)）。"))
        }

        /// The refund fee options as the API's rule: none, fixed, or a percentage above a threshold.
        func refundFeeRule(_ counter: Counter) throws -> Components.Schemas.RefundFeeRule {
            switch (refundFee, refundFeePercent) {
            case (nil, nil):
                guard refundFeeThreshold == nil else {
                    throw CounterFailure(
                        code: "invalid_product",
                        message: counter.t(
                            "--refund-fee-threshold needs --refund-fee-percent",
                            "--refund-fee-threshold 需与 --refund-fee-percent 一起使用"))
                }
                return .init(kind: .none)
            case (let fee?, nil):
                return .init(kind: .fixed, feeFen: try counter.amount(fee, field: "--refund-fee"))
            case (nil, let percent?):
                // A percentage with two decimals is basis points, as yuan with two decimals are fen.
                return .init(
                    kind: .percentage, basisPoints: Int(try counter.amount(percent, field: "--refund-fee-percent")),
                    thresholdFen: try counter.amount(refundFeeThreshold ?? "0", field: "--refund-fee-threshold"))
            case (_?, _?):
                throw CounterFailure(
                    code: "invalid_product",
                    message: counter.t(
                        "give --refund-fee or --refund-fee-percent, not both", "--refund-fee 与 --refund-fee-percent 只能选一个"))
            }
        }
    }
}
