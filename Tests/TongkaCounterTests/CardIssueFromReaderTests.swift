import Foundation
import Testing
import TongkaCardSim
import TongkaCardTerminal
import TongkaTestSupport

/// Selling the card in the reader: the factory's cards imported as stock, then sold without typing a number.
@Suite(.timeLimit(.minutes(5))) struct CardIssueFromReaderTests {
    @Test func cardIssueWithoutANumberSellsTheCardInTheReader() async throws {
        try await withTestServer { server in
            let factory = try CardFactory()
            let stock = try factory.stockFile(1...3)
            #expect(try await factory.personalise(stock).exitCode == 0)

            let admin = try await CounterFlowTests.adminCounter(server)
            _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
            let product = try await admin.counter([
                "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "5", "--modes", "bus,metro",
            ])
            #expect(product.exitCode == 0, "\(product.stderr)")
            // The same file the factory personalised goes into stock.
            let imported = try await admin.counter(["stock", "import", stock, "--product", "STD", "--hall", "CS01"])
            #expect(imported.exitCode == 0, "\(imported.stderr)")
            let clerk = try await CounterFlowTests.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)

            let noReader = try await clerk.counter(["card", "issue"])
            #expect(noReader.exitCode == 1)
            #expect(noReader.stderr.contains("[reader_required]"))

            let sold = try await clerk.counter(["card", "issue", "--reader", "sim:\(factory.cardFile(2))", "--json"])
            #expect(sold.exitCode == 0, "\(sold.stderr)")
            let card = try #require(try sold.json()["card"] as? [String: Any])
            #expect(card["cardNumber"] as? String == CardFactory.cardNumber(2))

            // The reader from the environment, and a typed number that is another card.
            let mismatch = try await clerk.counter(
                ["card", "issue", CardFactory.cardNumber(3)], environment: ["TONGKA_CARD_READER": "sim:\(factory.cardFile(1))"])
            #expect(mismatch.exitCode == 1)
            #expect(mismatch.stderr.contains("[card_mismatch]"), "\(mismatch.stderr)")
            #expect(mismatch.stderr.contains("3104***********0001"))
            let nothingSold = try await clerk.counter(["card", "show", CardFactory.cardNumber(3)])
            #expect(nothingSold.stderr.contains("[card_not_found]"))

            // Typed and read agree: sold; the receipt shows the masked number.
            let agreed = try await clerk.counter(
                ["card", "issue", CardFactory.cardNumber(1)], environment: ["TONGKA_CARD_READER": "sim:\(factory.cardFile(1))"])
            #expect(agreed.exitCode == 0, "\(agreed.stderr)")
            #expect(agreed.stdout.contains("3104***********0001"))

            // Logged in, card read adds the back office's view of the card.
            let read = try await clerk.counter(["card", "read", "--reader", "sim:\(factory.cardFile(2))", "--json"])
            #expect(read.exitCode == 0, "\(read.stderr)")
            let office = try #require(try read.json()["backOffice"] as? [String: Any])
            #expect(office["issued"] as? Bool == true)
            #expect(office["status"] as? String == "active")
            let unsold = try await clerk.counter(["card", "read", "--reader", "sim:\(factory.cardFile(3))"])
            #expect(unsold.stdout.contains("not issued"), "\(unsold.stdout)")
        }
    }
}
