import Foundation
import Testing
import TongkaCardCrypto

@testable import TongkaCardSim

@Suite("Simulated card: personalisation, files and status words")
struct SimCardTests {
    @Test("A stock line parses, prints back, and its card number maps to the BCD serial")
    func stockLine() throws {
        let line = try StockLine(line: " 3104820000170907984 , 01025510ffffffff,20250101,20341231,2,true ")
        #expect(line.line == "3104820000170907984,01025510FFFFFFFF,20250101,20341231,2,1")
        #expect(Hex.encode(line.card.applicationSerial) == "03104820000170907984")
        #expect(line.cardType == 2 && line.interconnection)
    }

    @Test(
        "Bad stock lines are refused field by field",
        arguments: [
            "3104820000170907984,01025510FFFFFFFF,20250101,20341231,2",
            "310482000017090798,01025510FFFFFFFF,20250101,20341231,2,1",
            "3104820000170907984,01025510FFFF,20250101,20341231,2,1",
            "3104820000170907984,01025510FFFFFFFG,20250101,20341231,2,1",
            "3104820000170907984,01025510FFFFFFFF,20250230,20341231,2,1",
            "3104820000170907984,01025510FFFFFFFF,20350101,20341231,2,1",
            "3104820000170907984,01025510FFFFFFFF,20250101,20341231,6,1",
            "3104820000170907984,01025510FFFFFFFF,20250101,20341231,1,yes",
        ])
    func badStockLines(_ text: String) {
        #expect(throws: CardSimError.self) { _ = try StockLine(line: text) }
    }

    @Test("A new card file has mode 0600, holds no master key and refuses to be created twice")
    func creation() throws {
        let fixture = try SimFixture()
        #expect(try AtomicFile.permissions(of: fixture.path) == 0o600)
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 0 && snapshot.onlineSerial == 0 && snapshot.offlineSerial == 0)
        #expect(snapshot.status == .active && snapshot.maxBalance == 100_000)
        #expect(snapshot.card.cardNumber == "3104820000170907984")
        // The file holds card keys (diversified), never the master keys from the store.
        let text = try String(contentsOfFile: fixture.path, encoding: .utf8)
        let cardDLK = try fixture.store.deriveCardKey(
            KeyReference(name: "DLK", version: 1, algorithm: .tripleDES), for: fixture.card)
        #expect(text.contains(cardDLK.withUnsafeBytes { Hex.encode($0) }))
        #expect(throws: CardSimError.cardFileExists(path: fixture.path)) {
            try SimulatedCard.create(at: fixture.path, from: StockLine(line: stockText), keyStore: fixture.store)
        }
    }

    @Test("A card of another issuer than the key store's cannot be personalised")
    func foreignIssuerRefused() throws {
        let fixture = try SimFixture()
        let foreign = try StockLine(line: "3104820000170907985,01021000FFFFFFFF,20250101,20341231,1,1")
        #expect(throws: CardSimError.crypto(.issuerMismatch)) {
            try SimulatedCard.create(at: fixture.directory + "/other.json", from: foreign, keyStore: fixture.store)
        }
    }

    @Test("SELECT returns the FCI; READ BINARY returns 0015 and 0017 byte for byte")
    func filesByteForByte() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        let select = try await fixture.select()
        #expect(select.statusWord == 0x9000)
        #expect(Hex.encode(select.data) == "6F108408A000000632010105A5049F080102")
        let f15 = try await fixture.send("00B0950000")
        #expect(f15.statusWord == 0x9000)
        #expect(
            Hex.encode(f15.data) == "01025510FFFFFFFF" + "02" + "01" + "03104820000170907984" + "20250101" + "20341231" + "0000")
        let f17 = try await fixture.send("00B0970000")
        #expect(f17.data.count == 60)
        #expect(Array(f17.data[8...10]) == [0x00, 0x01, 0x02])
        let part = try await fixture.send("00B095140A")  // offset 20, 10 bytes: the validity dates and more
        #expect(Hex.encode(part.data) == "2025010120341231" + "0000")
        let info = try await fixture.terminal.readCard()
        #expect(info.card == fixture.card && info.cardType == 2 && info.interconnection && info.balance == 0)
        #expect(info.validFrom == "20250101" && info.validTo == "20341231")
    }

    @Test("Status words: unknown file 6A82, bad lengths 6700, unknown INS 6D00, wrong CLA 6E00, no selection 6985")
    func statusWords() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        #expect(try await fixture.send("805C000204").statusWord == 0x6985)  // not selected yet
        #expect(try await fixture.send("00A4040008A000000632010106").statusWord == 0x6A82)
        #expect(try await fixture.select().statusWord == 0x9000)
        #expect(try await fixture.send("00B0960000").statusWord == 0x6A82)  // SFI 16 does not exist
        #expect(try await fixture.send("00B2010C17").statusWord == 0x6A82)  // record file SFI 01
        #expect(try await fixture.send("00B20BC417").statusWord == 0x6A83)  // record 11
        #expect(try await fixture.send("00B201C417").statusWord == 0x6A83)  // empty log
        #expect(try await fixture.send("00B0951F00").statusWord == 0x6B00)  // offset beyond 30
        #expect(try await fixture.send("00B0951E05").statusWord == 0x6C00)  // 5 bytes asked, none left
        #expect(try await fixture.send("805C0002").statusWord == 0x6700)
        #expect(try await fixture.send("805C000208").statusWord == 0x6700)
        #expect(try await fixture.send("805000020A0100000001000000001234").statusWord == 0x6700)  // Lc 0A
        #expect(try await fixture.send("805000020B01000000010000000012").statusWord == 0x6700)  // Lc says 11, 10 sent
        #expect(try await fixture.send("00A4").statusWord == 0x6700)
        #expect(try await fixture.send("80CA000000").statusWord == 0x6D00)
        #expect(try await fixture.send("005C000204").statusWord == 0x6E00)
        #expect(try await fixture.send("805C000104").statusWord == 0x6A86)  // passbook (ED) not supported
        #expect(try await fixture.send("805003020B010000000100000000123410").statusWord == 0x6A86)  // composite purchase
        #expect(try await fixture.send("805000020B020000000100000000123410").statusWord == 0x9403)  // key index 2
        #expect(try await fixture.send("00840000").statusWord == 0x6700)  // GET CHALLENGE without Le
        #expect(try await fixture.send("0084000004").data.count == 4)
    }

    @Test("CREDIT FOR LOAD and DEBIT FOR PURCHASE without their INITIALIZE answer 6985")
    func secondHalfWithoutFirst() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        #expect(try await fixture.send("805200000B 20250615120000 11223344 04").statusWord == 0x6985)
        #expect(try await fixture.send("805401000F 00000001 20250615120000 11223344 08").statusWord == 0x6985)
        // An INITIALIZE followed by another command loses its session.
        #expect(try await fixture.send("805000020B 01 00000064 000000001234 10").statusWord == 0x9000)
        #expect(try await fixture.send("805C000204").statusWord == 0x9000)
        #expect(try await fixture.send("805200000B 20250615120000 11223344 04").statusWord == 0x6985)
        // A reset (new connection) loses it too.
        #expect(try await fixture.send("805000020B 01 00000064 000000001234 10").statusWord == 0x9000)
        try await fixture.connect()
        _ = try await fixture.select()
        #expect(try await fixture.send("805200000B 20250615120000 11223344 04").statusWord == 0x6985)
    }

    @Test("Commands before connect are refused by the reader")
    func notConnected() async throws {
        let fixture = try SimFixture()
        let error = await thrownError { _ = try await fixture.send("0084000004") }
        #expect(error as? CardSimError == .notConnected)
        await fixture.reader.disconnect()
    }
}
