/// The binary form of a validator's upload (`POST /v1/taps` with `application/octet-stream`):
/// the layout is documented byte by byte, with a worked example, in docs/tap-upload-format.md.
///
/// Numbers are big-endian; card, terminal and date-time are BCD as the card and PSAM hold them;
/// the batch ends with the CRC-32 (``CRC32``) of every byte before it. A batch that does not
/// decode is refused whole (`invalid_tap_batch`, the detail naming the byte); what decodes is
/// judged record by record exactly as the JSON form is (``TapRules/rejection(_:terminal:now:timeZone:maximumFare:)``).
///
/// Written by hand: a fixed layout of a few dozen bytes per record needs no serialisation
/// library, and a validator vendor can write the same from the document in any language.
public enum TapBatchFile {
    public static let magic: [UInt8] = Array("TKTP".utf8)
    public static let version: UInt8 = 1
    /// Magic, version, a reserved byte (0) and the record count.
    public static let headerSize = 8
    /// A record before its two texts: every field except line and station.
    public static let fixedRecordSize = 56
    /// The longest line or station in bytes: 40 characters of at most 4 bytes each.
    public static let maximumTextBytes = 160

    /// Transport modes by their code byte; the codes are stable, new modes take new codes.
    public static let modeCodes: [(code: UInt8, mode: TransportMode)] = [
        (1, .bus), (2, .metro), (3, .brt), (4, .tram), (5, .ferry), (6, .taxi), (7, .rail), (8, .bike),
    ]

    /// The batch of `records`; refused (`invalid_tap_batch`) when a value does not fit the layout
    /// (an amount above 2^32 - 1 fen, a card number that is not 19 digits, a line over 160 bytes).
    public static func encode(_ records: [TapRecord]) throws(TongkaError) -> [UInt8] {
        guard (1...TapRules.maximumBatch).contains(records.count) else {
            throw TongkaError(.invalidTapBatch, detail: "\(records.count) records")
        }
        var out = TapFraming.header(magic: magic, version: version, count: records.count)
        out.reserveCapacity(headerSize + records.count * (fixedRecordSize + 24) + 4)
        for (index, record) in records.enumerated() {
            func field(_ name: String, _ fits: Bool) throws(TongkaError) {
                guard fits else { throw TongkaError(.invalidTapBatch, detail: "record \(index + 1): the \(name) does not fit") }
            }
            func digits(_ text: String, _ count: Int) -> Bool {
                text.utf8.count == count && text.utf8.allSatisfy(ASCII.isDigit)
            }
            func hex(_ text: String, _ count: Int) -> Bool { text.utf8.count == count && text.allSatisfy(\.isHexDigit) }
            try field("card number", digits(record.card.digits, 19))
            try field("issuer id", hex(record.issuerID, 16))
            try field("card type", (0...0xFF).contains(record.cardType))
            try field("offline serial", (0...0xFFFF).contains(record.offlineSerial))
            for money in [record.amount, record.balanceBefore, record.balanceAfter] {
                try field("amount or balance", (0...0xFFFF_FFFF).contains(money.fen))
            }
            try field("transaction type", (0...0xFF).contains(record.transactionType))
            try field("terminal number", digits(record.terminalNumber, 12))
            try field("terminal serial", (0...0xFFFF_FFFF).contains(record.terminalSerial))
            try field("date and time", digits(record.dateTime, 14))
            try field("TAC", hex(record.tac, 8))
            try field("line", record.line.utf8.count <= maximumTextBytes)
            try field("station", record.station.utf8.count <= maximumTextBytes)
            appendHex(record.card.digits + "F", to: &out)
            appendHex(record.issuerID, to: &out)
            out.append(UInt8(record.cardType))
            append(UInt64(record.offlineSerial), bytes: 2, to: &out)
            append(UInt64(record.amount.fen), bytes: 4, to: &out)
            append(UInt64(record.balanceBefore.fen), bytes: 4, to: &out)
            append(UInt64(record.balanceAfter.fen), bytes: 4, to: &out)
            out.append(UInt8(record.transactionType))
            appendHex(record.terminalNumber, to: &out)
            append(UInt64(record.terminalSerial), bytes: 4, to: &out)
            appendHex(record.dateTime, to: &out)
            appendHex(record.tac, to: &out)
            out.append(modeCodes.first { $0.mode == record.mode }!.code)
            for text in [record.line, record.station] {
                out.append(UInt8(text.utf8.count))
                out += Array(text.utf8)
            }
        }
        TapFraming.seal(&out)
        return out
    }

    /// The records of a batch, in order.
    public static func decode(_ bytes: [UInt8]) throws(TongkaError) -> [TapRecord] {
        func refuse(_ offset: Int, _ problem: String) -> TongkaError {
            TongkaError(.invalidTapBatch, detail: "byte \(offset): \(problem)")
        }
        let (count, body) = try TapFraming.open(
            bytes, magic: magic, version: version, kind: "a tap batch (magic TKTP)", refuse: refuse)
        guard (1...TapRules.maximumBatch).contains(count) else {
            throw TongkaError(.invalidTapBatch, detail: "\(count) records")
        }
        var records: [TapRecord] = []
        records.reserveCapacity(count)
        var at = headerSize
        for index in 0..<count {
            let start = at
            guard at + fixedRecordSize + 2 <= body else { throw refuse(at, "record \(index + 1) is cut short") }
            // 19 digits and the F pad; the terminal number and the time digits only.
            guard let card = bcd(bytes, at: at, digits: 19, padded: true) else {
                throw refuse(at, "record \(index + 1): the card number is not 19 BCD digits and F")
            }
            guard let terminal = bcd(bytes, at: at + 34, digits: 12, padded: false) else {
                throw refuse(at + 34, "record \(index + 1): the terminal number is not BCD")
            }
            guard let dateTime = bcd(bytes, at: at + 44, digits: 14, padded: false) else {
                throw refuse(at + 44, "record \(index + 1): the date and time are not BCD")
            }
            guard let mode = modeCodes.first(where: { $0.code == bytes[at + 55] })?.mode else {
                throw refuse(at + 55, "record \(index + 1): unknown mode code \(bytes[at + 55])")
            }
            at += fixedRecordSize
            var texts: [String] = []
            for name in ["line", "station"] {
                guard at < body else { throw refuse(at, "record \(index + 1) is cut short") }
                let length = Int(bytes[at])
                guard length <= maximumTextBytes, at + 1 + length <= body else {
                    throw refuse(at, "record \(index + 1): the \(name) is longer than the batch or \(maximumTextBytes) bytes")
                }
                guard let text = String(validating: bytes[(at + 1)..<(at + 1 + length)], as: UTF8.self) else {
                    throw refuse(at + 1, "record \(index + 1): the \(name) is not UTF-8")
                }
                texts.append(text)
                at += 1 + length
            }
            records.append(
                TapRecord(
                    card: CardNumber(trusted: card), issuerID: hex(bytes[(start + 10)..<(start + 18)]),
                    cardType: Int(bytes[start + 18]), offlineSerial: Int(number(bytes, at: start + 19, bytes: 2)),
                    amount: Money(fen: Int64(number(bytes, at: start + 21, bytes: 4))),
                    balanceBefore: Money(fen: Int64(number(bytes, at: start + 25, bytes: 4))),
                    balanceAfter: Money(fen: Int64(number(bytes, at: start + 29, bytes: 4))),
                    transactionType: Int(bytes[start + 33]), terminalNumber: terminal,
                    terminalSerial: Int64(number(bytes, at: start + 40, bytes: 4)), dateTime: dateTime,
                    tac: hex(bytes[(start + 51)..<(start + 55)]), mode: mode, line: texts[0], station: texts[1]))
        }
        guard at == body else { throw refuse(at, "\(body - at) bytes after the last record") }
        return records
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func number(_ bytes: [UInt8], at offset: Int, bytes count: Int) -> UInt64 {
        (offset..<(offset + count)).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
    }

    private static func append(_ value: UInt64, bytes count: Int, to out: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// `digits` decimal digits from `offset`, high nibble first, followed by one F nibble when
    /// `padded`; nil when a nibble is not what it must be. Built from bytes: appending Characters
    /// one by one cost a visible share of every upload.
    private static func bcd(_ bytes: [UInt8], at offset: Int, digits: Int, padded: Bool) -> String? {
        let nibbles = digits + (padded ? 1 : 0)
        var ascii = [UInt8](repeating: 0, count: digits)
        for position in 0..<nibbles {
            let byte = bytes[offset + position / 2]
            let nibble = position % 2 == 0 ? byte >> 4 : byte & 0x0F
            if position < digits {
                guard nibble <= 9 else { return nil }
                ascii[position] = 0x30 + nibble
            } else {
                guard nibble == 0x0F else { return nil }
            }
        }
        return String(decoding: ascii, as: UTF8.self)
    }

    private static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        var ascii: [UInt8] = []
        ascii.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            ascii.append(hexDigits[Int(byte >> 4)])
            ascii.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: ascii, as: UTF8.self)
    }

    /// Hex digits (BCD digits and the F pad among them) two to a byte; checked by the caller.
    private static func appendHex(_ text: String, to out: inout [UInt8]) {
        let nibbles = text.utf8.map { byte -> UInt8 in
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: 0
            }
        }
        for index in stride(from: 0, to: nibbles.count, by: 2) { out.append(nibbles[index] << 4 | nibbles[index + 1]) }
    }
}
