import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

// MARK: Interconnection clearing (全国清分结算)

struct ClearingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clearing", abstract: "Clearing files with the national platform: export (OUT), import (IN) (admin).",
        subcommands: [Export.self, Import.self])

    struct Export: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the day's outgoing file: other issuers' cards' records taken here (admin, auditor).",
            discussion: "Layout: docs/clearing-format.md (header, one line per record, CRC-32 trailer).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The operator-local day, YYYY-MM-DD.") var day: String
        @Option(help: "The file to write.") var output: String

        func execute(_ counter: Counter) async throws {
            let bytes = try await counter.client(timeout: .seconds(10 * 60)).exportClearing(day: day)
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw CounterFailure(code: "file_not_written", message: counter.t("Cannot write \(output)", "无法写入文件 \(output)"))
            }
            let records = max(0, bytes.filter { $0 == 0x0A }.count - 2)
            if counter.json { return Output.printJSON(["file": output, "records": "\(records)"]) }
            Output.line(counter.t("Wrote \(records) records to \(output).", "已写出 \(records) 条记录至 \(output)。"))
        }
    }

    struct Import: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the platform's file of this operator's cards' records in other cities (admin).",
            discussion: "The whole file or nothing; records already taken are skipped. JSON: the ClearingImport.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The incoming file.") var file: String

        func execute(_ counter: Counter) async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CounterFailure(code: "file_not_found", message: counter.t("Cannot read \(file)", "无法读取文件 \(file)"))
            }
            let result = try await counter.client(timeout: .seconds(10 * 60)).importClearing(file: Array(data))
            if counter.json { return Output.printJSON(result) }
            Output.line(
                counter.t(
                    "\(result.records) records: \(result.stored) new (\(result.posted) debited their card), \(result.duplicates) taken before; \(result.exceptions) exceptions raised.",
                    "共 \(result.records) 条：新增 \(result.stored) 条（\(result.posted) 条已扣减卡余额），\(result.duplicates) 条此前已导入；\(result.exceptions) 条异常待处理。"
                ))
        }
    }
}
