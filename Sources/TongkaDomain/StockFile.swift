import Foundation

/// One pre-personalised card from a factory batch file: its file 0015 data and chip UID.
public struct StockCard: Sendable, Equatable {
    public let cardNumber: CardNumber
    public let issuerID: String
    public let validFrom: CalendarDate
    public let validTo: CalendarDate
    public let cardType: CardType
    /// The chip's anti-collision UID, 4, 7 or 10 bytes as upper-case hex.
    public let chipUID: String
    /// 1-based line number in the file.
    public let line: Int
}

/// Why one line of a stock file was refused. Codes are stable; they appear in the
/// `stock_file_invalid` error body next to the line number.
public enum StockLineProblem: String, Sendable, Codable, CaseIterable {
    case wrongColumnCount = "wrong_column_count"
    case lineTooLong = "line_too_long"
    case invalidCardNumber = "invalid_card_number"
    case unknownIssuerPrefix = "unknown_issuer_prefix"
    case invalidIssuerID = "invalid_issuer_id"
    case issuerIDMismatch = "issuer_id_mismatch"
    case invalidDate = "invalid_date"
    case invalidValidity = "invalid_validity"
    case expired = "expired"
    case invalidCardType = "invalid_card_type"
    case cardTypeMismatch = "card_type_mismatch"
    case invalidChipUID = "invalid_chip_uid"
    case duplicateCardInFile = "duplicate_card_in_file"
    case duplicateChipInFile = "duplicate_chip_in_file"
    case alreadyInStock = "already_in_stock"
    case chipAlreadyInStock = "chip_already_in_stock"
    case invalidEncoding = "invalid_encoding"
    case tooManyCards = "too_many_cards"
}

/// A refused line: its number, the problem and a short English explanation without personal data.
public struct StockLineError: Sendable, Equatable, Codable {
    public let line: Int
    public let problem: StockLineProblem
    public let message: String

    public init(line: Int, problem: StockLineProblem, message: String) {
        self.line = line
        self.problem = problem
        self.message = message
    }
}

/// Validates a stock file line by line while it streams in, so a 100,000-card file never has to
/// be held as text. Feed it byte chunks with ``feed(_:)``, then call ``finish()``.
///
/// The format: UTF-8 CSV, optional byte-order mark, optional header row
/// `card_number,issuer_id,valid_from,valid_to,card_type,chip_uid`, one card per line, dates as
/// `YYYYMMDD` or `YYYY-MM-DD`, card type 1-5, chip UID as 8, 14 or 20 hex digits.
/// A hand-written splitter: the fields never contain quotes or commas, and a general CSV library
/// would buffer whole records as `String`s where this needs bytes and line numbers.
public struct StockFileParser: Sendable {
    public static let header = ["card_number", "issuer_id", "valid_from", "valid_to", "card_type", "chip_uid"]
    public static let maximumLineBytes = 512
    public static let maximumCards = 1_000_000

    private let profile: IssuerProfile
    /// Nil accepts every card type (a factory personalising a batch before any product is chosen).
    private let expectedCardType: CardType?
    private let today: CalendarDate
    private var pending: [UInt8] = []
    private var lineNumber = 0
    private var sawFirstLine = false
    /// Set while the rest of a line already reported as too long is being skipped.
    private var skippingLine = false
    /// First line of each card number and chip UID seen, keyed by their numeric value (hashing
    /// integers instead of strings keeps a 100,000-line file fast).
    private var cardLines: [UInt64: Int] = [:]
    private var chipLines: [ChipKey: Int] = [:]
    /// The configured prefixes and issuer id as numbers and bytes, for the fast path.
    private let prefixValues: Set<UInt64>
    private let issuerBytes: [UInt8]

    /// Errors found so far, in line order. Capped at ``maximumReportedErrors``; ``errorCount`` counts all.
    public private(set) var errors: [StockLineError] = []
    public private(set) var errorCount = 0
    public static let maximumReportedErrors = 1_000

    /// - Parameter expectedCardType: the product's card type every line must have; nil accepts any type 1-5.
    public init(profile: IssuerProfile, expectedCardType: CardType?, today: CalendarDate) {
        self.profile = profile
        self.expectedCardType = expectedCardType
        self.today = today
        prefixValues = Set(profile.cardNumberPrefixes.compactMap { UInt64($0) })
        issuerBytes = Array(profile.issuerID.utf8)
    }

    /// Feeds the next chunk of the file; returns the cards on the lines it completed.
    public mutating func feed(_ chunk: some Collection<UInt8>) -> [StockCard] {
        var cards: [StockCard] = []
        pending.append(contentsOf: chunk)
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if skippingLine {
                // The end of a line already reported as too long: count it, never parse it.
                lineNumber += 1
                skippingLine = false
            } else if let card = parseLine(pending[start..<newline]) {
                cards.append(card)
            }
            start = newline + 1
        }
        pending.removeSubrange(pending.startIndex..<start)
        if !skippingLine, pending.count > Self.maximumLineBytes {
            // Too long whatever follows: report it once and skip to its end, holding nothing.
            reject(line: lineNumber + 1, .lineTooLong, "longer than \(Self.maximumLineBytes) bytes")
            skippingLine = true
        }
        if skippingLine { pending.removeAll() }
        return cards
    }

    /// Ends the file: parses a last line without a newline.
    public mutating func finish() -> [StockCard] {
        defer { pending.removeAll() }
        if skippingLine {
            lineNumber += 1
            skippingLine = false
            return []
        }
        guard !pending.isEmpty else { return [] }
        return parseLine(pending[...]).map { [$0] } ?? []
    }

    /// Records a problem found outside the parser (e.g. the card is already in the database).
    public mutating func reject(line: Int, _ problem: StockLineProblem, _ message: String) {
        errorCount += 1
        if errors.count < Self.maximumReportedErrors {
            errors.append(StockLineError(line: line, problem: problem, message: message))
        }
    }

    public var cardCount: Int { cardLines.count }

    private mutating func record(_ problem: StockLineProblem, _ message: String) {
        reject(line: lineNumber, problem, message)
    }

    private mutating func parseLine(_ raw: ArraySlice<UInt8>) -> StockCard? {
        lineNumber += 1
        var bytes = raw
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        if !sawFirstLine, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard bytes.count <= Self.maximumLineBytes else {
            record(.lineTooLong, "longer than \(Self.maximumLineBytes) bytes")
            return nil
        }
        if sawFirstLine, let card = fastCard(bytes) { return card }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            record(.invalidEncoding, "not UTF-8")
            return nil
        }
        let fields = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if fields.allSatisfy(\.isEmpty) { return nil }  // blank lines are allowed anywhere
        let isFirst = !sawFirstLine
        sawFirstLine = true
        if isFirst, fields.first?.lowercased() == Self.header[0] {
            if fields.map({ $0.lowercased() }) != Self.header {
                record(.wrongColumnCount, "header must be \(Self.header.joined(separator: ","))")
            }
            return nil
        }
        guard fields.count == Self.header.count else {
            record(.wrongColumnCount, "\(fields.count) columns, expected \(Self.header.count)")
            return nil
        }
        return checkFields(fields)
    }

    private mutating func checkFields(_ fields: [String]) -> StockCard? {
        var problems: [(StockLineProblem, String)] = []
        var number: CardNumber?
        do throws(TongkaError) {
            number = try CardNumber(fields[0], issuerPrefixes: profile.cardNumberPrefixes)
        } catch {
            problems.append(
                error.code == .unknownIssuerPrefix
                    ? (.unknownIssuerPrefix, "card number prefix is not this operator's")
                    : (.invalidCardNumber, "card number must be 19 digits"))
        }
        let issuerID = fields[1].uppercased()
        if !IssuerProfile.isIssuerID(issuerID) {
            problems.append((.invalidIssuerID, "issuer id must be 16 hex digits ending in FFFFFFFF"))
        } else if issuerID != profile.issuerID {
            problems.append((.issuerIDMismatch, "issuer id is not this operator's"))
        }
        let from = try? CalendarDate(parsing: fields[2])
        let to = try? CalendarDate(parsing: fields[3])
        if from == nil || to == nil {
            problems.append((.invalidDate, "dates must be YYYYMMDD or YYYY-MM-DD"))
        } else if let from, let to {
            if to <= from {
                problems.append((.invalidValidity, "valid_to must be after valid_from"))
            } else if to < today {
                problems.append((.expired, "card expired on \(to)"))
            }
        }
        let cardType = Int(fields[4]).flatMap(CardType.init(rawValue:))
        if cardType == nil {
            problems.append((.invalidCardType, "card type must be 1-5"))
        } else if let expectedCardType, cardType != expectedCardType {
            problems.append(
                (.cardTypeMismatch, "card type \(fields[4]) does not match the product's \(expectedCardType.rawValue)"))
        }
        let chip = fields[5].uppercased()
        if ![8, 14, 20].contains(chip.count) || !chip.allSatisfy(\.isHexDigit) || !chip.allSatisfy(\.isASCII) {
            problems.append((.invalidChipUID, "chip UID must be 8, 14 or 20 hex digits"))
        }
        if let number {
            let key = Self.cardKey(number.digits.utf8)
            if let first = cardLines[key] {
                problems.append((.duplicateCardInFile, "same card number as line \(first)"))
            } else {
                cardLines[key] = lineNumber
            }
        }
        if problems.allSatisfy({ $0.0 != .invalidChipUID }) {
            let key = ChipKey(Array(chip.utf8))
            if let first = chipLines[key] {
                problems.append((.duplicateChipInFile, "same chip UID as line \(first)"))
            } else {
                chipLines[key] = lineNumber
            }
        }
        if cardLines.count > Self.maximumCards {
            problems.append((.tooManyCards, "a file holds at most \(Self.maximumCards) cards"))
        }
        for (problem, message) in problems { record(problem, message) }
        guard problems.isEmpty, let number, let from, let to, let cardType else { return nil }
        return StockCard(
            cardNumber: number, issuerID: issuerID, validFrom: from, validTo: to, cardType: cardType,
            chipUID: chip, line: lineNumber)
    }

    // MARK: Fast path

    /// A well-formed line checked byte by byte, without building strings for fields that are only
    /// compared. Anything unusual (spaces, other characters, any problem, a duplicate) returns nil
    /// and the line goes through `checkFields`, which finds and words every problem: the fast path
    /// decides nothing the careful one would decide differently.
    private mutating func fastCard(_ line: ArraySlice<UInt8>) -> StockCard? {
        var cuts = [line.startIndex - 1]
        cuts.reserveCapacity(7)
        for index in line.indices {
            let byte = line[index]
            if byte == UInt8(ascii: ",") {
                cuts.append(index)
            } else if byte >= 0x80 || byte <= UInt8(ascii: " ") {
                return nil
            }
        }
        guard cuts.count == 6 else { return nil }
        cuts.append(line.endIndex)
        func field(_ n: Int) -> ArraySlice<UInt8> { line[(cuts[n] + 1)..<cuts[n + 1]] }

        let number = field(0)
        guard number.count == CardNumber.length, number.allSatisfy(Self.isDigit),
            prefixValues.contains(Self.cardKey(number.prefix(CardNumber.prefixLength)))
        else { return nil }
        let issuer = field(1)
        guard issuer.count == issuerBytes.count, zip(issuer, issuerBytes).allSatisfy({ Self.upper($0) == $1 }) else { return nil }
        guard let from = Self.date(field(2)), let to = Self.date(field(3)), to > from, to >= today else { return nil }
        let type = field(4)
        guard type.count == 1, let typeByte = type.first, let cardType = CardType(rawValue: Int(typeByte) - 48),
            expectedCardType == nil || cardType == expectedCardType
        else { return nil }
        let chip = field(5).map(Self.upper)
        guard [8, 14, 20].contains(chip.count), chip.allSatisfy(Self.isHexDigit) else { return nil }
        let cardKey = Self.cardKey(number)
        let chipKey = ChipKey(chip)
        guard cardLines[cardKey] == nil, chipLines[chipKey] == nil, cardLines.count < Self.maximumCards else { return nil }
        cardLines[cardKey] = lineNumber
        chipLines[chipKey] = lineNumber
        return StockCard(
            cardNumber: CardNumber(trusted: String(decoding: number, as: UTF8.self)), issuerID: profile.issuerID,
            validFrom: from, validTo: to, cardType: cardType, chipUID: String(decoding: chip, as: UTF8.self),
            line: lineNumber)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte >= 0x41 && byte <= 0x46) }

    private static func upper(_ byte: UInt8) -> UInt8 { byte >= 0x61 && byte <= 0x7A ? byte - 32 : byte }

    /// The value of up to 19 decimal digits (fits in `UInt64`).
    static func cardKey(_ digits: some Collection<UInt8>) -> UInt64 {
        digits.reduce(UInt64(0)) { $0 &* 10 &+ UInt64($1 &- 48) }
    }

    /// `YYYYMMDD` or `YYYY-MM-DD`.
    private static func date(_ bytes: ArraySlice<UInt8>) -> CalendarDate? {
        let digits: [UInt8]
        switch bytes.count {
        case 8: digits = Array(bytes)
        case 10:
            guard bytes[bytes.startIndex + 4] == UInt8(ascii: "-"), bytes[bytes.startIndex + 7] == UInt8(ascii: "-") else {
                return nil
            }
            digits = Array(bytes.prefix(4)) + Array(bytes.dropFirst(5).prefix(2)) + Array(bytes.suffix(2))
        default: return nil
        }
        guard digits.allSatisfy(isDigit) else { return nil }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + Int($1 - 48) } }
        return CalendarDate(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }
}

/// A chip UID of up to 10 bytes (20 upper-case hex digits) as a hashable value.
struct ChipKey: Hashable {
    let high: UInt64
    let low: UInt64
    let length: Int

    init(_ hex: [UInt8]) {
        func value(_ digits: ArraySlice<UInt8>) -> UInt64 {
            digits.reduce(UInt64(0)) { result, byte in
                let nibble = byte <= 0x39 ? byte &- 0x30 : byte &- 0x37
                return result &<< 4 | UInt64(nibble & 0x0F)
            }
        }
        high = value(hex.prefix(max(0, hex.count - 16)))
        low = value(hex.suffix(16))
        length = hex.count
    }
}
