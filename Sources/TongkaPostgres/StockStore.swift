import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import TongkaDomain

/// An imported stock batch.
public struct StockBatch: Sendable, Equatable {
    public let id: StockBatchID
    public let productCode: String
    public let hallCode: String?
    public let cards: Int64
    public let fileName: String?
    public let importedAt: Date
    public let importedBy: String
    public let firstCardNumber: String
    public let lastCardNumber: String
}

/// A move of stock to a hall.
public struct StockAllocation: Sendable, Equatable {
    public let productCode: String
    public let toHallCode: String
    public let fromHallCode: String?
    public let moved: Int64
    public let firstCardNumber: String
    public let lastCardNumber: String
}

/// Cards in stock at one place (hall code nil: the central warehouse) for one product.
public struct HallStockLevel: Sendable, Equatable {
    public let hallCode: String?
    public let productCode: String
    public let productName: String
    public let inStock: Int64
}

/// A stock file with bad lines: nothing was imported. Carries every refused line (up to the cap).
public struct StockImportRejection: Error, Sendable {
    public let errors: [StockLineError]
    public let errorCount: Int
}

/// Card stock: factory batches, allocation to halls, levels.
public struct StockStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    // MARK: Stock import

    /// Imports a factory batch file, streamed: every line is checked while it arrives and written
    /// to a staging table with COPY; only if no line is bad, the cards move into stock in the same
    /// transaction. Otherwise nothing is imported and every bad line is reported.
    ///
    /// - Parameters:
    ///   - body: the file's bytes in chunks as they arrive.
    ///   - today: the operator-local date, to refuse cards that have already expired.
    public func importStock<Body: AsyncSequence & Sendable>(
        productCode: String, hallCode: String?, fileName: String?, body: Body, today: CalendarDate, origin: RequestOrigin
    ) async throws -> StockBatch where Body.Element == ArraySlice<UInt8> {
        let actor = try origin.requireActor()
        let product = try await ProductStore(database: database).product(code: productCode)
        try product.checkActive()
        var hall: Hall?
        if let hallCode {
            hall = try await HallStore(database: database).hall(code: hallCode)
            if hall?.open == false { throw TongkaError(.hallClosed, detail: hallCode) }
        }
        let fileName = try fileName.flatMap { $0.isEmpty ? nil : try Validate.name($0, field: "file name", maxLength: 200) }
        let settings = database.settings
        let logger = self.logger

        return try await database.transaction { [hall] connection in
            try await connection.query(
                """
                CREATE TEMPORARY TABLE stock_import (
                    line integer NOT NULL, card_number text COLLATE "C" NOT NULL, issuer_id text NOT NULL,
                    valid_from date NOT NULL, valid_to date NOT NULL, chip_uid text COLLATE "C" NOT NULL) ON COMMIT DROP
                """, logger: logger)

            let clock = ContinuousClock()
            var phases: [(String, Duration)] = []
            var mark = clock.now
            func phase(_ name: String) {
                phases.append((name, clock.now - mark))
                mark = clock.now
            }
            // Parse and COPY in one pass. Lines are written as COPY text rows; every field was
            // validated to digits, hex or a date, so no escaping is needed.
            let parsed = ParseState()
            try await connection.copyFrom(
                table: "stock_import",
                columns: ["line", "card_number", "issuer_id", "valid_from", "valid_to", "chip_uid"],
                logger: logger
            ) { writer in
                var parser = StockFileParser(
                    profile: settings.issuer, expectedCardType: product.definition.cardType, today: today)
                var hasher = SHA256()
                var out = ByteBuffer()
                func emit(_ cards: [StockCard]) {
                    guard parser.errorCount == 0 else { return }
                    for card in cards {
                        out.writeString(
                            "\(card.line)\t\(card.cardNumber.digits)\t\(card.issuerID)\t\(card.validFrom)\t\(card.validTo)\t\(card.chipUID)\n"
                        )
                    }
                }
                for try await chunk in body {
                    chunk.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                    let cards = parser.feed(chunk)
                    emit(cards)
                    if out.readableBytes >= 256 * 1024 {
                        try await writer.write(out)
                        out.clear()
                    }
                }
                emit(parser.finish())
                if parser.errorCount > 0 {
                    throw StockImportRejection(errors: parser.errors, errorCount: parser.errorCount)
                }
                if out.readableBytes > 0 { try await writer.write(out) }
                parsed.set(cards: parser.cardCount, digest: Data(hasher.finalize()))
            }
            phase("upload_parse_copy")
            let (cardCount, digest) = parsed.value
            guard cardCount > 0 else { throw TongkaError(.stockFileEmpty) }
            if let earlier = try await connection.first(
                "SELECT batch_id FROM stock_batches WHERE file_sha256 = \(digest)", as: (Int64.self), logger: logger)
            {
                throw TongkaError(.stockBatchDuplicate, detail: "batch #\(earlier)")
            }

            // Cards or chips that are in stock already: report their lines, import nothing.
            let clashes = try await connection.all(
                """
                SELECT line, problem FROM (
                    SELECT s.line, 'already_in_stock' AS problem FROM stock_import s JOIN card_stock c USING (card_number)
                    UNION ALL
                    SELECT s.line, 'chip_already_in_stock' FROM stock_import s JOIN card_stock c ON c.chip_uid = s.chip_uid
                ) clash ORDER BY line LIMIT \(StockFileParser.maximumReportedErrors)
                """, as: (Int32, String).self, logger: logger)
            phase("clash_check")
            if !clashes.isEmpty {
                let errors = try clashes.map { line, problem in
                    StockLineError(
                        line: Int(line), problem: try Stored.value(problem, as: StockLineProblem.self),
                        message: problem == "already_in_stock"
                            ? "card number is already in stock" : "chip UID is already in stock")
                }
                throw StockImportRejection(errors: errors, errorCount: errors.count)
            }

            let batch = try await connection.one(
                """
                INSERT INTO stock_batches (product_id, hall_id, file_name, file_sha256, card_count, first_card_number,
                                           last_card_number, imported_by)
                SELECT \(product.id.rawValue), \(hall?.id.rawValue), \(fileName), \(digest), count(*), min(card_number),
                       max(card_number), \(actor.clerkID.rawValue)
                  FROM stock_import
                RETURNING batch_id, imported_at, first_card_number, last_card_number
                """, as: (Int64, Date, String, String).self, logger: logger)
            try await connection.query(
                """
                INSERT INTO card_stock (card_number, batch_id, product_id, issuer_id, valid_from, valid_to, chip_uid, hall_id)
                SELECT card_number, \(batch.0), \(product.id.rawValue), issuer_id, valid_from, valid_to,
                       chip_uid, \(hall?.id.rawValue)
                  FROM stock_import ORDER BY card_number
                """, logger: logger)
            phase("insert_stock")
            logger.debug(
                "stock import phases",
                metadata: Dictionary(uniqueKeysWithValues: phases.map { ($0.0, "\($0.1)") }))
            try await Audit.record(
                connection, origin: origin, action: "stock.import", subject: "batch:\(batch.0)",
                details: [
                    "product": product.definition.code, "cards": "\(cardCount)", "hall": hall?.code ?? "warehouse",
                    "first": CardNumber.mask(batch.2), "last": CardNumber.mask(batch.3),
                ],
                hall: hall?.id, logger: logger)
            return StockBatch(
                id: StockBatchID(batch.0), productCode: product.definition.code, hallCode: hall?.code,
                cards: Int64(cardCount), fileName: fileName, importedAt: batch.1, importedBy: actor.username,
                firstCardNumber: batch.2, lastCardNumber: batch.3)
        }
    }

    /// Carries the parser's totals out of the COPY closure.
    private final class ParseState: @unchecked Sendable {
        // Written once inside the COPY closure, read after it returns on the same task.
        private var cards = 0
        private var digest = Data()
        func set(cards: Int, digest: Data) {
            self.cards = cards
            self.digest = digest
        }
        var value: (Int, Data) { (cards, digest) }
    }

    /// Stock batches, newest first, a page at a time.
    public func listBatches(limit: Int = 100, cursor: PageCursor? = nil) async throws -> Page<StockBatch> {
        let after = try cursor.map { try $0.integerKey() }
        let rows = try await database.read { connection in
            try await connection.all(
                """
                SELECT b.batch_id, p.code, h.code, b.card_count, b.file_name, b.imported_at, c.username,
                       b.first_card_number, b.last_card_number
                  FROM stock_batches b JOIN card_products p ON p.product_id = b.product_id
                  JOIN clerks c ON c.clerk_id = b.imported_by
                  LEFT JOIN service_halls h ON h.hall_id = b.hall_id
                 WHERE \(after)::bigint IS NULL OR b.batch_id < \(after)
                 ORDER BY b.batch_id DESC LIMIT \(limit + 1)
                """, as: (Int64, String, String?, Int32, String?, Date, String, String, String).self, logger: logger
            ).map {
                StockBatch(
                    id: StockBatchID($0.0), productCode: $0.1, hallCode: $0.2, cards: Int64($0.3), fileName: $0.4,
                    importedAt: $0.5, importedBy: $0.6, firstCardNumber: $0.7, lastCardNumber: $0.8)
            }
        }
        return Page(rows: rows, limit: limit) { "\($0.id.rawValue)" }
    }

    // MARK: Allocation and levels

    /// Moves `quantity` cards of a product, lowest numbers first, from the warehouse (or a hall) to
    /// a hall. Cards locked by an issue in progress are skipped; too few cards moves none.
    public func allocate(
        productCode: String, toHallCode: String, fromHallCode: String?, quantity: Int, origin: RequestOrigin
    ) async throws -> StockAllocation {
        let actor = try origin.requireActor()
        guard (1...100_000).contains(quantity) else { throw TongkaError(.amountOutOfRange, detail: "quantity 1-100000") }
        let product = try await ProductStore(database: database).product(code: productCode)
        let halls = HallStore(database: database)
        let to = try await halls.hall(code: toHallCode)
        guard to.open else { throw TongkaError(.hallClosed, detail: to.code) }
        let from = try await fromHallCode.asyncMap { try await halls.hall(code: $0) }
        if from?.id == to.id { throw TongkaError(.invalidProduct, detail: "from and to are the same hall") }
        let fromFilter = from == nil ? "hall_id IS NULL" : "hall_id = \(from!.id.rawValue)"
        return try await database.transaction { connection in
            let moved = try await connection.all(
                """
                WITH picked AS (
                    SELECT card_number FROM card_stock
                     WHERE \(unescaped: fromFilter) AND product_id = \(product.id.rawValue) AND status = 'in_stock'
                     ORDER BY card_number LIMIT \(quantity) FOR UPDATE SKIP LOCKED)
                UPDATE card_stock s SET hall_id = \(to.id.rawValue) FROM picked WHERE s.card_number = picked.card_number
                RETURNING s.card_number
                """, as: (String.self), logger: logger)
            guard moved.count == quantity, let first = moved.min(), let last = moved.max() else {
                throw TongkaError(.insufficientStock, detail: "\(moved.count) of \(quantity) available")
            }
            try await connection.query(
                """
                INSERT INTO stock_movements (product_id, from_hall_id, to_hall_id, quantity, first_card_number,
                                             last_card_number, moved_by)
                VALUES (\(product.id.rawValue), \(from?.id.rawValue), \(to.id.rawValue), \(quantity), \(first), \(last),
                        \(actor.clerkID.rawValue))
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "stock.allocate", subject: "product:\(product.id)",
                details: [
                    "product": product.definition.code, "to": to.code, "from": from?.code ?? "warehouse",
                    "quantity": "\(quantity)",
                ], hall: to.id, logger: logger)
            return StockAllocation(
                productCode: product.definition.code, toHallCode: to.code, fromHallCode: from?.code,
                moved: Int64(moved.count), firstCardNumber: first, lastCardNumber: last)
        }
    }

    /// Stock levels by place and product. Hall staff see their own hall only; admins and auditors
    /// see every hall and the warehouse.
    public func stockLevels(hallCode: String?, productCode: String?, actor: StaffActor) async throws -> [HallStockLevel] {
        let hallID = try await HallScope.filter(hallCode: hallCode, actor: actor, database: database)?.rawValue
        let productID = try await productCode.asyncMap {
            try await ProductStore(database: database).product(code: $0).id.rawValue
        }
        let warehouseVisible = !actor.role.isHallBound && hallID == nil
        return try await database.read { [hallID] connection in
            try await connection.all(
                """
                SELECT h.code, p.code, p.name, count(*) FROM card_stock s
                  JOIN card_products p ON p.product_id = s.product_id
                  LEFT JOIN service_halls h ON h.hall_id = s.hall_id
                 WHERE s.status = 'in_stock'
                   AND ((\(hallID)::bigint IS NOT NULL AND s.hall_id = \(hallID))
                        OR (\(hallID)::bigint IS NULL AND (s.hall_id IS NOT NULL OR \(warehouseVisible))))
                   AND (\(productID)::bigint IS NULL OR s.product_id = \(productID))
                 GROUP BY h.code, p.code, p.name ORDER BY h.code NULLS FIRST, p.code
                """, as: (String?, String, String, Int64).self, logger: logger
            ).map { HallStockLevel(hallCode: $0.0, productCode: $0.1, productName: $0.2, inStock: $0.3) }
        }
    }
}
