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

    @Test func theLocalTimeIsReadAsCalendarReadsItAlsoAcrossSummerTimeChanges() throws {
        // Compared with Foundation's Calendar, which the hand-written reading replaced for speed.
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let london = try #require(TimeZone(identifier: "Europe/London"))
        func calendar(_ text: String, _ zone: TimeZone) -> Date? {
            let digits = text.map { Int(String($0))! }
            func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let parts = DateComponents(
                year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: number(8..<10),
                minute: number(10..<12), second: number(12..<14))
            guard let date = calendar.date(from: parts),
                calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date) == parts
            else { return nil }
            return date
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = String(
                format: "%04d%02d%02d%02d%02d%02d", Int.random(in: 1900...2100, using: &generator),
                Int.random(in: 1...12, using: &generator), Int.random(in: 1...31, using: &generator),
                Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator),
                Int.random(in: 0...59, using: &generator))
            for zone in [shanghai, newYork, london] {
                #expect(record(dateTime: text).instant(in: zone) == calendar(text, zone), "\(text) \(zone.identifier)")
            }
        }
        // 2026-03-08 02:30 never happened in New York; 01:30 on 2026-10-25 happened twice in London
        // (the earlier is taken, as Calendar takes it); 2028-02-29 happened, 2026-02-29 did not.
        #expect(record(dateTime: "20260308023000").instant(in: newYork) == nil)
        #expect(record(dateTime: "20260308033000").instant(in: newYork) == Date(timeIntervalSince1970: 1772955000))
        #expect(record(dateTime: "20261025013000").instant(in: london) == Date(timeIntervalSince1970: 1792888200))
        #expect(record(dateTime: "20280229120000").instant(in: shanghai) != nil)
        #expect(record(dateTime: "20260229120000").instant(in: shanghai) == nil)
        #expect(record(dateTime: "2026120118100a").instant(in: shanghai) == nil)
        #expect(record(dateTime: "20261201246000").instant(in: shanghai) == nil)
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

    @Test func anUploadsTapsPostAsOneTransactionWithOneDebitPerCardAndOneCreditPerCompany() throws {
        let (a, b) = (CardNumber(trusted: "3104820000000000002"), CardNumber(trusted: "3104820000000000001"))
        let (bus, metro) = (CompanyID(7), CompanyID(3))
        let draft = try #require(
            try LedgerRules.taps([
                (a, bus, Money(fen: 200)), (b, metro, Money(fen: 300)), (a, nil, Money(fen: 150)), (b, bus, Money(fen: 100)),
            ]))
        #expect(draft.kind == .tap)
        #expect(
            draft.postings == [
                Posting(.cardPurse(b), Money(fen: 400)), Posting(.cardPurse(a), Money(fen: 350)),
                Posting(.transitRevenue(nil), Money(fen: -150)), Posting(.transitRevenue(metro), Money(fen: -300)),
                Posting(.transitRevenue(bus), Money(fen: -300)),
            ])
        #expect(try LedgerRules.taps([]) == nil)
        #expect(try LedgerRules.taps([(a, bus, .zero)]) == nil)
    }

    @Test func faresWaitingWithoutACompanyMoveToTheCompanyTheLineIsEnteredFor() throws {
        let draft = try #require(try LedgerRules.reassignRevenue(to: CompanyID(4), amount: Money(fen: 700)))
        #expect(draft.kind == .revenueReassign)
        #expect(
            draft.postings == [
                Posting(.transitRevenue(nil), Money(fen: 700)), Posting(.transitRevenue(CompanyID(4)), Money(fen: -700)),
            ])
        #expect(try LedgerRules.reassignRevenue(to: CompanyID(4), amount: .zero) == nil)
    }

    @Test func aTapIsCreditedToTheCompanyThatRanItsLineAtItsTime() {
        let change = Date(timeIntervalSince1970: 1_800_000_000)
        let operators = LineOperators([
            .init(company: CompanyID(2), from: change), .init(company: CompanyID(1), from: nil),
            .init(company: CompanyID(3), from: change.addingTimeInterval(86_400)),
        ])
        #expect(operators.spans.map(\.company) == [CompanyID(1), CompanyID(2), CompanyID(3)])
        #expect(operators.company(at: Date(timeIntervalSince1970: 0)) == CompanyID(1))
        #expect(operators.company(at: change.addingTimeInterval(-1)) == CompanyID(1))
        #expect(operators.company(at: change) == CompanyID(2))
        #expect(operators.company(at: change.addingTimeInterval(86_400)) == CompanyID(3))
        #expect(LineOperators([]).company(at: change) == nil)
    }

    @Test func aLineChangesCompanyFromTheStartOfAFutureDayOnly() throws {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let today = try CalendarDate(parsing: "2026-12-03")
        let operators = LineOperators([.init(company: CompanyID(1), from: nil)])
        let start = try TransportRules.transferStart(
            to: CompanyID(2), day: try CalendarDate(parsing: "2027-01-01"), today: today, operators: operators, timeZone: zone)
        #expect(start == ISO8601DateFormatter().date(from: "2026-12-31T16:00:00Z"))
        expectError(.transferNotInFuture) {
            try TransportRules.transferStart(to: CompanyID(2), day: today, today: today, operators: operators, timeZone: zone)
        }
        expectError(.lineAlreadyRuns) {
            try TransportRules.transferStart(
                to: CompanyID(1), day: today.next, today: today, operators: operators, timeZone: zone)
        }
        let scheduled = LineOperators(operators.spans + [.init(company: CompanyID(2), from: start)])
        expectError(.lineTransferExists) {
            try TransportRules.transferStart(
                to: CompanyID(3), day: try CalendarDate(parsing: "2027-01-01"), today: today, operators: scheduled, timeZone: zone
            )
        }
        // Handing it back later is a change like any other.
        #expect(
            try TransportRules.transferStart(
                to: CompanyID(1), day: try CalendarDate(parsing: "2027-02-01"), today: today, operators: scheduled, timeZone: zone
            )
                > start)
    }

    @Test func aChangeOfCompanyCanBeWithdrawnUntilFiveMinutesBeforeItBegins() throws {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let day = try CalendarDate(parsing: "2027-01-01")
        let start = day.startInstant(in: zone)
        let operators = LineOperators([.init(company: CompanyID(1), from: nil), .init(company: CompanyID(2), from: start)])
        let aDayBefore = start.addingTimeInterval(-86_400)
        #expect(try TransportRules.cancellation(day: day, now: aDayBefore, operators: operators, timeZone: zone) == start)
        #expect(
            try TransportRules.cancellation(
                day: day, now: start.addingTimeInterval(-TapRules.clockSkew - 1), operators: operators, timeZone: zone) == start)
        // Within the skew a validator's record of that day may have been received and credited.
        for now in [start.addingTimeInterval(-TapRules.clockSkew), start, start.addingTimeInterval(86_400)] {
            expectError(.transferNotInFuture) {
                try TransportRules.cancellation(day: day, now: now, operators: operators, timeZone: zone)
            }
        }
        expectError(.lineTransferNotFound) {
            try TransportRules.cancellation(day: day.next, now: aDayBefore, operators: operators, timeZone: zone)
        }
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
