import Foundation
import OpenAPIRuntime
import TongkaAPI

/// The ministry's monthly progress report.
extension TongkaClient {
    public func progressReport(
        month: String, variant: Components.Schemas.ProgressVariant?
    ) async throws -> Components.Schemas.ProgressReport {
        switch try await call({ try await api.getProgressReport(query: .init(month: month, variant: variant)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func setProgressRow(
        month: String, variant: Components.Schemas.ProgressVariant, row: String,
        status: Operations.SetProgressRow.Input.Body.JsonPayload.StatusPayload, note: String?
    ) async throws {
        switch try await call({
            try await api.setProgressRow(
                path: .init(month: month, variant: variant, row: row), body: .json(.init(status: status, note: note)))
        }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}

/// The report as the notice's table: CSV rows, Markdown and a printable HTML page (one A4
/// landscape sheet, Chinese).
public enum ProgressReportLayout {
    public static func headers(_ report: Components.Schemas.ProgressReport) -> [String] {
        ["省份", "城市", "序号", "工作内容", "\(report.month) 进展"]
    }

    public static func rows(_ report: Components.Schemas.ProgressReport) -> [[String]] {
        report.rows.map { [report.province, report.city, $0.number, $0.label, $0.status] }
            + [
                [report.province, report.city, "", "存在问题", report.problems],
                [report.province, report.city, "", "下月工作计划", report.nextPlan],
            ]
    }

    public static func markdown(_ report: Components.Schemas.ProgressReport) -> String {
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var lines = [
            "# 交通一卡通互联互通工作计划进度表（\(report.month)）", "", "\(report.title)", "",
            "| " + headers(report).joined(separator: " | ") + " |", "| --- | --- | --- | --- | --- |",
        ]
        lines += rows(report).map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The page, written out here rather than with a template engine: one fixed table with a
    /// print style, and every value escaped by `escape`.
    public static func html(_ report: Components.Schemas.ProgressReport) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let head = headers(report).map { "<th>\(escape($0))</th>" }.joined()
        let body = rows(report).map { row in
            "<tr>"
                + row.enumerated().map { index, value in
                    index == 4 ? "<td class=\"status\">\(escape(value))</td>" : "<td>\(escape(value))</td>"
                }.joined()
                + "</tr>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>交通一卡通互联互通工作计划进度表 \(escape(report.month))</title>
            <style>
            @page { size: A4 landscape; margin: 10mm; }
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; font-size: 9pt; margin: 0; }
            h1 { font-size: 14pt; text-align: center; margin: 0 0 2mm; }
            p.variant { text-align: center; margin: 0 0 3mm; }
            table { width: 100%; border-collapse: collapse; table-layout: fixed; }
            th, td { border: 0.3mm solid #000; padding: 1mm 1.5mm; vertical-align: top; word-wrap: break-word; }
            th { background: #eee; }
            col.place { width: 8%; } col.number { width: 5%; } col.work { width: 27%; } col.status { width: 52%; }
            </style>
            </head>
            <body>
            <h1>交通一卡通互联互通工作计划进度表（\(escape(report.month))）</h1>
            <p class="variant">\(escape(report.title))</p>
            <table>
            <colgroup><col class="place"><col class="place"><col class="number"><col class="work"><col class="status"></colgroup>
            <thead><tr>\(head)</tr></thead>
            <tbody>
            \(body)
            </tbody>
            </table>
            </body>
            </html>

            """
    }
}
