import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct ShiftStoreTests {
    func insertOpenShift(_ staffed: Staffed, clerk: ClerkID) async throws -> Int64 {
        try await staffed.database.transaction { connection in
            try await connection.one(
                "INSERT INTO shifts (clerk_id, hall_id, opening_float_fen) VALUES (\(clerk.rawValue), \(staffed.hall.id.rawValue), 0) RETURNING shift_id",
                as: (Int64.self), logger: testLogger)
        }
    }

    // MARK: The shifts table

    @Test func theDatabaseAllowsOneOpenShiftPerClerkAndAnotherAfterClosing() async throws {
        try await withStaff { staffed in
            let (other, _) = try await staffed.staff.createClerk(
                username: "lisi", displayName: "李四", role: .clerk, hallCode: "HQ", origin: staffed.adminOrigin, now: Date())
            let first = try await insertOpenShift(staffed, clerk: staffed.clerk.id)
            await expectFailure(.shiftAlreadyOpen) { try await insertOpenShift(staffed, clerk: staffed.clerk.id) }
            // Another clerk is not affected.
            _ = try await insertOpenShift(staffed, clerk: other.id)
            try await staffed.database.execute(
                "UPDATE shifts SET closed_at = now(), expected_cash_fen = 0, counted_cash_fen = 0 WHERE shift_id = \(first)")
            let second = try await insertOpenShift(staffed, clerk: staffed.clerk.id)
            #expect(second != first)
            let open = try await staffed.database.value(
                "SELECT count(*) FROM shifts WHERE clerk_id = \(staffed.clerk.id.rawValue) AND closed_at IS NULL", as: Int64.self)
            #expect(open == 1)
        }
    }

    @Test func twoConcurrentOpensWithDifferentKeysGiveOneShift() async throws {
        try await withStaff { staffed in
            async let a = outcome {
                try await staffed.shifts.open(float: Money(fen: 100), idempotencyKey: "open-race-a", origin: staffed.clerkOrigin)
            }
            async let b = outcome {
                try await staffed.shifts.open(float: Money(fen: 100), idempotencyKey: "open-race-b", origin: staffed.clerkOrigin)
            }
            let results = await [a, b]
            let opened = results.compactMap { try? $0.get() }
            #expect(opened.count == 1)
            for case .failure(let error) in results {
                #expect((error as? TongkaError)?.code == .shiftAlreadyOpen, "\(String(reflecting: error))")
            }
            let shifts = try await staffed.database.value("SELECT count(*) FROM shifts", as: Int64.self)
            #expect(shifts == 1)
            // The loser left nothing behind: one journal transaction, one idempotency record.
            #expect(try await staffed.database.value("SELECT count(*) FROM journal_transactions", as: Int64.self) == 1)
            #expect(try await staffed.database.value("SELECT count(*) FROM idempotency_keys", as: Int64.self) == 1)
        }
    }

    @Test func aClosedShiftCannotBeUpdatedOrDeleted() async throws {
        try await withStaff { staffed in
            let (opened, _) = try await staffed.shifts.open(
                float: Money(fen: 20_000), idempotencyKey: "open-closed-1", origin: staffed.clerkOrigin)
            let (closed, _) = try await staffed.shifts.close(
                counted: Money(fen: 19_500), note: "短款", idempotencyKey: "close-closed-1", origin: staffed.clerkOrigin)
            let id = opened.shift.id.rawValue
            #expect(closed.shift.difference == Money(fen: -500))

            await expectFailure(.shiftClosed) {
                try await staffed.database.execute("UPDATE shifts SET counted_cash_fen = 20000 WHERE shift_id = \(id)")
            }
            await expectFailure(.shiftClosed) {
                try await staffed.database.execute(
                    "UPDATE shifts SET closed_at = NULL, expected_cash_fen = NULL, counted_cash_fen = NULL WHERE shift_id = \(id)"
                )
            }
            await expectFailure(.shiftClosed) {
                try await staffed.database.execute("UPDATE shifts SET close_note = close_note WHERE shift_id = \(id)")
            }
            await expectViolation("shifts_append_only", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM shifts WHERE shift_id = \(id)")
            }
            let after = try await staffed.shifts.shift(id: opened.shift.id, actor: staffed.clerk.actor)
            #expect(after.shift == closed.shift)
        }
    }

    @Test func anOpenShiftCannotBeDeletedAndItsOpeningDataNeverChanges() async throws {
        try await withStaff { staffed in
            let (opened, _) = try await staffed.shifts.open(
                float: Money(fen: 30_000), idempotencyKey: "open-fixed-1", origin: staffed.clerkOrigin)
            let id = opened.shift.id.rawValue
            let (other, _) = try await staffed.staff.createClerk(
                username: "wangwu", displayName: "王五", role: .clerk, hallCode: "HQ", origin: staffed.adminOrigin, now: Date())
            let hall2 = try await staffed.halls.createHall(code: "CS01", name: "五一广场", address: nil, origin: staffed.adminOrigin)
            for change in [
                "opening_float_fen = 1", "opened_at = opened_at - interval '1 hour'", "clerk_id = \(other.id.rawValue)",
                "hall_id = \(hall2.id.rawValue)",
            ] {
                await expectViolation("shifts_append_only", sqlState: "TK001") {
                    try await staffed.database.execute(
                        PostgresQuery(unsafeSQL: "UPDATE shifts SET \(change) WHERE shift_id = \(id)"))
                }
            }
            await expectViolation("shifts_append_only", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM shifts WHERE shift_id = \(id)")
            }
            let now = try await staffed.shifts.current(actor: staffed.clerk.actor)
            #expect(now.shift.openingFloat == Money(fen: 30_000))
            #expect(now.shift.openedAt == opened.shift.openedAt)
            #expect(now.shift.clerkID == staffed.clerk.id)
            #expect(now.shift.hallID == staffed.hall.id)
        }
    }

    // MARK: Idempotency

    @Test func twoConcurrentOpensWithOneKeyAndBodyGiveOneShiftAndOneReplay() async throws {
        try await withStaff { staffed in
            let key = "open-same-key-1"
            async let a = staffed.shifts.open(float: Money(fen: 10_000), idempotencyKey: key, origin: staffed.clerkOrigin)
            async let b = staffed.shifts.open(float: Money(fen: 10_000), idempotencyKey: key, origin: staffed.clerkOrigin)
            let results = try await [a, b]
            #expect(results.map(\.replayed).sorted { !$0 && $1 } == [false, true])
            let original = try #require(results.first { !$0.replayed })
            let replay = try #require(results.first { $0.replayed })
            #expect(replay.0.shift.id == original.0.shift.id)
            #expect(replay.0 == original.0)
            #expect(try await staffed.database.value("SELECT count(*) FROM shifts", as: Int64.self) == 1)
            #expect(try await staffed.database.value("SELECT count(*) FROM journal_transactions", as: Int64.self) == 1)
            #expect(
                try await staffed.database.value("SELECT count(*) FROM audit_events WHERE action = 'shift.open'", as: Int64.self)
                    == 1)

            // Later, the same key and body replays again; another body is refused.
            let again = try await staffed.shifts.open(float: Money(fen: 10_000), idempotencyKey: key, origin: staffed.clerkOrigin)
            #expect(again.replayed)
            #expect(again.0.shift.id == original.0.shift.id)
            await expectFailure(.idempotencyKeyReused) {
                try await staffed.shifts.open(float: Money(fen: 10_001), idempotencyKey: key, origin: staffed.clerkOrigin)
            }
            // Keys are scoped by operation: the same key on `shift.close` names a command of its own.
            let closed = try await staffed.shifts.close(
                counted: Money(fen: 10_000), note: nil, idempotencyKey: key, origin: staffed.clerkOrigin)
            #expect(!closed.replayed)
            #expect(closed.0.shift.id == original.0.shift.id)
            #expect(!closed.0.shift.isOpen)
        }
    }

    @Test func twoConcurrentOpensWithOneKeyButDifferentBodiesGiveOneShiftAndOneRefusal() async throws {
        try await withStaff { staffed in
            let key = "open-same-key-2"
            async let a = outcome {
                try await staffed.shifts.open(float: Money(fen: 10_000), idempotencyKey: key, origin: staffed.clerkOrigin)
            }
            async let b = outcome {
                try await staffed.shifts.open(float: Money(fen: 20_000), idempotencyKey: key, origin: staffed.clerkOrigin)
            }
            let results = await [a, b]
            let opened = results.compactMap { try? $0.get() }
            #expect(opened.count == 1)
            #expect(opened.first?.replayed == false)
            for case .failure(let error) in results {
                #expect((error as? TongkaError)?.code == .idempotencyKeyReused, "\(String(reflecting: error))")
            }
            let shifts = try await staffed.database.value("SELECT count(*) FROM shifts", as: Int64.self)
            #expect(shifts == 1)
        }
    }

    @Test func aKeyOfAnotherClerkIsIndependent() async throws {
        try await withStaff { staffed in
            let (other, _) = try await staffed.staff.createClerk(
                username: "lisi", displayName: "李四", role: .clerk, hallCode: "HQ", origin: staffed.adminOrigin, now: Date())
            let mine = try await staffed.shifts.open(
                float: Money(fen: 100), idempotencyKey: "open-shared-1", origin: staffed.clerkOrigin)
            let theirs = try await staffed.shifts.open(
                float: Money(fen: 200), idempotencyKey: "open-shared-1", origin: origin(other.actor))
            #expect(!theirs.replayed)
            #expect(theirs.0.shift.id != mine.0.shift.id)
            #expect(theirs.0.shift.clerkID == other.id)
        }
    }
}
