import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// One movement of a card's purse account: a journal entry on it, with what the journal knows
/// about the transaction it belongs to.
public struct StatementLine: Sendable, Codable, Equatable {
    public let at: Date
    /// The journal transaction's kind as stored (`card_load`, `load_reversal`, ...). Kept as text on
    /// purpose: a statement lists every movement, also of kinds added after this code was written;
    /// the journal's CHECK constraint decides which kinds exist.
    public let kind: String
    /// What the movement did to the card's balance: credits to the card positive.
    public let amount: Money
    /// The card's back-office balance after this movement.
    public let balance: Money
    public let hallCode: String?
    /// Who made it: the clerk, or for a tap the validator's mode, line and terminal.
    public let clerk: String
    public let transactionID: JournalTransactionID
    /// The load this movement belongs to (its posting, reversal or void), if any.
    public let loadID: LoadID?
    public let paymentMethod: PaymentMethod?
    public let paymentReference: String?
}

/// Every movement of one card's purse account, oldest first, with the running balance.
public struct CardStatement: Sendable, Codable, Equatable {
    public let cardNumber: String
    /// The balance before the first line shown (zero unless older lines were left off).
    public let openingBalance: Money
    public let lines: [StatementLine]
    /// The balance of the purse account now: the last line's balance.
    public let balance: Money
    /// True when older movements were left off to keep to the line limit.
    public let truncated: Bool
}

/// Card statements from the ledger.
public struct StatementStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// The most a statement shows: the newest lines when a card has more.
    public static let lineLimit = 2_000

    /// The movements of a card's purse account, the newest `limit` of them in time order. Any
    /// staff may read it, like the card itself; it shows no holder data, so it needs no holder
    /// audit. The running balance is summed over every entry, so it ends at the stored balance
    /// also when older lines are left off.
    public func statement(card: CardNumber, limit: Int = lineLimit, origin: RequestOrigin) async throws -> CardStatement {
        _ = try origin.requireActor()
        let limit = max(1, min(limit, Self.lineLimit))
        return try await database.read { connection in
            guard
                let balance = try await connection.first(
                    """
                    SELECT COALESCE(a.balance_fen, 0) FROM cards c
                      LEFT JOIN ledger_accounts a ON a.kind = 'card_purse' AND a.card_number = c.card_number
                     WHERE c.card_number = \(card.digits)
                    """, as: (Int64.self), logger: logger)
            else { throw TongkaError(.cardNotFound, detail: card.masked) }
            // A load names its transactions in columns ending in transaction_id (its posting, its
            // reversal, and whatever later features add, such as a void): matching on that pattern
            // links new kinds of load movement without a change here. A card has few loads, found
            // through the loads_card_time index.
            // A tap transaction debits the card once for every tap of one upload (LedgerRules.taps): its
            // entry is shown as the taps that make it up, the card's `taps` rows (read once, through
            // taps_card_serial) that name the transaction, in offline-serial order. The running
            // balance is summed over lines in that order, so it still ends at the stored balance.
            let rows = try await connection.all(
                """
                WITH entries AS (
                    SELECT e.entry_id, e.amount_fen, t.transaction_id, t.kind, t.created_at, t.clerk_id, t.hall_id,
                           t.memo, t.payment_method, t.payment_reference, a.card_number
                      FROM ledger_accounts a
                      JOIN journal_entries e ON e.account_id = a.account_id
                      JOIN journal_transactions t ON t.transaction_id = e.transaction_id
                     WHERE a.kind = 'card_purse' AND a.card_number = \(card.digits)),
                movements AS (
                    SELECT e.entry_id, 0 AS part, e.created_at AS at, e.kind, -e.amount_fen AS amount, h.code,
                           COALESCE(k.username, e.memo, '') AS who, e.transaction_id, l.load_id,
                           COALESCE(e.payment_method, l.payment_method) AS method,
                           COALESCE(e.payment_reference, l.payment_reference) AS reference
                      FROM entries e
                      LEFT JOIN clerks k ON k.clerk_id = e.clerk_id
                      LEFT JOIN service_halls h ON h.hall_id = e.hall_id
                      LEFT JOIN LATERAL (
                          SELECT l.load_id, l.payment_method, l.payment_reference FROM loads l
                           WHERE l.card_number = e.card_number
                             AND EXISTS (SELECT 1 FROM jsonb_each(to_jsonb(l)) AS f(key, value)
                                          WHERE f.key LIKE '%transaction_id' AND f.value = to_jsonb(e.transaction_id))
                           ORDER BY l.load_id LIMIT 1) l ON true
                     WHERE e.kind <> 'tap'
                    UNION ALL
                    SELECT e.entry_id, p.offline_serial, p.tapped_at, e.kind, -p.amount_fen, NULL,
                           p.mode || ' ' || p.line || ' ' || p.terminal_number || ' ' || p.local_date_time, e.transaction_id,
                           NULL, NULL, NULL
                      FROM taps p JOIN entries e ON e.transaction_id = p.transaction_id
                     WHERE p.card_number = \(card.digits) AND e.kind = 'tap')
                SELECT * FROM (
                    SELECT at, kind, amount, sum(amount) OVER (ORDER BY entry_id, part)::bigint, code, who, transaction_id,
                           load_id, method, reference, entry_id, part, count(*) OVER ()
                      FROM movements
                     ORDER BY entry_id DESC, part DESC
                     LIMIT \(limit)) newest
                 ORDER BY 11, 12
                """,
                as: (
                    Date, String, Int64, Int64, String?, String, Int64, Int64?, String?, String?, Int64, Int32, Int64
                ).self, logger: logger)
            let lines = try rows.map { row in
                StatementLine(
                    at: row.0, kind: row.1, amount: Money(fen: row.2), balance: Money(fen: row.3), hallCode: row.4,
                    clerk: row.5, transactionID: JournalTransactionID(row.6), loadID: row.7.map { LoadID($0) },
                    paymentMethod: try row.8.map { try Stored.value($0, as: PaymentMethod.self) }, paymentReference: row.9)
            }
            let opening = lines.first.map { $0.balance - $0.amount } ?? Money(fen: balance)
            return CardStatement(
                cardNumber: card.digits, openingBalance: opening, lines: lines, balance: Money(fen: balance),
                truncated: Int64(lines.count) < (rows.first?.12 ?? 0))
        }
    }
}
