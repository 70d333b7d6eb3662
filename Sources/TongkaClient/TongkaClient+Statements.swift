import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Card statements and the top-up report.
extension TongkaClient {
    /// Every movement of a card's purse account with the running balance.
    public func cardStatement(_ number: String, limit: Int? = nil) async throws -> Components.Schemas.CardStatement {
        switch try await call({
            try await api.getCardStatement(path: .init(cardNumber: number), query: .init(limit: limit))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Top-ups counted and summed by outcome, grouped by any of hall, channel, product.
    public func topupReport(
        from: String, to: String, period: Operations.GetTopupReport.Input.Query.PeriodPayload?, groupBy: String?,
        hall: String?
    ) async throws -> Components.Schemas.TopupReport {
        let query = Operations.GetTopupReport.Input.Query(from: from, to: to, period: period, groupBy: groupBy, hall: hall)
        switch try await call({ try await api.getTopupReport(query: query) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
