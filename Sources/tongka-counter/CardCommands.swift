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
        modes.map { TransportMode(rawValue: $0.rawValue)?.localizedName(language) ?? $0.rawValue }.joined(separator: language == .zh ? "、" : ", ")
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
            (t("Holder", "持卡人"), card.holderNameMasked.map { "\($0) (\(card.holderDocumentMasked ?? ""), #\(card.holderId ?? 0))" } ?? t("anonymous", "不记名")),
            (t("Issued", "发卡"), "\(time(card.issuedAt)) \(card.issuedHall) \(card.issuedBy)"),
            (t("Deposit", "押金"), money(card.depositFen)),
            (t("Card cost", "工本费"), money(card.cardCostFen)),
            (t("Balance (back office)", "后台余额"), money(card.balanceFen)),
        ]
        if !reveal { pairs.append((t("Full number", "完整卡号"), t("use --reveal", "加 --reveal 显示"))) }
        fields(pairs)
    }

    func documentType(_ text: String) throws -> Components.Schemas.DocumentType {
        guard let type = Components.Schemas.DocumentType(rawValue: text) else {
            throw CounterFailure(code: "invalid_document_number", message: t(
                "--doc-type is resident_id, passport, hk_macao_permit or taiwan_permit",
                "--doc-type 应为 resident_id、passport、hk_macao_permit 或 taiwan_permit"))
        }
        return type
    }

    /// A document number from the option, or typed at a prompt so it stays out of shell history.
    func documentNumber(_ option: String?) throws -> String {
        if let option, !option.isEmpty { return option }
        guard let typed = Prompt.line(t("Document number: ", "证件号码：")), !typed.isEmpty else {
            throw CounterFailure(code: "invalid_document_number", message: t("A document number is needed", "请输入证件号码"))
        }
        return typed
    }
}

// MARK: Products

struct ProductCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "product", abstract: "Card products.", subcommands: [List.self, Add.self])

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "List card products.", discussion: "JSON: {\"products\": [Product]}.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let products = try await counter.client().products()
            if counter.json { return Output.printJSON(Components.Schemas.ProductList(products: products)) }
            Output.line(Table(
                headers: [
                    counter.t("Code", "编码"), counter.t("Name", "名称"), counter.t("Type", "卡类型"), counter.t("Deposit", "押金"),
                    counter.t("Cost", "工本费"), counter.t("Modes", "覆盖交通方式"), counter.t("T-Union", "互联互通"),
                    counter.t("Registration", "记名"), counter.t("Max balance", "余额上限"),
                ],
                rows: products.map { product in
                    let registration = product.allowsAnonymous && product.allowsRegistered ? counter.t("either", "均可")
                        : product.allowsRegistered ? counter.t("registered", "记名") : counter.t("anonymous", "不记名")
                    return [
                        product.code, product.name, counter.cardType(product.cardType), counter.money(product.depositFen),
                        counter.money(product.cardCostFen), counter.modes(product.transportModes), counter.yesNo(product.interconnection),
                        registration, counter.money(product.maxBalanceFen),
                    ]
                }).render())
        }
    }

    struct Add: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "Create a card product (admin).", discussion: "JSON: the new Product.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Product code, 2-20 of A-Z 0-9 - _.") var code: String
        @Option(help: "Product name.") var name: String
        @Option(help: "Card type: ordinary, student, elderly, test, military or 1-5.") var type: String = "ordinary"
        @Option(help: "Deposit in yuan.") var deposit: String
        @Option(help: "Card cost in yuan.") var cost: String
        @Option(help: "Replacement fee in yuan.") var replacementFee: String = "0"
        @Option(help: "Transport modes covered, comma-separated: bus, metro, brt, tram, ferry, taxi, rail, bike.") var modes: String
        @Flag(inversion: .prefixedNo, help: "A T-Union interconnection card (usable in other cities).") var interconnection = true
        @Option(help: "anonymous, registered or either.") var registration: String = "either"
        @Option(help: "Maximum balance in yuan.") var maxBalance: String = "1000"

        func execute(_ counter: Counter) async throws {
            guard let cardType = CardType(code: type) else {
                throw CounterFailure(code: "invalid_product", message: counter.t("--type is ordinary, student, elderly, test, military or 1-5", "--type 应为 ordinary、student、elderly、test、military 或 1-5"))
            }
            let modeList = try modes.split(separator: ",").map { raw in
                guard let mode = Components.Schemas.TransportMode(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw CounterFailure(code: "invalid_product", message: counter.t("unknown transport mode \(raw)", "未知交通方式 \(raw)"))
                }
                return mode
            }
            let (anonymous, registered): (Bool, Bool) = switch registration {
            case "anonymous": (true, false)
            case "registered": (false, true)
            case "either": (true, true)
            default: throw CounterFailure(code: "invalid_product", message: counter.t("--registration is anonymous, registered or either", "--registration 应为 anonymous、registered 或 either"))
            }
            let input = Components.Schemas.ProductInput(
                code: code, name: name, cardType: cardType.rawValue, depositFen: try counter.amount(deposit, field: "--deposit"),
                cardCostFen: try counter.amount(cost, field: "--cost"),
                replacementFeeFen: try counter.amount(replacementFee, field: "--replacement-fee"), transportModes: modeList,
                interconnection: interconnection, allowsAnonymous: anonymous, allowsRegistered: registered,
                maxBalanceFen: try counter.amount(maxBalance, field: "--max-balance"))
            let product = try await counter.client().createProduct(input)
            if counter.json { return Output.printJSON(product) }
            Output.line(counter.t("Created product \(product.code) (\(product.name)).", "已创建卡产品 \(product.code)（\(product.name)）。"))
        }
    }
}

// MARK: Stock

struct StockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock", abstract: "Card stock: import factory batches, move them to halls, see levels.",
        subcommands: [Import.self, Show.self, Allocate.self, Batches.self])

    struct Import: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a factory batch file (CSV) for a product (admin). All lines or none.",
            discussion: """
                Columns: card_number,issuer_id,valid_from,valid_to,card_type,chip_uid (header optional).
                Every bad line is reported with its line number and nothing is imported.
                JSON: the new StockBatch, or the error with lineErrors.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: "Product code.") var product: String
        @Option(help: "Hall to put the cards in; the central warehouse when omitted.") var hall: String?

        func execute(_ counter: Counter) async throws {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw CounterFailure(code: "file_not_found", message: counter.t("Cannot read \(file)", "无法读取文件 \(file)"))
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
            let progress = ProgressLine(label: counter.t("uploading", "上传中"), total: size)
            // Streams the file in 256 KiB chunks; neither side ever holds it whole.
            let chunks = AsyncThrowingStream<ArraySlice<UInt8>, any Error> { continuation in
                Thread.detachNewThread {
                    while true {
                        let data = handle.readData(ofLength: 256 * 1024)
                        if data.isEmpty { break }
                        progress.advance(by: data.count)
                        continuation.yield(ArraySlice(data))
                    }
                    try? handle.close()
                    continuation.finish()
                }
            }
            let body = HTTPBody(chunks, length: size.map { .known($0) } ?? .unknown, iterationBehavior: .single)
            let client = try counter.client(timeout: .seconds(30 * 60))
            let batch: Components.Schemas.StockBatch
            do {
                batch = try await client.importStock(product: product, hall: hall, fileName: (file as NSString).lastPathComponent, body: body)
                progress.finish()
            } catch {
                progress.finish()
                throw error
            }
            if counter.json { return Output.printJSON(batch) }
            Output.line(counter.t(
                "Imported batch #\(batch.id): \(batch.cards) cards of \(batch.product) into \(batch.hall ?? "the warehouse"), \(CardNumber.mask(batch.firstCardNumber)) – \(CardNumber.mask(batch.lastCardNumber)).",
                "已导入批次 #\(batch.id)：\(batch.product) 共 \(batch.cards) 张，入库至 \(batch.hall ?? "中心库")，卡号 \(CardNumber.mask(batch.firstCardNumber)) – \(CardNumber.mask(batch.lastCardNumber))。"))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cards in stock by hall and product (hall staff: own hall).", discussion: "JSON: {\"levels\": [StockLevel]}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Hall code.") var hall: String?
        @Option(help: "Product code.") var product: String?

        func execute(_ counter: Counter) async throws {
            let levels = try await counter.client().stockLevels(hall: hall, product: product)
            if counter.json { return Output.printJSON(Components.Schemas.StockLevelList(levels: levels)) }
            Output.line(Table(
                headers: [counter.t("Hall", "网点"), counter.t("Product", "卡产品"), counter.t("Name", "名称"), counter.t("In stock", "库存")],
                rows: levels.map { [$0.hall ?? counter.t("warehouse", "中心库"), $0.product, $0.productName, String($0.inStock)] }
            ).render())
        }
    }

    struct Allocate: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move cards of a product from the warehouse (or a hall) to a hall (admin).", discussion: "JSON: the API's StockAllocation.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Product code.") var product: String
        @Option(help: "Hall to move the cards to.") var hall: String
        @Option(help: "Hall to move from; the warehouse when omitted.") var fromHall: String?
        @Option(help: "How many cards.") var quantity: Int

        func execute(_ counter: Counter) async throws {
            let moved = try await counter.client().allocateStock(product: product, toHall: hall, fromHall: fromHall, quantity: quantity)
            if counter.json { return Output.printJSON(moved) }
            Output.line(counter.t(
                "Moved \(moved.moved) cards of \(moved.product) to \(moved.toHall): \(CardNumber.mask(moved.firstCardNumber)) – \(CardNumber.mask(moved.lastCardNumber)).",
                "已调拨 \(moved.product) 共 \(moved.moved) 张至 \(moved.toHall)：\(CardNumber.mask(moved.firstCardNumber)) – \(CardNumber.mask(moved.lastCardNumber))。"))
        }
    }

    struct Batches: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "Imported batches (admin, auditor).", discussion: "JSON: {\"batches\": [StockBatch]}.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let batches = try await counter.client().stockBatches()
            if counter.json { return Output.printJSON(Components.Schemas.StockBatchList(batches: batches)) }
            Output.line(Table(
                headers: ["#", counter.t("Product", "卡产品"), counter.t("Cards", "张数"), counter.t("Into", "入库至"), counter.t("File", "文件"), counter.t("Imported", "导入时间"), counter.t("By", "操作员")],
                rows: batches.map {
                    [String($0.id), $0.product, String($0.cards), $0.hall ?? counter.t("warehouse", "中心库"), $0.fileName ?? "", counter.time($0.importedAt), $0.importedBy]
                }).render())
        }
    }
}

// MARK: Holders

struct HolderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "holder", abstract: "Card holders.", subcommands: [Register.self, Show.self])

    static func printHolder(_ result: Components.Schemas.HolderWithCards, _ counter: Counter, reveal: Bool) {
        let holder = result.holder
        counter.fields([
            (counter.t("Holder", "持卡人"), "#\(holder.id) \(holder.name)"),
            (counter.t("Document", "证件"), "\(DocumentType(rawValue: holder.documentType.rawValue)?.localizedName(counter.language) ?? holder.documentType.rawValue) \(holder.documentNumberMasked)"),
            (counter.t("Phone", "手机"), holder.phoneMasked ?? "-"),
            (counter.t("Registered", "登记"), "\(counter.time(holder.registeredAt)) \(holder.registeredHall)"),
        ])
        Output.line()
        Output.line(Table(
            headers: [counter.t("Card", "卡号"), counter.t("Product", "卡产品"), counter.t("Status", "状态"), counter.t("Issued", "发卡时间")],
            rows: result.cards.map { [counter.cardNumber($0.cardNumber, reveal: reveal), $0.product, $0.status.rawValue, counter.time($0.issuedAt)] }
        ).render())
    }

    struct Register: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a card holder (clerk, supervisor). The document number is asked for when not given.",
            discussion: "JSON: the new Holder (document and phone masked).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Name as on the document.") var name: String
        @Option(help: "resident_id, passport, hk_macao_permit or taiwan_permit.") var docType: String = "resident_id"
        @Option(help: "Document number (prefer typing it at the prompt: it then stays out of shell history).") var docNumber: String?
        @Option(help: "Mobile phone.") var phone: String?

        func execute(_ counter: Counter) async throws {
            let type = try counter.documentType(docType)
            let number = try counter.documentNumber(docNumber)
            let holder = try await counter.client().registerHolder(
                .init(name: name, documentType: type, documentNumber: number, phone: phone))
            if counter.json { return Output.printJSON(holder) }
            Output.line(counter.t(
                "Registered holder #\(holder.id) \(holder.name) (\(holder.documentNumberMasked)).",
                "已登记持卡人 #\(holder.id) \(holder.name)（\(holder.documentNumberMasked)）。"))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "A holder and its cards, by number or by identity document.",
            discussion: "JSON: the API's HolderWithCards.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Holder number.") var id: Int64?
        @Option(help: "Find by document of this type (the number is asked for).") var docType: String?
        @Option(help: "Document number (prefer the prompt).") var docNumber: String?
        @Flag(help: "Show full card numbers.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let result: Components.Schemas.HolderWithCards
            if let id {
                result = try await client.holder(id: id)
            } else if let docType {
                result = try await client.findHolder(type: try counter.documentType(docType), number: try counter.documentNumber(docNumber))
            } else {
                throw ValidationError(counter.t("Give --id or --doc-type", "请指定 --id 或 --doc-type"))
            }
            if counter.json { return Output.printJSON(result) }
            HolderCommand.printHolder(result, counter, reveal: reveal)
        }
    }
}

// MARK: Cards

struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "card", abstract: "Cards.", subcommands: [Issue.self, Show.self])

    struct Issue: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sell a card from your hall's stock in your open shift: anonymous, or to a holder.",
            discussion: "JSON: the API's CardIssued.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @Argument(help: "The 19-digit card number.") var cardNumber: String
        @Option(help: "Holder number for a registered card (holders of your hall).") var holder: Int64?
        @Option(help: "Register to the holder of the document the person presents, of this type (the number is asked for).")
        var holderDocType: String?
        @Option(help: "Document number (prefer the prompt).") var holderDocNumber: String?
        @Option(help: "cash, unionpay, wechat_pay or alipay.") var pay: String = "cash"
        @Option(help: "The payment channel's transaction reference (required for non-cash payments).") var reference: String?
        @Flag(help: "Show the full card number on the receipt.") var reveal = false

        func execute(_ counter: Counter) async throws {
            guard let payment = Components.Schemas.PaymentMethod(rawValue: pay) else {
                throw CounterFailure(code: "invalid_payment_method", message: counter.t("--pay is cash, unionpay, wechat_pay or alipay", "--pay 应为 cash、unionpay、wechat_pay 或 alipay"))
            }
            if holder != nil, holderDocType != nil {
                throw ValidationError(counter.t("Give --holder or --holder-doc-type, not both", "--holder 与 --holder-doc-type 只能选一个"))
            }
            var document: Components.Schemas.DocumentInput?
            if let holderDocType {
                document = .init(
                    documentType: try counter.documentType(holderDocType),
                    documentNumber: try counter.documentNumber(holderDocNumber))
            }
            let client = try counter.client()
            let issued = try await counter.money(key: money.key) { [document] key in
                try await client.issueCard(
                    cardNumber: cardNumber, holderID: holder, holderDocument: document, payment: payment, reference: reference,
                    idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(issued) }
            Output.line(counter.t("Card issued.", "发卡成功。") + (issued.replayed ? counter.t(" (repeated request)", "（重复请求）") : ""))
            counter.printCard(issued.card, reveal: reveal)
            counter.fields([
                (counter.t("Paid", "实收"), "\(counter.money(issued.paidFen)) (\(PaymentMethod(rawValue: issued.paymentMethod.rawValue)?.localizedName(counter.language) ?? issued.paymentMethod.rawValue))"),
                (counter.t("Reference", "交易参考号"), issued.paymentReference ?? "-"),
                (counter.t("Shift", "班次"), "#\(issued.shiftId)"),
            ])
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "A card by number.", discussion: "JSON: the API's Card (full number).")
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

// MARK: Reports

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Reports.", subcommands: [Issuance.self])

    struct Issuance: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cards issued by day or month, hall, product, card type and transport mode (supervisor, admin, auditor).",
            discussion: """
                The ministry's monthly progress report asks for these figures (发卡数量, 卡片覆盖交通方式).
                A card covering several modes counts once in each mode row; the total counts it once.
                --csv writes UTF-8 with a byte-order mark for Excel. JSON: the API's IssuanceReport.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
        @Option(help: "day, month or all.") var period: String = "month"
        @Option(help: "Comma-separated: hall, product, cardType, mode.") var by: String = "hall,product"
        @Option(help: "Only this hall.") var hall: String?
        @Flag(help: "Write CSV instead of a table.") var csv = false
        @Option(help: "Write the CSV to this file instead of standard output.") var output: String?

        func execute(_ counter: Counter) async throws {
            guard let periodValue = Operations.GetIssuanceReport.Input.Query.PeriodPayload(rawValue: period) else {
                throw ValidationError(counter.t("--period is day, month or all", "--period 应为 day、month 或 all"))
            }
            let report = try await counter.client().issuanceReport(from: from, to: to, period: periodValue, groupBy: by, hall: hall)
            if counter.json { return Output.printJSON(report) }
            let dims = Set(report.groupBy)
            var headers = [counter.t("Period", "期间")]
            if dims.contains("hall") { headers += [counter.t("Hall", "网点"), counter.t("Hall name", "网点名称")] }
            if dims.contains("product") { headers += [counter.t("Product", "卡产品"), counter.t("Product name", "产品名称")] }
            if dims.contains("cardType") { headers.append(counter.t("Card type", "卡类型")) }
            if dims.contains("mode") { headers.append(counter.t("Transport mode", "交通方式")) }
            headers.append(counter.t("Cards issued", "发卡数量"))
            let rows = report.rows.map { row -> [String] in
                var cells = [row.period]
                if dims.contains("hall") { cells += [row.hall ?? "", row.hallName ?? ""] }
                if dims.contains("product") { cells += [row.product ?? "", row.productName ?? ""] }
                if dims.contains("cardType") { cells.append(row.cardType.map(counter.cardType) ?? "") }
                if dims.contains("mode") { cells.append(row.mode.map { counter.modes([$0]) } ?? "") }
                cells.append(String(row.cards))
                return cells
            }
            if csv || output != nil {
                let data = CSV.render(headers: headers, rows: rows)
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: data) else {
                        throw CounterFailure(code: "file_not_written", message: counter.t("Cannot write \(output)", "无法写入 \(output)"))
                    }
                    if Output.stderrIsTerminal { Output.error(counter.t("Wrote \(rows.count) rows to \(output)", "已写入 \(rows.count) 行至 \(output)")) }
                } else {
                    Output.write(data)
                }
                return
            }
            Output.line(counter.t(
                "Cards issued \(report.from) – \(report.to) (\(report.timeZone))", "发卡数量 \(report.from) 至 \(report.to)（\(report.timeZone)）"))
            Output.line(Table(headers: headers, rows: rows).render())
            Output.line()
            counter.fields([
                (counter.t("Total cards issued", "发卡总数"), String(report.totalCards)),
                (counter.t("Transport modes covered", "卡片覆盖交通方式"), counter.modes(report.modesCovered)),
            ])
        }
    }
}
