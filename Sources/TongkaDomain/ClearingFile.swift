/// The interconnection clearing file (全国清分结算) exchanged with the national platform: purchase
/// records of cards used outside their issuer's city. The real layouts are not public, so this is
/// Tongka's own documented, versioned layout (docs/clearing-format.md); parsing and writing live
/// only here, so the real layout can replace it in one place.
///
/// Layout version 1, UTF-8, LF line ends (CRLF read too):
/// - header: `TKCF,1,<direction OUT|IN>,<sender issuer id>,<business day YYYYMMDD>,<record count>`
/// - one line per record, the 15 fields of ``fields`` in that order, comma-separated (no field may
///   hold a comma, a quote or a line end)
/// - trailer: `CRC32 XXXXXXXX`, the CRC-32 of every byte before it (as the blacklist exchange file).
public struct ClearingFile: Sendable, Equatable {
    public enum Direction: String, Sendable {
        /// Records of other issuers' cards taken by this operator's validators, sent to the platform.
        case outgoing = "OUT"
        /// Records of this operator's cards taken elsewhere, from the platform.
        case incoming = "IN"
    }

    public static let magic = "TKCF"
    public static let version = 1
    public static let fields = [
        "card_number", "issuer_id", "card_type", "offline_serial", "amount_fen", "balance_before_fen", "balance_after_fen",
        "transaction_type", "terminal_number", "terminal_serial", "date_time", "tac", "mode", "line", "station",
    ]

    public let direction: Direction
    public let senderIssuerID: String
    /// The business day, YYYYMMDD.
    public let day: String
    public let records: [TapRecord]

    public init(direction: Direction, senderIssuerID: String, day: String, records: [TapRecord]) {
        self.direction = direction
        self.senderIssuerID = senderIssuerID
        self.day = day
        self.records = records
    }

    /// Whether a text field can be written: no comma, quote or line end.
    public static func isPlain(_ text: String) -> Bool {
        // Bytes first: printable ASCII without comma and quote is plain; only other text needs the
        // Character walk (newlines beyond ASCII: NEL, LINE and PARAGRAPH SEPARATOR).
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) {
            return !text.utf8.contains { $0 == 0x2C || $0 == 0x22 }
        }
        return !text.contains { $0 == "," || $0 == "\"" || $0.isNewline }
    }

    public func encoded() -> [UInt8] {
        var bytes = Array(
            "\(Self.magic),\(Self.version),\(direction.rawValue),\(senderIssuerID),\(day),\(records.count)\n".utf8)
        for record in records {
            let values: [String] = [
                record.card.digits, record.issuerID, "\(record.cardType)", "\(record.offlineSerial)", "\(record.amount.fen)",
                "\(record.balanceBefore.fen)", "\(record.balanceAfter.fen)", "\(record.transactionType)", record.terminalNumber,
                "\(record.terminalSerial)", record.dateTime, record.tac, record.mode.rawValue, record.line, record.station,
            ]
            bytes += values.joined(separator: ",").utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        BlacklistExchangeFile.appendTrailer(to: &bytes)
        return bytes
    }

    /// Reads a whole file; refused whole, with every bad line's number, on any problem.
    public static func parse(_ bytes: [UInt8]) throws(BlacklistExchangeFileError) -> ClearingFile {
        let lines = BlacklistExchangeFile.splitLines(bytes)
        var errors = BlacklistExchangeFile.ErrorList()
        let trailer = BlacklistExchangeFile.trailerPrefix
        var body = lines[...]
        if let last = lines.last, last.content.starts(with: trailer.dropLast().utf8) {
            body = lines.dropLast()
            BlacklistExchangeFile.checkTrailer(last, lineNumber: lines.count, file: bytes, into: &errors)
        } else {
            errors.add(lines.count + 1, .missingTrailer, "the last line is not a \(trailer)trailer")
        }
        guard let headerLine = body.first else {
            errors.add(1, .wrongLength, "no header line")
            try errors.throwIfAny()
            throw BlacklistExchangeFileError(errors: [], errorCount: 0)
        }
        let header = String(decoding: headerLine.content, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map(String.init)
        var direction = Direction.incoming
        var sender = ""
        var day = ""
        var count = -1
        if header.count == 6, header[0] == magic, header[1] == "\(version)", let parsed = Direction(rawValue: header[2]),
            IssuerProfile.isIssuerID(header[3].uppercased()), header[4].count == 8, header[4].allSatisfy(\.isNumber),
            let stated = Int(header[5]), stated >= 0
        {
            direction = parsed
            sender = header[3].uppercased()
            day = header[4]
            count = stated
        } else {
            errors.add(1, .invalidCharacters, "the header is not TKCF,1,OUT|IN,<issuer id>,<YYYYMMDD>,<count>")
        }
        var records: [TapRecord] = []
        for (offset, line) in body.dropFirst().enumerated() {
            let number = offset + 2
            let values = String(decoding: line.content, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
                .map(String.init)
            guard values.count == fields.count else {
                errors.add(number, .wrongLength, "\(values.count) fields, not \(fields.count)")
                continue
            }
            guard values[0].count == CardNumber.length, values[0].allSatisfy({ $0.isASCII && $0.isNumber }),
                let cardType = Int(values[2]), let offline = Int(values[3]),
                let amount = Int64(values[4]), let before = Int64(values[5]), let after = Int64(values[6]),
                let type = Int(values[7]), values[8].count == 12, values[8].allSatisfy(\.isNumber), let serial = Int64(values[9]),
                values[10].count == 14, values[10].allSatisfy(\.isNumber), values[11].count == 8,
                values[11].allSatisfy(\.isHexDigit), let mode = TransportMode(rawValue: values[12])
            else {
                errors.add(number, .invalidCharacters, "a field is not of its kind (see docs/clearing-format.md)")
                continue
            }
            records.append(
                TapRecord(
                    card: CardNumber(trusted: values[0]), issuerID: values[1], cardType: cardType, offlineSerial: offline,
                    amount: Money(fen: amount), balanceBefore: Money(fen: before), balanceAfter: Money(fen: after),
                    transactionType: type, terminalNumber: values[8], terminalSerial: serial, dateTime: values[10],
                    tac: values[11], mode: mode, line: values[13], station: values[14]))
        }
        if count >= 0, count != body.count - 1 {
            errors.add(1, .wrongLength, "the header says \(count) records, the file has \(body.count - 1)")
        }
        try errors.throwIfAny()
        return ClearingFile(direction: direction, senderIssuerID: sender, day: day, records: records)
    }
}
