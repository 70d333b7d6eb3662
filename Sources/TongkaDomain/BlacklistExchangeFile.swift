/// CRC-32 as IEEE 802.3 and zlib's `crc32()` compute it: reflected polynomial 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF. Check value: "123456789" gives 0xCBF43926.
///
/// Written by hand because the domain module has no dependencies and Foundation on Linux does not
/// expose zlib's `crc32`; the table-driven form is a dozen lines and fast enough for a file of a
/// million lines (one table lookup per byte).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Why one line of a blacklist exchange file was refused. Codes are stable.
public enum BlacklistExchangeLineProblem: String, Sendable, Codable, CaseIterable {
    /// A character other than the digits 0-9 (a carriage return is allowed only right before the line feed).
    case invalidCharacters = "invalid_characters"
    /// Digits only, but not 19 of them (an empty line has 0).
    case wrongLength = "wrong_length"
    /// Smaller than the number on the line before.
    case notAscending = "not_ascending"
    /// The same as the number on the line before.
    case duplicate = "duplicate"
    /// The last line is not a `CRC32` trailer.
    case missingTrailer = "missing_trailer"
    /// A line starting `CRC32` that is not `CRC32 ` and 8 hex digits.
    case invalidTrailer = "invalid_trailer"
    /// A `CRC32` line before the last line.
    case misplacedTrailer = "misplaced_trailer"
    /// The trailer's CRC-32 is not the CRC-32 of the bytes before it.
    case crcMismatch = "crc_mismatch"
}

/// A refused line: its number (1-based), the problem and a short English explanation that never
/// shows a whole card number.
public struct BlacklistExchangeLineError: Sendable, Equatable, Codable, CustomStringConvertible {
    public let line: Int
    public let problem: BlacklistExchangeLineProblem
    public let message: String

    public init(line: Int, problem: BlacklistExchangeLineProblem, message: String) {
        self.line = line
        self.problem = problem
        self.message = message
    }

    public var description: String { "line \(line): \(problem.rawValue): \(message)" }
}

/// A refused file: the first ``BlacklistExchangeFile/maximumReportedErrors`` bad lines in line
/// order, and how many there were in all.
public struct BlacklistExchangeFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let errors: [BlacklistExchangeLineError]
    public let errorCount: Int

    public var description: String {
        let shown = errors.map(\.description).joined(separator: "; ")
        return errorCount > errors.count ? "\(errorCount) bad lines, the first \(errors.count): \(shown)" : shown
    }
}

/// One issuer's blacklist in the national platform's text exchange format (domain.md §6,
/// docs/blacklist-format.md): one 19-digit card number per line, ascending, no duplicates, then a
/// trailer line `CRC32 XXXXXXXX` with the CRC-32 of every byte before the trailer line, as 8
/// upper-case hex digits. Lines end with LF; reading also accepts CRLF.
public struct BlacklistExchangeFile: Sendable, Equatable {
    public static let trailerPrefix = "CRC32 "
    public static let maximumReportedErrors = 1_000

    /// The listed cards, ascending.
    public let numbers: [CardNumber]

    /// A list to write. The numbers must be 19 digits and strictly ascending; a refusal names the
    /// line each bad number would have had.
    public init(numbers: [CardNumber]) throws(BlacklistExchangeFileError) {
        var errors = ErrorList()
        var previous: (value: UInt64, line: Int)?
        for (index, number) in numbers.enumerated() {
            let line = index + 1
            guard let value = Self.numberLine(number.digits.utf8, line: line, into: &errors) else { continue }
            if let previous { Self.checkOrder(value, line: line, after: previous, into: &errors) }
            previous = (value, line)
        }
        try errors.throwIfAny()
        self.numbers = numbers
    }

    private init(checked numbers: [CardNumber]) { self.numbers = numbers }

    /// The file: each number and a line feed, then the trailer and a line feed.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(numbers.count * (CardNumber.length + 1) + Self.trailerPrefix.utf8.count + 9)
        for number in numbers {
            bytes += number.digits.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        Self.appendTrailer(to: &bytes)
        return bytes
    }

    /// Appends the trailer line for the lines in `bytes`: `CRC32 `, their CRC-32 and a line feed.
    static func appendTrailer(to bytes: inout [UInt8]) {
        let crc = CRC32.checksum(bytes)
        bytes += trailerPrefix.utf8
        bytes += hex(crc).utf8
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Reads a whole file and refuses it whole on any problem, reporting every bad line (up to
    /// ``maximumReportedErrors``) with its line number. The last line must be the trailer; it may
    /// lack its line end. Its hex digits may be upper or lower case.
    public static func parse(_ bytes: [UInt8]) throws(BlacklistExchangeFileError) -> BlacklistExchangeFile {
        let lines = splitLines(bytes)
        var errors = ErrorList()
        var numberLines = lines[...]
        if let last = lines.last, last.content.starts(with: Self.trailerPrefix.dropLast().utf8) {
            numberLines = lines.dropLast()
            checkTrailer(last, lineNumber: lines.count, file: bytes, into: &errors)
        } else {
            errors.add(lines.count + 1, .missingTrailer, "the last line is not a \(trailerPrefix)trailer")
        }

        var numbers: [CardNumber] = []
        numbers.reserveCapacity(numberLines.count)
        var previous: (value: UInt64, line: Int)?
        for (offset, line) in numberLines.enumerated() {
            let lineNumber = offset + 1
            let content = line.content
            if content.starts(with: Self.trailerPrefix.dropLast().utf8) {
                errors.add(lineNumber, .misplacedTrailer, "a CRC32 trailer before the last line")
                continue
            }
            guard let value = numberLine(content, line: lineNumber, into: &errors) else { continue }
            if let previous { checkOrder(value, line: lineNumber, after: previous, into: &errors) }
            previous = (value, lineNumber)
            // A file with any problem is refused whole: stop building numbers after the first.
            if errors.count == 0 { numbers.append(CardNumber(trusted: String(decoding: content, as: UTF8.self))) }
        }
        try errors.throwIfAny()
        return BlacklistExchangeFile(checked: numbers)
    }

    // MARK: Helpers

    /// One line of the file: its text without the line end, and where the whole line (line end
    /// included) starts in the file.
    struct Line {
        var content: ArraySlice<UInt8>
        var start: Int
    }

    /// Splits at LF, dropping one CR before each LF. A final LF does not start another line; a
    /// last line without a line end is kept.
    static func splitLines(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var content = bytes[start..<end]
            if end < bytes.count, content.last == UInt8(ascii: "\r") { content = content.dropLast() }
            lines.append(Line(content: content, start: start))
            start = end + 1
        }
        return lines
    }

    /// The value of a number line, or nil after recording why it is not one: a character other
    /// than a digit, or not 19 digits.
    private static func numberLine(_ content: some Collection<UInt8>, line: Int, into errors: inout ErrorList) -> UInt64? {
        if let bad = content.firstIndex(where: { $0 < UInt8(ascii: "0") || $0 > UInt8(ascii: "9") }) {
            let column = content.distance(from: content.startIndex, to: bad) + 1
            errors.add(line, .invalidCharacters, "a character that is not a digit at column \(column)")
            return nil
        }
        guard content.count == CardNumber.length else {
            errors.add(line, .wrongLength, "\(content.count) digits, not \(CardNumber.length)")
            return nil
        }
        return content.reduce(UInt64(0)) { $0 * 10 + UInt64($1 - UInt8(ascii: "0")) }
    }

    static func checkTrailer(_ line: Line, lineNumber: Int, file: [UInt8], into errors: inout ErrorList) {
        let prefix = Array(trailerPrefix.utf8)
        let content = line.content
        let digits = content.dropFirst(prefix.count)
        guard content.starts(with: prefix), digits.count == 8,
            let stated = UInt32(String(decoding: digits, as: UTF8.self), radix: 16),
            digits.allSatisfy({
                UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || UInt8(ascii: "A")...UInt8(ascii: "F") ~= $0
                    || UInt8(ascii: "a")...UInt8(ascii: "f") ~= $0
            })
        else {
            errors.add(lineNumber, .invalidTrailer, "the trailer is not \(trailerPrefix)and 8 hex digits")
            return
        }
        let computed = CRC32.checksum(file[..<line.start])
        if computed != stated {
            errors.add(
                lineNumber, .crcMismatch, "the trailer says \(hex(stated)), the lines before it have CRC-32 \(hex(computed))")
        }
    }

    private static func checkOrder(
        _ value: UInt64, line: Int, after previous: (value: UInt64, line: Int), into errors: inout ErrorList
    ) {
        if value == previous.value {
            errors.add(line, .duplicate, "the same number as line \(previous.line)")
        } else if value < previous.value {
            errors.add(line, .notAscending, "smaller than the number on line \(previous.line)")
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Collects line errors, keeping the first ``maximumReportedErrors``.
    struct ErrorList {
        var errors: [BlacklistExchangeLineError] = []
        var count = 0

        mutating func add(_ line: Int, _ problem: BlacklistExchangeLineProblem, _ message: String) {
            count += 1
            if errors.count < BlacklistExchangeFile.maximumReportedErrors {
                errors.append(BlacklistExchangeLineError(line: line, problem: problem, message: message))
            }
        }

        func throwIfAny() throws(BlacklistExchangeFileError) {
            guard count > 0 else { return }
            // The trailer is checked first but belongs last: report in line order.
            let sorted = errors.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
            throw BlacklistExchangeFileError(errors: sorted, errorCount: count)
        }
    }
}
