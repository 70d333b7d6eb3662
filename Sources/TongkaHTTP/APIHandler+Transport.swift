import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

/// Transport companies and lines (reference data) and the revenue report built on them.
extension APIHandler {
    var transport: TransportStore { TransportStore(database: database) }

    func listTransportCompanies(
        _ input: Operations.ListTransportCompanies.Input
    ) async throws
        -> Operations.ListTransportCompanies.Output
    {
        .ok(.init(body: .json(.init(companies: try await transport.companies(now: now()).map(map)))))
    }

    func createTransportCompany(
        _ input: Operations.CreateTransportCompany.Input
    ) async throws
        -> Operations.CreateTransportCompany.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let company = try await transport.createCompany(code: body.code, name: body.name, now: now(), origin: scope.origin)
        return .created(.init(body: .json(map(company))))
    }

    func listTransportLines(_ input: Operations.ListTransportLines.Input) async throws -> Operations.ListTransportLines.Output {
        .ok(.init(body: .json(.init(lines: try await transport.lines(companyCode: input.query.company, now: now()).map(map)))))
    }

    func createTransportLine(_ input: Operations.CreateTransportLine.Input) async throws -> Operations.CreateTransportLine.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let mode = TransportMode(rawValue: body.mode.rawValue) else { throw TongkaError(.malformedRequest) }
        let line = try TransportLineDefinition(
            companyCode: body.company, mode: mode, line: body.line, stations: body.stations ?? [])
        return .created(.init(body: .json(map(try await transport.createLine(line, now: now(), origin: scope.origin)))))
    }

    func transferTransportLine(
        _ input: Operations.TransferTransportLine.Input
    ) async throws
        -> Operations.TransferTransportLine.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let mode = TransportMode(rawValue: body.mode.rawValue) else { throw TongkaError(.malformedRequest) }
        let line = try await transport.transferLine(
            mode: mode, line: body.line, to: body.company, from: try CalendarDate(parsing: body.from), now: now(),
            origin: scope.origin)
        return .created(.init(body: .json(map(line))))
    }

    func cancelLineTransfer(_ input: Operations.CancelLineTransfer.Input) async throws -> Operations.CancelLineTransfer.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let mode = TransportMode(rawValue: body.mode.rawValue) else { throw TongkaError(.malformedRequest) }
        let line = try await transport.cancelLineTransfer(
            mode: mode, line: body.line, from: try CalendarDate(parsing: body.from), now: now(), origin: scope.origin)
        return .ok(.init(body: .json(map(line))))
    }

    func getRevenueReport(_ input: Operations.GetRevenueReport.Input) async throws -> Operations.GetRevenueReport.Output {
        let query = input.query
        let report = try await reports.revenue(
            from: try CalendarDate(parsing: query.from), to: try CalendarDate(parsing: query.to),
            period: reportPeriod(query.period?.rawValue),
            groupBy: try RevenueDimension.parse(query.groupBy ?? "company,mode,line"), actor: try scope.actor())
        func counted(_ count: TapCount) -> Components.Schemas.TapCount { .init(taps: count.taps, amountFen: count.amount.fen) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: report.from.description, to: report.to.description, period: report.period.rawValue,
                        groupBy: report.groupBy.map(\.rawValue), timeZone: report.timeZone,
                        rows: report.rows.map { row in
                            .init(
                                period: row.period, company: row.companyCode, companyName: row.companyName,
                                lineRegistered: row.lineRegistered,
                                mode: row.mode.flatMap { Components.Schemas.TransportMode(rawValue: $0.rawValue) },
                                line: row.line,
                                ownCards: counted(row.ownCards), otherIssuers: counted(row.otherIssuers), held: counted(row.held),
                                total: counted(row.total))
                        }, ownCards: counted(report.ownCards), otherIssuers: counted(report.otherIssuers),
                        held: counted(report.held)))))
    }

    func map(_ company: TransportCompany) -> Components.Schemas.TransportCompany {
        .init(
            code: company.code, name: company.name, lines: company.lines, owedFen: company.owed.fen,
            createdAt: company.createdAt)
    }

    func map(_ line: TransportLine) -> Components.Schemas.TransportLine {
        .init(
            company: line.companyCode, companyName: line.companyName,
            mode: Components.Schemas.TransportMode(rawValue: line.mode.rawValue) ?? .bus, line: line.line,
            stations: line.stations,
            operators: line.operators.map { .init(company: $0.companyCode, companyName: $0.companyName, from: $0.from) },
            createdAt: line.createdAt)
    }
}
