import Foundation
import Testing
import TongkaDomain

@Suite("Calendar dates")
struct CalendarDateTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let utc = TimeZone(identifier: "UTC")!

    /// An instant written in UTC, built without any parser under test.
    static func utcInstant(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, _ second: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar.date(
            from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
    }

    @Test(arguments: ["2026-11-25", "20261125", " 2026-11-25 ", "\t20261125"])
    func parsesDashedAndCompactForms(text: String) throws {
        let parsed = try CalendarDate(parsing: text)
        #expect(parsed == date(2026, 11, 25))
        #expect((parsed.year, parsed.month, parsed.day) == (2026, 11, 25))
    }

    @Test func parsesFromASubstring() throws {
        let line = "x,2026-11-25,y"
        let field = line.split(separator: ",")[1]
        #expect(try CalendarDate(parsing: field) == date(2026, 11, 25))
    }

    @Test(arguments: [
        "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-00", "2026-11-31", "26-11-25", "1899-12-31", "18991231",
        "10000-01-01", "2026/11/25", "2026-1-25", "2026-11-5", "2026-11-25T00:00", "202611251", "2026112", "",
        "abcd-ef-gh", "２０２６-１１-２５", "2026-11--5", "+2026-11-25",
    ])
    func refusesImpossibleOrMalformedDatesAsInvalidDate(text: String) {
        expectError(.invalidDate) { try CalendarDate(parsing: text) }
    }

    @Test(arguments: [
        (2024, 2, 29, true), (2026, 2, 29, false), (2000, 2, 29, true), (1900, 2, 29, false), (2100, 2, 29, false),
        (2026, 2, 28, true), (2026, 4, 31, false), (2026, 4, 30, true), (2026, 12, 31, true), (2026, 1, 0, false),
        (2026, 0, 1, false), (2026, 13, 1, false), (1900, 1, 1, true), (1899, 12, 31, false), (9999, 12, 31, true),
        (10000, 1, 1, false),
    ])
    func existsOnlyInTheGregorianCalendarFrom1900To9999(year: Int, month: Int, day: Int, exists: Bool) {
        #expect((CalendarDate(year: year, month: month, day: day) != nil) == exists)
    }

    @Test func parsesLeapDaysOnlyInLeapYears() throws {
        #expect(try CalendarDate(parsing: "2024-02-29") == date(2024, 2, 29))
        #expect(try CalendarDate(parsing: "2000-02-29") == date(2000, 2, 29))
        expectError(.invalidDate) { try CalendarDate(parsing: "2026-02-29") }
        expectError(.invalidDate) { try CalendarDate(parsing: "1900-02-29") }
    }

    @Test func formatsWithZeroPadding() {
        #expect(date(2026, 1, 5).description == "2026-01-05")
        #expect(date(2026, 1, 5).compact == "20260105")
        #expect("\(date(2026, 11, 25))" == "2026-11-25")
    }

    @Test(arguments: [
        (date(2026, 11, 25), date(2026, 11, 26)),
        (date(2026, 11, 30), date(2026, 12, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2026, 1, 31), date(2026, 2, 1)),
        (date(2024, 2, 28), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 3, 1)),
        (date(2026, 2, 28), date(2026, 3, 1)),
        (date(1900, 2, 28), date(1900, 3, 1)),
    ])
    func nextIsTheFollowingCalendarDay(day: CalendarDate, following: CalendarDate) {
        #expect(day.next == following)
        #expect(day < day.next)
    }

    @Test func walkingThroughAYearWithNextVisitsEveryDayOnce() {
        var day = date(2024, 1, 1)
        var count = 0
        while day.year == 2024 {
            count += 1
            day = day.next
        }
        #expect(count == 366)
        #expect(day == date(2025, 1, 1))
    }

    @Test func startOfMonthIsTheFirst() {
        #expect(date(2026, 11, 25).startOfMonth == date(2026, 11, 1))
        #expect(date(2026, 11, 1).startOfMonth == date(2026, 11, 1))
    }

    @Test func ordersByYearThenMonthThenDay() {
        let dates = [date(2026, 11, 25), date(2025, 12, 31), date(2026, 1, 30), date(2026, 11, 24), date(2026, 2, 1)]
        #expect(
            dates.sorted() == [date(2025, 12, 31), date(2026, 1, 30), date(2026, 2, 1), date(2026, 11, 24), date(2026, 11, 25)])
        #expect(date(2026, 1, 31) < date(2026, 2, 1))
        #expect(date(2025, 12, 31) < date(2026, 1, 1))
        #expect(!(date(2026, 1, 1) < date(2026, 1, 1)))
    }

    @Test func startInShanghaiIsFourPMUTCOfThePreviousDay() {
        #expect(date(2026, 11, 25).startInstant(in: Self.shanghai) == Self.utcInstant(2026, 11, 24, 16))
        #expect(date(2027, 1, 1).startInstant(in: Self.shanghai) == Self.utcInstant(2026, 12, 31, 16))
        #expect(date(2026, 11, 25).startInstant(in: Self.utc) == Self.utcInstant(2026, 11, 25, 0))
    }

    @Test func consecutiveStartsInShanghaiAreOneDayApart() {
        let day = date(2026, 11, 25)
        #expect(day.next.startInstant(in: Self.shanghai).timeIntervalSince(day.startInstant(in: Self.shanghai)) == 86_400)
    }

    @Test func dateOfAnInstantDependsOnTheZone() {
        let midnightInShanghai = Self.utcInstant(2026, 11, 24, 16)
        #expect(CalendarDate(midnightInShanghai, in: Self.shanghai) == date(2026, 11, 25))
        #expect(CalendarDate(midnightInShanghai, in: Self.utc) == date(2026, 11, 24))
        let justBefore = Self.utcInstant(2026, 11, 24, 15, 59, 59)
        #expect(CalendarDate(justBefore, in: Self.shanghai) == date(2026, 11, 24))
    }

    @Test func startInstantAndDateOfInstantRoundTrip() {
        var day = date(2026, 1, 1)
        for _ in 0..<400 {
            #expect(CalendarDate(day.startInstant(in: Self.shanghai), in: Self.shanghai) == day)
            day = day.next
        }
    }

    @Test func encodesAsADashedStringAndDecodesBack() throws {
        let dates = [date(2026, 11, 25), date(2024, 2, 29), date(1900, 1, 1)]
        let json = try JSONEncoder().encode(dates)
        #expect(String(decoding: json, as: UTF8.self) == #"["2026-11-25","2024-02-29","1900-01-01"]"#)
        #expect(try JSONDecoder().decode([CalendarDate].self, from: json) == dates)
    }

    @Test func decodesTheCompactFormToo() throws {
        let decoded = try JSONDecoder().decode([CalendarDate].self, from: Data(#"["20261125"]"#.utf8))
        #expect(decoded == [date(2026, 11, 25)])
    }

    @Test(arguments: [#"["2026-02-30"]"#, #"["tomorrow"]"#, #"[20261125]"#])
    func refusesToDecodeInvalidDates(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([CalendarDate].self, from: Data(json.utf8))
        }
    }
}
