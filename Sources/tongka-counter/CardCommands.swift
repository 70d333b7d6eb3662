import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

extension Counter {
    func cardType(_ code: Int) -> String {
        CardType(rawValue: code)?.localizedName(language) ?? String(code)
    }

    func modes(_ modes: [Components.Schemas.TransportMode]) -> String {
        modes.map { TransportMode(rawValue: $0.rawValue)?.localizedName(language) ?? $0.rawValue }.joined(
            separator: language == .zh ? "、" : ", ")
    }

    func printCard(_ card: Components.Schemas.Card, reveal: Bool) {
        var pairs: [(String, String)] = [
            (t("Card number", "卡号"), cardNumber(card.cardNumber, reveal: reveal)),
            (t("Status", "状态"), card.status == .active ? t("active", "正常") : card.status.rawValue),
            (t("Product", "卡产品"), "\(card.product) \(card.productName)"),
            (t("Card type", "卡类型"), cardType(card.cardType)),
            (t("Transport modes", "覆盖交通方式"), modes(card.transportModes)),
            (t("Interconnection", "互联互通"), yesNo(card.interconnection)),
            (t("Valid", "有效期"), "\(card.validFrom) – \(card.validTo)"),
            (
                t("Holder", "持卡人"),
                card.holderNameMasked.map { "\($0) (\(card.holderDocumentMasked ?? ""), #\(card.holderId ?? 0))" }
                    ?? t("anonymous", "不记名")
            ),
            (t("Issued", "发卡"), "\(time(card.issuedAt)) \(card.issuedHall) \(card.issuedBy)"),
            (t("Deposit", "押金"), money(card.depositFen)),
            (t("Card cost", "工本费"), money(card.cardCostFen)),
            (t("Balance (back office)", "后台余额"), money(card.balanceFen)),
        ]
        if !reveal { pairs.append((t("Full number", "完整卡号"), t("use --reveal", "加 --reveal 显示"))) }
        fields(pairs)
    }

    /// The number of the card being sold: read from the card when a reader is configured (and
    /// then it must match a typed number), else the typed one; neither is `reader_required`.
    func cardToSell(typed: String?, reader: ReaderOptions) async throws -> String {
        guard reader.spec != nil else {
            guard let typed else { throw readerRequired }
            return typed
        }
        let onCard = try await withCard(reader) { terminal in try await terminal.readCard().card.cardNumber }
        if let typed, typed.filter({ $0 != " " }) != onCard {
            throw CounterFailure(
                code: "card_mismatch",
                message: t(
                    "The card in the reader is \(CardNumber.mask(onCard)), not \(CardNumber.mask(typed)): check which card is being sold",
                    "读卡器上的卡是 \(CardNumber.mask(onCard))，不是 \(CardNumber.mask(typed))：请核对所售卡片"))
        }
        return onCard
    }

    func documentType(_ text: String) throws -> Components.Schemas.DocumentType {
        guard let type = Components.Schemas.DocumentType(rawValue: text) else {
            throw CounterFailure(
                code: "invalid_document_number",
                message: t(
                    "--doc-type is resident_id, passport, hk_macao_permit or taiwan_permit",
                    "--doc-type 应为 resident_id、passport、hk_macao_permit 或 taiwan_permit"))
        }
        return type
    }

    /// What the clerk typed, masked as the server shows a stored document (a resident ID keeps its
    /// first and last four characters, other documents two).
    static func maskedTyping(_ typed: String) -> String {
        for type in DocumentType.allCases {
            if let document = try? IdentityDocument(type: type, number: typed) { return document.masked }
        }
        return String(repeating: "*", count: typed.count)
    }

    /// A document number from the option, or typed at a prompt so it stays out of shell history.
    func documentNumber(_ option: String?) throws -> String {
        if let option, !option.isEmpty { return option }
        // Not echoed: the screen faces the hall. The clerk sees it masked, to check the last digits.
        guard let typed = Prompt.unechoed(t("Document number (not shown): ", "证件号码（输入不显示）：")), !typed.isEmpty else {
            throw CounterFailure(code: "invalid_document_number", message: t("A document number is needed", "请输入证件号码"))
        }
        if Prompt.isInteractive {
            Output.write(
                Data(t("Document number: \(Self.maskedTyping(typed))\n", "证件号码：\(Self.maskedTyping(typed))\n").utf8),
                to: .standardError)
        }
        return typed
    }
}

// MARK: Cards

struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card", abstract: "Cards.",
        subcommands: [Issue.self, Show.self, Read.self, Statement.self, Refund.self, Replace.self, Block.self])

    struct Issue: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sell a card from your hall's stock in your open shift: anonymous, or to a holder.",
            discussion: """
                Without a card number the number is read from the card in the reader (--reader or
                TONGKA_CARD_READER). With both, they must be the same card (card_mismatch otherwise).
                JSON: the API's CardIssued.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var card: ReaderOptions
        @Argument(help: "The 19-digit card number; read from the card in the reader when omitted.") var cardNumber: String?
        @Option(help: "Holder number for a registered card (holders of your hall).") var holder: Int64?
        @Option(help: "Register to the holder of the document the person presents, of this type (the number is asked for).")
        var holderDocType: String?
        @Option(help: "Document number (prefer the prompt).") var holderDocNumber: String?
        @Option(help: "cash, unionpay, wechat_pay or alipay.") var pay: String = "cash"
        @Option(help: "The payment channel's transaction reference (required for non-cash payments).") var reference: String?
        @Flag(help: "Show the full card number on the receipt.") var reveal = false

        func execute(_ counter: Counter) async throws {
            guard let payment = Components.Schemas.PaymentMethod(rawValue: pay) else {
                throw CounterFailure(
                    code: "invalid_payment_method",
                    message: counter.t(
                        "--pay is cash, unionpay, wechat_pay or alipay", "--pay 应为 cash、unionpay、wechat_pay 或 alipay"))
            }
            if holder != nil, holderDocType != nil {
                throw ValidationError(
                    counter.t("Give --holder or --holder-doc-type, not both", "--holder 与 --holder-doc-type 只能选一个"))
            }
            var document: Components.Schemas.DocumentInput?
            if let holderDocType {
                document = .init(
                    documentType: try counter.documentType(holderDocType),
                    documentNumber: try counter.documentNumber(holderDocNumber))
            }
            let client = try counter.client()
            let cardNumber = try await counter.cardToSell(typed: self.cardNumber, reader: card)
            let issued = try await counter.money(key: money.key) { [document] key in
                try await client.issueCard(
                    cardNumber: cardNumber, holderID: holder, holderDocument: document, payment: payment, reference: reference,
                    idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(issued) }
            Output.line(counter.t("Card issued.", "发卡成功。") + (issued.replayed ? counter.t(" (repeated request)", "（重复请求）") : ""))
            counter.printCard(issued.card, reveal: reveal)
            let method = PaymentMethod(rawValue: issued.paymentMethod.rawValue)?.localizedName(counter.language)
            var receipt = [
                (counter.t("Paid", "实收"), "\(counter.money(issued.paidFen)) (\(method ?? issued.paymentMethod.rawValue))")
            ]
            if let reference = issued.paymentReference { receipt.append((counter.t("Reference", "交易参考号"), reference)) }
            receipt.append((counter.t("Shift", "班次"), "#\(issued.shiftId)"))
            counter.fields(receipt)
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "A card by number.", discussion: "JSON: the API's Card (full number).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The 19-digit card number.") var cardNumber: String
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let card = try await counter.client().card(cardNumber)
            if counter.json { return Output.printJSON(card) }
            counter.printCard(card, reveal: reveal)
        }
    }
}
