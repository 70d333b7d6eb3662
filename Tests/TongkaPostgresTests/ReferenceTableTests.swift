import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// The money tables' references to clerks, halls, shifts and ledger accounts are checked once per
/// statement without a row lock (migration 0027): each still refuses a row naming what does not
/// exist, with the foreign key's own name, and what they name can never go away or change its id.
@Suite(.timeLimit(.minutes(5))) struct ReferenceTableTests {
    static let missing: Int64 = 987_654

    func journalTransaction(clerk: Int64?, hall: Int64?, shift: Int64?) -> PostgresQuery {
        "INSERT INTO journal_transactions (kind, clerk_id, hall_id, shift_id) VALUES ('card_issue', \(clerk), \(hall), \(shift))"
    }

    @Test func journalTransactionsEntriesIdempotencyKeysAndAuditEventsRefuseWhatDoesNotExist() async throws {
        try await withStaff { staffed in
            let database = staffed.database
            let (clerk, hall) = (staffed.clerk.id.rawValue, staffed.hall.id.rawValue)
            let (opened, _) = try await staffed.shifts.open(
                float: .zero, idempotencyKey: "refs-open-1", origin: staffed.clerkOrigin)
            let shift = opened.shift.id.rawValue
            let journalBefore = try await database.value("SELECT count(*) FROM journal_transactions", as: Int64.self)

            await expectViolation("journal_transactions_clerk_id_fkey", sqlState: "23503") {
                try await database.execute(journalTransaction(clerk: Self.missing, hall: hall, shift: shift))
            }
            await expectViolation("journal_transactions_hall_id_fkey", sqlState: "23503") {
                try await database.execute(journalTransaction(clerk: clerk, hall: Self.missing, shift: shift))
            }
            await expectViolation("journal_transactions_shift_id_fkey", sqlState: "23503") {
                try await database.execute(journalTransaction(clerk: clerk, hall: hall, shift: Self.missing))
            }
            // An entry naming no account, in a journal transaction of its own database transaction.
            await expectViolation("journal_entries_account_id_fkey", sqlState: "23503") {
                try await database.execute(
                    """
                    WITH tx AS (INSERT INTO journal_transactions (kind, clerk_id, hall_id) VALUES ('card_issue', \(clerk), \(hall))
                                RETURNING transaction_id)
                    INSERT INTO journal_entries (transaction_id, account_id, amount_fen) SELECT transaction_id, \(Self.missing), 100 FROM tx
                    """)
            }
            #expect(try await database.value("SELECT count(*) FROM journal_transactions", as: Int64.self) == journalBefore)

            func idempotencyKey(clerk: Int64, key: String) -> PostgresQuery {
                """
                INSERT INTO idempotency_keys (clerk_id, idempotency_key, operation, request_hash, result)
                VALUES (\(clerk), \(key), 'test.op', decode(repeat('07', 32), 'hex'), '{}')
                """
            }
            await expectViolation("idempotency_keys_clerk_id_fkey", sqlState: "23503") {
                try await database.execute(idempotencyKey(clerk: Self.missing, key: "refs-key-1"))
            }
            try await database.execute(idempotencyKey(clerk: clerk, key: "refs-key-2"))
            // A stored key keeps its clerk.
            await expectViolation("idempotency_keys_key_fixed", sqlState: "TK001") {
                try await database.execute(
                    "UPDATE idempotency_keys SET clerk_id = \(staffed.admin.id.rawValue) WHERE idempotency_key = 'refs-key-2'")
            }

            let eventsBefore = try await database.value("SELECT count(*) FROM audit_events", as: Int64.self)
            await expectViolation("audit_events_actor_clerk_id_fkey", sqlState: "23503") {
                try await database.execute(
                    "INSERT INTO audit_events (actor_clerk_id, hall_id, action) VALUES (\(Self.missing), \(hall), 'test.refs')")
            }
            await expectViolation("audit_events_hall_id_fkey", sqlState: "23503") {
                try await database.execute(
                    "INSERT INTO audit_events (actor_clerk_id, hall_id, action) VALUES (\(clerk), \(Self.missing), 'test.refs')")
            }
            #expect(try await database.value("SELECT count(*) FROM audit_events", as: Int64.self) == eventsBefore)
            try await database.execute(
                "INSERT INTO audit_events (actor_clerk_id, hall_id, action) VALUES (\(clerk), \(hall), 'test.refs')")
        }
    }

    @Test func cardsAndLoadsRefuseAClerkHallOrShiftThatDoesNotExist() async throws {
        let cards = CardTableTests()
        try await cards.withStock { stock in
            let database = stock.database
            let (clerk, hall, shift) = (stock.staffed.clerk.id.rawValue, stock.staffed.hall.id.rawValue, stock.shift)
            let number = "3104820000000000017"
            try await database.execute(cards.insertStock(stock, number: number, chip: "0A1B2C3D"))
            let issued: PostgresQuery = "UPDATE card_stock SET status = 'issued' WHERE card_number = \(number)"
            await expectViolation("cards_issued_clerk_id_fkey", sqlState: "23503") {
                try await database.execute(issued, cards.insertCard(stock, number: number, clerk: Self.missing))
            }
            await expectViolation("cards_issued_hall_id_fkey", sqlState: "23503") {
                try await database.execute(issued, cards.insertCard(stock, number: number, hall: Self.missing))
            }
            await expectViolation("cards_issued_shift_id_fkey", sqlState: "23503") {
                try await database.execute(issued, cards.insertCard(stock, number: number, shift: Self.missing))
            }
            #expect(try await database.value("SELECT count(*) FROM cards", as: Int64.self) == 0)
            try await database.execute(issued, cards.insertCard(stock, number: number))
            try await database.execute(
                """
                INSERT INTO load_terminals (terminal_number, hall_id, label, created_by)
                VALUES ('880000000099', \(hall), 'refs', \(clerk))
                """)

            func load(clerk: Int64, hall: Int64, shift: Int64, serial: Int64) -> PostgresQuery {
                """
                WITH tx AS (INSERT INTO journal_transactions (kind, clerk_id, hall_id, shift_id)
                            VALUES ('card_load', \(stock.staffed.clerk.id.rawValue), \(stock.staffed.hall.id.rawValue), \(stock.shift))
                            RETURNING transaction_id)
                INSERT INTO loads (card_number, state, amount_fen, old_balance_fen, new_balance_fen, online_serial, card_random,
                                   key_version, algorithm_id, issuer_id, terminal_number, terminal_serial, card_time, mac2,
                                   payment_method, clerk_id, hall_id, shift_id, transaction_id, idempotency_key)
                SELECT \(number), 'mac2_issued', 100, 0, 100, \(serial), '\\x01020304'::bytea, 1, 0, '31045510FFFFFFFF',
                       '880000000099', \(serial), '20261204120000', '\\x0A0B0C0D'::bytea, 'cash', \(clerk), \(hall), \(shift),
                       transaction_id, 'refs-load-key' FROM tx
                """
            }
            await expectViolation("loads_clerk_id_fkey", sqlState: "23503") {
                try await database.execute(load(clerk: Self.missing, hall: hall, shift: shift, serial: 1))
            }
            await expectViolation("loads_hall_id_fkey", sqlState: "23503") {
                try await database.execute(load(clerk: clerk, hall: Self.missing, shift: shift, serial: 2))
            }
            await expectViolation("loads_shift_id_fkey", sqlState: "23503") {
                try await database.execute(load(clerk: clerk, hall: hall, shift: Self.missing, serial: 3))
            }
            #expect(try await database.value("SELECT count(*) FROM loads", as: Int64.self) == 0)
        }
    }

    @Test func clerksAndHallsAreNeverDeletedAndKeepTheirIds() async throws {
        try await withStaff { staffed in
            let database = staffed.database
            let (clerk, hall) = (staffed.clerk.id.rawValue, staffed.hall.id.rawValue)
            await expectViolation("clerks_never_deleted", sqlState: "TK001") {
                try await database.execute("DELETE FROM clerks WHERE clerk_id = \(clerk)")
            }
            await expectViolation("clerks_key_fixed", sqlState: "TK001") {
                try await database.execute("UPDATE clerks SET clerk_id = DEFAULT WHERE clerk_id = \(clerk)")
            }
            await expectViolation("service_halls_never_deleted", sqlState: "TK001") {
                try await database.execute("DELETE FROM service_halls WHERE hall_id = \(hall)")
            }
            await expectViolation("service_halls_key_fixed", sqlState: "TK001") {
                try await database.execute("UPDATE service_halls SET hall_id = DEFAULT WHERE hall_id = \(hall)")
            }
            let clerks = try await database.value("SELECT count(*) FROM clerks WHERE clerk_id = \(clerk)", as: Int64.self)
            let halls = try await database.value("SELECT count(*) FROM service_halls WHERE hall_id = \(hall)", as: Int64.self)
            #expect(clerks == 1 && halls == 1)
        }
    }
}
