import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// How finely the issuance report splits time.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case day
    case month
    case all
}

/// The dimensions the issuance report can group by.
public enum IssuanceDimension: String, Sendable, CaseIterable {
    case hall
    case product
    case cardType
    case mode
}

/// One row of the issuance report. Fields of dimensions not grouped by are nil.
public struct IssuanceRow: Sendable, Equatable {
    public let period: String
    public let hallCode: String?
    public let hallName: String?
    public let productCode: String?
    public let productName: String?
    public let cardType: CardType?
    public let mode: TransportMode?
    public let cards: Int64
}

/// The "cards issued" and "transport modes covered" figures of the ministry's monthly report.
public struct IssuanceReport: Sendable, Equatable {
    public let from: CalendarDate
    public let to: CalendarDate
    public let period: ReportPeriod
    public let groupBy: [IssuanceDimension]
    public let timeZone: String
    public let rows: [IssuanceRow]
    /// Every card issued in the range once, whatever the grouping.
    public let totalCards: Int64
    /// Transport modes covered by at least one card issued in the range.
    public let modesCovered: [TransportMode]
}

/// Reports over issued cards.
public struct ReportStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// Issued cards between two operator-local days (inclusive), by period and the chosen
    /// dimensions. Hall-bound staff see their own hall only. A card covering several modes counts
    /// once per mode in mode rows; `totalCards` counts it once.
    public func issuance(
        from: CalendarDate, to: CalendarDate, period: ReportPeriod, groupBy: [IssuanceDimension], hallCode: String?,
        actor: StaffActor
    ) async throws -> IssuanceReport {
        let range = try ReportRange(from: from, to: to, zone: database.settings.timeZone)
        let start = range.start
        let end = range.end
        let hallID = try await HallScope.filter(hallCode: hallCode, actor: actor, database: database)?.rawValue
        let dims = Set(groupBy)
        let byHall = dims.contains(.hall)
        let byProduct = dims.contains(.product)
        let byType = dims.contains(.cardType)
        let byMode = dims.contains(.mode)
        // Whitelisted fragments only; every value is a bound parameter.
        let periodFormat = range.format(period)
        let zoneName = range.zone.identifier
        return try await database.read { [hallID] connection in
            let rows = try await connection.all(
                """
                SELECT to_char(c.issued_at AT TIME ZONE \(zoneName), \(periodFormat)) AS period,
                       CASE WHEN \(byHall) THEN h.code END, CASE WHEN \(byHall) THEN h.name END,
                       CASE WHEN \(byProduct) THEN p.code END, CASE WHEN \(byProduct) THEN p.name END,
                       CASE WHEN \(byType) THEN p.card_type END, m.mode, count(*)
                  FROM cards c
                  JOIN card_products p ON p.product_id = c.product_id
                  JOIN service_halls h ON h.hall_id = c.issued_hall_id
                  LEFT JOIN LATERAL (SELECT u.mode FROM unnest(p.transport_modes) AS u(mode) WHERE \(byMode)) m ON true
                 WHERE c.issued_at >= \(start) AND c.issued_at < \(end)
                   AND (\(hallID)::bigint IS NULL OR c.issued_hall_id = \(hallID))
                 GROUP BY 1, 2, 3, 4, 5, 6, 7
                 ORDER BY 1, 2, 4, 6,
                          array_position(ARRAY['bus', 'metro', 'brt', 'tram', 'ferry', 'taxi', 'rail', 'bike'], m.mode)
                """, as: (String, String?, String?, String?, String?, Int16?, String?, Int64).self, logger: logger
            ).map { row in
                IssuanceRow(
                    period: row.0, hallCode: row.1, hallName: row.2, productCode: row.3, productName: row.4,
                    cardType: row.5.flatMap { CardType(rawValue: Int($0)) }, mode: row.6.flatMap(TransportMode.init(rawValue:)),
                    cards: row.7)
            }
            let total = try await connection.one(
                """
                SELECT count(*) FROM cards c
                 WHERE c.issued_at >= \(start) AND c.issued_at < \(end)
                   AND (\(hallID)::bigint IS NULL OR c.issued_hall_id = \(hallID))
                """, as: (Int64.self), logger: logger)
            let modes = try await connection.all(
                """
                SELECT DISTINCT u.mode FROM cards c
                  JOIN card_products p ON p.product_id = c.product_id
                 CROSS JOIN LATERAL unnest(p.transport_modes) AS u(mode)
                 WHERE c.issued_at >= \(start) AND c.issued_at < \(end)
                   AND (\(hallID)::bigint IS NULL OR c.issued_hall_id = \(hallID))
                """, as: (String.self), logger: logger)
            return IssuanceReport(
                from: from, to: to, period: period, groupBy: IssuanceDimension.allCases.filter(dims.contains),
                timeZone: zoneName, rows: rows, totalCards: total,
                modesCovered: try Stored.values(modes, as: TransportMode.self).sorted())
        }
    }
}
