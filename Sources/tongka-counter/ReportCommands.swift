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
        commandName: "report", abstract: "Reports.", subcommands: [Issuance.self, Topups.self, Revenue.self, ClearingSummary.self, Validators.self, Progress.self])

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

// MARK: The ministry's monthly progress report

extension ReportCommand {
    struct Progress: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "The ministry's monthly progress report (交通一卡通互联互通工作计划进度表) (supervisor, admin, auditor).",
            discussion: """
                The notice's table (省份, 城市, 序号, 工作内容, the month's status) in its variant for cities
                interconnected already or new ones. Live data fills cards issued, modes covered,
                validators with a PSAM, records and blacklist propagation; `progress set` the rest.
                --csv (UTF-8 with a byte-order mark), --markdown or --html (one A4 landscape sheet) with
                --output FILE. JSON: the ProgressReport.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The month, YYYY-MM.") var month: String
        @Option(help: "interconnected (default) or new.") var variant: String = "interconnected"
        @Flag(help: "Write CSV.") var csv = false
        @Flag(help: "Write Markdown.") var markdown = false
        @Flag(help: "Write a printable HTML page.") var html = false
        @Option(help: "The file to write.") var output: String?

        func execute(_ counter: Counter) async throws {
            guard let kind = Components.Schemas.ProgressVariant(rawValue: variant) else {
                throw ValidationError(counter.t("--variant is interconnected or new", "--variant 应为 interconnected 或 new"))
            }
            let report = try await counter.client().progressReport(month: month, variant: kind)
            if counter.json { return Output.printJSON(report) }
            if csv {
                return try counter.writeCSV(
                    headers: ProgressReportLayout.headers(report), rows: ProgressReportLayout.rows(report), output: output)
            }
            if markdown || html {
                let text = html ? ProgressReportLayout.html(report) : ProgressReportLayout.markdown(report)
                guard let output else { return Output.write(Data(text.utf8)) }
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    throw CounterFailure(code: "file_not_written", message: counter.t("Cannot write \(output)", "无法写入 \(output)"))
                }
                if Output.stderrIsTerminal { Output.error(counter.t("Wrote \(output)", "已写入 \(output)")) }
                return
            }
            Output.line("交通一卡通互联互通工作计划进度表（\(report.month)）— \(report.title)")
            Output.line(Table(headers: ProgressReportLayout.headers(report), rows: ProgressReportLayout.rows(report)).render())
        }
    }
}

struct ProgressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress", abstract: "The progress report's own entries: set a row's status and note (admin).",
        subcommands: [Set.self])

    struct Set: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Set one row's status and note for a month (admin); rows `problems` and `plan` hold the month's problems and next month's plan."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The row: its number (1, 3.1, ...), problems or plan.") var row: String
        @Option(help: "The month, YYYY-MM.") var month: String
        @Option(help: "interconnected (default) or new.") var variant: String = "interconnected"
        @Option(help: "not_started, in_progress, done or not_applicable.") var status: String = "in_progress"
        @Option(help: "The note.") var note: String?

        func execute(_ counter: Counter) async throws {
            guard let kind = Components.Schemas.ProgressVariant(rawValue: variant) else {
                throw ValidationError(counter.t("--variant is interconnected or new", "--variant 应为 interconnected 或 new"))
            }
            guard let state = Operations.SetProgressRow.Input.Body.JsonPayload.StatusPayload(rawValue: status) else {
                throw ValidationError(
                    counter.t(
                        "--status is not_started, in_progress, done or not_applicable",
                        "--status 应为 not_started、in_progress、done 或 not_applicable"))
            }
            try await counter.client().setProgressRow(month: month, variant: kind, row: row, status: state, note: note)
            if counter.json { return Output.printJSON(["month": month, "row": row, "status": status]) }
            Output.line(counter.t("Row \(row) of \(month) set.", "已设置 \(month) 第 \(row) 项。"))
        }
    }
}
