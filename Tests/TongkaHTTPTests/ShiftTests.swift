import Foundation
import Testing
import TongkaClient
import TongkaDomain
import TongkaTestSupport

@Suite(.timeLimit(.minutes(5))) struct ShiftTests {
    @Test func aClerkOpensAndClosesAShiftAndTheSupervisorSeesTheDifference() async throws {
        try await withFixture { fixture in
            let opened = try await fixture.clerk.openShift(floatFen: 50_000, idempotencyKey: "open-0001")
            #expect(opened.shift.open)
            #expect(opened.shift.openingFloatFen == 50_000)
            #expect(opened.shift.expectedCashFen == 50_000)
            #expect(!opened.replayed)
            let status = try await fixture.clerk.currentShift()
            #expect(status.shift.id == opened.shift.id)
            #expect(try await fixture.clerk.me().openShiftId == opened.shift.id)

            let closed = try await fixture.clerk.closeShift(countedFen: 49_000, note: "少十元", idempotencyKey: "close-0001")
            #expect(!closed.shift.open)
            #expect(closed.shift.expectedCashFen == 50_000)
            #expect(closed.shift.countedCashFen == 49_000)
            #expect(closed.shift.differenceFen == -1_000)
            #expect(closed.shift.closeNote == "少十元")

            let differences = try await fixture.supervisor.shifts(differencesOnly: true)
            #expect(differences.map(\.id) == [opened.shift.id])
            #expect(differences.first?.differenceFen == -1_000)
            #expect(try await fixture.supervisor.shift(id: opened.shift.id).shift.differenceFen == -1_000)
            #expect(try await fixture.clerk.shift(id: opened.shift.id).shift.clerk == "zhangsan")

            let check = try await fixture.auditor.checkLedger()
            #expect(check.passed)
            #expect(check.transactions == 2)
            #expect(check.totalFen == 0)
        }
    }

    @Test func aClosedShiftCannotBeReopenedOrClosedAgain() async throws {
        try await withFixture { fixture in
            let opened = try await fixture.clerk.openShift(floatFen: 10_000, idempotencyKey: "open-0002")
            _ = try await fixture.clerk.closeShift(countedFen: 10_000, note: nil, idempotencyKey: "close-0002")
            await expectFailure(.noOpenShift) {
                try await fixture.clerk.closeShift(countedFen: 10_000, note: nil, idempotencyKey: "close-0003")
            }
            await expectFailure(.noOpenShift) { try await fixture.clerk.currentShift() }
            // A new shift is a new shift, never the old one reopened.
            let next = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-0003")
            #expect(next.shift.id != opened.shift.id)
            #expect(try await fixture.clerk.shift(id: opened.shift.id).shift.open == false)
        }
    }

    @Test func moneyCommandsNeedAWellFormedIdempotencyKey() async throws {
        try await withFixture { fixture in
            let token = try await fixture.server.token(username: "zhangsan")
            let body = Data(#"{"openingFloatFen": 100}"#.utf8)
            let missing = try await fixture.server.raw(.POST, "/v1/shifts", token: token, body: body)
            #expect(missing.status == 400)
            #expect(missing.code == "idempotency_key_missing")
            await expectFailure(.idempotencyKeyMissing) {
                throw APIFailure(status: missing.status, code: missing.code ?? "", message: "")
            }
            await expectFailure(.idempotencyKeyInvalid) {
                try await fixture.clerk.openShift(floatFen: 100, idempotencyKey: "short")
            }
            await expectFailure(.idempotencyKeyInvalid) {
                try await fixture.clerk.openShift(floatFen: 100, idempotencyKey: "has spaces in it")
            }
            await expectFailure(.noOpenShift) { try await fixture.clerk.currentShift() }
        }
    }

    @Test func aRepeatedOpenReturnsTheFirstResultAndADifferentBodyIsRefused() async throws {
        try await withFixture { fixture in
            let first = try await fixture.clerk.openShift(floatFen: 20_000, idempotencyKey: "open-repeat-1")
            let again = try await fixture.clerk.openShift(floatFen: 20_000, idempotencyKey: "open-repeat-1")
            #expect(again.replayed)
            #expect(again.shift.id == first.shift.id)
            await expectFailure(.idempotencyKeyReused) {
                try await fixture.clerk.openShift(floatFen: 30_000, idempotencyKey: "open-repeat-1")
            }
            // Keys belong to their clerk: another clerk's identical key is a separate command.
            let other = try await fixture.supervisor.openShift(floatFen: 20_000, idempotencyKey: "open-repeat-1")
            #expect(!other.replayed)
            #expect(other.shift.id != first.shift.id)
            #expect(try await fixture.auditor.checkLedger().transactions == 2)
        }
    }

    @Test func oneOpenShiftPerClerkEvenWhenOpensRace() async throws {
        try await withFixture { fixture in
            let results = await withTaskGroup(of: Result<Int64, APIFailure>.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            return .success(
                                try await fixture.clerk.openShift(floatFen: 1_000, idempotencyKey: "race-open-\(index)").shift.id)
                        } catch let failure as APIFailure {
                            return .failure(failure)
                        } catch {
                            return .failure(APIFailure(status: 0, code: "other", message: "\(error)"))
                        }
                    }
                }
                var all: [Result<Int64, APIFailure>] = []
                for await result in group { all.append(result) }
                return all
            }
            let opened = results.compactMap { try? $0.get() }
            #expect(opened.count == 1)
            let refused = results.compactMap { result -> String? in if case .failure(let f) = result { f.code } else { nil } }
            #expect(refused.count == 7)
            #expect(refused.allSatisfy { $0 == ErrorCode.shiftAlreadyOpen.rawValue })
            await expectFailure(.shiftAlreadyOpen) {
                try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "race-open-again")
            }
            let check = try await fixture.auditor.checkLedger()
            #expect(check.passed)
            #expect(check.transactions == 1)
        }
    }

    @Test func amountsMustBeSaneFen() async throws {
        try await withFixture { fixture in
            await expectFailure(.amountOutOfRange) {
                try await fixture.clerk.openShift(floatFen: -1, idempotencyKey: "open-negative")
            }
            await expectFailure(.amountOutOfRange) {
                try await fixture.clerk.openShift(floatFen: Money.maximumFen + 1, idempotencyKey: "open-absurd")
            }
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-zero")
            await expectFailure(.amountOutOfRange) {
                try await fixture.clerk.closeShift(countedFen: -5, note: nil, idempotencyKey: "close-negative")
            }
            #expect(try await fixture.clerk.currentShift().shift.open)
        }
    }

    @Test func onlyCounterStaffOpenShiftsAndOnlyOversightListsThem() async throws {
        try await withFixture { fixture in
            await expectFailure(.forbiddenRole) { try await fixture.admin.openShift(floatFen: 0, idempotencyKey: "admin-open-1") }
            await expectFailure(.forbiddenRole) {
                try await fixture.auditor.openShift(floatFen: 0, idempotencyKey: "audit-open-1")
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.shifts() }
            let other = try await fixture.otherClerk.openShift(floatFen: 0, idempotencyKey: "other-open-1")
            // The CS01 supervisor does not see or open HQ's shift; a CS01 clerk cannot read it.
            #expect(try await fixture.supervisor.shifts().isEmpty)
            await expectFailure(.forbiddenHall) { try await fixture.supervisor.shifts(hall: "HQ") }
            await expectFailure(.forbiddenHall) { try await fixture.supervisor.shift(id: other.shift.id) }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.shift(id: other.shift.id) }
            await expectFailure(.shiftNotFound) { try await fixture.auditor.shift(id: 999_999) }
            #expect(try await fixture.auditor.shifts(openOnly: true).map(\.hall) == ["HQ"])
            await expectFailure(.invalidDate) { try await fixture.auditor.shifts(from: "2026-13-01") }
            await expectFailure(.invalidDateRange) { try await fixture.auditor.shifts(from: "2026-11-02", to: "2026-11-01") }
            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description
            #expect(try await fixture.auditor.shifts(from: today, to: today).count == 1)
        }
    }

    @Test func auditorsAndAdminsRunTheLedgerCheckOthersCannot() async throws {
        try await withFixture { fixture in
            let check = try await fixture.admin.checkLedger()
            #expect(check.passed)
            await expectFailure(.forbiddenRole) { try await fixture.clerk.checkLedger() }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.checkLedger() }
        }
    }
}
