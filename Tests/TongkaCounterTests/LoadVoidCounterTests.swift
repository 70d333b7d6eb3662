import Foundation
import Testing
import TongkaCardSim
import TongkaCardTerminal
import TongkaDomain
import TongkaTestSupport

/// Voids from the real `tongka-counter` binary with a software card in the reader.
@Suite(.timeLimit(.minutes(5))) struct LoadVoidCounterTests {
    /// Hall CS01, product STD (`productOptions` added), one card in stock sold by a clerk with an
    /// open shift, a supervisor, both at a workstation with the software card in the reader.
    static func hall(
        _ server: TestServer, productOptions: [String] = []
    ) async throws -> (
        admin: CommandRunner, clerk: CommandRunner, supervisor: CommandRunner, card: String, path: String
    ) {
        let admin = try await CounterFlowTests.adminCounter(server)
        _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
        let product = try await admin.counter(
            ["product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "0", "--modes", "bus,metro"]
                + productOptions)
        #expect(product.exitCode == 0, "\(product.stderr)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stock-\(UUID().uuidString).csv")
        try [
            "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid",
            "3104820000000000001,31045510FFFFFFFF,20260101,20361231,1,C0000001",
        ].joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try await admin.counter(["stock", "import", file.path, "--product", "STD", "--hall", "CS01"]).exitCode == 0)
        let card = "3104820000000000001"
        let path = try SoftwareCards.personalise(card)
        let station = ["TONGKA_CARD_READER": "sim:\(path)", "TONGKA_TERMINAL": "counter-1"]
        let clerk = try await CounterFlowTests.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            .adding(environment: station)
        let supervisor = try await CounterFlowTests.staffCounter(admin: admin, user: "lisi", role: "supervisor", hall: "CS01")
            .adding(environment: station)
        #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)
        #expect(try await clerk.counter(["card", "issue", card]).exitCode == 0)
        return (admin, clerk, supervisor, card, path)
    }
    @Test func aVoidWhoseDebitAnswerIsLostAsksTheCardForItsProofAndReturnsTheMoneyOnce() async throws {
        try await withTestServer { server in
            let (admin, clerk, supervisor, _, path) = try await Self.hall(server)
            let topup = try await clerk.counter(["topup", "50", "--json"])
            let loadID = try #require(try topup.json()["loadId"] as? Int)

            // The debit never reaches the card: the card says it made no such purchase, nothing changes.
            let dropped = try await supervisor.adding(environment: ["TONGKA_SIM_FAULT": "drop:54"])
                .counter(["load", "void", "\(loadID)"])
            #expect(dropped.exitCode == 1 && dropped.stderr.contains("[card_not_debited]"), "\(dropped.stderr)")
            #expect(try SimulatedCard.snapshot(at: path).balance == 5_000)
            let still = try await clerk.counter(["load", "show", "\(loadID)", "--json"])
            #expect(try still.json()["state"] as? String == "confirmed")

            // The card debits but its answer is lost: GET TRANSACTION PROVE gives the MAC2 and TAC.
            let lost = try await supervisor.adding(environment: ["TONGKA_SIM_FAULT": "lose:54"])
                .counter(["load", "void", "\(loadID)", "--json"])
            #expect(lost.exitCode == 0, "\(lost.stderr)")
            #expect(try lost.json()["state"] as? String == "voided")
            #expect(try SimulatedCard.snapshot(at: path).balance == 0)
            let statement = try await clerk.counter(["card", "statement", "3104820000000000001", "--json"])
            #expect(try statement.json()["balanceFen"] as? Int == 0)
            let check = try await admin.counter(["ledger", "check", "--json"])
            #expect(try check.json()["passed"] as? Bool == true, "\(check.stdout)")
        }
    }

    @Test func aVoidRunAgainAfterTheCardDebitedFinishesTheFirstDebitAndNeverDebitsTwice() async throws {
        try await withTestServer { server in
            let (admin, clerk, supervisor, _, path) = try await Self.hall(server)
            #expect(try await clerk.counter(["topup", "30"]).exitCode == 0)
            let topup = try await clerk.counter(["topup", "50", "--json"])
            let loadID = try #require(try topup.json()["loadId"] as? Int)
            // The debit's answer is lost and so is the proof's: the card debited, the server does not know.
            let cut = try await supervisor.adding(environment: ["TONGKA_SIM_FAULT": "lose:54,lose:5A"])
                .counter(["load", "void", "\(loadID)"])
            #expect(cut.exitCode == 1, "\(cut.stdout)")
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)
            // Run again: the card's newest record is that debit, so the void finishes with its proof.
            let again = try await supervisor.counter(["load", "void", "\(loadID)", "--json"])
            #expect(again.exitCode == 0, "\(again.stderr)")
            #expect(try again.json()["state"] as? String == "voided")
            #expect(try SimulatedCard.snapshot(at: path).balance == 3_000)
            let statement = try await clerk.counter(["card", "statement", "3104820000000000001", "--json"])
            #expect(try statement.json()["balanceFen"] as? Int == 3_000)
            let check = try await admin.counter(["ledger", "check", "--json"])
            #expect(try check.json()["passed"] as? Bool == true, "\(check.stdout)")
        }
    }

    @Test func aSupervisorVoidsTheClerksTopUpAndTheCardAndTheDrawerGetTheMoneyBack() async throws {
        try await withTestServer { server in
            let (admin, clerk, supervisor, _, path) = try await Self.hall(server)
            let topup = try await clerk.counter(["topup", "50", "--json"])
            #expect(topup.exitCode == 0, "\(topup.stderr)")
            let loadID = try #require(try topup.json()["loadId"] as? Int)
            let drawer = try await clerk.counter(["shift", "status", "--json"])
            let before = try #require((try drawer.json()["shift"] as? [String: Any])?["expectedCashFen"] as? Int)

            let refused = try await clerk.counter(["load", "void", "\(loadID)"])
            #expect(refused.exitCode == 1 && refused.stderr.contains("[forbidden_role]"), "\(refused.stderr)")
            let voided = try await supervisor.counter(["load", "void", "\(loadID)", "--lang", "zh"])
            #expect(voided.exitCode == 0, "\(voided.stderr)")
            #expect(voided.stdout.contains("已撤销"))
            #expect(try SimulatedCard.snapshot(at: path).balance == 0)
            let after = try await clerk.counter(["shift", "status", "--json"])
            #expect((try after.json()["shift"] as? [String: Any])?["expectedCashFen"] as? Int == before - 5_000)
            // Topped up again, the card holds the amount, but a voided load is final.
            #expect(try await clerk.counter(["topup", "50"]).exitCode == 0)
            let again = try await supervisor.counter(["load", "void", "\(loadID)"])
            #expect(again.exitCode == 1 && again.stderr.contains("[void_not_allowed]"), "\(again.stderr)")
            let check = try await admin.counter(["ledger", "check", "--json"])
            #expect(try check.json()["passed"] as? Bool == true, "\(check.stdout)")
        }
    }

    @Test func aClerkReturnsACardWithAFeeAfterASupervisorsApprovalAndTheCardIsBlocked() async throws {
        try await withTestServer(configure: { $0.refundApproval.limit = Money(yuan: 50) }) { server in
            let (admin, clerk, supervisor, card, _) = try await Self.hall(server, productOptions: ["--refund-fee", "5"])
            #expect(try await clerk.counter(["topup", "50"]).exitCode == 0)

            let refused = try await clerk.counter(["card", "refund"])
            #expect(refused.exitCode == 1 && refused.stderr.contains("[refund_approval_required]"), "\(refused.stderr)")
            let approval = try await supervisor.counter(["refund", "approve", card, "--json"])
            #expect(approval.exitCode == 0, "\(approval.stderr)")
            let approvalID = try #require(try approval.json()["approvalId"] as? Int)
            let refund = try await clerk.counter(["card", "refund", "--approval", "\(approvalID)", "--lang", "en"])
            #expect(refund.exitCode == 0, "\(refund.stderr)")
            #expect(refund.stdout.contains("¥65.00"), "\(refund.stdout)")  // deposit 20 + balance 50 - fee 5
            #expect(refund.stdout.contains("blocked permanently"))
            let topup = try await clerk.counter(["topup", "10"])
            #expect(topup.exitCode != 0)
            let shown = try await clerk.counter(["card", "show", card, "--json"])
            #expect(try shown.json()["status"] as? String == "refunded")
            let check = try await admin.counter(["ledger", "check", "--json"])
            #expect(try check.json()["passed"] as? Bool == true, "\(check.stdout)")
        }
    }
}
