/// The issuer whitelist (发卡机构白名单) the national platform distributes: which card-number
/// prefix belongs to which issuer. A validator checks it first (domain.md §6): a card whose
/// prefix is not on it, or whose issuer id is not the one its prefix belongs to, is refused
/// before the interconnection flag and the blacklist are looked at.
///
/// The file is the blacklist exchange format's sibling (docs/blacklist-format.md section 6): one
/// line per prefix, `PPPPPPPP IIIIIIIIIIIIIIII` (8-digit card prefix, a space, the 16 hex digit
/// issuer id in upper case), prefixes strictly ascending, then the same `CRC32 XXXXXXXX` trailer.
public struct IssuerWhitelist: Sendable, Equatable {
    public struct Entry: Sendable, Equatable, Hashable {
        public let cardPrefix: String
        public let issuerID: String

        public init(cardPrefix: String, issuerID: String) {
            self.cardPrefix = cardPrefix
            self.issuerID = issuerID
        }
    }

    /// Ascending by prefix, one entry per prefix.
    public let entries: [Entry]

    /// A whitelist to write: each prefix 8 digits, each issuer id 16 hex digits ending
    /// `FFFFFFFF` (upper-cased here), prefixes strictly ascending.
    public init(entries: [Entry]) throws(BlacklistExchangeFileError) {
        var errors = BlacklistExchangeFile.ErrorList()
        var checked: [Entry] = []
        var previous: (prefix: String, line: Int)?
        for (index, entry) in entries.enumerated() {
            let line = index + 1
            let text = "\(entry.cardPrefix) \(entry.issuerID.uppercased())"
            guard let parsed = Self.entryLine(Array(text.utf8)[...], line: line, into: &errors) else { continue }
            if let previous { Self.checkOrder(parsed.cardPrefix, line: line, after: previous, into: &errors) }
            previous = (parsed.cardPrefix, line)
            checked.append(parsed)
        }
        try errors.throwIfAny()
        self.entries = checked
    }

    private init(checked entries: [Entry]) { self.entries = entries }

    /// Reads a whole file, refused whole on any problem with every bad line's number, as
    /// ``BlacklistExchangeFile/parse(_:)`` does.
    public static func parse(_ bytes: [UInt8]) throws(BlacklistExchangeFileError) -> IssuerWhitelist {
        let lines = BlacklistExchangeFile.splitLines(bytes)
        let trailer = BlacklistExchangeFile.trailerPrefix
        var errors = BlacklistExchangeFile.ErrorList()
        var entryLines = lines[...]
        if let last = lines.last, last.content.starts(with: trailer.dropLast().utf8) {
            entryLines = lines.dropLast()
            BlacklistExchangeFile.checkTrailer(last, lineNumber: lines.count, file: bytes, into: &errors)
        } else {
            errors.add(lines.count + 1, .missingTrailer, "the last line is not a \(trailer)trailer")
        }
        var entries: [Entry] = []
        var previous: (prefix: String, line: Int)?
        for (offset, line) in entryLines.enumerated() {
            let lineNumber = offset + 1
            if line.content.starts(with: trailer.dropLast().utf8) {
                errors.add(lineNumber, .misplacedTrailer, "a CRC32 trailer before the last line")
                continue
            }
            guard let entry = entryLine(line.content, line: lineNumber, into: &errors) else { continue }
            if let previous { checkOrder(entry.cardPrefix, line: lineNumber, after: previous, into: &errors) }
            previous = (entry.cardPrefix, lineNumber)
            entries.append(entry)
        }
        try errors.throwIfAny()
        return IssuerWhitelist(checked: entries)
    }

    /// The file: each entry's line and a line feed, then the trailer and a line feed.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 26 + 16)
        for entry in entries {
            bytes += entry.cardPrefix.utf8
            bytes.append(UInt8(ascii: " "))
            bytes += entry.issuerID.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        BlacklistExchangeFile.appendTrailer(to: &bytes)
        return bytes
    }

    /// This whitelist with the operator's own prefixes under its own issuer id, whatever the
    /// imported file says of them: validators must always accept the operator's own cards, and a
    /// platform file naming another issuer for one of them is corrected, not trusted.
    public func including(_ profile: IssuerProfile) -> IssuerWhitelist {
        var byPrefix: [String: Entry] = [:]
        for entry in entries { byPrefix[entry.cardPrefix] = entry }
        for prefix in profile.cardNumberPrefixes {
            byPrefix[prefix] = Entry(cardPrefix: prefix, issuerID: profile.issuerID)
        }
        return IssuerWhitelist(checked: byPrefix.values.sorted { $0.cardPrefix < $1.cardPrefix })
    }

    /// The entry for a card's prefix, if the whitelist has one.
    public func entry(for card: CardNumber) -> Entry? {
        let prefix = String(card.digits.prefix(CardNumber.prefixLength))
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].cardPrefix < prefix { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].cardPrefix == prefix ? entries[low] : nil
    }

    /// Whether a validator accepts a card with this number whose file 0015 names `issuerID`:
    /// its prefix is listed, for that issuer.
    public func admits(_ card: CardNumber, issuerID: String) -> Bool {
        entry(for: card)?.issuerID == issuerID.uppercased()
    }

    /// One entry line: 8 digits, one space, 16 hex digits (upper or lower case) ending `FFFFFFFF`.
    private static func entryLine(
        _ content: ArraySlice<UInt8>, line: Int, into errors: inout BlacklistExchangeFile.ErrorList
    ) -> Entry? {
        guard content.count == 8 + 1 + 16 else {
            errors.add(line, .wrongLength, "\(content.count) characters, not 25 (8-digit prefix, a space, 16 hex digits)")
            return nil
        }
        let prefix = content.prefix(8)
        let space = content[content.startIndex + 8]
        let issuer = String(decoding: content.suffix(16), as: UTF8.self).uppercased()
        guard prefix.allSatisfy({ UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }), space == UInt8(ascii: " "),
            IssuerProfile.isIssuerID(issuer)
        else {
            errors.add(
                line, .invalidCharacters, "not an 8-digit prefix, a space and an issuer id (16 hex digits ending FFFFFFFF)")
            return nil
        }
        return Entry(cardPrefix: String(decoding: prefix, as: UTF8.self), issuerID: issuer)
    }

    private static func checkOrder(
        _ prefix: String, line: Int, after previous: (prefix: String, line: Int),
        into errors: inout BlacklistExchangeFile.ErrorList
    ) {
        if prefix == previous.prefix {
            errors.add(line, .duplicate, "the same prefix as line \(previous.line)")
        } else if prefix < previous.prefix {
            errors.add(line, .notAscending, "a smaller prefix than line \(previous.line)")
        }
    }
}
