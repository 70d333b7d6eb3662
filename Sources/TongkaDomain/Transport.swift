import Foundation

/// Transport companies and their lines (issue 10): reference data that says which company ran the
/// line a validator's record names.
public struct TransportLineDefinition: Sendable, Equatable {
    public let companyCode: String
    public let mode: TransportMode
    public let line: String
    public let stations: [String]

    public static let maximumStations = 200

    /// Checks a line as an admin enters it: the company's code, the line as validators name it
    /// (1-40 characters, as in their records), and at most 200 distinct stations of 1-40 characters.
    public init(companyCode: String, mode: TransportMode, line: String, stations: [String]) throws(TongkaError) {
        self.companyCode = try Validate.companyCode(companyCode)
        self.mode = mode
        self.line = try Validate.name(line, field: "line", maxLength: 40)
        var seen: Set<String> = []
        var checked: [String] = []
        for station in stations {
            let name = try Validate.name(station, field: "station", maxLength: 40)
            guard seen.insert(name).inserted else { throw TongkaError(.invalidName, detail: "station \(name) twice") }
            checked.append(name)
        }
        guard checked.count <= Self.maximumStations else {
            throw TongkaError(.invalidName, detail: "at most \(Self.maximumStations) stations")
        }
        self.stations = checked
    }
}

/// What the revenue report groups validators' records by.
public enum RevenueDimension: String, Sendable, CaseIterable, Codable {
    /// The company that ran the line (from the reference data; records of lines nobody entered
    /// form their own row).
    case company
    /// The transport mode the validator recorded.
    case mode
    /// The line the validator recorded.
    case line

    /// Parses a comma-separated grouping such as `company,mode`, as ``TopupDimension/parse(_:)``.
    public static func parse(_ text: String) throws(TongkaError) -> [RevenueDimension] {
        try ReportDimensions.parse(text)
    }
}

/// Groupings of reports: any subset of the dimensions, in any order, each once.
public enum ReportDimensions {
    /// An empty text groups by nothing (one row per period); anything else is `invalid_grouping`
    /// with the accepted names in the detail. The result is in the dimensions' own order, whatever
    /// the order asked, so rows and columns read the same every time.
    public static func parse<D: RawRepresentable & CaseIterable & Hashable>(
        _ text: String
    ) throws(TongkaError) -> [D] where D.RawValue == String {
        var chosen: Set<D> = []
        let names = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if names == [""] { return [] }
        for name in names {
            guard let dimension = D(rawValue: name), chosen.insert(dimension).inserted else {
                let accepted = D.allCases.map(\.rawValue).joined(separator: ", ")
                throw TongkaError(.invalidGrouping, detail: "group by any of \(accepted), each once")
            }
        }
        return D.allCases.filter(chosen.contains)
    }
}

/// Who ran a line when (issue 10): the companies that took it over, each from an instant; the
/// first from the beginning (nil). A tap is credited to the company that ran its line at the tap's
/// time, in the ledger and in the revenue report alike.
public struct LineOperators: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public let company: CompanyID
        /// Nil for the company the line was entered with: it ran the line from the beginning.
        public let from: Date?

        public init(company: CompanyID, from: Date?) {
            self.company = company
            self.from = from
        }
    }

    /// Oldest first.
    public let spans: [Span]

    public init(_ spans: [Span]) {
        self.spans = spans.sorted { ($0.from ?? .distantPast) < ($1.from ?? .distantPast) }
    }

    /// The company that ran the line at `instant`: the latest span that began at or before it.
    public func company(at instant: Date) -> CompanyID? {
        spans.last { ($0.from ?? .distantPast) <= instant }?.company
    }
}

/// Rules for changing who runs a line.
public enum TransportRules {
    /// When a line passes to `company` from the start of the operator-local `day`: only from a day
    /// after `today`. Every record is credited to a company when it is received, in the ledger and
    /// the report alike, and is never moved afterwards; a change that began in the past would leave
    /// records already received with the company that no longer ran the line. Refused with
    /// `transfer_not_in_future`, or `line_already_runs` when `company` runs the line on that day
    /// already (by `operators`), or `line_transfer_exists` when a change from that day is entered.
    public static func transferStart(
        to company: CompanyID, day: CalendarDate, today: CalendarDate, operators: LineOperators, timeZone: TimeZone
    ) throws(TongkaError) -> Date {
        guard day > today else {
            throw TongkaError(.transferNotInFuture, detail: "the earliest is \(today.next)")
        }
        let start = day.startInstant(in: timeZone)
        guard !operators.spans.contains(where: { $0.from == start }) else {
            throw TongkaError(.lineTransferExists, detail: "a change from \(day) is entered already")
        }
        guard operators.company(at: start) != company else {
            throw TongkaError(.lineAlreadyRuns, detail: "the company runs the line on \(day) already")
        }
        return start
    }

    /// Where a change of company entered for the operator-local `day` can be withdrawn: the instant
    /// it would start, to be removed from `operators`. Only a change that no record can have been
    /// credited under yet: it must start later than `now` plus the clock skew a validator's records
    /// are allowed (``TapRules/clockSkew``), else `transfer_not_in_future`; `line_transfer_not_found`
    /// when no change from that day is entered (the company a line was entered with is never one).
    public static func cancellation(
        day: CalendarDate, now: Date, operators: LineOperators, timeZone: TimeZone
    ) throws(TongkaError) -> Date {
        let start = day.startInstant(in: timeZone)
        guard operators.spans.contains(where: { $0.from == start }) else {
            throw TongkaError(.lineTransferNotFound, detail: "no change from \(day) is entered")
        }
        guard start > now.addingTimeInterval(TapRules.clockSkew) else {
            throw TongkaError(
                .transferNotInFuture, detail: "the change from \(day) has begun, or records of that day may have been received")
        }
        return start
    }
}
