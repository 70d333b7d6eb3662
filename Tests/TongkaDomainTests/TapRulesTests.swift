import Foundation
import Testing
import TongkaDomain

@Suite struct TapRulesTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    let now = Date(timeIntervalSince1970: 1796119820)  // 2026-12-01 10:10:20 UTC, 18:10:20 in Shanghai

    func record(
        amount: Int64 = 200, before: Int64 = 1_000, after: Int64 = 800, dateTime: String = "20261201181000",
        terminal: String = "000000000001", serial: Int = 7
    ) -> TapRecord {
        TapRecord(
            card: CardNumber(trusted: "3104820000000000001"), issuerID: "01005510FFFFFFFF", cardType: 1, offlineSerial: serial,
            amount: Money(fen: amount), balanceBefore: Money(fen: before), balanceAfter: Money(fen: after), transactionType: 6,
            terminalNumber: terminal, terminalSerial: 42, dateTime: dateTime, tac: "a1b2c3d4", mode: .bus, line: "1路",
            station: "五一广场")
    }

    func rejection(_ record: TapRecord) -> TapRejection? {
        TapRules.rejection(record, terminal: "000000000001", now: now, timeZone: shanghai, maximumFare: Money(fen: 5_000))
    }

    @Test func aRealTapPassesAndItsLocalTimeIsReadInTheOperatorsZone() {
        #expect(rejection(record()) == nil)
        #expect(record().instant(in: shanghai) == Date(timeIntervalSince1970: 1796119820 - 20))
        #expect(record().tac == "A1B2C3D4")
    }

    @Test func eachImpossibleRecordIsRefusedWithItsReason() {
        #expect(rejection(record(amount: 0)) == .invalidAmount)
        #expect(rejection(record(amount: 5_001)) == .amountAboveFare)
        #expect(rejection(record(terminal: "000000000002")) == .otherTerminal)
        #expect(rejection(record(dateTime: "20260230120000")) == .invalidDateTime)
        // Five minutes of clock skew are allowed, not more.
        #expect(rejection(record(dateTime: "20261201181400")) == nil)
        #expect(rejection(record(dateTime: "20261201182000")) == .futureTimestamp)
    }

    @Test func discontinuitiesAndGapsAreFoundForReview() {
        #expect(!TapRules.isDiscontinuous(record()))
        #expect(TapRules.isDiscontinuous(record(after: 900)))
        #expect(TapRules.missingSerials(after: nil, record: record()) == 0)
        #expect(TapRules.missingSerials(after: 6, record: record()) == 0)
        #expect(TapRules.missingSerials(after: 4, record: record()) == 2)
        #expect(record().content != record(amount: 201).content)
    }

    @Test func theProgressTablesHaveTheNoticesRowsAndLiveRowsSayWhatTheDataSays() {
        #expect(ProgressVariant.interconnected.rows.count == 11 && ProgressVariant.new.rows.count == 15)
        #expect(ProgressVariant.interconnected.rows.first { $0.number == "5.1" }?.label == "发卡数量")
        #expect(ProgressReport.isRow("problems", of: .new) && !ProgressReport.isRow("4.6", of: .interconnected))
        #expect(ProgressReport.isMonth("2026-12") && !ProgressReport.isMonth("2026-13") && !ProgressReport.isMonth("26-12"))
        #expect(!ProgressReport.isMonth("0000-01"), "the API allows 2000-2099 only, as the store does")
        var live = ProgressLiveData()
        live.issuedInMonth = 3
        live.issuedTotal = 10
        live.modes = [.bus, .metro]
        let report = ProgressReport(
            variant: .interconnected, month: "2026-12", province: "湖南省", city: "长沙市", live: live,
            entries: ["5.1": ProgressEntry(status: .done, note: "")])
        #expect(report.lines.first { $0.number == "5.1" }?.status == "已完成；本月发卡 3 张（其中互联互通卡 0 张），累计 10 张")
        #expect(report.lines.first { $0.number == "5.2" }?.status == "公交、地铁")
        #expect(report.lines.first { $0.number == "1" }?.status == "")
    }
}
