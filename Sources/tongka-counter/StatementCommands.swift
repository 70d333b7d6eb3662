import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

// MARK: Card statements

extension CardCommand {
    struct Statement: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every movement of a card's balance with the running balance (any staff).",
            discussion: """
                One line per ledger movement of the card's purse account: time (operator time zone),
                what happened (top-up, card sold, top-up reversed, ...), amount (credit to the card positive), balance after, hall, clerk, load,
                payment and reference. The last balance is the card's back-office balance.
                --csv writes UTF-8 with a byte-order mark for Excel. JSON: the API's CardStatement.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The 19-digit card number.") var cardNumber: String
        @Option(help: "The most lines to show, the newest (at most 2000).") var limit: Int?
        @Flag(help: "Show the full card number.") var reveal = false
        @Flag(help: "Write CSV instead of a table.") var csv = false
        @Option(help: "Write the CSV to this file instead of standard output.") var output: String?

        func execute(_ counter: Counter) async throws {
            let statement = try await counter.client().cardStatement(cardNumber, limit: limit)
            if counter.json { return Output.printJSON(statement) }
            let table = csv || output != nil
            let headers = [
                counter.t("Time", "时间"), counter.t("Kind", "类型"), counter.t("Amount", "金额"), counter.t("Balance", "余额"),
                counter.t("Hall", "网点"), counter.t("Clerk", "柜员"), counter.t("Load", "充值编号"),
                counter.t("Payment", "收款方式"), counter.t("Reference", "交易参考号"),
            ]
            let rows = statement.lines.map { line -> [String] in
                [
                    line.localTime, TransactionKind(rawValue: line.kind)?.localizedName(counter.language) ?? line.kind, table ? counter.csvYuan(line.amountFen) : counter.money(line.amountFen),
                    table ? counter.csvYuan(line.balanceFen) : counter.money(line.balanceFen), line.hall ?? "", line.clerk,
                    line.loadId.map { String($0) } ?? "", line.paymentMethod.map { counter.paymentName($0.rawValue) } ?? "",
                    line.paymentReference ?? "",
                ]
            }
            if table { return try counter.writeCSV(headers: headers, rows: rows, output: output) }
            counter.fields([
                (counter.t("Card", "卡号"), counter.cardNumber(statement.cardNumber, reveal: reveal)),
                (counter.t("Time zone", "时区"), statement.timeZone),
            ])
            if statement.truncated {
                Output.line(
                    counter.t(
                        "Older movements left off; balance before the first line: \(counter.money(statement.openingBalanceFen))",
                        "更早的记录未显示；首行之前余额：\(counter.money(statement.openingBalanceFen))"))
            }
            Output.line(Table(headers: headers, rows: rows).render())
            Output.line()
            counter.fields([(counter.t("Balance", "余额"), counter.money(statement.balanceFen))])
        }
    }
}
