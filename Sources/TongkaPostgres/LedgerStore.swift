import Crypto
import Foundation
import Logging
import PostgresNIO
import TongkaDomain

enum SHA256Digest {
    static func of(_ data: Data) -> SHA256.Digest { SHA256.hash(data: data) }
}

/// Posts journal drafts and proves the ledger's invariants.
public struct LedgerStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Who and what a posting belongs to, recorded on the journal transaction.
    struct PostingContext {
        let actor: StaffActor
        let hall: HallID?
        let shift: ShiftID?
        let idempotencyKey: String?
        let memo: String?
        /// How the customer paid, with the channel's reference (non-cash); nil for internal moves.
        var payment: Payment? = nil
    }

    /// Finds or creates the account row for `account`. Per-card and per-shift accounts are created
    /// on first use; the unique index on owners makes a concurrent creation converge on one row.
    static func accountID(_ account: LedgerAccount, connection: PostgresConnection, logger: Logger) async throws -> AccountID {
        var card: String?
        var shift: Int64?
        var hall: Int64?
        var method: String?
        switch account {
        case .cardPurse(let number): card = number.digits
        case .shiftCash(let id): shift = id.rawValue
        case .hallCashOffice(let id), .cashOverShort(let id): hall = id.rawValue
        case .paymentChannel(let payment): method = payment.rawValue
        case .depositsHeld, .cardCostIncome, .feeIncome, .topupOrders, .unsettledSpend: break
        }
        let kind = account.kind
        if let id = try await connection.first(
            """
            SELECT account_id FROM ledger_accounts
             WHERE kind = \(kind.rawValue) AND COALESCE(card_number, '') = \(card ?? "")
               AND COALESCE(shift_id, 0) = \(shift ?? 0) AND COALESCE(hall_id, 0) = \(hall ?? 0)
               AND COALESCE(payment_method, '') = \(method ?? "")
            """, as: (Int64.self), logger: logger)
        {
            return AccountID(id)
        }
        let created = try await connection.first(
            """
            INSERT INTO ledger_accounts (kind, normal_side, card_number, shift_id, hall_id, payment_method, tracks_balance)
            VALUES (\(kind.rawValue), \(Int16(kind.normalSide)), \(card), \(shift), \(hall), \(method), \(kind.tracksBalance))
            ON CONFLICT DO NOTHING
            RETURNING account_id
            """, as: (Int64.self), logger: logger)
        if let created { return AccountID(created) }
        return try await accountID(account, connection: connection, logger: logger)
    }

    /// Inserts one journal transaction with its entries. The database re-checks balance at commit.
    static func post(
        _ draft: JournalDraft, context: PostingContext, connection: PostgresConnection, logger: Logger
    ) async throws -> JournalTransactionID {
        guard
            let transactionID = try await connection.first(
                """
                INSERT INTO journal_transactions (kind, clerk_id, hall_id, shift_id, idempotency_key, memo, payment_method,
                                                  payment_reference)
                VALUES (\(draft.kind.rawValue), \(context.actor.clerkID.rawValue), \(context.hall?.rawValue),
                        \(context.shift?.rawValue), \(context.idempotencyKey), \(context.memo),
                        \(context.payment?.method.rawValue), \(context.payment?.reference?.value))
                RETURNING transaction_id
                """, as: (Int64.self), logger: logger)
        else { throw TongkaError(.internalError, detail: "journal insert returned nothing") }
        var accounts: [Int64] = []
        var amounts: [Int64] = []
        for posting in draft.postings {
            accounts.append(try await accountID(posting.account, connection: connection, logger: logger).rawValue)
            amounts.append(posting.amount.fen)
        }
        try await connection.query(
            """
            INSERT INTO journal_entries (transaction_id, account_id, amount_fen)
            SELECT \(transactionID), account, amount FROM unnest(\(accounts)::bigint[], \(amounts)::bigint[]) AS e(account, amount)
            """, logger: logger)
        return JournalTransactionID(transactionID)
    }

    /// The result of a ledger check: the figures it looked at and everything that is wrong.
    public struct CheckReport: Sendable, Codable, Equatable {
        public var transactions: Int64
        public var entries: Int64
        public var accounts: Int64
        /// Transactions with fewer than two entries or entries not summing to zero.
        public var unbalancedTransactions: [Int64]
        /// Accounts whose stored balance differs from the sum of their entries.
        public var balanceMismatches: [Int64]
        /// Per-card and per-shift accounts with a negative balance.
        public var negativeBalances: [Int64]
        /// The sum of every entry in the ledger: zero when every transaction balances.
        public var totalFen: Int64
        public var passed: Bool {
            unbalancedTransactions.isEmpty && balanceMismatches.isEmpty && negativeBalances.isEmpty && totalFen == 0
        }
    }

    /// Proves that every transaction sums to zero with two or more entries and that every stored
    /// balance equals the sum of its account's entries. Runs in one REPEATABLE READ snapshot, so
    /// postings that land during the check cannot make it report a false mismatch.
    public func check() async throws -> CheckReport {
        let logger = database.logger
        return try await database.read { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let report = try await Self.inspect(connection: connection, logger: logger)
                try await connection.query("ROLLBACK", logger: logger)
                return report
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    private static func inspect(connection: PostgresConnection, logger: Logger) async throws -> CheckReport {
        let counts = try await connection.one(
            """
            SELECT (SELECT count(*) FROM journal_transactions), (SELECT count(*) FROM journal_entries),
                   (SELECT count(*) FROM ledger_accounts), (SELECT COALESCE(sum(amount_fen), 0)::bigint FROM journal_entries)
            """, as: (Int64, Int64, Int64, Int64).self, logger: logger)
        let unbalanced = try await connection.all(
            """
            SELECT t.transaction_id FROM journal_transactions t
              LEFT JOIN journal_entries e ON e.transaction_id = t.transaction_id
             GROUP BY t.transaction_id
            HAVING count(e.entry_id) < 2 OR COALESCE(sum(e.amount_fen), 0) <> 0
             ORDER BY t.transaction_id LIMIT 1000
            """, as: (Int64.self), logger: logger)
        let mismatched = try await connection.all(
            """
            SELECT a.account_id FROM ledger_accounts a
              LEFT JOIN journal_entries e ON e.account_id = a.account_id
             WHERE a.tracks_balance
             GROUP BY a.account_id, a.balance_fen, a.normal_side
            HAVING a.balance_fen <> COALESCE(sum(e.amount_fen), 0) * a.normal_side
             ORDER BY a.account_id LIMIT 1000
            """, as: (Int64.self), logger: logger)
        let negative = try await connection.all(
            "SELECT account_id FROM ledger_accounts WHERE tracks_balance AND balance_fen < 0 ORDER BY account_id LIMIT 1000",
            as: (Int64.self), logger: logger)
        return CheckReport(
            transactions: counts.0, entries: counts.1, accounts: counts.2, unbalancedTransactions: unbalanced,
            balanceMismatches: mismatched, negativeBalances: negative, totalFen: counts.3)
    }
}
