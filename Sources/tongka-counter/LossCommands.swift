import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// The holder's identity document, asked for by loss reports, reclaims and replacements.
struct DocumentOptions: ParsableArguments {
    @Option(help: "The holder's document type: resident_id, passport, hk_macao_permit or taiwan_permit.")
    var docType: String = "resident_id"
    @Option(help: "The document number (asked for at a prompt when left out, so it stays out of shell history).")
    var docNumber: String?
}

/// `loss`: loss reports (挂失) at the counter and the hotline, their statements, and reclaims.
struct LossCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss", abstract: "Loss reports (挂失): report, show the liability statement, reclaim a found card.",
        subcommands: [Report.self, Show.self, Reclaim.self])

    struct Report: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report a registered card lost (clerk, supervisor, hotline): suspended and listed at once.",
            discussion: """
                The card number is typed (the card is lost) and the holder's document checked: at the counter
                the clerk sees it, the hotline asks for it. An anonymous card cannot be reported (不记名卡不能挂失).
                A card reported already shows its first report. JSON: the API's LossReport.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var document: DocumentOptions
        @Argument(help: "The lost card's number.") var card: String

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().reportLoss(
                cardNumber: card, documentType: try counter.documentType(document.docType),
                documentNumber: try counter.documentNumber(document.docNumber))
            if counter.json { return Output.printJSON(report) }
            if report.existing == true {
                Output.line(counter.t("This card was reported already:", "该卡已挂失："))
            } else {
                Output.line(
                    counter.t("Card \(report.cardNumber) is suspended and listed.", "卡 \(report.cardNumber) 已挂失，暂停使用并列入黑名单。"))
            }
            counter.printLossReport(report)
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "A card's newest loss report: balance at report time, taps after it, and how far the block has spread.",
            discussion: "JSON: the API's LossReportDetail.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The card number.") var card: String

        func execute(_ counter: Counter) async throws {
            let detail = try await counter.client().cardLossReport(cardNumber: card)
            if counter.json { return Output.printJSON(detail) }
            counter.printLossDetail(detail)
        }
    }

    struct Reclaim: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "The holder found the card (解挂): with the card in the reader and the holder's document.",
            discussion: """
                Within the reclaim window and only while the card is not replaced. The blacklist removal is
                published, the card is active again, and a validator's temporary block on the card is lifted
                (APPLICATION UNBLOCK). JSON: the API's CardReclaim.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var document: DocumentOptions
        @OptionGroup var reading: ReaderOptions

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let type = try counter.documentType(document.docType)
            let number = try counter.documentNumber(document.docNumber)
            let reader = try await counter.openReader(reading)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let info = try await purse.readCard()
            let challenge = try await purse.challenge()
            let reclaim = try await client.reclaimCard(
                cardNumber: info.card.cardNumber, documentType: type, documentNumber: number, challenge: Hex.encode(challenge))
            try await purse.send(maintenanceCommand: try Hex.decode(reclaim.unblockCommand, field: "unblock command"))
            if counter.json { return Output.printJSON(reclaim) }
            Output.line(
                counter.t(
                    "Card \(reclaim.report.cardNumber) is reclaimed: active again, removed from the blacklist.",
                    "卡 \(reclaim.report.cardNumber) 已解挂：恢复使用，已移出黑名单。"))
        }
    }
}

extension CardCommand {
    /// `card replace OLD`: the new card in the reader replaces a reported card (补卡) in one visit.
    struct Replace: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a reported card (补卡) with the card in the reader, from your hall's stock, and load its balance.",
            discussion: """
                With the holder's document. The new card gets the same holder and the old card's deposit; the
                product's replacement fee is taken in cash into your drawer. The balance at report time less
                the holdback is loaded onto the new card at once (INITIALIZE FOR LOAD, MAC2, CREDIT FOR LOAD,
                TAC, like any top-up); the rest follows after the settlement period as an order, loaded the
                next time the card is read (order load). JSON: the API's LossReport.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var station: TerminalOptions
        @OptionGroup var document: DocumentOptions
        @OptionGroup var reading: ReaderOptions
        @Argument(help: "The lost card's number.") var card: String

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let type = try counter.documentType(document.docType)
            let documentNumber = try counter.documentNumber(document.docNumber)
            let terminal = try await client.loadTerminal(label: station.label)
            let reader = try await counter.openReader(reading)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let newNumber = try await purse.readCard().card.cardNumber
            let base = money.key
            let report = try await counter.money(key: base) { key in
                try await client.replaceCard(
                    cardNumber: card, newCardNumber: newNumber, documentType: type, documentNumber: documentNumber,
                    idempotencyKey: key)
            }
            let loads = try await counter.loadPendingOrders(
                number: newNumber, client: client, terminal: terminal, purse: purse, reader: reader, baseKey: base)
            if counter.json { return Output.printJSON(report) }
            guard let replacement = report.replacement else { return }
            Output.line(
                counter.t(
                    "Card \(replacement.oldCardNumber) is replaced by \(CardNumber.mask(newNumber)).",
                    "卡 \(replacement.oldCardNumber) 已补卡，新卡 \(CardNumber.mask(newNumber))。"))
            counter.fields([
                (counter.t("Replacement fee (cash)", "补卡工本费（现金）"), counter.money(replacement.feeFen)),
                (counter.t("Deposit carried over", "押金转入新卡"), counter.money(replacement.depositFen)),
                (counter.t("Balance at report", "挂失时余额"), counter.money(replacement.balanceAtReportFen)),
                (counter.t("Held back", "暂扣"), counter.money(replacement.holdbackFen)),
                (
                    counter.t("Loaded now", "已转入新卡"),
                    counter.money(loads.filter { $0.state == .confirmed }.reduce(0) { $0 + $1.amountFen })
                ),
                (counter.t("The rest settles after", "余款结算时间"), counter.time(replacement.settleAfter)),
            ])
        }
    }

    /// `card block`: a replaced, returned or long-lost card presented at the counter is blocked for good.
    struct Block: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Block the card in the reader for good (APPLICATION BLOCK permanent): replaced, returned or past its reclaim window.",
            discussion: "A card in use, or still reclaimable, is refused (card_not_blockable). JSON: the API's CardBlock.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var reading: ReaderOptions

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let reader = try await counter.openReader(reading)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let info = try await purse.readCard()
            let challenge = try await purse.challenge()
            let block = try await client.blockCard(cardNumber: info.card.cardNumber, challenge: Hex.encode(challenge))
            try await purse.send(maintenanceCommand: try Hex.decode(block.blockCommand, field: "block command"))
            if counter.json { return Output.printJSON(block) }
            Output.line(counter.t("Card \(block.cardNumber) is blocked permanently.", "卡 \(block.cardNumber) 已永久锁定。"))
        }
    }
}

extension Counter {
    func lossState(_ state: Components.Schemas.LossReportState) -> String {
        switch state {
        case .open: t("open (suspended)", "已挂失（暂停使用）")
        case .reclaimed: t("reclaimed", "已解挂")
        case .replaced: t("replaced", "已补卡")
        }
    }

    func printLossReport(_ report: Components.Schemas.LossReport) {
        fields([
            (t("Reference", "挂失编号"), report.reference),
            (t("Card", "卡号"), report.cardNumber),
            (t("State", "状态"), lossState(report.state)),
            (t("Reported", "挂失时间"), time(report.reportedAt)),
            (
                t("Channel", "渠道"),
                LossChannel(rawValue: report.channel.rawValue)?.localizedName(language) ?? report.channel.rawValue
            ),
            (t("Balance at report", "挂失时余额"), money(report.balanceAtReportFen)),
            (t("Blacklist version", "黑名单版本"), "v\(report.listedVersion)"),
            (t("Reclaim until", "可解挂至"), time(report.reclaimDeadline)),
        ])
    }

    func printLossDetail(_ detail: Components.Schemas.LossReportDetail) {
        printLossReport(detail.report)
        if let replacement = detail.report.replacement {
            fields([
                (t("Replaced by", "新卡"), CardNumber.mask(replacement.newCardNumber)),
                (t("Provisional balance", "预转余额"), money(replacement.provisionalFen)),
                (
                    t("Settlement", "余款结算"),
                    replacement.settledAt.map { time($0) + " " + money(replacement.remainderFen ?? 0) }
                        ?? t("after \(time(replacement.settleAfter))", "\(time(replacement.settleAfter)) 后")
                ),
            ])
        }
        Output.line(detail.propagation.sentence)
        Output.line(
            t(
                "Taps after the report: \(detail.tapsAfterCount), \(money(detail.spentAfterFen)).",
                "挂失后的乘车记录：\(detail.tapsAfterCount) 笔，共 \(money(detail.spentAfterFen))。"))
        if !detail.tapsAfter.isEmpty {
            Output.line(
                Table(
                    headers: [t("Time", "时间"), t("Fare", "金额"), t("Mode", "方式"), t("Line", "线路"), t("Station", "站点")],
                    rows: detail.tapsAfter.map { tap in
                        [
                            time(tap.tappedAt), money(tap.amountFen),
                            TransportMode(rawValue: tap.mode.rawValue)?.localizedName(language) ?? tap.mode.rawValue, tap.line,
                            tap.station,
                        ]
                    }
                ).render())
        }
    }
}
