import Foundation
import Testing
import TongkaCardSim
import TongkaCardTerminal
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// Top-ups from the real `tongka-counter` binary with a software card in the reader.
@Suite(.timeLimit(.minutes(5))) struct TopupCounterTests {
    /// Admin, hall CS01 with 5 cards in stock, a clerk with an open shift, and card 1 sold.
    static func counterWithCard(_ server: TestServer) async throws -> (clerk: CommandRunner, card: String, reader: String) {
        let admin = try await CounterFlowTests.adminCounter(server)
        _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
        _ = try await admin.counter([
            "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "0", "--modes", "bus,metro",
        ])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stock-\(UUID().uuidString).csv")
        var lines = ["card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"]
        for serial in 1...5 {
            lines.append(
                "310482000000\(String(format: "%07d", serial)),31045510FFFFFFFF,20260101,20361231,1,\(String(format: "%08X", 0xC000_0000 + serial))"
            )
        }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try await admin.counter(["stock", "import", file.path, "--product", "STD", "--hall", "CS01"]).exitCode == 0)
        let clerk = try await CounterFlowTests.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
        #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)
        let card = "3104820000000000001"
        #expect(try await clerk.counter(["card", "issue", card]).exitCode == 0)
        let path = try SoftwareCards.personalise(card)
        return (clerk.adding(environment: ["TONGKA_CARD_READER": "sim:\(path)", "TONGKA_TERMINAL": "counter-1"]), card, path)
    }

    @Test func aClerkTopsUpTheCardInTheReaderAndPrintsA58mmReceipt() async throws {
        try await withTestServer { server in
            let (clerk, card, path) = try await Self.counterWithCard(server)
            let topup = try await clerk.counter(["topup", "50", "--receipt", "--lang", "zh"])
            #expect(topup.exitCode == 0, "\(topup.stderr)")
            #expect(topup.stdout.contains("充值成功"))
            #expect(topup.stdout.contains("¥50.00"))
            #expect(!topup.stdout.contains(card))
            #expect(topup.stdout.contains(CardNumber.mask(card)))
            // The receipt: 32 columns, CJK characters counting as two.
            let receipt = topup.stdout.components(separatedBy: "\n").drop { !$0.contains("充值凭条") }
            #expect(receipt.count >= 10)
            for line in receipt where !line.isEmpty {
                #expect(ReceiptWidth.columns(line) <= 32, "\(line)")
            }
            #expect(receipt.contains { $0.hasPrefix("充值后") && $0.hasSuffix("¥50.00") })
            #expect(try SimulatedCard.snapshot(at: path).balance == 5_000)
            let json = try await clerk.counter(["topup", "20", "--pay", "wechat_pay", "--reference", "WX2026120100001", "--json"])
            #expect(json.exitCode == 0, "\(json.stderr)")
            #expect(try json.json()["newBalanceFen"] as? Int == 7_000)
            #expect(try json.json()["state"] as? String == "confirmed")
            let listed = try await clerk.counter(["load", "list", "--card", card])
            #expect(listed.stdout.contains("¥20.00") && listed.stdout.contains("¥50.00"))
            let refused = try await clerk.counter(["topup", "2000"])
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("[balance_limit_exceeded]"))
            let noReader = try await clerk.counter(["topup", "10"], environment: ["TONGKA_CARD_READER": ""])
            #expect(noReader.exitCode == 1 && noReader.stderr.contains("[reader_required]"))
        }
    }

    @Test func aGreyTopUpIsListedBlocksTheCardAndIsResolvedFromTheCardBothWays() async throws {
        try await withTestServer { server in
            let (clerk, _, path) = try await Self.counterWithCard(server)
            // CREDIT FOR LOAD runs on the card but its answer is lost: grey, then confirmed from the card.
            let lost = try await clerk.adding(environment: ["TONGKA_SIM_FAULT": "lose:52"]).counter(["topup", "30"])
            #expect(lost.exitCode == 1 && lost.stderr.contains("[grey_load]"), "\(lost.stderr)")
            let open = try await clerk.counter(["load", "list", "--json"])
            let loads = try #require(try open.json()["loads"] as? [[String: Any]])
            let grey = try #require(loads.first)
            #expect(grey["state"] as? String == "grey")
            let greyID = try #require(grey["loadId"] as? Int)
            let blocked = try await clerk.counter(["topup", "10"])
            #expect(blocked.exitCode == 1 && blocked.stderr.contains("[grey_load_pending]"), "\(blocked.stderr)")
            let credited = try await clerk.counter(["load", "resolve", "\(greyID)", "--json"])
            #expect(credited.exitCode == 0, "\(credited.stderr)")
            #expect(try credited.json()["state"] as? String == "confirmed")
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)

            // CREDIT FOR LOAD never reaches the card: grey, then reversed and the cash goes back.
            let before = try await clerk.counter(["shift", "status", "--json"])
            let cash = try #require((try before.json()["shift"] as? [String: Any])?["expectedCashFen"] as? Int)
            let dropped = try await clerk.adding(environment: ["TONGKA_SIM_FAULT": "drop:52"]).counter(["topup", "20"])
            #expect(dropped.exitCode == 1 && dropped.stderr.contains("[grey_load]"), "\(dropped.stderr)")
            let second = try #require(
                (try await clerk.counter(["load", "list", "--json"]).json()["loads"] as? [[String: Any]])?.first?["loadId"]
                    as? Int)
            let reversed = try await clerk.counter(["load", "resolve", "\(second)", "--json"])
            #expect(reversed.exitCode == 0, "\(reversed.stderr)")
            #expect(try reversed.json()["state"] as? String == "reversed")
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)
            let after = try await clerk.counter(["shift", "status", "--json"])
            #expect((try after.json()["shift"] as? [String: Any])?["expectedCashFen"] as? Int == cash)
            let statement = try await clerk.counter(["card", "statement", "3104820000000000001", "--json"])
            #expect(try statement.json()["balanceFen"] as? Int == 3_000)
        }
    }

    @Test func aRepeatWithTheSameKeyAfterALostAnswerLoadsOnce() async throws {
        try await withTestServer { server in
            let (clerk, _, path) = try await Self.counterWithCard(server)
            // The clerk repeats a top-up with its key (as the counter says to after an unknown outcome).
            let first = try await clerk.counter(["topup", "30", "--idempotency-key", "topup-key-0001", "--json"])
            #expect(first.exitCode == 0, "\(first.stderr)")
            let again = try await clerk.counter(["topup", "30", "--idempotency-key", "topup-key-0001", "--json"])
            #expect(again.exitCode == 0, "\(again.stderr)")
            #expect(try again.json()["loadId"] as? Int == (try first.json()["loadId"] as? Int))
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)
        }
    }
}

/// Terminal columns of a receipt line (CJK wide characters count as two).
enum ReceiptWidth {
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return total + (wide ? 2 : 1)
        }
    }
}
