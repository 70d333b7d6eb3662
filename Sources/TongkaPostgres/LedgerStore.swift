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
        /// Nil only for a tap, which a validator made (the journal's CHECK allows no other).
        let actor: StaffActor?
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
        let owner = Owner(account)
        let (card, shift, hall, method, company) = (owner.card, owner.shift, owner.hall, owner.method, owner.company)
        let kind = account.kind
        if let id = try await connection.first(
            """
            SELECT account_id FROM ledger_accounts
             WHERE kind = \(kind.rawValue) AND COALESCE(card_number, '') = \(card ?? "")
               AND COALESCE(shift_id, 0) = \(shift ?? 0) AND COALESCE(hall_id, 0) = \(hall ?? 0)
               AND COALESCE(payment_method, '') = \(method ?? "") AND COALESCE(company_id, 0) = \(company ?? 0)
            """, as: (Int64.self), logger: logger)
        {
            return AccountID(id)
        }
        let created = try await connection.first(
            """
            INSERT INTO ledger_accounts (kind, normal_side, card_number, shift_id, hall_id, payment_method, company_id,
                                         tracks_balance)
            VALUES (\(kind.rawValue), \(Int16(kind.normalSide)), \(card), \(shift), \(hall), \(method), \(company),
                    \(kind.tracksBalance))
            ON CONFLICT DO NOTHING
            RETURNING account_id
            """, as: (Int64.self), logger: logger)
        if let created { return AccountID(created) }
        return try await accountID(account, connection: connection, logger: logger)
    }

    /// A draft's postings as the arrays ``entriesSQL(transaction:firstParameter:companies:)`` unnests:
    /// each account by its owner (kind, card, shift, hall, payment method, company; '' and 0 for
    /// none, as in the unique index ledger_accounts_one_per_owner) and the amount. The companies
    /// are bound apart (``appendCompanies(to:)``), since only fare revenue has one.
    struct PostingArrays {
        var kinds: [String] = []
        var cards: [String] = []
        var shifts: [Int64] = []
        var halls: [Int64] = []
        var methods: [String] = []
        var amounts: [Int64] = []
        var companies: [Int64] = []

        init(_ postings: [Posting]) {
            for posting in postings {
                let owner = Owner(posting.account)
                kinds.append(posting.account.kind.rawValue)
                cards.append(owner.card ?? "")
                shifts.append(owner.shift ?? 0)
                halls.append(owner.hall ?? 0)
                methods.append(owner.method ?? "")
                amounts.append(posting.amount.fen)
                companies.append(owner.company ?? 0)
            }
        }

        func appendBindings(to bindings: inout PostgresBindings) {
            bindings.append(kinds)
            bindings.append(cards)
            bindings.append(shifts)
            bindings.append(halls)
            bindings.append(methods)
            bindings.append(amounts)
        }

        func appendCompanies(to bindings: inout PostgresBindings) { bindings.append(companies) }
    }

    /// Who owns an account: at most one of these is set, by kind.
    struct Owner {
        var card: String?
        var shift: Int64?
        var hall: Int64?
        var method: String?
        var company: Int64?

        init(_ account: LedgerAccount) {
            switch account {
            case .cardPurse(let number): card = number.digits
            case .shiftCash(let id): shift = id.rawValue
            case .hallCashOffice(let id), .cashOverShort(let id): hall = id.rawValue
            case .paymentChannel(let payment): method = payment.rawValue
            case .transitRevenue(let id): company = id?.rawValue
            case .depositsHeld, .cardCostIncome, .feeIncome, .topupOrders, .unsettledSpend, .platformPayable,
                .balanceTransfer:
                break
            }
        }
    }

    /// The journal transaction of a posting, its eight values in parameters `$first` to
    /// `$first + 7`: nothing is inserted when the kind (`$first`) is NULL (a free card sale).
    static func transactionSQL(firstParameter p: Int) -> String {
        """
        INSERT INTO journal_transactions (kind, clerk_id, hall_id, shift_id, idempotency_key, memo, payment_method,
                                          payment_reference)
        SELECT $\(p)::text, $\(p + 1)::bigint, $\(p + 2)::bigint, $\(p + 3)::bigint, $\(p + 4)::text, $\(p + 5)::text,
               $\(p + 6)::text, $\(p + 7)::text
         WHERE $\(p)::text IS NOT NULL
        RETURNING transaction_id
        """
    }

    /// Appends the eight values of ``transactionSQL(firstParameter:)``.
    static func appendTransactionBindings(_ draft: JournalDraft?, context: PostingContext, to bindings: inout PostgresBindings) {
        bindings.append(draft?.kind.rawValue)
        bindings.append(context.actor?.clerkID.rawValue)
        bindings.append(context.hall?.rawValue)
        bindings.append(context.shift?.rawValue)
        bindings.append(context.idempotencyKey)
        bindings.append(context.memo)
        bindings.append(context.payment?.method.rawValue)
        bindings.append(context.payment?.reference?.value)
    }

    /// The entries of the journal transaction in the CTE `transaction`, the six arrays of
    /// ``PostingArrays`` in parameters `$first` to `$first + 5` and its companies in `$companies`
    /// (nil: no posting names a company, as in sales and loads). Accounts are found by owner through
    /// the unique index (a lateral lookup per posting, so that a cached plan never turns into a scan
    /// of all accounts as they grow); a posting whose account does not exist yet inserts nothing, so callers
    /// compare the rows inserted with the postings (``ensureAccounts(_:connection:logger:)``
    /// creates per-card, per-shift and per-hall accounts first where they may be missing).
    static func entriesSQL(transaction: String, firstParameter p: Int, companies: Int? = nil) -> String {
        // Without the companies array, every posting's company is none (0).
        let (array, company) = companies.map { (", $\($0)::bigint[]", "e.company") } ?? ("", "0")
        return """
            INSERT INTO journal_entries (transaction_id, account_id, amount_fen)
            SELECT t.transaction_id, a.account_id, e.amount
              FROM \(transaction) t
             CROSS JOIN unnest($\(p)::text[], $\(p + 1)::text[], $\(p + 2)::bigint[], $\(p + 3)::bigint[], $\(p + 4)::text[],
                               $\(p + 5)::bigint[]\(array)) AS e(kind, card, shift, hall, method, amount\(companies == nil ? "" : ", company"))
              JOIN LATERAL (
                       SELECT account_id FROM ledger_accounts
                        WHERE kind = e.kind AND COALESCE(card_number, '') = e.card AND COALESCE(shift_id, 0) = e.shift
                          AND COALESCE(hall_id, 0) = e.hall AND COALESCE(payment_method, '') = e.method
                          AND COALESCE(company_id, 0) = \(company)) a ON true
            RETURNING 1
            """
    }

    /// One journal transaction and its entries in one statement.
    struct Post: PostgresPreparedStatement {
        static let name = "ledger.post"
        static let sql = """
            WITH tx AS (\(transactionSQL(firstParameter: 1))),
                 entries AS (\(entriesSQL(transaction: "tx", firstParameter: 9, companies: 15)))
            SELECT transaction_id, (SELECT count(*) FROM entries) FROM tx
            """
        typealias Row = (Int64, Int64)
        let draft: JournalDraft
        let context: PostingContext

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 15)
            LedgerStore.appendTransactionBindings(draft, context: context, to: &bindings)
            let arrays = PostingArrays(draft.postings)
            arrays.appendBindings(to: &bindings)
            arrays.appendCompanies(to: &bindings)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> (Int64, Int64) { try row.decode((Int64, Int64).self) }
    }

    /// Creates the accounts of `accounts` that are made on first use and do not exist yet; the
    /// unique index on owners makes concurrent creations converge on one row.
    static func ensureAccounts(_ accounts: [LedgerAccount], connection: PostgresConnection, logger: Logger) async throws {
        // Shared system accounts and payment channels exist from migration 0001 on.
        let shared: Set<AccountKind> = [.depositsHeld, .cardCostIncome, .feeIncome, .paymentChannel]
        var firstUse: [LedgerAccount] = []
        for account in accounts where !shared.contains(account.kind) && !firstUse.contains(account) {
            firstUse.append(account)
        }
        guard !firstUse.isEmpty else { return }
        try await connection.run(EnsureAccounts(accounts: firstUse), logger: logger)
    }

    struct EnsureAccounts: PostgresPreparedStatement {
        static let name = "ledger.ensure_accounts"
        static let sql = """
            INSERT INTO ledger_accounts (kind, normal_side, card_number, shift_id, hall_id, payment_method, company_id,
                                         tracks_balance)
            SELECT kind, side, NULLIF(card, ''), NULLIF(shift, 0), NULLIF(hall, 0), NULLIF(method, ''), NULLIF(company, 0),
                   tracks
              FROM unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[],
                          $8::boolean[])
                   AS a(kind, side, card, shift, hall, method, company, tracks)
            ON CONFLICT DO NOTHING
            """
        typealias Row = ()
        let accounts: [LedgerAccount]

        func makeBindings() throws -> PostgresBindings {
            let owners = accounts.map(Owner.init)
            var bindings = PostgresBindings(capacity: 8)
            bindings.append(accounts.map(\.kind.rawValue))
            bindings.append(accounts.map { Int16($0.kind.normalSide) })
            bindings.append(owners.map { $0.card ?? "" })
            bindings.append(owners.map { $0.shift ?? 0 })
            bindings.append(owners.map { $0.hall ?? 0 })
            bindings.append(owners.map { $0.method ?? "" })
            bindings.append(owners.map { $0.company ?? 0 })
            bindings.append(accounts.map(\.kind.tracksBalance))
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    /// Inserts one journal transaction with its entries, in one statement after creating any
    /// first-use accounts. The database re-checks balance at commit.
    static func post(
        _ draft: JournalDraft, context: PostingContext, connection: PostgresConnection, logger: Logger
    ) async throws -> JournalTransactionID {
        try await ensureAccounts(draft.postings.map(\.account), connection: connection, logger: logger)
        var posted: (Int64, Int64)?
        for try await row in try await connection.execute(Post(draft: draft, context: context), logger: logger) {
            posted = row
        }
        guard let (transactionID, entries) = posted, entries == draft.postings.count else {
            throw TongkaError(.internalError, detail: "a journal posting found fewer accounts than it names")
        }
        return JournalTransactionID(transactionID)
    }

    /// The same posting where the caller already holds the ids of most of its accounts (an upload
    /// of taps has locked every card purse it debits): only the others are found (or made) by
    /// owner, and the entries name accounts by id. An upload of 1,000 records spared 1,000 look-ups by
    /// owner (an expression index probe or a join with every account) and as many first-use
    /// inserts; the entries' foreign key still proves every id.
    static func post(
        _ draft: JournalDraft, context: PostingContext, knownAccounts: [LedgerAccount: Int64],
        connection: PostgresConnection, logger: Logger
    ) async throws -> JournalTransactionID {
        var ids = knownAccounts
        for account in Set(draft.postings.map(\.account)) where ids[account] == nil {
            ids[account] = try await accountID(account, connection: connection, logger: logger).rawValue
        }
        var posted: (Int64, Int64)?
        for try await row in try await connection.execute(
            PostToAccounts(draft: draft, context: context, accounts: draft.postings.map { ids[$0.account]! }), logger: logger)
        {
            posted = row
        }
        guard let (transactionID, entries) = posted, entries == draft.postings.count else {
            throw TongkaError(.internalError, detail: "a journal posting inserted fewer entries than it names")
        }
        return JournalTransactionID(transactionID)
    }

    /// One journal transaction and its entries by account id, in one statement.
    struct PostToAccounts: PostgresPreparedStatement {
        static let name = "ledger.post_to_accounts"
        static let sql = """
            WITH tx AS (\(transactionSQL(firstParameter: 1))),
                 entries AS (INSERT INTO journal_entries (transaction_id, account_id, amount_fen)
                             SELECT t.transaction_id, e.account, e.amount
                               FROM tx t CROSS JOIN unnest($9::bigint[], $10::bigint[]) AS e(account, amount)
                             RETURNING 1)
            SELECT transaction_id, (SELECT count(*) FROM entries) FROM tx
            """
        typealias Row = (Int64, Int64)
        let draft: JournalDraft
        let context: PostingContext
        let accounts: [Int64]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 10)
            LedgerStore.appendTransactionBindings(draft, context: context, to: &bindings)
            bindings.append(accounts)
            bindings.append(draft.postings.map(\.amount.fen))
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> (Int64, Int64) { try row.decode((Int64, Int64).self) }
    }

    /// The cash in a shift's drawer: the sum of its account's entries (drawers keep no stored
    /// balance, so cash-ins never wait for each other). Callers that pay cash out hold the shift
    /// row FOR NO KEY UPDATE or stronger first, so no other payout can move it meanwhile.
    static func drawerCash(shift: ShiftID, connection: PostgresConnection, logger: Logger) async throws -> Money {
        Money(
            fen: try await connection.one(
                """
                SELECT COALESCE(sum(e.amount_fen), 0)::bigint FROM ledger_accounts a
                  JOIN journal_entries e ON e.account_id = a.account_id
                 WHERE a.kind = 'shift_cash' AND a.shift_id = \(shift.rawValue)
                """, as: (Int64.self), logger: logger))
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
        /// Card purses with a negative stored balance, and drawers whose entries sum below zero.
        public var negativeBalances: [Int64]
        /// The sum of every entry in the ledger: zero when every transaction balances.
        public var totalFen: Int64
        public var passed: Bool {
            unbalancedTransactions.isEmpty && balanceMismatches.isEmpty && negativeBalances.isEmpty && totalFen == 0
        }
    }

    /// Proves that every transaction sums to zero with two or more entries, that every stored
    /// balance (card purses) equals the sum of its account's entries and that no purse or drawer
    /// is below zero (a drawer's balance is the sum of its entries). Runs in one REPEATABLE READ snapshot, so
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
            """
            SELECT account_id FROM ledger_accounts WHERE tracks_balance AND balance_fen < 0
             UNION
            SELECT a.account_id FROM ledger_accounts a JOIN journal_entries e ON e.account_id = a.account_id
             WHERE a.kind = 'shift_cash' GROUP BY a.account_id HAVING sum(e.amount_fen) < 0
             ORDER BY account_id LIMIT 1000
            """, as: (Int64.self), logger: logger)
        return CheckReport(
            transactions: counts.0, entries: counts.1, accounts: counts.2, unbalancedTransactions: unbalanced,
            balanceMismatches: mismatched, negativeBalances: negative, totalFen: counts.3)
    }
}
