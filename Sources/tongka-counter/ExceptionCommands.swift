import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

// MARK: Exceptions from validators' records (异常记录)

struct ExceptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exceptions",
        abstract: "What validators' records raised for review: list, resolve (supervisor, admin; auditors list).",
        subcommands: [List.self, Resolve.self])

    static func kindName(_ raw: String, counter: Counter) -> String {
        switch raw {
        case "tac_invalid": counter.t("TAC does not verify", "TAC 校验失败")
        case "balance_discontinuity": counter.t("balances do not add up", "余额不连续")
        case "serial_gap": counter.t("missing record", "脱机序号缺失")
        case "listed_at_tap": counter.t("card was on the blacklist", "黑名单卡交易")
        case "serial_conflict": counter.t("terminal serial reused", "终端流水号重复")
        case "back_office_short": counter.t("back-office balance short", "后台余额不足")
        case "unknown_card": counter.t("no such card issued", "未发行的卡")
        default: raw
        }
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open exceptions, newest first (--all: resolved ones too).",
            discussion: "JSON: {\"exceptions\": [TapException]}.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include resolved exceptions.") var all = false
        @Option(help: "Rows (1-1000).") var limit: Int?

        func execute(_ counter: Counter) async throws {
            let list = try await counter.client().tapExceptions(all: all, limit: limit)
            if counter.json { return Output.printJSON(list) }
            Output.line(
                Table(
                    headers: [
                        "#", counter.t("Kind", "类型"), counter.t("Card", "卡号"), counter.t("Fare", "金额"),
                        counter.t("Terminal", "终端"), counter.t("Serial", "流水号"), counter.t("Tap time", "交易时间"),
                        counter.t("Detail", "说明"), counter.t("Resolved", "处理"),
                    ],
                    rows: list.exceptions.map { item in
                        [
                            "\(item.exceptionId)", ExceptionsCommand.kindName(item.kind.rawValue, counter: counter),
                            item.cardNumber,
                            Money(fen: item.amountFen).formatted, item.terminalNumber, "\(item.terminalSerial)",
                            counter.time(item.tappedAt), item.detail,
                            item.resolvedBy.map { by in "\(by): \(item.resolution ?? "")" } ?? "",
                        ]
                    }
                ).render())
        }
    }

    struct Resolve: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark an exception reviewed, with what was found or done (supervisor, admin).",
            discussion: "JSON: the TapException.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Exception number.") var exception: Int64
        @Option(help: "What was found or done (required).") var note: String

        func execute(_ counter: Counter) async throws {
            let resolved = try await counter.client().resolveTapException(exception, resolution: note)
            if counter.json { return Output.printJSON(resolved) }
            Output.line(
                counter.t(
                    "Exception #\(resolved.exceptionId) resolved by \(resolved.resolvedBy ?? "-").",
                    "异常 #\(resolved.exceptionId) 已由 \(resolved.resolvedBy ?? "-") 处理。"))
        }
    }
}
