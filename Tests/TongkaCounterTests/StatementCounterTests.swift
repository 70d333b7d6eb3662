import Foundation
import Testing
import TongkaDomain
import TongkaTestSupport

/// `card statement` and `report topups` from the real `tongka-counter` binary, after top-ups made
/// with a software card in the reader.
@Suite(.timeLimit(.minutes(5))) struct StatementCounterTests {
    @Test func aClerkPrintsACardStatementAndWritesItAsCSVWithBOMHeaderAndCRLF() async throws {
        try await withTestServer { server in
            let (clerk, card, _) = try await TopupCounterTests.counterWithCard(server)
            #expect(try await clerk.counter(["topup", "50"]).exitCode == 0)
            let paid = try await clerk.counter(["topup", "20", "--pay", "alipay", "--reference", "ALI2026120100009"])
            #expect(paid.exitCode == 0, "\(paid.stderr)")

            let table = try await clerk.counter(["card", "statement", card])
            #expect(table.exitCode == 0, "\(table.stderr)")
            #expect(table.stdout.contains("top-up") && table.stdout.contains("ALI2026120100009"))
            #expect(table.stdout.contains("¥70.00") && !table.stdout.contains(card))

            let json = try await clerk.counter(["card", "statement", card, "--json"])
            let lines = try #require(try json.json()["lines"] as? [[String: Any]])
            #expect(lines.map { $0["balanceFen"] as? Int } == [5_000, 7_000])
            #expect(try json.json()["balanceFen"] as? Int == 7_000)

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("statement-\(UUID().uuidString).csv")
            let written = try await clerk.counter(["card", "statement", card, "--csv", "--output", file.path])
            #expect(written.exitCode == 0, "\(written.stderr)")
            let data = try Data(contentsOf: file)
            #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))
            let text = try #require(String(data: data.dropFirst(3), encoding: .utf8))
            let rows = text.components(separatedBy: "\r\n")
            #expect(rows.first == "Time,Kind,Amount,Balance,Hall,Clerk,Load,Payment,Reference")
            #expect(rows.count == 4 && rows.last == "")
            #expect(rows[1].contains(",top-up,50.00,50.00,CS01,zhangsan,"))
            #expect(rows[2].hasSuffix(",ALI2026120100009") && rows[2].contains(",20.00,70.00,"))
            #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        }
    }

    @Test func aSupervisorReportsTopupsByChannelAsATableAndCSV() async throws {
        try await withTestServer { server in
            let (clerk, _, _) = try await TopupCounterTests.counterWithCard(server)
            #expect(try await clerk.counter(["topup", "50"]).exitCode == 0)
            #expect(
                try await clerk.counter(["topup", "20", "--pay", "wechat_pay", "--reference", "WX2026120100009"]).exitCode == 0)
            let admin = clerk.anotherCounter()
            let login = try await admin.counter(
                ["login", "--user", "admin"], environment: ["TONGKA_PASSWORD": CounterFlowTests.password])
            #expect(login.exitCode == 0, "\(login.stderr)")
            let supervisor = try await CounterFlowTests.staffCounter(
                admin: admin, user: "lisi", role: "supervisor", hall: "CS01")
            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description

            let table = try await supervisor.counter(["report", "topups", "--from", today, "--to", today, "--lang", "zh"])
            #expect(table.exitCode == 0, "\(table.stderr)")
            #expect(table.stdout.contains("充值统计") && table.stdout.contains("微信支付"))
            #expect(table.stdout.contains("¥50.00") && table.stdout.contains("¥20.00"))

            let csv = try await supervisor.counter([
                "report", "topups", "--from", today, "--to", today, "--by", "channel,hall", "--csv",
            ])
            #expect(csv.exitCode == 0, "\(csv.stderr)")
            #expect(csv.stdoutData.starts(with: [0xEF, 0xBB, 0xBF]))
            let lines = csv.stdout.dropFirst().split(separator: "\r\n").map(String.init)
            #expect(lines.first?.hasPrefix("Period,Hall,Hall name,Channel,Confirmed loads,Confirmed amount") == true)
            #expect(lines.count == 3)
            #expect(lines.contains { $0.hasPrefix("\(today),CS01,五一广场,") && $0.contains(",1,50.00,0,0.00,") })

            let refused = try await supervisor.counter(["report", "topups", "--from", today, "--to", today, "--by", "mode"])
            #expect(refused.exitCode == 1 && refused.stderr.contains("[invalid_grouping]"))
        }
    }
}
