import Foundation

/// A date without a time of day or zone: card validity dates, report ranges. Converted to UTC
/// instants only with an explicit operator time zone.
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the date exists in the Gregorian calendar (years 1900-9999).
    public init?(year: Int, month: Int, day: Int) {
        guard (1900...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= Self.daysIn(month: month, year: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` or `YYYYMMDD` (the form of card file 0015).
    public init(parsing raw: some StringProtocol) throws(TongkaError) {
        let text = String(raw).trimmingCharacters(in: .whitespaces)
        let compact: String
        if text.count == 10, Array(text)[4] == "-", Array(text)[7] == "-" {
            compact = text.replacingOccurrences(of: "-", with: "")
        } else {
            compact = text
        }
        guard compact.count == 8, compact.allSatisfy({ $0.isASCII && $0.isNumber }),
            let year = Int(compact.prefix(4)), let month = Int(compact.dropFirst(4).prefix(2)),
            let day = Int(compact.suffix(2)), let date = CalendarDate(year: year, month: month, day: day)
        else { throw TongkaError(.invalidDate, detail: "\"\(text.prefix(12))\"") }
        self = date
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `2026-11-25`.
    public var description: String { Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2) }

    /// `20261125`, the form of card file 0015.
    public var compact: String { Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) }

    /// Zero-padded digits; `String(format:)` is slow where 100,000 stock lines are formatted.
    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// The next calendar day.
    public var next: CalendarDate {
        if day < Self.daysIn(month: month, year: year) { return CalendarDate(year: year, month: month, day: day + 1)! }
        if month < 12 { return CalendarDate(year: year, month: month + 1, day: 1)! }
        return CalendarDate(year: year + 1, month: 1, day: 1) ?? self
    }

    /// The first day of this date's month.
    public var startOfMonth: CalendarDate { CalendarDate(year: year, month: month, day: 1)! }

    /// Midnight at the start of this date in `timeZone`, as an instant.
    public func startInstant(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    /// The calendar date of `instant` in `timeZone`, clamped to the years 1900-9999.
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        let year = parts.year ?? 1900
        if year < 1900 {
            self.init(year: 1900, month: 1, day: 1)!
        } else if year > 9999 {
            self.init(year: 9999, month: 12, day: 31)!
        } else {
            self.init(year: year, month: parts.month ?? 1, day: parts.day ?? 1)!
        }
    }

    /// Days from 1970-01-01 to this date (negative before it): Howard Hinnant's `days_from_civil`,
    /// by hand because `Calendar.date(from:)` costs microseconds where every uploaded tap needs one.
    public var daysSince1970: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try CalendarDate(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid date"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
