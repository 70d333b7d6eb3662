import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    // MARK: Reports

    func getIssuanceReport(_ input: Operations.GetIssuanceReport.Input) async throws -> Operations.GetIssuanceReport.Output {
        let query = input.query
        let period = reportPeriod(query.period?.rawValue)
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

    /// The period of a report query: `month` unless asked (the generated enums of each report
    /// carry the same three names).
    func reportPeriod(_ name: String?) -> ReportPeriod {
        name.flatMap(ReportPeriod.init(rawValue:)) ?? .month
    }

    func getTopupReport(_ input: Operations.GetTopupReport.Input) async throws -> Operations.GetTopupReport.Output {
        let query = input.query
        let report = try await reports.topups(
            from: try CalendarDate(parsing: query.from), to: try CalendarDate(parsing: query.to),
            period: reportPeriod(query.period?.rawValue), groupBy: try TopupDimension.parse(query.groupBy ?? "hall,channel"),
            hallCode: query.hall, actor: try scope.actor())
        func counted(_ count: LoadCount) -> Components.Schemas.LoadCount {
            .init(loads: count.loads, amountFen: count.amount.fen)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: report.from.description, to: report.to.description, period: report.period.rawValue,
                        groupBy: report.groupBy.map(\.rawValue), timeZone: report.timeZone,
                        rows: report.rows.map { row in
                            .init(
                                period: row.period, hall: row.hallCode, hallName: row.hallName, channel: row.channel,
                                product: row.productCode, productName: row.productName, confirmed: counted(row.confirmed),
                                reversed: counted(row.reversed), voided: counted(row.voided), open: counted(row.open))
                        },
                        confirmed: counted(report.confirmed), reversed: counted(report.reversed), voided: counted(report.voided),
                        open: counted(report.open)))))
    }
}
