import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    // MARK: Reports

    func getIssuanceReport(_ input: Operations.GetIssuanceReport.Input) async throws -> Operations.GetIssuanceReport.Output {
        let query = input.query
        let period: ReportPeriod =
            switch query.period {
            case .day: .day
            case .month, nil: .month
            case .all: .all
            }
        var dimensions: [IssuanceDimension] = []
        for name in (query.groupBy ?? "hall,product").split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let dimension = IssuanceDimension(rawValue: trimmed) ?? (trimmed == "card_type" ? .cardType : nil) else {
                throw TongkaError(.malformedRequest, detail: "groupBy takes hall, product, cardType, mode")
            }
            if !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        let report = try await reports.issuance(
            from: try CalendarDate(parsing: query.from), to: try CalendarDate(parsing: query.to), period: period,
            groupBy: dimensions, hallCode: query.hall, actor: try scope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: report.from.description, to: report.to.description, period: report.period.rawValue,
                        groupBy: report.groupBy.map(\.rawValue), timeZone: report.timeZone,
                        rows: report.rows.map { row in
                            .init(
                                period: row.period, hall: row.hallCode, hallName: row.hallName, product: row.productCode,
                                productName: row.productName, cardType: row.cardType?.rawValue, mode: row.mode.map(map),
                                cards: row.cards)
                        },
                        totalCards: report.totalCards, modesCovered: report.modesCovered.map(map)))))
    }
}
