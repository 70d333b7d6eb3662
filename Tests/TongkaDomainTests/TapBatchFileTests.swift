import Foundation
import Testing
import TongkaDomain

@Suite struct TapBatchFileTests {
    /// The worked example of docs/tap-upload-format.md (its bytes were first written by an
    /// independent encoder, Python's struct and zlib.crc32).
    static let example = TapRecord(
        card: CardNumber(trusted: "3104551000000000017"), issuerID: "31045510FFFFFFFF", cardType: 1, offlineSerial: 12,
        amount: Money(fen: 200), balanceBefore: Money(fen: 5_000), balanceAfter: Money(fen: 4_800), transactionType: 6,
        terminalNumber: "000000000001", terminalSerial: 1_001, dateTime: "20261201081500", tac: "A1B2C3D4", mode: .bus,
        line: "1路", station: "五一广场")
    /// The hex dump between the markers in the document: each line an offset, the bytes, `|` and
    /// what they are. Checks that each offset is the count of bytes before it.
    func documentedExample() throws -> [UInt8] { try documentedHexDump("tap-upload-format.md", "worked-example") }

    func refusal(_ batch: [UInt8]) -> String? {
        do {
            _ = try TapBatchFile.decode(batch)
            return nil
        } catch {
            #expect(error.code == .invalidTapBatch)
            return error.detail
        }
    }

    @Test func theDocumentsWorkedExampleEncodesAndDecodesByteForByte() throws {
        let documented = try documentedExample()
        #expect(documented.count == 86)
        #expect(try TapBatchFile.encode([Self.example]) == documented)
        #expect(try TapBatchFile.decode(documented) == [Self.example])
    }

    @Test func aBatchOfEveryModeAndTheLongestTextsRoundTrips() throws {
        let records = TransportMode.allCases.enumerated().map { index, mode in
            TapRecord(
                card: CardNumber(trusted: "310455100000000\(String(format: "%04d", index))"), issuerID: "31045510ffffffff",
                cardType: 1 + index % 5, offlineSerial: 65_535 - index, amount: Money(fen: 4_294_967_295),
                balanceBefore: Money(fen: Int64(index)), balanceAfter: .zero, transactionType: 9, terminalNumber: "999999999999",
                terminalSerial: 4_294_967_295 - Int64(index), dateTime: "20991231235959", tac: "00ff00ff", mode: mode,
                line: String(repeating: "线", count: 40), station: index == 0 ? "" : String(repeating: "站", count: 40))
        }
        #expect(try TapBatchFile.decode(try TapBatchFile.encode(records)) == records)
    }

    @Test func aDamagedCutOrForeignBatchIsRefusedWholeSayingWhere() throws {
        let good = try TapBatchFile.encode([Self.example])
        var flipped = good
        flipped[30] ^= 0x01
        #expect(refusal(flipped)?.contains("CRC-32") == true)
        #expect(refusal(Array(good.dropLast(9)))?.contains("CRC-32") == true)
        #expect(refusal(Array(good.prefix(10)))?.contains("shorter") == true)
        #expect(refusal(Array("JSON".utf8) + good.dropFirst(4))?.contains("magic") == true)
        #expect(refusal(resealed(good) { $0[4] = 2 })?.contains("version 2") == true)
        #expect(refusal(resealed(good) { $0[5] = 1 })?.contains("reserved") == true)
        #expect(refusal(resealed(good) { $0[7] = 0 }) == "0 records")
        #expect(refusal(resealed(good) { $0[7] = 2 })?.contains("record 2 is cut short") == true)
        #expect(refusal(resealed(good) { $0.append(0) })?.contains("1 bytes after the last record") == true)
        // Card number: 19 BCD digits and F; a nibble A-E anywhere, or F among the digits.
        #expect(refusal(resealed(good) { $0[9] = 0x0A })?.contains("card number") == true)
        #expect(refusal(resealed(good) { $0[17] = 0x7E })?.contains("card number") == true)
        #expect(refusal(resealed(good) { $0[8 + 34] = 0xF0 })?.contains("terminal number") == true)
        #expect(refusal(resealed(good) { $0[8 + 44] = 0x2A })?.contains("date and time") == true)
        #expect(refusal(resealed(good) { $0[8 + 55] = 9 })?.contains("unknown mode code 9") == true)
        #expect(refusal(resealed(good) { $0[8 + 57] = 0xFF })?.contains("not UTF-8") == true)
        #expect(refusal(resealed(good) { $0[8 + 56] = 200 })?.contains("longer") == true)
    }

    @Test func aRecordTheLayoutCannotCarryIsRefusedBeforeSending() {
        let tooMuch = TapRecord(
            card: Self.example.card, issuerID: Self.example.issuerID, cardType: 1, offlineSerial: 1,
            amount: Money(fen: 4_294_967_296), balanceBefore: .zero, balanceAfter: .zero, transactionType: 6,
            terminalNumber: "000000000001", terminalSerial: 1, dateTime: "20261201081500", tac: "A1B2C3D4", mode: .bus,
            line: "", station: "")
        #expect(throws: TongkaError.self) { try TapBatchFile.encode([tooMuch]) }
        #expect(throws: TongkaError.self) { try TapBatchFile.encode([]) }
        #expect(throws: TongkaError.self) {
            try TapBatchFile.encode(Array(repeating: Self.example, count: TapRules.maximumBatch + 1))
        }
    }

    /// `batch` changed by `change`, with its CRC made right again: the damage the CRC cannot see.
    func resealed(_ batch: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var body = Array(batch.dropLast(4))
        change(&body)
        let crc = CRC32.checksum(body)
        return body + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
}
