import Foundation
import Testing
import TongkaCardSim
import TongkaDomain
import TongkaTestSupport

/// The blacklist end to end: a supervisor lists a card at the counter, the reference validator
/// syncs, refuses the card and blocks it on the card; the supervisor sees the block has spread;
/// the removal reaches the validator too.
@Suite(.timeLimit(.minutes(5))) struct BlacklistCounterTests {
    @Test func aListedCardIsRefusedAndBlockedByTheValidatorAndItsRemovalArrivesToo() async throws {
        // The server holds the factory's card keys, so its cards can be topped up.
        let factory = try CardFactory()
        try await withTestServer(configure: { $0.cardKeysFile = factory.keyFile }) { server in
            let stock = try factory.stockFile(1...2)
            #expect(try await factory.personalise(stock).exitCode == 0)
            let admin = try await CounterFlowTests.adminCounter(server)
            _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
            _ = try await admin.counter([
                "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "5", "--modes", "bus,metro",
            ])
            #expect(try await admin.counter(["stock", "import", stock, "--product", "STD", "--hall", "CS01"]).exitCode == 0)
            let clerk = try await CounterFlowTests.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)
            #expect(try await clerk.counter(["card", "issue", "--reader", "sim:\(factory.cardFile(1))"]).exitCode == 0)
            let supervisor = try await CounterFlowTests.staffCounter(admin: admin, user: "lisi", role: "supervisor", hall: "CS01")
            let card = CardFactory.cardNumber(1)

            // The validator registers with an admin's token and takes the (empty) full list.
            let state = factory.directory + "/validator"
            let token = try #require(try admin.sessionToken())
            let registered = try await CommandRunner.validator([
                "register", "000000000001", "--psam", "0000AB12CD34", "--mode", "bus", "--line", "1路", "--depot", "东站",
                "--group", "BUS-A", "--server", server.url.absoluteString, "--admin-token", token, "--state", state,
            ])
            #expect(registered.exitCode == 0, "\(registered.stderr)")
            let first = try await CommandRunner.validator(["sync", "--state", state])
            #expect(first.exitCode == 0 && first.stdout.contains("v0"), "\(first.stdout)\(first.stderr)")

            let added = try await supervisor.counter(["blacklist", "add", card, "--reason", "lost", "--note", "挂失"])
            #expect(added.exitCode == 0 && added.stdout.contains("v1"), "\(added.stdout)\(added.stderr)")
            let again = try await supervisor.counter(["blacklist", "add", card, "--reason", "lost"])
            #expect(again.exitCode == 1 && again.stderr.contains("[already_listed]"))
            let clerkTries = try await clerk.counter(["blacklist", "add", CardFactory.cardNumber(2), "--reason", "lost"])
            #expect(clerkTries.stderr.contains("[forbidden_role]"))

            let synced = try await CommandRunner.validator(["sync", "--state", state])
            #expect(synced.stdout.contains("v1: applied"), "\(synced.stdout)\(synced.stderr)")
            let check = try await CommandRunner.validator(["check", card, "--state", state])
            #expect(check.exitCode == 1 && check.stdout.contains("listed (v1)"))
            let tap = try await CommandRunner.validator([
                "tap", "--reader", "sim:\(factory.cardFile(1))", "--card-keys", factory.keyFile, "--state", state,
            ])
            #expect(tap.exitCode == 1 && tap.stdout.contains("blocked"), "\(tap.stdout)\(tap.stderr)")
            #expect(!tap.stdout.contains(card), "the full number never goes to the output")
            let read = try await clerk.counter(["card", "read", "--reader", "sim:\(factory.cardFile(1))", "--json"])
            #expect(read.stdout.contains("temporarily_blocked"), "\(read.stdout)")
            let unlisted = try await CommandRunner.validator([
                "tap", "--reader", "sim:\(factory.cardFile(2))", "--card-keys", factory.keyFile, "--state", state,
            ])
            #expect(unlisted.exitCode == 0 && unlisted.stdout.contains("accepted"), "\(unlisted.stdout)\(unlisted.stderr)")

            // Card 2 is sold and topped up, pays a fare offline; the record goes up later and the
            // card's statement shows it.
            let counter2 = clerk.adding(environment: [
                "TONGKA_TERMINAL": "counter-1", "TONGKA_CARD_READER": "sim:\(factory.cardFile(2))",
            ])
            #expect(try await counter2.counter(["card", "issue"]).exitCode == 0)
            let loaded = try await counter2.counter(["topup", "20", "--pay", "cash"])
            #expect(loaded.exitCode == 0, "\(loaded.stdout)\(loaded.stderr)")
            let fare = try await CommandRunner.validator([
                "tap", "--reader", "sim:\(factory.cardFile(2))", "--card-keys", factory.keyFile, "--state", state, "--fare",
                "200",
                "--station", "五一广场",
            ])
            #expect(fare.exitCode == 0 && fare.stdout.contains("record 1 kept for upload"), "\(fare.stdout)\(fare.stderr)")
            let uploaded = try await CommandRunner.validator(["upload", "--state", state])
            #expect(
                uploaded.stdout.contains("uploaded: 1 stored, 0 duplicate, 0 rejected"), "\(uploaded.stdout)\(uploaded.stderr)")
            let nothing = try await CommandRunner.validator(["upload", "--state", state])
            #expect(nothing.stdout.contains("uploaded: 0 stored"), "\(nothing.stdout)")
            let statement = try await clerk.counter(["card", "statement", CardFactory.cardNumber(2), "--json"])
            #expect(statement.stdout.contains("\"tap\""), "\(statement.stdout)")
            let exceptions = try await supervisor.counter(["exceptions", "list"])
            #expect(exceptions.exitCode == 0, "\(exceptions.stderr)")

            // Proof of propagation, in the clerk's words.
            let status = try await supervisor.counter(["blacklist", "status", card, "--lang", "zh"])
            #expect(status.stdout.contains("已列入黑名单 v1"), "\(status.stdout)")
            #expect(status.stdout.contains("1 台终端中 1 台已更新 (100.0%)"), "\(status.stdout)")
            let history = try await supervisor.counter(["blacklist", "history", card])
            #expect(history.stdout.contains("lisi") && history.stdout.contains("3104***********0001"))

            let removed = try await supervisor.counter(["blacklist", "remove", card, "--note", "找回"])
            #expect(removed.exitCode == 0, "\(removed.stderr)")
            let behind = try await supervisor.counter(["blacklist", "status", card])
            #expect(behind.stdout.contains("0 of 1 validators updated (0.0%)") && behind.stdout.contains("1 behind"))
            let delta = try await CommandRunner.validator(["sync", "--state", state])
            #expect(delta.stdout.contains("v2: applied delta list, +0 −1"), "\(delta.stdout)\(delta.stderr)")
            let cleared = try await CommandRunner.validator(["check", card, "--state", state])
            #expect(cleared.exitCode == 0 && cleared.stdout.contains("not listed (v2)"))
            let current = try await CommandRunner.validator(["sync", "--state", state])
            #expect(current.stdout.contains("v2: up to date"))

            // The national platform: another issuer's file in, ours out.
            let external = factory.directory + "/3101.txt"
            try Data(try BlacklistExchangeFile(numbers: [CardNumber(trusted: "3101000000000000042")]).encoded())
                .write(to: URL(fileURLWithPath: external))
            let imported = try await admin.counter(["blacklist", "import", external, "--issuer", "3101AAAAFFFFFFFF"])
            #expect(
                imported.exitCode == 0 && imported.stdout.contains("1 added, 0 removed"), "\(imported.stdout)\(imported.stderr)")
            try Data("3101000000000000042\nCRC32 00000000\n".utf8).write(to: URL(fileURLWithPath: external))
            let refused = try await admin.counter(["blacklist", "import", external, "--issuer", "3101AAAAFFFFFFFF"])
            #expect(refused.exitCode == 1 && refused.stderr.contains("[exchange_file_invalid]"), "\(refused.stderr)")
            #expect(refused.stderr.contains("crc_mismatch"), "\(refused.stderr)")
            _ = try await supervisor.counter(["blacklist", "add", card, "--reason", "fraud"])
            let exportFile = factory.directory + "/ours.txt"
            let exported = try await admin.counter(["blacklist", "export", "--output", exportFile])
            #expect(exported.exitCode == 0 && exported.stdout.contains("Wrote 1 cards"), "\(exported.stdout)\(exported.stderr)")
            let ours = try BlacklistExchangeFile.parse(Array(try Data(contentsOf: URL(fileURLWithPath: exportFile))))
            #expect(ours.numbers.map(\.digits) == [card])

            // The issuer whitelist: an admin imports the platform's, the validator takes it with the list.
            let whitelistFile = factory.directory + "/whitelist.txt"
            try Data(try IssuerWhitelist(entries: [.init(cardPrefix: "31051700", issuerID: "01001000FFFFFFFF")]).encoded())
                .write(to: URL(fileURLWithPath: whitelistFile))
            let whitelisted = try await admin.counter(["whitelist", "import", whitelistFile])
            #expect(
                whitelisted.stdout.contains("Whitelist v1: 1 prefixes; 1 added, 0 removed"),
                "\(whitelisted.stdout)\(whitelisted.stderr)")
            let shown = try await supervisor.counter(["whitelist", "show", "--lang", "zh"])
            #expect(shown.stdout.contains("31051700") && shown.stdout.contains("31048200"), "\(shown.stdout)")
            let withWhitelist = try await CommandRunner.validator(["sync", "--state", state])
            #expect(withWhitelist.stdout.contains("whitelist v1: 2 prefixes"), "\(withWhitelist.stdout)\(withWhitelist.stderr)")
            let unchanged = try await CommandRunner.validator(["sync", "--state", state])
            #expect(unchanged.stdout.contains("whitelist: up to date (2 prefixes)"), "\(unchanged.stdout)")

            let report = try await supervisor.counter(["report", "validators"])
            #expect(report.exitCode == 0 && report.stdout.contains("BUS-A"), "\(report.stdout)\(report.stderr)")
            // A damaged local list is reported, never used.
            try Data("TKVS broken".utf8).write(to: URL(fileURLWithPath: state + "/list.tkvs"))
            let damaged = try await CommandRunner.validator(["check", card, "--state", state])
            #expect(damaged.exitCode == 1 && damaged.stderr.contains("list_damaged"))
        }
    }
}
