import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

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
                batch = try await client.importStock(
                    product: product, hall: hall, fileName: (file as NSString).lastPathComponent, body: body)
                progress.finish()
            } catch {
                progress.finish()
                throw error
            }
            if counter.json { return Output.printJSON(batch) }
            Output.line(
                counter.t(
                    "Imported batch #\(batch.id): \(batch.cards) cards of \(batch.product) into \(batch.hall ?? "the warehouse"), \(CardNumber.mask(batch.firstCardNumber)) – \(CardNumber.mask(batch.lastCardNumber)).",
                    "已导入批次 #\(batch.id)：\(batch.product) 共 \(batch.cards) 张，入库至 \(batch.hall ?? "中心库")，卡号 \(CardNumber.mask(batch.firstCardNumber)) – \(CardNumber.mask(batch.lastCardNumber))。"
                ))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cards in stock by hall and product (hall staff: own hall).",
            discussion: "JSON: {\"levels\": [StockLevel]}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Hall code.") var hall: String?
        @Option(help: "Product code.") var product: String?

        func execute(_ counter: Counter) async throws {
            let levels = try await counter.client().stockLevels(hall: hall, product: product)
            if counter.json { return Output.printJSON(Components.Schemas.StockLevelList(levels: levels)) }
            Output.line(
                Table(
                    headers: [
                        counter.t("Hall", "网点"), counter.t("Product", "卡产品"), counter.t("Name", "名称"),
                        counter.t("In stock", "库存"),
                    ],
                    rows: levels.map {
                        [$0.hall ?? counter.t("warehouse", "中心库"), $0.product, $0.productName, String($0.inStock)]
                    }
                ).render())
        }
    }

    struct Allocate: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move cards of a product from the warehouse (or a hall) to a hall (admin).",
            discussion: "JSON: the API's StockAllocation.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Product code.") var product: String
        @Option(help: "Hall to move the cards to.") var hall: String
        @Option(help: "Hall to move from; the warehouse when omitted.") var fromHall: String?
        @Option(help: "How many cards.") var quantity: Int

        func execute(_ counter: Counter) async throws {
            let moved = try await counter.client().allocateStock(
                product: product, toHall: hall, fromHall: fromHall, quantity: quantity)
            if counter.json { return Output.printJSON(moved) }
            Output.line(
                counter.t(
                    "Moved \(moved.moved) cards of \(moved.product) to \(moved.toHall): \(CardNumber.mask(moved.firstCardNumber)) – \(CardNumber.mask(moved.lastCardNumber)).",
                    "已调拨 \(moved.product) 共 \(moved.moved) 张至 \(moved.toHall)：\(CardNumber.mask(moved.firstCardNumber)) – \(CardNumber.mask(moved.lastCardNumber))。"
                ))
        }
    }

    struct Batches: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Imported batches (admin, auditor).", discussion: "JSON: {\"batches\": [StockBatch]}.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let batches = try await counter.client().stockBatches()
            if counter.json { return Output.printJSON(Components.Schemas.StockBatchList(batches: batches)) }
            Output.line(
                Table(
                    headers: [
                        "#", counter.t("Product", "卡产品"), counter.t("Cards", "张数"), counter.t("Into", "入库至"),
                        counter.t("File", "文件"), counter.t("Imported", "导入时间"), counter.t("By", "操作员"),
                    ],
                    rows: batches.map {
                        [
                            String($0.id), $0.product, String($0.cards), $0.hall ?? counter.t("warehouse", "中心库"),
                            $0.fileName ?? "", counter.time($0.importedAt), $0.importedBy,
                        ]
                    }
                ).render())
        }
    }
}
