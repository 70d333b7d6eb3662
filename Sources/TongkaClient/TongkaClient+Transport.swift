import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Transport companies and lines, and the revenue report.
extension TongkaClient {
    public func transportCompanies() async throws -> [Components.Schemas.TransportCompany] {
        switch try await call({ try await api.listTransportCompanies() }) {
        case .ok(let ok): return try ok.body.json.companies
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func createTransportCompany(code: String, name: String) async throws -> Components.Schemas.TransportCompany {
        switch try await call({ try await api.createTransportCompany(body: .json(.init(code: code, name: name))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func transportLines(company: String? = nil) async throws -> [Components.Schemas.TransportLine] {
        switch try await call({ try await api.listTransportLines(query: .init(company: company)) }) {
        case .ok(let ok): return try ok.body.json.lines
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func createTransportLine(
        company: String, mode: Components.Schemas.TransportMode, line: String, stations: [String]
    ) async throws -> Components.Schemas.TransportLine {
        switch try await call({
            try await api.createTransportLine(body: .json(.init(company: company, mode: mode, line: line, stations: stations)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Hands a line to another company from the start of `from` (YYYY-MM-DD, a day after today).
    public func transferTransportLine(
        mode: Components.Schemas.TransportMode, line: String, to company: String, from: String
    ) async throws -> Components.Schemas.TransportLine {
        switch try await call({
            try await api.transferTransportLine(body: .json(.init(mode: mode, line: line, company: company, from: from)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Withdraws the change of company entered for `from` (YYYY-MM-DD) before it begins.
    public func cancelLineTransfer(
        mode: Components.Schemas.TransportMode, line: String, from: String
    ) async throws -> Components.Schemas.TransportLine {
        switch try await call({ try await api.cancelLineTransfer(body: .json(.init(mode: mode, line: line, from: from))) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func revenueReport(
        from: String, to: String, period: Operations.GetRevenueReport.Input.Query.PeriodPayload?, groupBy: String?
    ) async throws -> Components.Schemas.RevenueReport {
        let query = Operations.GetRevenueReport.Input.Query(from: from, to: to, period: period, groupBy: groupBy)
        switch try await call({ try await api.getRevenueReport(query: query) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
