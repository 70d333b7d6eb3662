import Testing
import TongkaDomain

@Suite struct ClearingFileTests {
    let record = TapRecord(
        card: CardNumber(trusted: "3104820000000000001"), issuerID: "01005510FFFFFFFF", cardType: 1, offlineSerial: 3,
        amount: Money(fen: 200), balanceBefore: Money(fen: 1_000), balanceAfter: Money(fen: 800), transactionType: 6,
        terminalNumber: "310000000009", terminalSerial: 42, dateTime: "20261201181000", tac: "A1B2C3D4", mode: .metro,
        line: "2号线", station: "五一广场")

    @Test func aWrittenFileReadsBackWithItsHeaderAndTrailer() throws {
        let file = ClearingFile(direction: .incoming, senderIssuerID: "99990000FFFFFFFF", day: "20261201", records: [record])
        let bytes = file.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("TKCF,1,IN,99990000FFFFFFFF,20261201,1\n3104820000000000001,01005510FFFFFFFF,1,3,200,1000,800,6,"))
        #expect(try ClearingFile.parse(bytes) == file)
    }

    @Test func aCountThatDoesNotMatchABadLineOrABadCRCRefusesTheFile() {
        let good = ClearingFile(direction: .outgoing, senderIssuerID: "01005510FFFFFFFF", day: "20261201", records: [record])
        var text = String(decoding: good.encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "20261201,1\n", with: "20261201,2\n")
        #expect(throws: BlacklistExchangeFileError.self) { try ClearingFile.parse(Array(text.utf8)) }
        var flipped = good.encoded()
        flipped[50] ^= 0x01
        #expect(throws: BlacklistExchangeFileError.self) { try ClearingFile.parse(flipped) }
        #expect(!ClearingFile.isPlain("a,b") && !ClearingFile.isPlain("a\"b") && ClearingFile.isPlain("五一广场"))
    }
}
