import Foundation
import Testing
import TongkaAPI
import TongkaCardSim
import TongkaDomain
import TongkaTestSupport

/// Loss and replacement end to end, as the rider, the clerk and the validators live it: a
/// registered card topped up at the counter and used on a bus, reported lost through
/// self-service, refused and blocked by the long-polling reference validator, replaced at the
/// counter with the provisional balance on the new card, and the rest settled after the waiting
/// period by `tongka-server settle-replacements --now` and loaded at the next read.
@Suite(.timeLimit(.minutes(5))) struct LossCounterTests {
    static let document = "11010519491231002X"

    /// `tongka-server` one-off commands against the test server's database, with its keys.
    static func serverEnvironment(_ server: TestServer) -> [String: String] {
        [
            "TONGKA_DATABASE_URL": server.settings.databaseURL,
            "TONGKA_DATA_KEY": Data(server.settings.dataKey).base64EncodedString(),
            "TONGKA_ISSUER_PREFIXES": TestSettings.issuerPrefix,
            "TONGKA_ISSUER_ID": TestSettings.issuerID,
            "TONGKA_PASSWORD_COST": "10",
            "TONGKA_LOG_LEVEL": "error",
            "TONGKA_DATABASE_WAIT_SECONDS": "60",
        ]
    }

    @Test func aLostCardIsBlockedOnTheBusReplacedInOneVisitAndItsBalanceArrivesInFull() async throws {
        let factory = try CardFactory()
        try await withTestServer(configure: {
            $0.cardKeysFile = factory.keyFile
            $0.loss.answerFloor = .zero
            $0.loss.holdback = Money(fen: 1_000)
            // Short, so that the test's own time passes it; nothing settles before the command runs.
            $0.loss.waitingPeriod = .seconds(1)
        }) { server in
            let stock = try factory.stockFile(1...3)
            #expect(try await factory.personalise(stock).exitCode == 0)
            let admin = try await CounterFlowTests.adminCounter(server)
            _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
            _ = try await admin.counter([
                "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "5",
                "--replacement-fee", "10", "--modes", "bus,metro",
            ])
            #expect(try await admin.counter(["stock", "import", stock, "--product", "STD", "--hall", "CS01"]).exitCode == 0)
            let clerk = try await CounterFlowTests.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
                .adding(environment: ["TONGKA_TERMINAL": "counter-1"])
            #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)
            let old = CardFactory.cardNumber(1)
            let oldReader = "sim:\(factory.cardFile(1))"

            // A registered card, topped up with ¥50.
            let holder = try await clerk.counter([
                "holder", "register", "--name", "王小明", "--doc-type", "resident_id", "--doc-number", Self.document,
            ])
            #expect(holder.exitCode == 0, "\(holder.stderr)")
            let issued = try await clerk.counter([
                "card", "issue", "--reader", oldReader, "--holder-doc-type", "resident_id", "--holder-doc-number", Self.document,
            ])
            #expect(issued.exitCode == 0, "\(issued.stdout)\(issued.stderr)")
            let topup = try await clerk.counter(["topup", "50", "--pay", "cash", "--reader", oldReader])
            #expect(topup.exitCode == 0, "\(topup.stdout)\(topup.stderr)")

            // Two validators on the same bus line: one stays connected, one is offline.
            let token = try #require(try admin.sessionToken())
            var states: [String] = []
            for terminal in ["000000000001", "000000000002"] {
                let state = factory.directory + "/validator-\(terminal)"
                let registered = try await CommandRunner.validator([
                    "register", terminal, "--psam", "0000AB12CD34", "--mode", "bus", "--line", "1路", "--depot", "东站",
                    "--group", "BUS-A", "--server", server.url.absoluteString, "--admin-token", token, "--state", state,
                ])
                #expect(registered.exitCode == 0, "\(registered.stderr)")
                #expect(try await CommandRunner.validator(["sync", "--state", state]).exitCode == 0)
                states.append(state)
            }
            let (online, offline) = (states[0], states[1])
            func tap(_ state: String, _ reader: String, fare: Int) async throws -> CommandResult {
                try await CommandRunner.validator([
                    "tap", "--reader", reader, "--card-keys", factory.keyFile, "--state", state, "--fare", "\(fare)",
                    "--station", "五一广场",
                ])
            }
            for _ in 0..<2 {
                let fare = try await tap(online, oldReader, fare: 200)
                #expect(fare.exitCode == 0 && fare.stdout.contains("accepted"), "\(fare.stdout)\(fare.stderr)")
            }
            let up = try await CommandRunner.validator(["upload", "--state", online])
            #expect(up.stdout.contains("uploaded: 2 stored"), "\(up.stdout)\(up.stderr)")

            // The connected validator long-polls; the rider reports the card lost from a phone.
            async let polled = CommandRunner.validator(["sync", "--state", online, "--wait", "30"])
            try await Task.sleep(for: .milliseconds(300))
            let rider = server.anonymous(language: .zh)
            let accepted = try await rider.reportLossSelfService(
                .init(cardNumber: old, documentType: .residentId, documentNumber: Self.document))
            let reference = accepted.reference
            #expect(accepted.cardNumber == CardNumber.mask(old) && accepted.channel == .selfService)
            let synced = try await polled
            #expect(synced.stdout.contains("v1: applied"), "\(synced.stdout)\(synced.stderr)")
            // The offline bus does not know yet: it takes a fare the holdback will pay for.
            let late = try await tap(offline, oldReader, fare: 300)
            #expect(late.exitCode == 0 && late.stdout.contains("accepted"), "\(late.stdout)\(late.stderr)")
            let refused = try await tap(online, oldReader, fare: 200)
            #expect(refused.exitCode == 1 && refused.stdout.contains("blocked"), "\(refused.stdout)\(refused.stderr)")
            let read = try await clerk.counter(["card", "read", "--reader", oldReader, "--json"])
            #expect(read.stdout.contains("temporarily_blocked"), "\(read.stdout)")

            // The rider's statement: ¥46 at report time, the block on one of two validators.
            let statement = try await rider.lossReport(
                reference: reference, documentType: .residentId, documentNumber: Self.document)
            #expect(statement.report.balanceAtReportFen == 4_600)
            #expect(statement.propagation.applied == 1 && statement.propagation.active == 2)
            let shown = try await clerk.counter(["loss", "show", old, "--lang", "zh"])
            #expect(shown.stdout.contains("已在 1/2 台终端生效 (50.0%)"), "\(shown.stdout)")

            // Replacement at the counter: card 2 from the hall's stock in the reader.
            let newCard = CardFactory.cardNumber(2)
            let newReader = "sim:\(factory.cardFile(2))"
            let replaced = try await clerk.counter([
                "card", "replace", old, "--doc-type", "resident_id", "--doc-number", Self.document, "--reader", newReader,
                "--lang", "zh",
            ])
            #expect(replaced.exitCode == 0, "\(replaced.stdout)\(replaced.stderr)")
            #expect(replaced.stdout.contains("已补卡"), "\(replaced.stdout)")
            #expect(replaced.stdout.contains("¥36.00"), "\(replaced.stdout)")
            #expect(try SimulatedCard.snapshot(at: factory.cardFile(2)).balance == 3_600)
            let twice = try await clerk.counter([
                "card", "replace", old, "--doc-type", "resident_id", "--doc-number", Self.document, "--reader",
                "sim:\(factory.cardFile(3))",
            ])
            #expect(twice.exitCode == 1 && twice.stderr.contains("[card_replaced]"), "\(twice.stderr)")

            // The offline bus comes back: its record reaches the old card's statement.
            let lateUpload = try await CommandRunner.validator(["upload", "--state", offline])
            #expect(lateUpload.stdout.contains("uploaded: 1 stored"), "\(lateUpload.stdout)\(lateUpload.stderr)")
            let after = try await rider.lossReport(
                reference: reference, documentType: .residentId, documentNumber: Self.document)
            // The two fares uploaded before the report are not after it, though in the same second.
            #expect(after.tapsAfterCount == 1 && after.spentAfterFen == 300)

            // Past the waiting period the command settles the rest: ¥10 held back less the ¥3 fare.
            try await Task.sleep(for: .seconds(1.5))
            let settled = try await CommandRunner.server(
                ["settle-replacements", "--now"], environment: Self.serverEnvironment(server))
            #expect(
                settled.exitCode == 0 && settled.stdout.contains("Settled 1 replacement"), "\(settled.stdout)\(settled.stderr)")
            let again = try await CommandRunner.server(
                ["settle-replacements", "--now"], environment: Self.serverEnvironment(server))
            #expect(again.stdout.contains("No replacement is due."), "\(again.stdout)\(again.stderr)")
            let early = try await CommandRunner.server(["settle-replacements"], environment: Self.serverEnvironment(server))
            #expect(early.exitCode != 0 && early.stderr.contains("--now"), "\(early.stderr)")
            let loaded = try await clerk.counter(["order", "load", "--reader", newReader])
            #expect(loaded.exitCode == 0, "\(loaded.stdout)\(loaded.stderr)")
            #expect(try SimulatedCard.snapshot(at: factory.cardFile(2)).balance == 4_300)
            let newStatement = try await clerk.counter(["card", "statement", newCard, "--json"])
            #expect(newStatement.exitCode == 0, "\(newStatement.stderr)")

            // The old card is blocked for good at the counter; the books balance.
            let block = try await clerk.counter(["card", "block", "--reader", oldReader])
            #expect(block.exitCode == 0 && block.stdout.contains("blocked permanently"), "\(block.stdout)\(block.stderr)")
            let check = try await admin.counter(["ledger", "check"])
            #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")

            // The bus company's day: the admin enters it and its line, and the fares count for it.
            #expect(try await admin.counter(["transport", "company", "add", "CSBUS", "--name", "长沙公交集团"]).exitCode == 0)
            let line = try await admin.counter([
                "transport", "line", "add", "--company", "CSBUS", "--mode", "bus", "--line", "1路", "--stations", "五一广场,火车站",
            ])
            #expect(line.exitCode == 0 && line.stdout.contains("2 stations"), "\(line.stdout)\(line.stderr)")
            let lines = try await admin.counter(["transport", "line", "list", "--lang", "zh"])
            #expect(lines.stdout.contains("五一广场、火车站"), "\(lines.stdout)")
            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description
            let summary = try await admin.counter(["report", "clearing-summary", "--day", today, "--lang", "zh"])
            #expect(summary.exitCode == 0 && summary.stdout.contains("长沙公交集团"), "\(summary.stdout)\(summary.stderr)")
            #expect(summary.stdout.contains("应付运营企业（本地卡）    ¥7.00"), "\(summary.stdout)")
            let csv = factory.directory + "/revenue.csv"
            let revenue = try await admin.counter([
                "report", "revenue", "--from", today, "--to", today, "--output", csv, "--lang", "zh",
            ])
            #expect(revenue.exitCode == 0, "\(revenue.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: csv))
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF], "UTF-8 with a byte-order mark for Excel")
            let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("期间,运营企业代码,运营企业,交通方式,线路,本地卡笔数,本地卡金额"), "\(text)")
            #expect(text.contains("\(today),CSBUS,长沙公交集团,公交,1路,3,7.00"), "\(text)")
        }
    }
}
