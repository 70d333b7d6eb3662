import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// The backstops of migration 0003: what the Swift code never does, the database refuses too.
@Suite(.timeLimit(.minutes(5))) struct GuardTests {
    @Test func nothingPostsToTheDrawerOfAClosedShift() async throws {
        try await withStaff { staffed in
            let (opened, _) = try await staffed.shifts.open(
                float: Money(yuan: 100), idempotencyKey: "open-guard-1", origin: staffed.clerkOrigin)
            _ = try await staffed.shifts.close(
                counted: Money(yuan: 100), note: nil, idempotencyKey: "close-guard-1", origin: staffed.clerkOrigin)
            let shift = opened.shift.id
            let draft = try JournalDraft(
                kind: .cardIssue,
                postings: [
                    Posting(.shiftCash(shift), Money(yuan: 5)), Posting(.cardCostIncome, Money(yuan: -5)),
                ])
            await expectFailure(.shiftClosed) {
                try await staffed.database.transaction { connection in
                    try await LedgerStore.post(
                        draft,
                        context: .init(
                            actor: staffed.clerk.actor, hall: staffed.hall.id, shift: shift, idempotencyKey: nil, memo: nil),
                        connection: connection, logger: staffed.database.logger)
                }
            }
            #expect(try await LedgerStore(database: staffed.database).check().passed)
        }
    }

    @Test func ledgerAccountsKeepTheirOwnerAndAreNeverDeleted() async throws {
        try await withStaff { staffed in
            let (opened, _) = try await staffed.shifts.open(
                float: Money(yuan: 100), idempotencyKey: "open-guard-2", origin: staffed.clerkOrigin)
            let drawer = try await staffed.database.value(
                "SELECT account_id FROM ledger_accounts WHERE kind = 'shift_cash' AND shift_id = \(opened.shift.id.rawValue)",
                as: Int64.self)
            await expectViolation("ledger_accounts_guard", sqlState: "TK001") {
                try await staffed.database.execute(
                    "UPDATE ledger_accounts SET shift_id = NULL, kind = 'fee_income' WHERE account_id = \(drawer)")
            }
            await expectViolation("ledger_accounts_guard", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM ledger_accounts WHERE account_id = \(drawer)")
            }
            #expect(
                try await staffed.database.value(
                    "SELECT sum(amount_fen)::bigint FROM journal_entries WHERE account_id = \(drawer)", as: Int64.self) == 10_000)
        }
    }

    @Test func anIssuedCardNeverReturnsToStockAndItsIssueDataNeverChanges() async throws {
        try await withStaff { staffed in
            let products = ProductStore(database: staffed.database)
            let stock = StockStore(database: staffed.database)
            let definition = try ProductDefinition(
                code: "STD", name: "普通卡", cardType: .ordinary, deposit: Money(yuan: 20), cardCost: .zero,
                replacementFee: .zero, transportModes: [.bus], interconnection: true, allowsAnonymous: true,
                allowsRegistered: true, maximumBalance: Money(yuan: 1000))
            _ = try await products.createProduct(definition, origin: staffed.adminOrigin)
            let file = "3104820000000000001,31045510FFFFFFFF,20260101,20361231,1,A0000001\n"
            _ = try await stock.importStock(
                productCode: "STD", hallCode: "HQ", fileName: nil,
                body: AsyncStream {
                    $0.yield(ArraySlice(file.utf8)); $0.finish()
                },
                today: CalendarDate(year: 2026, month: 11, day: 25)!, origin: staffed.adminOrigin)
            _ = try await staffed.shifts.open(float: .zero, idempotencyKey: "open-guard-3", origin: staffed.clerkOrigin)
            let number = try CardNumber("3104820000000000001", issuerPrefixes: ["31048200"])
            _ = try await CardStore(database: staffed.database).issue(
                cardNumber: number, holder: nil, paymentMethod: .cash, paymentReference: nil, idempotencyKey: "issue-guard-1",
                today: CalendarDate(year: 2026, month: 11, day: 25)!, origin: staffed.clerkOrigin)

            await expectViolation("card_stock_guard", sqlState: "TK001") {
                try await staffed.database.execute(
                    "UPDATE card_stock SET status = 'in_stock' WHERE card_number = \(number.digits)")
            }
            await expectViolation("card_stock_guard", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM card_stock WHERE card_number = \(number.digits)")
            }
            await expectViolation("cards_guard", sqlState: "TK001") {
                try await staffed.database.execute("UPDATE cards SET deposit_fen = 0 WHERE card_number = \(number.digits)")
            }
            await expectViolation("cards_guard", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM cards WHERE card_number = \(number.digits)")
            }
        }
    }
}

extension GuardTests {
    @Test func noJournalTransactionOrCardMayNameAClosedShift() async throws {
        try await withStaff { staffed in
            let (opened, _) = try await staffed.shifts.open(
                float: .zero, idempotencyKey: "open-guard-9", origin: staffed.clerkOrigin)
            _ = try await staffed.shifts.close(
                counted: .zero, note: nil, idempotencyKey: "close-guard-9", origin: staffed.clerkOrigin)
            // Money that went to a payment channel, not the drawer, still names the shift.
            let draft = try JournalDraft(
                kind: .cardIssue,
                postings: [
                    Posting(.paymentChannel(.alipay), Money(yuan: 5)), Posting(.cardCostIncome, Money(yuan: -5)),
                ])
            await expectFailure(.shiftClosed) {
                try await staffed.database.transaction { connection in
                    try await LedgerStore.post(
                        draft,
                        context: .init(
                            actor: staffed.clerk.actor, hall: staffed.hall.id, shift: opened.shift.id, idempotencyKey: nil,
                            memo: nil),
                        connection: connection, logger: staffed.database.logger)
                }
            }
        }
    }
}
