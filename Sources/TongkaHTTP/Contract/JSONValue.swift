import Foundation

/// A JSON value as the contract validator sees it. Numbers keep whether they were written as
/// integers and their exact 64-bit value when they have one, so `format: int64` and `maximum`
/// are checked exactly; a JSON `true` is never confused with the number 1 (as `NSNumber` would).
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a.compare(b) == .orderedSame
        case (.string(let a), .string(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count
                && a.allSatisfy { member in b.contains { $0.key == member.key && $0.value == member.value } }
        default: false
        }
    }

    /// The name JSON Schema gives this value's type (`integer` for numbers with no fraction).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number: its double value, and its exact value when it is an integer within Int64.
struct JSONNumber: Sendable {
    let double: Double
    /// The exact value, when the number is an integer that fits in 64 bits.
    let int64: Int64?
    /// Mathematically an integer (JSON Schema: `1.0` is an integer), whatever its size.
    let isInteger: Bool

    init(_ value: Int64) {
        double = Double(value)
        int64 = value
        isInteger = true
    }

    init(_ value: Double) {
        double = value
        isInteger = value.isFinite && value.rounded(.towardZero) == value
        // Only doubles strictly inside ±2^63 convert exactly.
        int64 = isInteger && abs(value) < 9.223372036854775807e18 ? Int64(value) : nil
    }

    /// Parses a JSON number literal (already known to be well formed) or a query value.
    init?(literal: Substring) {
        if let exact = Int64(literal) {
            self.init(exact)
        } else if let value = Double(literal), value.isFinite {
            self.init(value)
        } else {
            return nil
        }
    }

    func compare(_ other: JSONNumber) -> ComparisonResult {
        if let a = int64, let b = other.int64 { return a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame }
        return double < other.double ? .orderedAscending : double > other.double ? .orderedDescending : .orderedSame
    }
}

/// A strict RFC 8259 parser into ``JSONValue``. Hand-written rather than `JSONSerialization`
/// because that one turns booleans and numbers into the same `NSNumber`, rounds large integers
/// and keeps the last of duplicated members silently; here a duplicated member is an error (two
/// parsers could otherwise read different values from one body).
struct JSONParser {
    struct Failure: Error, Sendable {
        /// The JSON pointer of the value being read when it failed.
        let pointer: String
        let reason: String
    }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Deeper nesting than this is refused, so a hostile body cannot exhaust the stack.
    static let maxDepth = 64

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(pointer: "")
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure(pointer: "", reason: "not valid JSON (text after the value)") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private func fail(_ pointer: String, _ reason: String = "not valid JSON") -> Failure {
        Failure(pointer: pointer, reason: reason)
    }

    private mutating func value(pointer: String) throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw fail(pointer, "not valid JSON (ends too early)") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(pointer: pointer)
        case UInt8(ascii: "["): return try array(pointer: pointer)
        case UInt8(ascii: "\""): return .string(try string(pointer: pointer))
        case UInt8(ascii: "t"): try literal("true", pointer); return .bool(true)
        case UInt8(ascii: "f"): try literal("false", pointer); return .bool(false)
        case UInt8(ascii: "n"): try literal("null", pointer); return .null
        default: return .number(try number(pointer: pointer))
        }
    }

    private mutating func literal(_ word: String, _ pointer: String) throws(Failure) {
        let expected = word.utf8
        guard index + expected.count <= bytes.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw fail(pointer)
        }
        index += expected.count
    }

    private mutating func nest(_ pointer: String) throws(Failure) {
        depth += 1
        if depth > Self.maxDepth { throw fail(pointer, "nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func object(pointer: String) throws(Failure) -> JSONValue {
        try nest(pointer)
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail(pointer) }
            let key = try string(pointer: pointer)
            let child = pointer + "/" + JSONPointer.loggable(key)
            guard seen.insert(key).inserted else { throw fail(child, "member appears more than once") }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail(pointer) }
            index += 1
            skipWhitespace()
            members.append((key, try value(pointer: child)))
            skipWhitespace()
            guard index < bytes.count else { throw fail(pointer) }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail(pointer) }
            index += 1
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array(pointer: String) throws(Failure) -> JSONValue {
        try nest(pointer)
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try value(pointer: pointer + "/\(elements.count)"))
            skipWhitespace()
            guard index < bytes.count else { throw fail(pointer) }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail(pointer) }
            index += 1
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func number(pointer: String) throws(Failure) -> JSONNumber {
        let start = index
        func digits(_ parser: inout JSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (0x30...0x39).contains(parser.bytes[parser.index]) { parser.index += 1 }
            return parser.index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        let intDigits = digits(&self)
        guard intDigits > 0, !(intDigits > 1 && bytes[intStart] == 0x30) else { throw fail(pointer) }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail(pointer) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail(pointer) }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let number = JSONNumber(literal: text[...]) else { throw fail(pointer, "number out of range") }
        return number
    }

    private mutating func string(pointer: String) throws(Failure) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun(_ parser: JSONParser, into scalars: inout String.UnicodeScalarView) throws(Failure) {
            guard runStart < parser.index else { return }
            guard let text = String(validating: parser.bytes[runStart..<parser.index], as: UTF8.self) else {
                throw parser.fail(pointer, "not valid UTF-8")
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard index < bytes.count else { throw fail(pointer) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                try flushRun(self, into: &scalars)
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw fail(pointer, "control character in a string") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            try flushRun(self, into: &scalars)
            index += 1
            guard index < bytes.count else { throw fail(pointer) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                let first = try hex4(pointer)
                if (0xD800...0xDBFF).contains(first) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else {
                        throw fail(pointer, "unpaired surrogate in a string")
                    }
                    index += 2
                    let second = try hex4(pointer)
                    guard (0xDC00...0xDFFF).contains(second) else { throw fail(pointer, "unpaired surrogate in a string") }
                    scalars.append(Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!)
                } else {
                    guard let scalar = Unicode.Scalar(first) else { throw fail(pointer, "unpaired surrogate in a string") }
                    scalars.append(scalar)
                }
            default: throw fail(pointer)
            }
            runStart = index
        }
    }

    private mutating func hex4(_ pointer: String) throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail(pointer) }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw fail(pointer)
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }
}

enum JSONPointer {
    /// RFC 6901 escaping of one reference token.
    static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// A member name fit for an error detail, which reaches logs and screens: names the caller
    /// made up are shown only when short and plain, otherwise as `<member>`, so a body cannot
    /// smuggle personal data or control characters into the log through a member name.
    static func loggable(_ name: String) -> String {
        let plain =
            (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
            }
        return plain ? name : "<member>"
    }
}
