import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Loads of one outcome: how many and how much.
public struct LoadCount: Sendable, Equatable, Codable {
    public let loads: Int64
    public let amount: Money

    public init(loads: Int64, amount: Money) {
        self.loads = loads
        self.amount = amount
    }
}

/// One row of the top-up report. Fields of dimensions not grouped by are nil.
public struct TopupRow: Sendable, Equatable {
    public let period: String
    public let hallCode: String?
    public let hallName: String?
    /// The payment method, or `other` for loads not paid at the counter (funded by an order).
    public let channel: String?
    public let productCode: String?
    public let productName: String?
    /// Loads the card took (confirmed by TAC or by the card's serial).
    public let confirmed: LoadCount
    /// Loads the card did not take; the money went back to the payment.
    public let reversed: LoadCount
    /// Confirmed loads a supervisor debited back from the card.
    public let voided: LoadCount
    /// Loads still undecided (MAC2 issued or grey) when the report ran.
    public let open: LoadCount
}

/// Top-ups (purse loads) between two operator-local days, by period and the chosen dimensions.
public struct TopupReport: Sendable, Equatable {
    public let from: CalendarDate
    public let to: CalendarDate
    public let period: ReportPeriod
    public let groupBy: [TopupDimension]
    public let timeZone: String
    public let rows: [TopupRow]
    /// Every load of the range once, by outcome.
    public let confirmed: LoadCount
    public let reversed: LoadCount
    public let voided: LoadCount
    public let open: LoadCount
}

extension ReportStore {
    /// Loads authorised between two operator-local days (inclusive), counted and summed by
    /// outcome, by period and any subset of hall, channel and product. Hall-bound staff see
    /// their own hall only.
    public func topups(
        from: CalendarDate, to: CalendarDate, period: ReportPeriod, groupBy: [TopupDimension], hallCode: String?,
        actor: StaffActor
    ) async throws -> TopupReport {
        let range = try ReportRange(from: from, to: to, zone: database.settings.timeZone)
        let hallID = try await HallScope.filter(hallCode: hallCode, actor: actor, database: database)?.rawValue
        let dims = Set(groupBy)
        let byHall = dims.contains(.hall)
        let byChannel = dims.contains(.channel)
        let byProduct = dims.contains(.product)
        let periodFormat = range.format(period)
        let zoneName = range.zone.identifier
        let start = range.start
        let end = range.end
        typealias Row = (
            String, String?, String?, String?, String?, String?, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64
        )
        let rows = try await database.read { [hallID] connection in
            try await connection.all(
                """
                SELECT to_char(l.authorised_at AT TIME ZONE \(zoneName), \(periodFormat)),
                       CASE WHEN \(byHall) THEN h.code END, CASE WHEN \(byHall) THEN h.name END,
                       CASE WHEN \(byChannel) THEN COALESCE(l.payment_method, 'other') END,
                       CASE WHEN \(byProduct) THEN p.code END, CASE WHEN \(byProduct) THEN p.name END,
                       count(*) FILTER (WHERE l.state = 'confirmed'),
                       COALESCE(sum(l.amount_fen) FILTER (WHERE l.state = 'confirmed'), 0)::bigint,
                       count(*) FILTER (WHERE l.state = 'reversed'),
                       COALESCE(sum(l.amount_fen) FILTER (WHERE l.state = 'reversed'), 0)::bigint,
                       count(*) FILTER (WHERE l.state = 'voided'),
                       COALESCE(sum(l.amount_fen) FILTER (WHERE l.state = 'voided'), 0)::bigint,
                       count(*) FILTER (WHERE l.state IN ('mac2_issued', 'grey')),
                       COALESCE(sum(l.amount_fen) FILTER (WHERE l.state IN ('mac2_issued', 'grey')), 0)::bigint
                  FROM loads l
                  JOIN service_halls h ON h.hall_id = l.hall_id
                  JOIN cards c ON c.card_number = l.card_number
                  JOIN card_products p ON p.product_id = c.product_id
                 WHERE l.authorised_at >= \(start) AND l.authorised_at < \(end)
                   AND (\(hallID)::bigint IS NULL OR l.hall_id = \(hallID))
                 GROUP BY 1, 2, 3, 4, 5, 6
                 ORDER BY 1, 2, 4, 5
                """, as: Row.self, logger: logger)
        }
        func count(_ loads: Int64, _ fen: Int64) -> LoadCount { LoadCount(loads: loads, amount: Money(fen: fen)) }
        let reportRows = rows.map { row in
            TopupRow(
                period: row.0, hallCode: row.1, hallName: row.2, channel: row.3, productCode: row.4, productName: row.5,
                confirmed: count(row.6, row.7), reversed: count(row.8, row.9), voided: count(row.10, row.11),
                open: count(row.12, row.13))
        }
        func total(_ outcome: KeyPath<TopupRow, LoadCount>) -> LoadCount {
            reportRows.reduce(count(0, 0)) { sum, row in
                count(sum.loads + row[keyPath: outcome].loads, sum.amount.fen + row[keyPath: outcome].amount.fen)
            }
        }
        return TopupReport(
            from: from, to: to, period: period, groupBy: groupBy, timeZone: zoneName, rows: reportRows,
            confirmed: total(\.confirmed), reversed: total(\.reversed), voided: total(\.voided), open: total(\.open))
    }
}

/// A report's day range in the operator's time zone, with the limit every report keeps.
struct ReportRange {
    let zone: TimeZone
    let start: Date
    let end: Date

    init(from: CalendarDate, to: CalendarDate, zone: TimeZone) throws(TongkaError) {
        guard from <= to else { throw TongkaError(.invalidDateRange, detail: "from is after to") }
        self.zone = zone
        start = from.startInstant(in: zone)
        end = to.next.startInstant(in: zone)
        // A limit on everything: three years of daily rows is plenty for any report.
        guard end.timeIntervalSince(start) <= 3 * 366 * 86_400 else {
            throw TongkaError(.invalidDateRange, detail: "at most three years")
        }
    }

    /// The `to_char` pattern of a period: a whitelisted fragment, sent as a bound parameter.
    func format(_ period: ReportPeriod) -> String {
        switch period {
        case .day: "YYYY-MM-DD"
        case .month: "YYYY-MM"
        case .all: "\"all\""
        }
    }
}
