import Foundation
import Testing
import TongkaAPI
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// The ministry's monthly progress report: the notice's rows, live figures, an admin's entries.
@Suite(.timeLimit(.minutes(5))) struct ProgressReportTests {
    static func thisMonth() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }

    @Test func theTableHasTheNoticesRowsWithLiveFiguresAndTheAdminsEntries() async throws {
        try await withFixture(configure: {
            $0.operatorProvince = "湖南省"; $0.operatorCity = "长沙市"
        }) { fixture in
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(2), holderID: nil, payment: .cash, idempotencyKey: UUID().uuidString)
            let bus = try await TestBus.make(fixture)
            _ = try await bus.validator.client.uploadTaps([try await bus.tap(bench, fen: 200, serial: 1)])
            _ = try await fixture.supervisor.changeBlacklist(add([Cards.number(2)]), note: nil)
            try await bus.validator.client.acknowledgeBlacklist(version: 1)
            let month = Self.thisMonth()

            try await fixture.admin.setProgressRow(month: month, variant: .interconnected, row: "1", status: .done, note: "已上报")
            try await fixture.admin.setProgressRow(
                month: month, variant: .interconnected, row: "5.1", status: .inProgress, note: nil)
            try await fixture.admin.setProgressRow(
                month: month, variant: .interconnected, row: "problems", status: .inProgress, note: "部分线路终端未改造")
            let report = try await fixture.auditor.progressReport(month: month, variant: nil)
            #expect(report.variant == .interconnected && report.province == "湖南省" && report.city == "长沙市")
            #expect(report.rows.map(\.number) == ProgressVariant.interconnected.rows.map(\.number))
            #expect(report.rows.map(\.label).contains("与全国清分结算系统对接(实际数据对接)"))
            let row = { (number: String) in report.rows.first { $0.number == number }?.status ?? "" }
            #expect(row("1") == "已完成：已上报")
            #expect(row("5.1").hasPrefix("进行中；本月发卡 2 张"), "\(row("5.1"))")
            #expect(row("5.1").contains("累计 2 张"))
            #expect(row("5.2").contains("公交"), "\(row("5.2"))")
            #expect(row("3.1").contains("登记终端 1 台（公交 1）") && row("3.1").contains("1 台已应用当前黑名单"), "\(row("3.1"))")
            #expect(row("4").contains("交易记录 1 条"), "\(row("4"))")
            #expect(row("6").contains("黑名单下发至终端用时"), "\(row("6"))")
            #expect(report.problems == "部分线路终端未改造" && report.nextPlan.isEmpty)

            // The other variant has its own rows; a row it lacks is refused.
            let new = try await fixture.auditor.progressReport(month: month, variant: .new)
            #expect(new.rows.count == 15 && new.rows.first { $0.number == "4.6" }?.label == "与全国清分结算平台的联调测试")
            await expectFailure(.invalidProgressRow) {
                try await fixture.admin.setProgressRow(
                    month: month, variant: .interconnected, row: "4.6", status: .done, note: nil)
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.setProgressRow(
                    month: month, variant: .interconnected, row: "1", status: .done, note: nil)
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.progressReport(month: month, variant: nil) }
            await expectFailure(.invalidDate) { try await fixture.auditor.progressReport(month: "2026-13", variant: nil) }
            await expectFailure(.invalidDate) { try await fixture.auditor.progressReport(month: "0000-01", variant: nil) }

            // The printable forms.
            let html = ProgressReportLayout.html(report)
            #expect(html.contains("@page { size: A4 landscape") && html.contains("<td>已完成：已上报</td>") == false)
            #expect(html.contains("已完成：已上报") && html.contains("存在问题"))
            #expect(ProgressReportLayout.markdown(report).contains("| 湖南省 | 长沙市 | 5.2 | 卡片覆盖交通方式 |"))
        }
    }
}
