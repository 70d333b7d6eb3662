import Foundation
import Testing
import TongkaTestSupport

/// The progress report as an admin makes it: entries at the counter, then the CSV for Excel and the
/// page that prints on one A4 landscape sheet, checked in headless Chromium.
@Suite(.timeLimit(.minutes(5))) struct ProgressReportCounterTests {
    @Test func theProgressReportPagePrintsOnOneA4LandscapeSheetInChromium() async throws {
        let chromium = try #require(
            ProcessInfo.processInfo.environment["TONGKA_TEST_CHROMIUM"].flatMap { $0.isEmpty ? nil : $0 },
            "Scripts/test.sh installs Chromium and sets TONGKA_TEST_CHROMIUM")
        try await withTestServer { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-progress-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let admin = try await CounterFlowTests.adminCounter(server)
            let set = try await admin.counter(["progress", "set", "1", "--month", "2026-12", "--status", "done", "--note", "已上报"])
            #expect(set.exitCode == 0, "\(set.stderr)")
            let wrong = try await admin.counter(["progress", "set", "9.9", "--month", "2026-12"])
            #expect(wrong.exitCode == 1 && wrong.stderr.contains("[invalid_progress_row]"), "\(wrong.stderr)")

            let csv = directory.appendingPathComponent("2026-12.csv").path
            #expect(
                try await admin.counter(["report", "progress", "--month", "2026-12", "--csv", "--output", csv]).exitCode == 0)
            let data = try Data(contentsOf: URL(fileURLWithPath: csv))
            #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a byte-order mark for Excel")
            let text = String(decoding: data.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("省份,城市,序号,工作内容,2026-12 进展"), "\(text.prefix(80))")
            #expect(text.contains("5.1,发卡数量,本月发卡 0 张"))

            let page = directory.appendingPathComponent("2026-12.html").path
            let written = try await admin.counter(["report", "progress", "--month", "2026-12", "--html", "--output", page])
            #expect(written.exitCode == 0, "\(written.stderr)")
            let pdf = directory.appendingPathComponent("2026-12.pdf").path
            let printed = try await CommandRunner.program(
                chromium,
                [
                    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf=\(pdf)",
                    "file://\(page)",
                ])
            #expect(printed.exitCode == 0, "\(printed.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: pdf))
            let raw = String(decoding: bytes, as: UTF8.self)
            let pages =
                raw.components(separatedBy: "/Type /Page").count - 1 - (raw.components(separatedBy: "/Type /Pages").count - 1)
            #expect(pages == 1, "the report fills \(pages) pages")
            // A4 landscape: 297 mm x 210 mm is 842 x 595 points.
            #expect(raw.contains("/MediaBox [0 0 841.91998 594.95996]"), "not A4 landscape")
            let dom = try await CommandRunner.program(
                chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(page)"])
            #expect(dom.stdout.contains("交通一卡通互联互通工作计划进度表（2026-12）"))
            #expect(dom.stdout.contains("已完成：已上报") && dom.stdout.contains("卡片覆盖交通方式") && dom.stdout.contains("存在问题"))
        }
    }
}
