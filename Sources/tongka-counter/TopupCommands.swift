import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// Which counter workstation this is: its terminal label within the hall (`--terminal`,
/// `TONGKA_TERMINAL`, default the host name). The server gives each label its terminal number.
struct TerminalOptions: ParsableArguments {
    @Option(help: "This workstation's terminal label (or TONGKA_TERMINAL; default: the host name).")
    var terminal: String?

    var label: String {
        let environment = ProcessInfo.processInfo.environment
        if let terminal, !terminal.isEmpty { return terminal }
        if let named = environment["TONGKA_TERMINAL"], !named.isEmpty { return named }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "counter"
        let cleaned = String(host.unicodeScalars.filter { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") })
        return cleaned.isEmpty ? "counter" : String(cleaned.prefix(32))
    }
}

/// The host as the counter reaches it: the server's load endpoints behind the `LoadHost` protocol
/// that `PurseTerminal.load` drives. Remembers the load the server authorised.
actor RemoteLoadHost: LoadHost {
    let client: TongkaClient
    /// The payment at the counter, or nil when the load carries `orderID`.
    let payment: Components.Schemas.PaymentMethod?
    let reference: String?
    let orderID: Int64?
    let idempotencyKey: String
    private(set) var authorised: Components.Schemas.Load?
    private(set) var confirmed: Components.Schemas.Load?

    init(
        client: TongkaClient, payment: Components.Schemas.PaymentMethod?, reference: String?, orderID: Int64? = nil,
        idempotencyKey: String
    ) {
        self.client = client
        self.payment = payment
        self.orderID = orderID
        self.reference = reference
        self.idempotencyKey = idempotencyKey
    }

    func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) async throws -> LoadAuthorization {
        let load = try await client.authorizeLoad(
            .init(
                cardNumber: card.cardNumber, issuerId: Hex.encode(card.issuerID), amountFen: Int64(amount),
                paymentMethod: payment, paymentReference: reference, orderId: orderID,
                terminalNumber: terminal.description, initializeAnswer: Hex.encode(response.bytes)),
            idempotencyKey: idempotencyKey)
        authorised = load
        // A repeated key answers the first load; if that was for an earlier card session its MAC2
        // is useless now, and the top-up is decided from the card instead (see Topup.execute).
        guard load.onlineSerial == Int(response.onlineSerial), load.oldBalanceFen == Int64(response.oldBalance) else {
            throw EarlierLoad(load: load)
        }
        return LoadAuthorization(
            card: card, amount: amount, terminal: terminal,
            dateTime: try TransactionDateTime(yyyymmdd: String(load.cardTime.prefix(8)), hhmmss: String(load.cardTime.suffix(6))),
            oldBalance: response.oldBalance, newBalance: UInt32(load.newBalanceFen), onlineSerial: response.onlineSerial,
            keyVersion: response.keyVersion, algorithmID: response.algorithmID, mac2: try Hex.decode(load.mac2, field: "MAC2"))
    }

    func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws {
        guard let authorised else { throw CounterFailure(code: "internal_error", message: "no authorised load") }
        confirmed = try await client.confirmLoad(id: authorised.loadId, tac: Hex.encode(tac))
    }
}

/// The idempotency key named a top-up authorised for an earlier card session.
struct EarlierLoad: Error {
    let load: Components.Schemas.Load
}

extension Counter {
    /// A load that stopped after the server answered MAC2, for `topup` and `order load`. A lost
    /// card answer marks it grey and throws `grey_load` (the money may be on the card: `load
    /// resolve` reads it later); a card that refused MAC2, or credited with a TAC the server
    /// refused, is decided from the card at once: the confirmed load comes back, a reversed one
    /// throws `load_reversed`. Any other stop is thrown as it is.
    func settleStoppedLoad(
        _ stopped: PurseTerminalError, host: RemoteLoadHost, reader: any CardReader, client: TongkaClient, key: String,
        order: Int64? = nil
    ) async throws -> Components.Schemas.Load {
        switch stopped {
        case .greyLoad:
            guard let authorised = await host.authorised else { throw stopped }
            _ = try? await client.markLoadGrey(id: authorised.loadId)
            let which =
                order.map { t("top-up #\(authorised.loadId) of order #\($0)", "订单 #\($0) 的充值 #\(authorised.loadId)") }
                ?? t("top-up #\(authorised.loadId)", "充值 #\(authorised.loadId)")
            throw CounterFailure(
                code: "grey_load",
                message: t(
                    "The card's answer was lost: \(which) is grey. Keep the card here and run `tongka-counter load resolve \(authorised.loadId)`.",
                    "卡片应答丢失：\(which) 为灰记录。请留下卡片并运行 `tongka-counter load resolve \(authorised.loadId)`。"))
        case .loadNotCredited, .loadTACRejected:
            guard let authorised = await host.authorised else { throw stopped }
            let load = try await resolveFromCard(
                loadID: authorised.loadId, terminal: authorised.terminalNumber, reader: reader, client: client,
                key: "resolve-\(key)")
            if load.state == .reversed {
                throw CounterFailure(
                    code: "load_reversed",
                    message: order == nil
                        ? t(
                            "The card did not take top-up #\(load.loadId); it was reversed and the payment returned.",
                            "卡片未接受充值 #\(load.loadId)，已冲正并退回款项。")
                        : t(
                            "The card did not take top-up #\(load.loadId); it was reversed and its order waits for the next load.",
                            "卡片未接受充值 #\(load.loadId)，已冲正，订单等待下次圈存。"))
            }
            return load
        default:
            throw stopped
        }
    }
}

extension Counter {
    /// Opens the configured card reader (`CardReaders`) and powers the card up.
    func openReader(_ options: ReaderOptions) async throws -> any CardReader {
        guard let spec = options.spec else { throw readerRequired }
        let reader: any CardReader
        do {
            reader = try CardReaders.open(spec: spec)
        } catch {
            throw failure(error)
        }
        do {
            _ = try await reader.connect()
        } catch {
            throw failure(.unreadable(path: spec, reason: String(describing: error)))
        }
        return reader
    }

    /// Decides an open load from the card in the reader: an INITIALIZE FOR LOAD of amount 0 whose
    /// MAC1 the server checks shows the card's online serial.
    func resolveFromCard(
        loadID: Int64, terminal: String, reader: any CardReader, client: TongkaClient, key: String
    ) async throws -> Components.Schemas.Load {
        let purse = PurseTerminal(reader: reader)
        let (info, answer) = try await purse.loadAnswer(amount: 0, terminal: try TerminalNumber(hex: terminal))
        return try await client.resolveLoad(
            id: loadID,
            evidence: .init(
                issuerId: Hex.encode(info.card.issuerID), terminalNumber: terminal, initializeAnswer: Hex.encode(answer.bytes)),
            idempotencyKey: key)
    }

    func loadState(_ state: Components.Schemas.LoadState) -> String {
        switch state {
        case .mac2Issued: t("MAC2 issued, not confirmed", "已下发MAC2，待确认")
        case .confirmed: t("confirmed", "已确认")
        case .grey: t("grey (unknown on the card)", "灰记录（卡上结果未知）")
        case .reversed: t("reversed", "已冲正")
        case .voided: t("voided", "已撤销")
        }
    }

    func printLoad(_ load: Components.Schemas.Load, reveal: Bool) {
        let method =
            load.paymentMethod.map { PaymentMethod(rawValue: $0.rawValue)?.localizedName(language) ?? $0.rawValue }
            ?? t("balance of the lost card", "挂失卡余额转入")
        var pairs: [(String, String)] = [
            (t("Top-up", "充值"), "#\(load.loadId)"),
            (t("Card", "卡号"), cardNumber(load.cardNumber, reveal: reveal)),
            (t("Amount", "金额"), money(load.amountFen)),
            (t("Balance before", "充值前余额"), money(load.oldBalanceFen)),
            (t("Balance after", "充值后余额"), money(load.newBalanceFen)),
            (t("State", "状态"), loadState(load.state)),
            (
                t("Paid", "支付方式"),
                method + (load.paymentReference.map { " \($0)" } ?? "")
                    + (load.orderId.map { t(" (online order #\($0))", "（在线订单 #\($0)）") } ?? "")
            ),
            (t("Terminal", "终端"), "\(load.terminalNumber) #\(load.terminalSerial)"),
            (t("Time", "时间"), time(load.authorisedAt)),
            (t("Hall / clerk", "网点 / 柜员"), "\(load.hall) / \(load.clerk)"),
            (t("Shift", "班次"), "#\(load.shiftId)"),
        ]
        if let resolution = load.resolution { pairs.append((t("Decided by", "判定依据"), resolution)) }
        fields(pairs)
    }

    /// The top-up receipt for a 58 mm counter printer: 32 columns, CJK characters count as two.
    func receipt(_ load: Components.Schemas.Load) -> String {
        Receipt(width: 32).render(
            title: t("TOP-UP RECEIPT", "充值凭条"),
            lines: [
                (t("Card", "卡号"), CardNumber.mask(load.cardNumber)),
                (t("Amount", "充值金额"), money(load.amountFen)),
                (t("Before", "充值前"), money(load.oldBalanceFen)),
                (t("After", "充值后"), money(load.newBalanceFen)),
                (t("Time", "时间"), time(load.confirmedAt ?? load.authorisedAt)),
                (t("Hall", "网点"), load.hall),
                (t("Clerk", "柜员"), load.clerk),
                (t("Top-up no.", "流水号"), "\(load.loadId)"),
                (t("Terminal", "终端"), "\(load.terminalNumber)/\(load.terminalSerial)"),
            ],
            footer: t("Keep this receipt", "请妥善保管本凭条"))
    }
}

/// Lays out a receipt for a narrow printer: a centred title, label-value lines with the value
/// right-aligned (wrapped onto its own line when both do not fit), rules of '-'.
struct Receipt {
    let width: Int

    func render(title: String, lines: [(String, String)], footer: String) -> String {
        var out = [centred(title), String(repeating: "-", count: width)]
        for (label, value) in lines {
            let gap = width - Table.width(label) - Table.width(value)
            if gap >= 1 {
                out.append(label + String(repeating: " ", count: gap) + value)
            } else {
                out.append(label)
                out.append(String(repeating: " ", count: max(0, width - Table.width(value))) + value)
            }
        }
        out.append(String(repeating: "-", count: width))
        out.append(centred(footer))
        return out.joined(separator: "\n")
    }

    private func centred(_ text: String) -> String {
        String(repeating: " ", count: max(0, (width - Table.width(text)) / 2)) + text
    }
}

// MARK: Commands

struct Topup: CounterCommand {
    static let configuration = CommandConfiguration(
        commandName: "topup",
        abstract: "Top up the card in the reader (圈存): the card signs, the server pays and answers MAC2, the card confirms.",
        discussion: """
            The card is read, INITIALIZE FOR LOAD runs on it, the server checks MAC1 and the limits, takes the
            payment and answers MAC2, CREDIT FOR LOAD runs on the card and its TAC goes back to the server. When
            the card's answer is lost the top-up is grey and blocks the card until `load resolve` reads it again.
            Repeating with --idempotency-key answers the first top-up; it is never loaded twice.
            JSON: the API's Load.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var money: MoneyOptions
    @OptionGroup var station: TerminalOptions
    @OptionGroup var card: ReaderOptions
    @Argument(help: "Amount in yuan (e.g. 50).") var amount: String
    @Option(help: "cash, unionpay, wechat_pay or alipay.") var pay: String = "cash"
    @Option(help: "The payment channel's transaction reference (required for non-cash payments).") var reference: String?
    @Flag(help: "Print a receipt for the 58 mm counter printer.") var receipt = false
    @Flag(help: "Show the full card number.") var reveal = false

    func execute(_ counter: Counter) async throws {
        guard let payment = Components.Schemas.PaymentMethod(rawValue: pay) else {
            throw CounterFailure(
                code: "invalid_payment_method",
                message: counter.t("--pay is cash, unionpay, wechat_pay or alipay", "--pay 应为 cash、unionpay、wechat_pay 或 alipay"))
        }
        let fen = try counter.amount(amount, field: "AMOUNT")
        guard fen > 0, let amountFen = UInt32(exactly: fen) else {
            throw CounterFailure(code: "amount_out_of_range", message: TongkaError(.amountOutOfRange).message(counter.language))
        }
        let client = try counter.client()
        let terminal = try await client.loadTerminal(label: station.label)
        let reader = try await counter.openReader(card)
        defer { Task { await reader.disconnect() } }
        let key = money.key
        let host = RemoteLoadHost(client: client, payment: payment, reference: reference, idempotencyKey: key)
        let purse = PurseTerminal(reader: reader)
        var load: Components.Schemas.Load
        do {
            let now = Date()
            _ = try await counter.money(key: key) { _ in
                try await purse.load(
                    amount: amountFen, terminal: try TerminalNumber(hex: terminal.terminalNumber),
                    dateTime: try counter.cardDateTime(now), host: host)
            }
            guard let confirmed = await host.confirmed else {
                throw CounterFailure(code: "internal_error", message: "the load finished without a confirmation")
            }
            load = confirmed
        } catch let earlier as EarlierLoad {
            // The key names a top-up authorised for an earlier card session: decide that one from the card.
            Output.error(
                counter.t(
                    "This key's top-up #\(earlier.load.loadId) was authorised before; checking the card.",
                    "该幂等键对应的充值 #\(earlier.load.loadId) 已授权过，正在从卡片核实。"))
            let current = try await client.load(id: earlier.load.loadId)
            if current.state == .mac2Issued || current.state == .grey {
                load = try await counter.resolveFromCard(
                    loadID: current.loadId, terminal: current.terminalNumber, reader: reader, client: client,
                    key: "resolve-\(key)")
            } else {
                load = current
            }
            if load.state == .reversed {
                throw CounterFailure(
                    code: "load_reversed",
                    message: counter.t(
                        "Top-up #\(load.loadId) never reached the card and was reversed; the payment was returned. Start a new top-up.",
                        "充值 #\(load.loadId) 未写入卡片，已冲正并退回款项。请重新充值。"))
            }
        } catch let stopped as PurseTerminalError {
            load = try await counter.settleStoppedLoad(stopped, host: host, reader: reader, client: client, key: key)
        }
        if counter.json { return Output.printJSON(load) }
        Output.line(counter.t("Top-up done.", "充值成功。"))
        counter.printLoad(load, reveal: reveal)
        if receipt {
            Output.line()
            Output.line(counter.receipt(load))
        }
    }
}

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Top-ups (purse loads): undecided ones, one by number, deciding a grey one from the card.",
        subcommands: [List.self, Show.self, Resolve.self, VoidLoad.self])

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undecided top-ups of your hall (MAC2 issued, no TAC), or every top-up of one card.",
            discussion: "JSON: the API's LoadList.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Every top-up of this card instead.") var card: String?
        @Flag(help: "Show full card numbers.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let loads = try await counter.client().loads(cardNumber: card)
            if counter.json { return Output.printJSON(Components.Schemas.LoadList(loads: loads)) }
            if loads.isEmpty {
                return Output.line(
                    card == nil ? counter.t("No undecided top-ups.", "没有未完成的充值。") : counter.t("No top-ups.", "没有充值记录。"))
            }
            let rows = loads.map { load in
                [
                    "#\(load.loadId)", counter.cardNumber(load.cardNumber, reveal: reveal), counter.money(load.amountFen),
                    counter.loadState(load.state), counter.time(load.authorisedAt), load.hall, load.clerk,
                ]
            }
            Output.line(
                Table(
                    headers: [
                        counter.t("no.", "编号"), counter.t("card", "卡号"), counter.t("amount", "金额"), counter.t("state", "状态"),
                        counter.t("time", "时间"), counter.t("hall", "网点"), counter.t("clerk", "柜员"),
                    ], rows: rows
                ).render())
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "One top-up.", discussion: "JSON: the API's Load.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The top-up number.") var loadID: Int64
        @Flag(help: "Print its receipt.") var receipt = false
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let load = try await counter.client().load(id: loadID)
            if counter.json { return Output.printJSON(load) }
            counter.printLoad(load, reveal: reveal)
            if receipt {
                Output.line()
                Output.line(counter.receipt(load))
            }
        }
    }

    struct Resolve: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide an undecided top-up by reading the card again.",
            discussion: """
                The card's online serial decides, never a guess: moved on by one, the top-up is on the card
                (confirmed); unchanged, it is not, and it is reversed with the money returned to the payment
                (cash from your open shift). JSON: the API's Load.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var card: ReaderOptions
        @Argument(help: "The top-up number.") var loadID: Int64
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let load = try await client.load(id: loadID)
            let reader = try await counter.openReader(card)
            defer { Task { await reader.disconnect() } }
            let decided = try await counter.money(key: money.key) { key in
                try await counter.resolveFromCard(
                    loadID: loadID, terminal: load.terminalNumber, reader: reader, client: client, key: key)
            }
            if counter.json { return Output.printJSON(decided) }
            Output.line(
                decided.state == .confirmed
                    ? counter.t("The card holds the top-up: confirmed.", "卡上已有该笔充值：已确认。")
                    : counter.t("The card does not hold the top-up: reversed, payment returned.", "卡上没有该笔充值：已冲正，款项已退回。"))
            counter.printLoad(decided, reveal: reveal)
        }
    }
}

extension Counter {
    /// The counter's clock as card date-time (only the host's date-time goes into MAC2).
    func cardDateTime(_ instant: Date) throws -> TransactionDateTime {
        try TransactionDateTime(instant, in: timeZone)
    }
}
