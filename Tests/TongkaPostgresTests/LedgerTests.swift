import Foundation
import PostgresNIO
import Synchronization
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// The ledger's last line of defence is SQL: these tests write to the tables directly (or through
/// the store's internal posting API), never relying on the Swift-side checks of `JournalDraft`.
@Suite(.timeLimit(.minutes(5))) struct LedgerTests {
    /// A clerk with an open shift holding `float` in the drawer.
    struct OpenShift {
        let staffed: Staffed
        let shift: ShiftID
        var database: Database { staffed.database }
        var actor: StaffActor { staffed.clerk.actor }
        var hall: HallID { staffed.hall.id }
    }

    func withOpenShift<T: Sendable>(float: Int64 = 50_000, _ body: (OpenShift) async throws -> T) async throws -> T {
        try await withStaff { staffed in
            let (report, _) = try await staffed.shifts.open(
                float: Money(fen: float), idempotencyKey: "open-ledger-1", origin: staffed.clerkOrigin)
            return try await body(OpenShift(staffed: staffed, shift: report.shift.id))
        }
    }

    /// Posts `postings` as one journal transaction through the store's posting API, in its own
    /// database transaction.
    @discardableResult
    func post(_ postings: [Posting], kind: TransactionKind = .cardIssue, in open: OpenShift) async throws -> JournalTransactionID
    {
        let draft = try JournalDraft(kind: kind, postings: postings)
        return try await open.database.transaction { connection in
            try await LedgerStore.post(
                draft,
                context: .init(actor: open.actor, hall: open.hall, shift: open.shift, idempotencyKey: nil, memo: "test"),
                connection: connection, logger: testLogger)
        }
    }

    struct JournalCounts: Equatable {
        let transactions: Int64
        let entries: Int64
    }

    func counts(_ database: Database) async throws -> JournalCounts {
        JournalCounts(
            transactions: try await database.value("SELECT count(*) FROM journal_transactions", as: Int64.self),
            entries: try await database.value("SELECT count(*) FROM journal_entries", as: Int64.self))
    }

    func accountID(_ account: LedgerAccount, _ database: Database) async throws -> Int64 {
        try await database.transaction { connection in
            try await LedgerStore.accountID(account, connection: connection, logger: testLogger).rawValue
        }
    }

    func balance(_ account: Int64, _ database: Database) async throws -> Int64 {
        try await database.value("SELECT balance_fen FROM ledger_accounts WHERE account_id = \(account)", as: Int64.self)
    }

    /// The cash in the shift's drawer: the sum of its entries (drawers keep no stored balance).
    func drawerCash(_ open: OpenShift) async throws -> Int64 {
        try await open.database.read { connection in
            try await LedgerStore.drawerCash(shift: open.shift, connection: connection, logger: testLogger).fen
        }
    }

    // MARK: Balanced transactions

    @Test func aTransactionWhoseEntriesDoNotSumToZeroFailsAtCommitAndLeavesNothing() async throws {
        try await withOpenShift { open in
            let before = try await counts(open.database)
            let fee = try await accountID(.feeIncome, open.database)
            let cash = try await accountID(.shiftCash(open.shift), open.database)
            let insertsSucceeded = Mutex(false)
            await expectFailure(.unbalancedTransaction) {
                try await open.database.transaction { connection in
                    let id = try await connection.one(
                        """
                        INSERT INTO journal_transactions (kind, clerk_id, hall_id, shift_id)
                        VALUES ('card_issue', \(open.actor.clerkID.rawValue), \(open.hall.rawValue), \(open.shift.rawValue))
                        RETURNING transaction_id
                        """, as: (Int64.self), logger: testLogger)
                    _ = try await connection.query(
                        "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (\(id), \(cash), 1000), (\(id), \(fee), -999)",
                        logger: testLogger)
                    // Deferred: every statement so far succeeded; only COMMIT can refuse.
                    insertsSucceeded.withLock { $0 = true }
                }
            }
            #expect(insertsSucceeded.withLock { $0 })
            let after = try await counts(open.database)
            #expect(after == before)
            #expect(try await drawerCash(open) == 50_000)
        }
    }

    @Test func aTransactionWithASingleEntryOrNoEntryFailsAtCommit() async throws {
        try await withOpenShift { open in
            let before = try await counts(open.database)
            let fee = try await accountID(.feeIncome, open.database)
            await expectFailure(.unbalancedTransaction) {
                try await open.database.transaction { connection in
                    let id = try await connection.one(
                        "INSERT INTO journal_transactions (kind, clerk_id) VALUES ('card_issue', \(open.actor.clerkID.rawValue)) RETURNING transaction_id",
                        as: (Int64.self), logger: testLogger)
                    _ = try await connection.query(
                        "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (\(id), \(fee), 1000)",
                        logger: testLogger)
                }
            }
            await expectFailure(.unbalancedTransaction) {
                try await open.database.execute(
                    "INSERT INTO journal_transactions (kind, clerk_id) VALUES ('card_issue', \(open.actor.clerkID.rawValue))")
            }
            #expect(try await counts(open.database) == before)
        }
    }

    @Test func anEntryOfZeroIsRefused() async throws {
        try await withOpenShift { open in
            let fee = try await accountID(.feeIncome, open.database)
            let cash = try await accountID(.shiftCash(open.shift), open.database)
            await expectFailure(.amountOutOfRange) {
                try await open.database.transaction { connection in
                    let id = try await connection.one(
                        "INSERT INTO journal_transactions (kind, clerk_id) VALUES ('card_issue', \(open.actor.clerkID.rawValue)) RETURNING transaction_id",
                        as: (Int64.self), logger: testLogger)
                    _ = try await connection.query(
                        "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (\(id), \(cash), 100), (\(id), \(fee), -100), (\(id), \(fee), 0)",
                        logger: testLogger)
                }
            }
            // A committed journal transaction is final: not even a balanced pair may join it.
            await expectViolation("journal_append_only", sqlState: "TK001") {
                try await open.database.client.withConnection { connection in
                    _ = try await connection.query(
                        "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (1, \(fee), 5), (1, \(cash), -5)",
                        logger: testLogger)
                }
            }
        }
    }

    // MARK: Append-only journal

    @Test(arguments: [
        "UPDATE journal_entries SET amount_fen = amount_fen * 2",
        "DELETE FROM journal_entries",
        "TRUNCATE journal_entries",
        "UPDATE journal_transactions SET memo = 'edited'",
        "DELETE FROM journal_transactions",
        "TRUNCATE journal_transactions CASCADE",
    ])
    func theJournalIsAppendOnly(statement: String) async throws {
        try await withOpenShift { open in
            let before = try await counts(open.database)
            #expect(before.transactions == 1)
            #expect(before.entries == 2)
            await expectViolation("journal_append_only", sqlState: "TK001") {
                try await open.database.execute(PostgresQuery(unsafeSQL: statement))
            }
            #expect(try await counts(open.database) == before)
            let sum = try await open.database.value(
                "SELECT sum(abs(amount_fen))::bigint FROM journal_entries", as: Int64.self)
            #expect(sum == 100_000)
        }
    }

    // MARK: Balances

    @Test func postingThatTakesTheDrawerBelowZeroFailsWithInsufficientCash() async throws {
        try await withOpenShift(float: 10_000) { open in
            let before = try await counts(open.database)
            await expectFailure(.insufficientCash) {
                try await post(
                    [
                        Posting(.shiftCash(open.shift), Money(fen: -10_001)),
                        Posting(.hallCashOffice(open.hall), Money(fen: 10_001)),
                    ],
                    kind: .shiftClose, in: open)
            }
            #expect(try await counts(open.database) == before)
            // Exactly the whole drawer may leave it.
            try await post(
                [Posting(.shiftCash(open.shift), Money(fen: -10_000)), Posting(.hallCashOffice(open.hall), Money(fen: 10_000))],
                kind: .shiftClose, in: open)
            #expect(try await drawerCash(open) == 0)
        }
    }

    @Test func aCreditNormalPurseCannotGoBelowZeroEither() async throws {
        try await withOpenShift { open in
            let card = LedgerAccount.cardPurse(CardNumber(trusted: "3104820000000000017"))
            // Crediting a credit-normal account raises its balance.
            try await post([Posting(.shiftCash(open.shift), Money(fen: 800)), Posting(card, Money(fen: -800))], in: open)
            let purse = try await accountID(card, open.database)
            #expect(try await balance(purse, open.database) == 800)
            await expectFailure(.insufficientCash) {
                try await post([Posting(card, Money(fen: 1_000)), Posting(.shiftCash(open.shift), Money(fen: -1_000))], in: open)
            }
            #expect(try await balance(purse, open.database) == 800)
        }
    }

    @Test func theDrawerHoldsTheSumOfItsEntriesAfterSeveralPostings() async throws {
        try await withOpenShift(float: 50_000) { open in
            let issue = try #require(
                try LedgerRules.cardIssue(
                    shift: open.shift, payment: .cash, deposit: Money(fen: 2_000), cardCost: Money(fen: 1_000)))
            try await post(issue.postings, in: open)
            try await post(issue.postings, in: open)
            let byCard = try #require(
                try LedgerRules.cardIssue(shift: open.shift, payment: .unionpay, deposit: Money(fen: 2_000), cardCost: .zero))
            try await post(byCard.postings, in: open)
            try await post(
                [Posting(.shiftCash(open.shift), Money(fen: -5_000)), Posting(.hallCashOffice(open.hall), Money(fen: 5_000))],
                kind: .shiftClose, in: open)

            let drawer = try await accountID(.shiftCash(open.shift), open.database)
            // A drawer keeps no stored balance that every sale would have to update.
            #expect(try await balance(drawer, open.database) == 0)
            #expect(try await drawerCash(open) == 51_000)
            let sum = try await open.database.value(
                "SELECT COALESCE(sum(amount_fen), 0)::bigint FROM journal_entries WHERE account_id = \(drawer)", as: Int64.self)
            #expect(sum == 51_000)
            #expect(try await open.staffed.shifts.current(actor: open.actor).shift.expectedCash == Money(fen: 51_000))

            let report = try await LedgerStore(database: open.database).check()
            #expect(report.passed)
            #expect(report.transactions == 5)
            #expect(report.entries == 2 + 3 + 3 + 2 + 2)
            #expect(report.totalFen == 0)
        }
    }

    @Test func concurrentFirstUsesOfOneAccountConvergeOnOneRow() async throws {
        try await withOpenShift { open in
            let card = LedgerAccount.cardPurse(CardNumber(trusted: "3104820000000000025"))
            async let a = accountID(card, open.database)
            async let b = accountID(card, open.database)
            async let c = accountID(card, open.database)
            let ids = try await [a, b, c]
            #expect(Set(ids).count == 1)
            let rows = try await open.database.value(
                "SELECT count(*) FROM ledger_accounts WHERE card_number = '3104820000000000025'", as: Int64.self)
            #expect(rows == 1)
        }
    }

    // MARK: The drawer has no hot row

    func context(_ open: OpenShift) -> LedgerStore.PostingContext {
        .init(actor: open.actor, hall: open.hall, shift: open.shift, idempotencyKey: nil, memo: "test")
    }

    @Test func twoCashSalesIntoOneShiftDoNotWaitForEachOther() async throws {
        try await withOpenShift { open in
            let sale = try #require(
                try LedgerRules.cardIssue(shift: open.shift, payment: .cash, deposit: Money(fen: 2_000), cardCost: .zero))
            try await open.database.client.withConnection { first in
                _ = try await first.query("BEGIN", logger: testLogger)
                _ = try await ShiftStore.lockOpenShift(of: open.actor, connection: first, logger: testLogger)
                _ = try await LedgerStore.post(sale, context: context(open), connection: first, logger: testLogger)
                // The first sale's transaction is still open: the second neither waits for it nor fails.
                try await open.database.client.withConnection { second in
                    _ = try await second.query("BEGIN", logger: testLogger)
                    _ = try await second.query("SET LOCAL lock_timeout = '5s'", logger: testLogger)
                    _ = try await ShiftStore.lockOpenShift(of: open.actor, connection: second, logger: testLogger)
                    _ = try await LedgerStore.post(sale, context: context(open), connection: second, logger: testLogger)
                    _ = try await second.query("COMMIT", logger: testLogger)
                }
                _ = try await first.query("COMMIT", logger: testLogger)
            }
            #expect(try await drawerCash(open) == 50_000 + 4_000)
            #expect(try await LedgerStore(database: open.database).check().passed)
        }
    }

    @Test func twoPayoutsOfTheWholeDrawerAtOnceLeaveItEmptyAndRefuseTheSecond() async throws {
        try await withOpenShift(float: 10_000) { open in
            let payout = try JournalDraft(
                kind: .shiftClose,
                postings: [
                    Posting(.shiftCash(open.shift), Money(fen: -10_000)), Posting(.hallCashOffice(open.hall), Money(fen: 10_000)),
                ])
            try await open.database.client.withConnection { first in
                _ = try await first.query("BEGIN", logger: testLogger)
                _ = try await LedgerStore.post(payout, context: context(open), connection: first, logger: testLogger)
                // The second payout's own sum sees the whole drawer (the first has not committed); the
                // backstop waits for the first's shift lock and sums again.
                let second = Task {
                    try await open.database.transaction { connection in
                        try await LedgerStore.post(payout, context: context(open), connection: connection, logger: testLogger)
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                _ = try await first.query("COMMIT", logger: testLogger)
                await expectFailure(.insufficientCash) { try await second.value }
            }
            #expect(try await drawerCash(open) == 0)
            #expect(try await LedgerStore(database: open.database).check().passed)
        }
    }

    // MARK: The ledger check

    @Test func theCheckPassesOnACleanLedgerAndReportsATamperedBalance() async throws {
        try await withOpenShift { open in
            let ledger = LedgerStore(database: open.database)
            let clean = try await ledger.check()
            #expect(clean.passed)
            #expect(clean.unbalancedTransactions.isEmpty && clean.balanceMismatches.isEmpty && clean.negativeBalances.isEmpty)

            let purse = LedgerAccount.cardPurse(CardNumber(trusted: "3104820000000000031"))
            try await post([Posting(.shiftCash(open.shift), Money(fen: 900)), Posting(purse, Money(fen: -900))], in: open)
            let drawer = try await accountID(purse, open.database)
            // A stored balance changes only through journal entries.
            await expectViolation("ledger_accounts_guard", sqlState: "TK001") {
                try await open.database.client.withConnection { connection in
                    _ = try await connection.query(
                        "UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE account_id = \(drawer)",
                        logger: testLogger)
                }
            }
            // A superuser who switches the guard off can still edit it; the check shows it.
            try await open.database.transaction { connection in
                _ = try await connection.query(
                    "ALTER TABLE ledger_accounts DISABLE TRIGGER ledger_accounts_guard", logger: testLogger)
                _ = try await connection.query(
                    "UPDATE ledger_accounts SET balance_fen = balance_fen + 1 WHERE account_id = \(drawer)", logger: testLogger)
                _ = try await connection.query(
                    "ALTER TABLE ledger_accounts ENABLE TRIGGER ledger_accounts_guard", logger: testLogger)
            }
            let report = try await ledger.check()
            #expect(!report.passed)
            #expect(report.balanceMismatches == [drawer])
            #expect(report.unbalancedTransactions.isEmpty)
            #expect(report.totalFen == 0)
        }
    }

    @Test func theCheckReportsADrawerBelowZeroSlippedPastTheTriggers() async throws {
        try await withOpenShift(float: 50_000) { open in
            let drawer = try await accountID(.shiftCash(open.shift), open.database)
            let office = try await accountID(.hallCashOffice(open.hall), open.database)
            try await open.database.transaction { connection in
                // Replication mode skips the triggers, as a superuser's bulk load could.
                _ = try await connection.query("SET LOCAL session_replication_role = replica", logger: testLogger)
                let id = try await connection.one(
                    "INSERT INTO journal_transactions (kind, clerk_id) VALUES ('shift_close', \(open.actor.clerkID.rawValue)) RETURNING transaction_id",
                    as: (Int64.self), logger: testLogger)
                _ = try await connection.query(
                    "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (\(id), \(drawer), -60000), (\(id), \(office), 60000)",
                    logger: testLogger)
            }
            let report = try await LedgerStore(database: open.database).check()
            #expect(!report.passed)
            #expect(report.negativeBalances == [drawer])
            #expect(report.unbalancedTransactions.isEmpty && report.balanceMismatches.isEmpty)
            #expect(report.totalFen == 0)
        }
    }

    @Test func theCheckReportsAnUnbalancedTransactionSlippedPastTheTriggers() async throws {
        try await withOpenShift { open in
            let fee = try await accountID(.feeIncome, open.database)
            let id = try await open.database.transaction { connection in
                // Replication mode skips ordinary and constraint triggers: the deferred balance check never runs.
                _ = try await connection.query("SET LOCAL session_replication_role = replica", logger: testLogger)
                let id = try await connection.one(
                    "INSERT INTO journal_transactions (kind, clerk_id) VALUES ('card_issue', \(open.actor.clerkID.rawValue)) RETURNING transaction_id",
                    as: (Int64.self), logger: testLogger)
                _ = try await connection.query(
                    "INSERT INTO journal_entries (transaction_id, account_id, amount_fen) VALUES (\(id), \(fee), -700)",
                    logger: testLogger)
                return id
            }
            let report = try await LedgerStore(database: open.database).check()
            #expect(!report.passed)
            #expect(report.unbalancedTransactions == [id])
            #expect(report.totalFen == -700)
            #expect(report.balanceMismatches.isEmpty)
        }
    }
}
