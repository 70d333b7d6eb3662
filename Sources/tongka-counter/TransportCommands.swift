import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

/// `transport`: the transport companies and the lines they run (reference data, admins enter it).
struct TransportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport", abstract: "Transport companies and their lines (运营企业, 线路).",
        subcommands: [Company.self, Line.self])

    struct Company: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "company", abstract: "Transport companies.", subcommands: [Add.self, List.self])

        struct Add: CounterCommand {
            static let configuration = CommandConfiguration(abstract: "Enter a transport company (admin).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The company's code: 2-20 of A-Z, 0-9, - and _.") var code: String
            @Option(help: "The company's name.") var name: String

            func execute(_ counter: Counter) async throws {
                let company = try await counter.client().createTransportCompany(code: code, name: name)
                if counter.json { return Output.printJSON(company) }
                Output.line(
                    counter.t("Company \(company.code) \(company.name) entered.", "运营企业 \(company.code) \(company.name) 已登记。"))
            }
        }

        struct List: CounterCommand {
            static let configuration = CommandConfiguration(abstract: "Transport companies (supervisor, admin, auditor).")
            @OptionGroup var global: GlobalOptions

            func execute(_ counter: Counter) async throws {
                let companies = try await counter.client().transportCompanies()
                if counter.json { return Output.printJSON(companies) }
                Output.line(
                    Table(
                        headers: [
                            counter.t("Code", "代码"), counter.t("Name", "名称"), counter.t("Lines", "线路数"),
                            counter.t("Owed (ledger)", "应付票款（账）"),
                        ],
                        rows: companies.map { [$0.code, $0.name, String($0.lines), counter.money($0.owedFen)] }
                    ).render())
            }
        }
    }

    struct Line: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "line", abstract: "Lines and their stations.",
            subcommands: [Add.self, List.self, Transfer.self, CancelTransfer.self])

        struct Add: CounterCommand {
            static let configuration = CommandConfiguration(
                abstract: "Enter a line a company runs, named as its validators name it (admin).",
                discussion: "Records of this mode and line count for the company in `report revenue`.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "The company's code.") var company: String
            @Option(help: "bus, metro, brt, tram, ferry, taxi, rail or bike.") var mode: String
            @Option(help: "The line, as its validators record it (e.g. 1路, 2号线).") var line: String
            @Option(help: "The stations or stops in order, comma-separated.") var stations: String?

            func execute(_ counter: Counter) async throws {
                let mode = try TransportCommand.mode(mode, counter: counter)
                let names = stations.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
                let entered = try await counter.client().createTransportLine(
                    company: company, mode: mode, line: line, stations: names)
                if counter.json { return Output.printJSON(entered) }
                Output.line(
                    counter.t(
                        "Line \(entered.line) (\(counter.modes([entered.mode]))) of \(entered.companyName) entered, \(entered.stations.count) stations.",
                        "\(entered.companyName) \(entered.line)（\(counter.modes([entered.mode]))）已登记，\(entered.stations.count) 个站点。"
                    ))
            }
        }

        struct List: CounterCommand {
            static let configuration = CommandConfiguration(abstract: "Lines, by company (supervisor, admin, auditor).")
            @OptionGroup var global: GlobalOptions
            @Option(help: "Only this company's lines.") var company: String?

            func execute(_ counter: Counter) async throws {
                let lines = try await counter.client().transportLines(company: company)
                if counter.json { return Output.printJSON(lines) }
                Output.line(
                    Table(
                        headers: [
                            counter.t("Company", "运营企业"), counter.t("Mode", "交通方式"), counter.t("Line", "线路"),
                            counter.t("Stations", "站点"), counter.t("Changes of company", "运营企业变更"),
                        ],
                        rows: lines.map {
                            [
                                $0.companyName, counter.modes([$0.mode]), $0.line,
                                $0.stations.joined(separator: counter.t(", ", "、")), Self.changes($0, counter: counter),
                            ]
                        }
                    ).render())
            }
        }
    }
}

extension TransportCommand {
    /// The `--mode` option as the API's mode, or a usage error naming the modes.
    static func mode(_ raw: String, counter: Counter) throws -> Components.Schemas.TransportMode {
        guard let mode = Components.Schemas.TransportMode(rawValue: raw) else {
            throw ValidationError(
                counter.t(
                    "--mode is bus, metro, brt, tram, ferry, taxi, rail or bike",
                    "--mode 应为 bus、metro、brt、tram、ferry、taxi、rail 或 bike"))
        }
        return mode
    }
}

extension TransportCommand.Line.List {
    /// Every change of company after the first, e.g. "长沙巴士 from 2027-01-01".
    static func changes(_ line: Components.Schemas.TransportLine, counter: Counter) -> String {
        line.operators.compactMap { change in
            change.from.map {
                counter.t(
                    "\(change.companyName) from \(CalendarDate($0, in: counter.timeZone))",
                    "\(CalendarDate($0, in: counter.timeZone)) 起 \(change.companyName)")
            }
        }.joined(separator: counter.t("; ", "；"))
    }
}

extension TransportCommand.Line {
    struct Transfer: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand a line to another company from a future day (admin).",
            discussion: """
                Records tapped from the start of that day (operator time) on are credited to the new
                company, in its ledger account and in `report revenue`. Records are credited when they
                are received and never moved, so the day must be after today.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "bus, metro, brt, tram, ferry, taxi, rail or bike.") var mode: String
        @Option(help: "The line, as its validators record it.") var line: String
        @Option(help: "The code of the company that takes the line over.") var to: String
        @Option(help: "The first day it runs the line, YYYY-MM-DD.") var from: String

        func execute(_ counter: Counter) async throws {
            let mode = try TransportCommand.mode(mode, counter: counter)
            let changed = try await counter.client().transferTransportLine(mode: mode, line: line, to: to, from: from)
            if counter.json { return Output.printJSON(changed) }
            let taker = changed.operators.last { $0.from != nil }?.companyName ?? to
            Output.line(
                counter.t(
                    "Line \(changed.line) (\(counter.modes([changed.mode]))) passes to \(taker) from \(from); \(changed.companyName) runs it until then.",
                    "\(changed.line)（\(counter.modes([changed.mode]))）自 \(from) 起由 \(taker) 运营，此前仍由 \(changed.companyName) 运营。"
                ))
        }
    }
}

extension TransportCommand.Line {
    struct CancelTransfer: CounterCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel-transfer",
            abstract: "Withdraw a change of company entered for a future day (admin).",
            discussion: """
                The line stays with the company that runs it before that day. Only before the change \
                begins, and not in its last five minutes before midnight, when validators' records of \
                that day may already arrive.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "bus, metro, brt, tram, ferry, taxi, rail or bike.") var mode: String
        @Option(help: "The line, as its validators record it.") var line: String
        @Option(help: "The day the change was entered for, YYYY-MM-DD.") var from: String

        func execute(_ counter: Counter) async throws {
            let mode = try TransportCommand.mode(mode, counter: counter)
            let changed = try await counter.client().cancelLineTransfer(mode: mode, line: line, from: from)
            if counter.json { return Output.printJSON(changed) }
            Output.line(
                counter.t(
                    "The change of company of line \(changed.line) (\(counter.modes([changed.mode]))) from \(from) is withdrawn; \(changed.companyName) runs it.",
                    "\(changed.line)（\(counter.modes([changed.mode]))）自 \(from) 起的运营企业变更已撤销，仍由 \(changed.companyName) 运营。"
                ))
        }
    }
}

extension ReportCommand {
    /// The cells of one revenue row's figures: own cards, other issuers, held, total.
    static func revenueCells(_ row: Components.Schemas.RevenueRow, counter: Counter, csv: Bool) -> [String] {
        [row.ownCards, row.otherIssuers, row.held, row.total].flatMap { count in
            [String(count.taps), csv ? counter.csvYuan(count.amountFen) : counter.money(count.amountFen)]
        }
    }

    static func revenueHeaders(_ counter: Counter) -> [String] {
        [
            counter.t("Our cards", "本地卡"), counter.t("Other issuers' cards", "异地卡"), counter.t("Held", "待核查"),
            counter.t("Total", "合计"),
        ].flatMap { [$0 + counter.t(" taps", "笔数"), $0 + counter.t(" amount", "金额")] }
    }

    static func companyCells(_ row: Components.Schemas.RevenueRow, counter: Counter) -> [String] {
        row.lineRegistered == false
            ? ["", counter.t("(line not entered)", "（未登记线路）")] : [row.company ?? "", row.companyName ?? ""]
    }

    struct Revenue: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fares validators took by day or month, company, mode and line (admin, auditor).",
            discussion: """
                Split into our cards posted to the ledger (owed to the company), other issuers' cards (cleared
                through the national platform) and our cards held by an exception. --by takes any of company,
                mode, line (empty for none). --csv writes UTF-8 with a byte-order mark for Excel.
                JSON: the API's RevenueReport.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "First day, YYYY-MM-DD.") var from: String
        @Option(help: "Last day, YYYY-MM-DD (inclusive).") var to: String
        @Option(help: "day, month or all.") var period: String = "day"
        @Option(help: "Comma-separated: company, mode, line.") var by: String = "company,mode,line"
        @Flag(help: "Write CSV instead of a table.") var csv = false
        @Option(help: "Write the CSV to this file instead of standard output.") var output: String?

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().revenueReport(
                from: from, to: to,
                period: try counter.reportPeriod(period, as: Operations.GetRevenueReport.Input.Query.PeriodPayload.self),
                groupBy: by)
            if counter.json { return Output.printJSON(report) }
            let dims = Set(report.groupBy)
            let asCSV = csv || output != nil
            var headers = [counter.t("Period", "期间")]
            if dims.contains("company") { headers += [counter.t("Company", "运营企业代码"), counter.t("Company name", "运营企业")] }
            if dims.contains("mode") { headers.append(counter.t("Mode", "交通方式")) }
            if dims.contains("line") { headers.append(counter.t("Line", "线路")) }
            headers += ReportCommand.revenueHeaders(counter)
            let rows = report.rows.map { row -> [String] in
                var cells = [row.period]
                if dims.contains("company") { cells += ReportCommand.companyCells(row, counter: counter) }
                if dims.contains("mode") { cells.append(row.mode.map { counter.modes([$0]) } ?? "") }
                if dims.contains("line") { cells.append(row.line ?? "") }
                return cells + ReportCommand.revenueCells(row, counter: counter, csv: asCSV)
            }
            if asCSV { return try counter.writeCSV(headers: headers, rows: rows, output: output) }
            Output.line(
                counter.t(
                    "Fare revenue \(report.from) – \(report.to) (\(report.timeZone))",
                    "票款收入 \(report.from) 至 \(report.to)（\(report.timeZone)）"))
            Output.line(Table(headers: headers, rows: rows).render())
        }
    }

    struct ClearingSummary: CounterCommand {
        static let configuration = CommandConfiguration(
            commandName: "clearing-summary",
            abstract: "One day's clearing summary between this operator (issuer) and the transport companies (admin, auditor).",
            discussion: """
                Per company: what our cards paid on its lines (we owe it), what other issuers' cards paid
                (the national platform clears it), and our cards' records held by an exception (owed once
                resolved). Records of lines no company was entered for are shown apart. --csv writes UTF-8
                with a byte-order mark. JSON: the API's RevenueReport, grouped by company.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The day, YYYY-MM-DD.") var day: String
        @Flag(help: "Write CSV instead of a table.") var csv = false
        @Option(help: "Write the CSV to this file instead of standard output.") var output: String?

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().revenueReport(from: day, to: day, period: .all, groupBy: "company")
            if counter.json { return Output.printJSON(report) }
            let asCSV = csv || output != nil
            let headers =
                [counter.t("Company", "运营企业代码"), counter.t("Company name", "运营企业")] + ReportCommand.revenueHeaders(counter)
            let rows = report.rows.map { row in
                ReportCommand.companyCells(row, counter: counter) + ReportCommand.revenueCells(row, counter: counter, csv: asCSV)
            }
            if asCSV { return try counter.writeCSV(headers: headers, rows: rows, output: output) }
            Output.line(counter.t("Clearing summary \(day) (\(report.timeZone))", "清分汇总 \(day)（\(report.timeZone)）"))
            Output.line(Table(headers: headers, rows: rows).render())
            Output.line()
            counter.fields([
                (counter.t("We owe the companies", "应付运营企业（本地卡）"), counter.money(report.ownCards.amountFen)),
                (counter.t("Cleared through the platform", "经全国平台清分（异地卡）"), counter.money(report.otherIssuers.amountFen)),
                (counter.t("Held for review", "待核查"), counter.money(report.held.amountFen)),
            ])
        }
    }
}
