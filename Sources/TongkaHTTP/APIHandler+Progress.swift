import Foundation
import TongkaAPI
import TongkaDomain
import TongkaPostgres

/// The ministry's monthly progress report (issue 10, domain.md §9).
extension APIHandler {
    var progress: ProgressStore { ProgressStore(database: database) }

    func getProgressReport(_ input: Operations.GetProgressReport.Input) async throws -> Operations.GetProgressReport.Output {
        let variant = ProgressVariant(rawValue: input.query.variant?.rawValue ?? "interconnected") ?? .interconnected
        let report = try await progress.report(
            month: input.query.month, variant: variant, province: operatorPlace.province, city: operatorPlace.city,
            actor: try scope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        variant: .init(rawValue: report.variant.rawValue)!, title: report.variant.title, month: report.month,
                        province: report.province, city: report.city,
                        rows: report.lines.map { .init(number: $0.number, label: $0.label, status: $0.status, live: $0.live) },
                        problems: report.problems, nextPlan: report.nextPlan))))
    }

    func setProgressRow(_ input: Operations.SetProgressRow.Input) async throws -> Operations.SetProgressRow.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        try await progress.set(
            month: input.path.month, variant: ProgressVariant(rawValue: input.path.variant.rawValue) ?? .interconnected,
            row: input.path.row, status: ProgressStatus(rawValue: body.status.rawValue) ?? .notStarted, note: body.note ?? "",
            now: now(), origin: scope.origin)
        return .noContent(.init())
    }
}
