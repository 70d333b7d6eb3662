import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

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
            let report = try await counter.client().issuanceReport(
                from: from, to: to, period: periodValue, groupBy: by, hall: hall)
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
                        throw CounterFailure(
                            code: "file_not_written", message: counter.t("Cannot write \(output)", "无法写入 \(output)"))
                    }
                    if Output.stderrIsTerminal {
                        Output.error(counter.t("Wrote \(rows.count) rows to \(output)", "已写入 \(rows.count) 行至 \(output)"))
                    }
                } else {
                    Output.write(data)
                }
                return
            }
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
