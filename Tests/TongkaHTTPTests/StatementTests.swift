import Foundation
import Testing
import TongkaAPI
import TongkaCardSim
import TongkaCardTerminal
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// Card statements, the shift's top-ups at close, and the top-up report, through the real load
/// protocol with a software card.
@Suite(.timeLimit(.minutes(5))) struct StatementTests {
    /// A load the card never credits (its CREDIT FOR LOAD is lost before it reaches the card),
    /// left undecided: MAC2 issued, no TAC.
    static func uncreditedLoad(_ bench: LoadBench, fen: UInt32) async throws -> Int64 {
        await bench.reader.inject(.dropCommand(ins: 0x52))
        let host = APILoadHost(bench.fixture.clerk)
        await #expect(throws: PurseTerminalError.self) {
            _ = try await bench.purse.load(amount: fen, terminal: bench.terminal, dateTime: try Loads.now(), host: host)
        }
        return await host.authorised!.loadId
    }

    static var today: String { CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description }

    @Test func aStatementListsEveryMovementWithARunningBalanceEndingAtTheCardBalance() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let cash = try await bench.topUp(5_000)
            let wechat = try await bench.topUp(2_000, payment: .wechatPay, reference: "WX2026120100001")
            let grey = try await Self.uncreditedLoad(bench, fen: 4_000)
            let reversed = try await fixture.clerk.resolveLoad(
                id: grey, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            #expect(reversed.state == .reversed)

            // Any staff may read it, also an auditor without a hall.
            let statement = try await fixture.auditor.cardStatement(bench.card)
            #expect(
                statement.lines.map { "\($0.kind) \($0.amountFen) \($0.balanceFen) \($0.loadId ?? 0)" } == [
                    "card_load 5000 5000 \(cash.loadId)", "card_load 2000 7000 \(wechat.loadId)",
                    "card_load 4000 11000 \(grey)", "load_reversal -4000 7000 \(grey)",
                ])
            #expect(statement.lines.map(\.paymentMethod) == [.cash, .wechatPay, .cash, .cash])
            #expect(statement.lines[1].paymentReference == "WX2026120100001")
            #expect(statement.lines.allSatisfy { $0.hall == "CS01" && $0.clerk == "zhangsan" })
            #expect(statement.lines.last?.balanceFen == statement.balanceFen)
            #expect(try await fixture.clerk.card(bench.card).balanceFen == statement.balanceFen)
            #expect(statement.balanceFen == Int64(try bench.cardBalance))
            #expect(statement.openingBalanceFen == 0 && !statement.truncated)
            #expect(statement.timeZone == "Asia/Shanghai")
            #expect(statement.lines[0].localTime.hasPrefix(Self.today))

            // The newest lines only: the running balance still counts the older ones.
            let newest = try await fixture.clerk.cardStatement(bench.card, limit: 2)
            #expect(newest.lines.map(\.balanceFen) == [11_000, 7_000])
            #expect(newest.openingBalanceFen == 7_000 && newest.truncated)

            await expectFailure(.cardNotFound) { try await fixture.clerk.cardStatement(Cards.number(9)) }
        }
    }

    @Test func aClerkCannotCloseAShiftWithAnUndecidedLoadAndClosesOnceItIsResolved() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(3_000)
            try await bench.topUp(2_000, payment: .alipay, reference: "ALI2026120100001")
            let open = try await Self.uncreditedLoad(bench, fen: 1_000)

            let live = try await fixture.clerk.currentShift()
            #expect(
                live.loadTotals.map { "\($0.state.rawValue) \($0.paymentMethod?.rawValue ?? "-") \($0.loads) \($0.amountFen)" }
                    == [
                        "confirmed alipay 1 2000", "confirmed cash 1 3000", "mac2_issued cash 1 1000",
                    ])
            #expect(live.openLoads.map(\.loadId) == [open])
            // The channel payment of the top-up is listed with its reference for reconciliation.
            #expect(
                live.channelPayments.map { "\($0.method.rawValue) \($0.reference) \($0.amountFen)" } == [
                    "alipay ALI2026120100001 2000"
                ])

            await expectFailure(.greyLoadPending) {
                try await fixture.clerk.closeShift(
                    countedFen: live.shift.expectedCashFen, note: nil, idempotencyKey: UUID().uuidString)
            }
            _ = try await fixture.clerk.resolveLoad(
                id: open, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            let expected = try await fixture.clerk.currentShift().shift.expectedCashFen
            #expect(expected == live.shift.expectedCashFen - 1_000)
            let closed = try await fixture.clerk.closeShift(countedFen: expected, note: nil, idempotencyKey: "close-after-1")
            #expect(!closed.shift.open && closed.shift.differenceFen == 0)
            #expect(closed.openLoads.isEmpty)
            #expect(closed.loadTotals.contains { $0.state == .reversed && $0.loads == 1 && $0.amountFen == 1_000 })
            #expect(closed.channelPayments.map(\.reference) == ["ALI2026120100001"])
            // A replay of the close answers the same report.
            let again = try await fixture.clerk.closeShift(countedFen: expected, note: nil, idempotencyKey: "close-after-1")
            #expect(again.replayed && again.loadTotals == closed.loadTotals)
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func aSupervisorsForcedCloseLeavesTheLoadOpenAndTheReportSaysWhich() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            let open = try await Self.uncreditedLoad(bench, fen: 1_500)
            let shift = try await fixture.clerk.currentShift()
            let closed = try await fixture.supervisor.forceCloseShift(
                id: shift.shift.id, countedFen: shift.shift.expectedCashFen, reason: "the counter's reader broke",
                idempotencyKey: UUID().uuidString)
            #expect(!closed.shift.open)
            #expect(closed.openLoads.map { "\($0.loadId) \($0.state.rawValue) \($0.amountFen)" } == ["\(open) mac2_issued 1500"])
            #expect(try await fixture.supervisor.shift(id: shift.shift.id).openLoads.map(\.loadId) == [open])
        }
    }

    @Test func theTopupReportGroupsLoadsByHallChannelAndProductAndRefusesABadGrouping() async throws {
        try await withFixture { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            try await bench.topUp(2_000, payment: .wechatPay, reference: "WX2026120100002")
            let grey = try await Self.uncreditedLoad(bench, fen: 4_000)
            _ = try await fixture.clerk.resolveLoad(
                id: grey, evidence: try await bench.evidence(), idempotencyKey: UUID().uuidString)
            _ = try await Self.uncreditedLoad(bench, fen: 1_000)
            let today = Self.today

            let byChannel = try await fixture.auditor.topupReport(
                from: today, to: today, period: .day, groupBy: "channel", hall: nil)
            func describe(_ row: Components.Schemas.TopupRow) -> String {
                [row.period, row.hall ?? "-", row.channel ?? "-", row.product ?? "-"].joined(separator: " ")
                    + " \(row.confirmed.loads)/\(row.confirmed.amountFen) \(row.reversed.loads)/\(row.reversed.amountFen)"
                    + " \(row.voided.loads)/\(row.voided.amountFen) \(row.open.loads)/\(row.open.amountFen)"
            }
            #expect(
                byChannel.rows.map(describe) == [
                    "\(today) - cash - 1/5000 1/4000 0/0 1/1000", "\(today) - wechat_pay - 1/2000 0/0 0/0 0/0",
                ])
            #expect(byChannel.confirmed.loads == 2 && byChannel.confirmed.amountFen == 7_000)
            #expect(byChannel.reversed.amountFen == 4_000 && byChannel.open.amountFen == 1_000)
            #expect(byChannel.groupBy == ["channel"] && byChannel.timeZone == "Asia/Shanghai")

            // Any order asked reads in one fixed order; a supervisor sees their own hall.
            let all = try await fixture.supervisor.topupReport(
                from: today, to: today, period: .month, groupBy: "product,channel,hall", hall: nil)
            #expect(all.groupBy == ["hall", "channel", "product"])
            #expect(
                all.rows.map(describe) == [
                    "\(today.prefix(7)) CS01 cash STD 1/5000 1/4000 0/0 1/1000",
                    "\(today.prefix(7)) CS01 wechat_pay STD 1/2000 0/0 0/0 0/0",
                ])
            let none = try await fixture.admin.topupReport(from: today, to: today, period: .all, groupBy: "", hall: nil)
            #expect(none.rows.map(describe) == ["all - - - 2/7000 1/4000 0/0 1/1000"])
            let otherHall = try await fixture.admin.topupReport(from: today, to: today, period: .all, groupBy: nil, hall: "HQ")
            #expect(otherHall.rows.isEmpty && otherHall.confirmed.loads == 0)

            await expectFailure(.invalidGrouping) {
                try await fixture.auditor.topupReport(from: today, to: today, period: nil, groupBy: "hall,mode", hall: nil)
            }
            await expectFailure(.invalidGrouping) {
                try await fixture.auditor.topupReport(from: today, to: today, period: nil, groupBy: "hall,hall", hall: nil)
            }
            await expectFailure(.invalidDateRange) {
                try await fixture.auditor.topupReport(from: today, to: "2020-01-01", period: nil, groupBy: nil, hall: nil)
            }
            await expectFailure(.forbiddenHall) {
                try await fixture.supervisor.topupReport(from: today, to: today, period: nil, groupBy: nil, hall: "HQ")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.clerk.topupReport(from: today, to: today, period: nil, groupBy: nil, hall: nil)
            }
        }
    }
}
