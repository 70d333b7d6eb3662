import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Records of one kind: how many and how much.
public struct TapCount: Sendable, Equatable {
    public let taps: Int64
    public let amount: Money

    public init(taps: Int64, amount: Money) {
        self.taps = taps
        self.amount = amount
    }

    static let zero = TapCount(taps: 0, amount: .zero)

    static func + (left: TapCount, right: TapCount) -> TapCount {
        TapCount(taps: left.taps + right.taps, amount: Money(fen: left.amount.fen + right.amount.fen))
    }
}

/// One row of the revenue report. Fields of dimensions not grouped by are nil; grouped by company,
/// `lineRegistered` is false for records of lines no company was entered for.
public struct RevenueRow: Sendable, Equatable {
    public let period: String
    public let companyCode: String?
    public let companyName: String?
    public let lineRegistered: Bool?
    public let mode: TransportMode?
    public let line: String?
    /// This operator's cards, posted to the ledger: what the operator owes the company.
    public let ownCards: TapCount
    /// Other issuers' cards: sent to the national platform, which pays the company's share.
    public let otherIssuers: TapCount
    /// This operator's cards held by an exception (not posted until resolved).
    public let held: TapCount

    /// Everything the company's validators took.
    public var total: TapCount { ownCards + otherIssuers + held }
}

/// Fares taken between two operator-local days, by period and the chosen dimensions.
public struct RevenueReport: Sendable, Equatable {
    public let from: CalendarDate
    public let to: CalendarDate
    public let period: ReportPeriod
    public let groupBy: [RevenueDimension]
    public let timeZone: String
    public let rows: [RevenueRow]
    public let ownCards: TapCount
    public let otherIssuers: TapCount
    public let held: TapCount
}

extension ReportStore {
    /// Validators' records by the operator-local day they were tapped, split into this
    /// operator's cards (posted, or held by an exception) and other issuers' cards, by period and
    /// any subset of company, mode and line. The company is the one each record was credited to
    /// when it was received (who ran its line at its time, in the ledger too), so the report and the
    /// companies' revenue accounts agree. Operator-wide: admins and auditors.
    public func revenue(
        from: CalendarDate, to: CalendarDate, period: ReportPeriod, groupBy: [RevenueDimension], actor: StaffActor
    ) async throws -> RevenueReport {
        guard [Role.admin, .auditor].contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let range = try ReportRange(from: from, to: to, zone: database.settings.timeZone)
        let dims = Set(groupBy)
        let byCompany = dims.contains(.company)
        let byMode = dims.contains(.mode)
        let byLine = dims.contains(.line)
        let periodFormat = range.format(period)
        let zoneName = range.zone.identifier
        let (start, end) = (range.start, range.end)
        typealias Row = (String, String?, String?, Bool?, String?, String?, Int64, Int64, Int64, Int64, Int64, Int64)
        let rows = try await database.read { connection in
            try await connection.all(
                """
                SELECT to_char(t.tapped_at AT TIME ZONE \(zoneName), \(periodFormat)),
                       CASE WHEN \(byCompany) THEN c.code END, CASE WHEN \(byCompany) THEN c.name END,
                       CASE WHEN \(byCompany) THEN c.code IS NOT NULL END,
                       CASE WHEN \(byMode) THEN t.mode END, CASE WHEN \(byLine) THEN t.line END,
                       count(*) FILTER (WHERE t.own_card AND t.transaction_id IS NOT NULL),
                       COALESCE(sum(t.amount_fen) FILTER (WHERE t.own_card AND t.transaction_id IS NOT NULL), 0)::bigint,
                       count(*) FILTER (WHERE NOT t.own_card),
                       COALESCE(sum(t.amount_fen) FILTER (WHERE NOT t.own_card), 0)::bigint,
                       count(*) FILTER (WHERE t.own_card AND t.transaction_id IS NULL),
                       COALESCE(sum(t.amount_fen) FILTER (WHERE t.own_card AND t.transaction_id IS NULL), 0)::bigint
                  FROM taps t
                  LEFT JOIN transport_companies c ON c.company_id = t.company_id
                 WHERE t.tapped_at >= \(start) AND t.tapped_at < \(end)
                 GROUP BY 1, 2, 3, 4, 5, 6
                 ORDER BY 1, 4 DESC NULLS LAST, 2, 5, 6
                """, as: Row.self, logger: logger)
        }
        func count(_ taps: Int64, _ fen: Int64) -> TapCount { TapCount(taps: taps, amount: Money(fen: fen)) }
        let reportRows = try rows.map { row in
            RevenueRow(
                period: row.0, companyCode: row.1, companyName: row.2, lineRegistered: row.3,
                mode: try row.4.map { try Stored.value($0, as: TransportMode.self) }, line: row.5,
                ownCards: count(row.6, row.7), otherIssuers: count(row.8, row.9), held: count(row.10, row.11))
        }
        return RevenueReport(
            from: from, to: to, period: period, groupBy: groupBy, timeZone: zoneName, rows: reportRows,
            ownCards: reportRows.reduce(.zero) { $0 + $1.ownCards },
            otherIssuers: reportRows.reduce(.zero) { $0 + $1.otherIssuers }, held: reportRows.reduce(.zero) { $0 + $1.held })
    }
}
