import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// The card tables refuse inconsistent rows on their own, whatever the Swift code checks first.
@Suite(.timeLimit(.minutes(5))) struct CardTableTests {
    struct Stock {
        let staffed: Staffed
        let product: Int64
        let batch: Int64
        let shift: Int64
        var database: Database { staffed.database }
    }

    /// An ordinary product (type 1), a stock batch of it, and an open shift of the clerk.
    func withStock(_ body: (Stock) async throws -> Void) async throws {
        try await withStaff { staffed in
            let (shift, _) = try await staffed.shifts.open(
                float: .zero, idempotencyKey: "cards-open-1", origin: staffed.clerkOrigin)
            let ids = try await staffed.database.transaction { connection in
                let product = try await connection.one(
                    """
                    INSERT INTO card_products (code, name, card_type, deposit_fen, card_cost_fen, transport_modes, interconnection,
                                               allows_anonymous, allows_registered, max_balance_fen)
                    VALUES ('STD', '普通卡', 1, 2000, 0, ARRAY['bus', 'metro'], true, true, true, 100000)
                    RETURNING product_id
                    """, as: (Int64.self), logger: testLogger)
                let batch = try await connection.one(
                    """
                    INSERT INTO stock_batches (product_id, hall_id, file_sha256, card_count, first_card_number, last_card_number, imported_by)
                    VALUES (\(product), \(staffed.hall.id.rawValue), \(Data(repeating: 0xAB, count: 32)), 2,
                            '3104820000000000017', '3104820000000000025', \(staffed.admin.id.rawValue))
                    RETURNING batch_id
                    """, as: (Int64.self), logger: testLogger)
                return (product, batch)
            }
            try await body(Stock(staffed: staffed, product: ids.0, batch: ids.1, shift: shift.shift.id.rawValue))
        }
    }

    func insertStock(
        _ stock: Stock, number: String, chip: String, product: Int64? = nil, batch: Int64? = nil, status: String = "in_stock"
    ) -> PostgresQuery {
        """
        INSERT INTO card_stock (card_number, batch_id, product_id, issuer_id, valid_from, valid_to, chip_uid, hall_id, status)
        VALUES (\(number), \(batch ?? stock.batch), \(product ?? stock.product), '31045510FFFFFFFF', DATE '2025-01-01', DATE '2035-01-01',
                \(chip), \(stock.staffed.hall.id.rawValue), \(status))
        """
    }

    /// The card row of a sale in the stock's hall by its clerk and shift, unless others are given.
    func insertCard(
        _ stock: Stock, number: String, clerk: Int64? = nil, hall: Int64? = nil, shift: Int64? = nil
    ) -> PostgresQuery {
        """
        INSERT INTO cards (card_number, product_id, issued_hall_id, issued_clerk_id, issued_shift_id, deposit_fen, card_cost_fen, payment_method)
        VALUES (\(number), \(stock.product), \(hall ?? stock.staffed.hall.id.rawValue), \(clerk ?? stock.staffed.clerk.id.rawValue),
                \(shift ?? stock.shift), 0, 0, 'cash')
        """
    }

    @Test func aCardRowNeedsItsStockCardMarkedIssued() async throws {
        try await withStock { stock in
            let number = "3104820000000000017"
            try await stock.database.execute(insertStock(stock, number: number, chip: "0A1B2C3D"))
            await expectViolation("cards_stock_issued", sqlState: "TK003") {
                try await stock.database.execute(insertCard(stock, number: number))
            }
            #expect(try await stock.database.value("SELECT count(*) FROM cards", as: Int64.self) == 0)
            // Marked issued in the same transaction, the card row is accepted.
            try await stock.database.execute(
                "UPDATE card_stock SET status = 'issued' WHERE card_number = \(number)", insertCard(stock, number: number))
            #expect(try await stock.database.values("SELECT card_number FROM cards", as: String.self) == [number])
            // A card is issued once.
            await expectFailure(.cardAlreadyIssued) {
                try await stock.database.execute(insertCard(stock, number: number))
            }
        }
    }

    @Test func theErrorOfAnUnissuedStockCardDoesNotRevealTheCardNumber() async throws {
        try await withStock { stock in
            let number = "3104820000000000025"
            try await stock.database.execute(insertStock(stock, number: number, chip: "0A1B2C3E"))
            do {
                try await stock.database.execute(insertCard(stock, number: number))
                Issue.record("the card row was accepted")
            } catch let error as PSQLError {
                let message = try #require(error.serverInfo?[.message])
                #expect(message.contains("3104"))
                #expect(!message.contains(number))
            }
        }
    }

    @Test func aStockCardMustBelongToAnExistingBatchOfItsProduct() async throws {
        try await withStock { stock in
            let other = try await stock.database.value(
                """
                INSERT INTO card_products (code, name, card_type, deposit_fen, card_cost_fen, transport_modes, interconnection,
                                           allows_anonymous, allows_registered, max_balance_fen)
                VALUES ('OTHER', 'other', 4, 0, 0, '{bus}', false, true, true, 1000) RETURNING product_id
                """, as: Int64.self)
            await expectViolation("card_stock_batch_fkey", sqlState: "23503") {
                try await stock.database.execute(
                    insertStock(stock, number: "3104820000000000017", chip: "0A1B2C3D", product: other))
            }
            await expectViolation("card_stock_batch_fkey", sqlState: "23503") {
                try await stock.database.execute(insertStock(stock, number: "3104820000000000017", chip: "0A1B2C3D", batch: 999))
            }
            #expect(try await stock.database.value("SELECT count(*) FROM card_stock", as: Int64.self) == 0)
            try await stock.database.execute(insertStock(stock, number: "3104820000000000017", chip: "0A1B2C3D"))
            // Nor can the product's type change under its stock, or a batch or product vanish.
            await expectViolation("card_products_guard", sqlState: "TK001") {
                try await stock.database.execute("UPDATE card_products SET card_type = 4 WHERE product_id = \(stock.product)")
            }
            await expectViolation("stock_batches_never_deleted", sqlState: "TK001") {
                try await stock.database.execute("DELETE FROM stock_batches WHERE batch_id = \(stock.batch)")
            }
            await expectViolation("card_products_never_deleted", sqlState: "TK001") {
                try await stock.database.execute("DELETE FROM card_products WHERE product_id = \(other)")
            }
        }
    }

    @Test(arguments: [Int16(2), 3, 5])
    func aReducedFareProductCannotAllowAnonymousCards(cardType: Int16) async throws {
        try await withStaff { staffed in
            func product(_ code: String, anonymous: Bool) -> PostgresQuery {
                """
                INSERT INTO card_products (code, name, card_type, deposit_fen, card_cost_fen, transport_modes, interconnection,
                                           allows_anonymous, allows_registered, max_balance_fen)
                VALUES (\(code), '优惠卡', \(cardType), 0, 0, ARRAY['bus'], false, \(anonymous), true, 50000)
                """
            }
            await expectViolation("card_products_reduced_fare_registered", sqlState: "23514") {
                try await staffed.database.execute(product("REDUCED", anonymous: true))
            }
            try await staffed.database.execute(product("REDUCED", anonymous: false))
            await expectViolation("card_products_reduced_fare_registered", sqlState: "23514") {
                try await staffed.database.execute("UPDATE card_products SET allows_anonymous = true WHERE code = 'REDUCED'")
            }
        }
    }
}
