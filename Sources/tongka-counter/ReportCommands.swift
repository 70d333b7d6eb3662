import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

// MARK: Reports

/// The options every report shares: the day range, one hall, and CSV output.
struct ReportOptions: ParsableArguments {
    @Option(help: "First day, YYYY-MM-DD.") var from: String
    @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
    @Option(help: "Only this hall.") var hall: String?
    @Flag(help: "Write CSV instead of a table.") var csv = false
    @Option(help: "Write the CSV to this file instead of standard output.") var output: String?

    /// CSV was asked for, on standard output or in a file.
    var wantsCSV: Bool { csv || output != nil }
}

extension Counter {
    /// A report's `--period`, checked here so a typo is a usage error, not a server round trip.
    func reportPeriod<Period: RawRepresentable<String>>(_ text: String, as type: Period.Type) throws -> Period {
        guard let period = Period(rawValue: text) else {
            throw ValidationError(t("--period is day, month or all", "--period 应为 day、month 或 all"))
        }
        return period
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports.", subcommands: [Issuance.self, Topups.self, Validators.self])

    struct Issuance: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cards issued by day or month, hall, product, card type and transport mode (supervisor, admin, auditor).",
            discussion: """
                The ministry's monthly progress report asks for these figures (发卡数量, 卡片覆盖交通方式).
                A card covering several modes counts once in each mode row; the total counts it once.
                --csv writes UTF-8 with a byte-order mark for Excel. JSON: the API's IssuanceReport.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions
        @Option(help: "day, month or all.") var period: String = "month"
        @Option(help: "Comma-separated: hall, product, cardType, mode.") var by: String = "hall,product"

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().issuanceReport(
                from: options.from, to: options.to,
                period: try counter.reportPeriod(period, as: Operations.GetIssuanceReport.Input.Query.PeriodPayload.self),
                groupBy: by, hall: options.hall)
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
            if options.wantsCSV { return try counter.writeCSV(headers: headers, rows: rows, output: options.output) }
            Output.line(
                counter.t(
                    "Cards issued \(report.from) – \(report.to) (\(report.timeZone))",
                    "发卡数量 \(report.from) 至 \(report.to)（\(report.timeZone)）"))
            Output.line(Table(headers: headers, rows: rows).render())
            Output.line()
            counter.fields([
                (counter.t("Total cards issued", "发卡总数"), String(report.totalCards)),
                (counter.t("Transport modes covered", "卡片覆盖交通方式"), counter.modes(report.modesCovered)),
            ])
        }
    }
}

extension ReportCommand {
    struct Topups: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Top-ups by day or month, hall, payment channel and product (supervisor, admin, auditor).",
            discussion: """
                Loads counted and summed by outcome: confirmed, reversed (the card did not take it),
                voided, and still open. --by takes any of hall, channel, product (empty for none).
                --csv writes UTF-8 with a byte-order mark for Excel. JSON: the API's TopupReport.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ReportOptions
        @Option(help: "day, month or all.") var period: String = "day"
        @Option(help: "Comma-separated: hall, channel, product.") var by: String = "hall,channel"

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().topupReport(
                from: options.from, to: options.to,
                period: try counter.reportPeriod(period, as: Operations.GetTopupReport.Input.Query.PeriodPayload.self),
                groupBy: by, hall: options.hall)
            if counter.json { return Output.printJSON(report) }
            let dims = Set(report.groupBy)
            let table = options.wantsCSV
            var headers = [counter.t("Period", "期间")]
            if dims.contains("hall") { headers += [counter.t("Hall", "网点"), counter.t("Hall name", "网点名称")] }
            if dims.contains("channel") { headers.append(counter.t("Channel", "支付渠道")) }
            if dims.contains("product") { headers += [counter.t("Product", "卡产品"), counter.t("Product name", "产品名称")] }
            for outcome in [
                counter.t("Confirmed", "成功"), counter.t("Reversed", "冲正"), counter.t("Voided", "撤销"),
                counter.t("Open", "未决"),
            ] {
                headers += [outcome + counter.t(" loads", "笔数"), outcome + counter.t(" amount", "金额")]
            }
            func cells(_ count: Components.Schemas.LoadCount) -> [String] {
                [String(count.loads), table ? counter.csvYuan(count.amountFen) : counter.money(count.amountFen)]
            }
            let rows = report.rows.map { row -> [String] in
                var line = [row.period]
                if dims.contains("hall") { line += [row.hall ?? "", row.hallName ?? ""] }
                if dims.contains("channel") { line.append(row.channel.map(counter.paymentName) ?? "") }
                if dims.contains("product") { line += [row.product ?? "", row.productName ?? ""] }
                return line + cells(row.confirmed) + cells(row.reversed) + cells(row.voided) + cells(row.open)
            }
            if table { return try counter.writeCSV(headers: headers, rows: rows, output: options.output) }
            Output.line(
                counter.t(
                    "Top-ups \(report.from) – \(report.to) (\(report.timeZone))",
                    "充值统计 \(report.from) 至 \(report.to)（\(report.timeZone)）"))
            Output.line(Table(headers: headers, rows: rows).render())
            Output.line()
            func total(_ count: Components.Schemas.LoadCount) -> String {
                counter.t(
                    "\(count.loads) loads, \(counter.money(count.amountFen))",
                    "\(count.loads) 笔，\(counter.money(count.amountFen))")
            }
            counter.fields([
                (counter.t("Confirmed", "成功"), total(report.confirmed)),
                (counter.t("Reversed", "冲正"), total(report.reversed)),
                (counter.t("Voided", "撤销"), total(report.voided)),
                (counter.t("Open", "未决"), total(report.open)),
            ])
        }
    }
}

extension ReportCommand {
    struct Validators: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Stale validators per group and mode: not seen, or behind, for longer than the age (supervisor, admin, auditor).",
            discussion: "JSON: the ValidatorReport.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Hours after which a validator counts as stale (default: the server's setting).") var maxAgeHours: Int?

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().validatorReport(maxAgeHours: maxAgeHours)
            if counter.json { return Output.printJSON(report) }
            Output.line(
                counter.t(
                    "List version v\(report.headVersion); stale after \(report.maxAgeHours) h.",
                    "名单版本 v\(report.headVersion)；超过 \(report.maxAgeHours) 小时视为落后。"))
            Output.line(
                Table(
                    headers: [
                        counter.t("Group", "分组"), counter.t("Mode", "方式"), counter.t("Active", "在用"),
                        counter.t("Up to date", "已更新"), counter.t("Stale", "落后"), counter.t("Max entries", "容量上限"),
                        counter.t("Dropped", "超限未下发"),
                    ],
                    rows: report.rows.map {
                        [
                            $0.group, TransportMode(rawValue: $0.mode.rawValue)?.localizedName(counter.language) ?? "",
                            "\($0.active)", "\($0.upToDate)", "\($0.stale)", $0.maxEntries.map { "\($0)" } ?? "-",
                            "\($0.droppedEntries)",
                        ]
                    }
                ).render())
            if report.rows.contains(where: { $0.droppedEntries > 0 }) {
                Output.line(
                    counter.t(
                        "WARNING: some groups cannot hold the whole list; their validators get it cut (fraud, lost, refunded, damaged, external; newest first).",
                        "警告：部分分组容量不足以容纳完整名单，其终端收到的是按规则截取的名单（欺诈、挂失、退卡、损坏、外地，新者优先）。"))
            }
            if !report.stale.isEmpty {
                Output.line()
                Output.line(counter.t("Stale validators:", "落后的终端："))
                Output.line(ValidatorCommand.table(report.stale, counter: counter))
            }
        }
    }
}
