import Foundation
import PostgresNIO
import TongkaDomain

// The statements of a load's hot path (authorise, then confirm), prepared once per connection:
// a top-up is two commits, and most of its cost is round trips and statement parsing
// (Scripts/bench/topup.sh, docs/performance.md). Decisions stay in Swift (LoadPolicy).

extension LoadStore {
    /// The locks of an authorisation in one statement, in the order every money command takes
    /// them: the clerk's open shift FOR KEY SHARE (a close waits, other cash-ins and payouts do
    /// not), its hall FOR SHARE (closing the hall waits), the card row FOR NO KEY UPDATE (loads and
    /// returns of one card run one at a time). Every part may come back empty; the caller decides
    /// in that order. The card's facts are read by the next statement: one that waited for the
    /// card lock sees the card row anew but its subqueries keep the snapshot from before the wait.
    struct AuthoriseLocks: PostgresPreparedStatement {
        static let name = "load.authorise.locks"
        static let sql = """
            WITH shift AS (
                     SELECT shift_id, hall_id FROM shifts WHERE clerk_id = $1::bigint AND closed_at IS NULL FOR KEY SHARE),
                 hall AS (
                     SELECT h.status, h.code FROM service_halls h JOIN shift ON shift.hall_id = h.hall_id FOR SHARE OF h),
                 card AS (SELECT 1 FROM cards WHERE card_number = $2::text FOR NO KEY UPDATE)
            SELECT shift.shift_id, shift.hall_id, hall.status, hall.code, (SELECT count(*) FROM card),
                   EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.kind = 'shift_cash' AND a.shift_id = shift.shift_id)
              FROM (VALUES (1)) AS one (x) LEFT JOIN shift ON true LEFT JOIN hall ON true
            """
        typealias Row = (Int64?, Int64?, String?, String?, Int64, Bool)
        let clerk: ClerkID
        let card: CardNumber

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(clerk.rawValue)
            bindings.append(card.digits)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// What a load is checked against, read after the card row lock: status, validity, issuer,
    /// the product's maximum, the back-office balance (and whether the purse account exists yet),
    /// today's loads and any load still open.
    struct LoadFactsStatement: PostgresPreparedStatement {
        static let name = "load.facts"
        static let sql = """
            SELECT c.status, s.valid_to, s.issuer_id, p.max_balance_fen, a.balance_fen,
                   (SELECT COALESCE(sum(l.amount_fen), 0)::bigint FROM loads l
                     WHERE l.card_number = c.card_number AND l.state <> 'reversed' AND l.authorised_at >= $2::timestamptz),
                   (SELECT l.load_id FROM loads l
                     WHERE l.card_number = c.card_number AND l.state IN ('mac2_issued', 'grey') LIMIT 1)
              FROM cards c
              JOIN card_stock s ON s.card_number = c.card_number
              JOIN card_products p ON p.product_id = c.product_id
              LEFT JOIN ledger_accounts a ON a.kind = 'card_purse' AND a.card_number = c.card_number
             WHERE c.card_number = $1::text
            """
        typealias Row = (String, Date, String, Int64, Int64?, Int64, Int64?)
        let card: CardNumber
        let dayStart: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(card.digits)
            bindings.append(dayStart)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// An authorisation's writes in one statement: the terminal's next serial, the journal
    /// transaction and its entries, and the load with its MAC2. No row comes back when the
    /// terminal is not one of the hall's (the caller refuses, and the transaction rolls back).
    struct AuthoriseWrite: PostgresPreparedStatement {
        static let name = "load.authorise.write"
        static let sql = """
            WITH serial AS (
                     UPDATE load_terminals SET last_serial = last_serial + 1
                      WHERE terminal_number = $15::text AND hall_id = $3::bigint
                     RETURNING last_serial),
                 tx AS (\(LedgerStore.transactionSQL(firstParameter: 1))),
                 entries AS (\(LedgerStore.entriesSQL(transaction: "tx", firstParameter: 9))),
                 load AS (
                     INSERT INTO loads (card_number, state, amount_fen, old_balance_fen, new_balance_fen, online_serial,
                                        card_random, key_version, algorithm_id, issuer_id, terminal_number, terminal_serial,
                                        card_time, mac2, payment_method, payment_reference, clerk_id, hall_id, shift_id,
                                        transaction_id, idempotency_key, order_id)
                     SELECT $16::text, 'mac2_issued', $17::bigint, $18::bigint, $17::bigint + $18::bigint, $19::integer,
                            $20::bytea, $21::smallint, $22::smallint, $23::text, $15::text, serial.last_serial,
                            $24::text, $25::bytea, $26::text, $27::text, $2::bigint, $3::bigint, $28::bigint,
                            tx.transaction_id, $5::text, $29::bigint
                       FROM tx, serial
                     RETURNING load_id, authorised_at, terminal_serial, transaction_id)
            SELECT load_id, authorised_at, terminal_serial, transaction_id, (SELECT count(*) FROM entries) FROM load
            """
        typealias Row = (Int64, Date, Int64, Int64, Int64)
        let draft: JournalDraft
        let context: LedgerStore.PostingContext
        let request: VerifiedLoadRequest
        let method: PaymentMethod?
        let reference: String?
        let shift: ShiftID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 29)
            LedgerStore.appendTransactionBindings(draft, context: context, to: &bindings)  // $1 ... $8
            LedgerStore.PostingArrays(draft.postings).appendBindings(to: &bindings)  // $9 ... $14
            bindings.append(request.terminalNumber)  // $15
            bindings.append(request.card.digits)
            bindings.append(request.amount.fen)
            bindings.append(request.cardBalance.fen)
            bindings.append(Int32(request.onlineSerial))
            try bindings.append(Data(request.cardRandom))  // $20
            bindings.append(Int16(request.keyVersion))
            bindings.append(Int16(request.algorithmID))
            bindings.append(request.issuerID)
            bindings.append(request.cardTime)
            try bindings.append(Data(request.mac2))  // $25
            bindings.append(method?.rawValue)
            bindings.append(reference)
            bindings.append(shift.rawValue)
            bindings.append(request.orderID?.rawValue)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    /// The first row of a prepared statement, if any.
    static func first<Statement: PostgresPreparedStatement>(
        _ statement: Statement, connection: PostgresConnection, logger: Logger
    ) async throws -> Statement.Row? {
        var first: Statement.Row?
        for try await row in try await connection.execute(statement, logger: logger) where first == nil {
            first = row
        }
        return first
    }
}
