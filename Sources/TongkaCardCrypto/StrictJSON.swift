/// A small strict JSON reader for the key file, written here (instead of Foundation's) because the
/// key file needs what Foundation does not give: the line of every value for error messages,
/// rejection of duplicate member names (a second `"key"` would silently win otherwise), and
/// strings that stay as ranges into the input buffer, so the caller can wipe one buffer and be
/// sure no decoded copy of a key remains. Numbers are integers only.
struct JSONNode {
    enum Kind {
        case object([Member])
        case array([JSONNode])
        /// A string; `range` indexes the raw input between the quotes. `escaped` strings must be
        /// decoded with `JSONReader.stringValue`.
        case string(range: Range<Int>, escaped: Bool)
        case integer(Int)
        case bool(Bool)
        case null
    }

    struct Member {
        let name: String
        let node: JSONNode
    }

    let line: Int
    let kind: Kind

    var typeName: String {
        switch kind {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .integer: return "integer"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }
}

struct JSONReader {
    /// Errors are (line, reason); the key-file layer adds the field path. Reasons never quote input.
    struct SyntaxError: Error {
        let line: Int
        let reason: String
    }

    let input: [UInt8]
    private var position = 0
    private var line = 1
    private var depth = 0

    init(_ input: [UInt8]) {
        self.input = input
    }

    /// Parses one JSON document (an optional UTF-8 BOM is refused: the file must be plain UTF-8).
    mutating func parseDocument() throws(SyntaxError) -> JSONNode {
        skipWhitespace()
        let node = try parseValue()
        skipWhitespace()
        guard position == input.count else { throw SyntaxError(line: line, reason: "unexpected text after the JSON document") }
        return node
    }

    /// Decodes a string node to a Swift String (for non-secret fields).
    func stringValue(_ range: Range<Int>, escaped: Bool, line: Int) throws(SyntaxError) -> String {
        if !escaped {
            return String(decoding: input[range], as: UTF8.self)
        }
        var out = [UInt8]()
        var i = range.lowerBound
        while i < range.upperBound {
            let c = input[i]
            if c != UInt8(ascii: "\\") {
                out.append(c)
                i += 1
                continue
            }
            let e = input[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var value: UInt32 = 0
                for k in 0..<4 {
                    guard let n = Hex.nibbleValue(input[i + k]) else { throw SyntaxError(line: line, reason: "bad \\u escape") }
                    value = value << 4 | UInt32(n)
                }
                i += 4
                // Surrogate pairs are not needed for this file's fields; refuse them rather than guess.
                guard let scalar = Unicode.Scalar(value) else { throw SyntaxError(line: line, reason: "unsupported \\u escape") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw SyntaxError(line: line, reason: "bad escape")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A member name quoted for an error message only when it looks like an identifier; anything
    /// else (it could be a misplaced key) is withheld.
    static func printableName(_ name: String) -> String {
        let bytes = Array(name.utf8)
        let identifier =
            !bytes.isEmpty && bytes.count <= 32
            && bytes.allSatisfy {
                ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
            }
            && !(bytes[0] >= 0x30 && bytes[0] <= 0x39)
        let looksLikeHex = bytes.count >= 8 && bytes.allSatisfy { Hex.nibbleValue($0) != nil }
        return identifier && !looksLikeHex ? "\"\(name)\"" : "(name withheld)"
    }

    // MARK: parsing

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case 0x20, 0x09, 0x0D: position += 1
            case 0x0A: position += 1; line += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(SyntaxError) -> JSONNode {
        guard position < input.count else { throw SyntaxError(line: line, reason: "unexpected end of input") }
        let startLine = line
        switch input[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""):
            let (range, escaped) = try parseString()
            return JSONNode(line: startLine, kind: .string(range: range, escaped: escaped))
        case UInt8(ascii: "t"): try expectLiteral("true"); return JSONNode(line: startLine, kind: .bool(true))
        case UInt8(ascii: "f"): try expectLiteral("false"); return JSONNode(line: startLine, kind: .bool(false))
        case UInt8(ascii: "n"): try expectLiteral("null"); return JSONNode(line: startLine, kind: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseInteger()
        default: throw SyntaxError(line: line, reason: "expected a JSON value")
        }
    }

    private mutating func enter() throws(SyntaxError) {
        depth += 1
        guard depth <= 32 else { throw SyntaxError(line: line, reason: "nesting too deep") }
    }

    private mutating func parseObject() throws(SyntaxError) -> JSONNode {
        let startLine = line
        try enter()
        position += 1
        var members: [JSONNode.Member] = []
        var seen = Set<String>()
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return JSONNode(line: startLine, kind: .object(members))
        }
        while true {
            skipWhitespace()
            guard position < input.count, input[position] == UInt8(ascii: "\"") else {
                throw SyntaxError(line: line, reason: "expected a member name in quotes")
            }
            let nameLine = line
            let (range, escaped) = try parseString()
            let name = try stringValue(range, escaped: escaped, line: nameLine)
            guard seen.insert(name).inserted else {
                throw SyntaxError(line: nameLine, reason: "duplicate member \(JSONReader.printableName(name))")
            }
            skipWhitespace()
            guard position < input.count, input[position] == UInt8(ascii: ":") else {
                throw SyntaxError(line: line, reason: "expected ':' after a member name")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONNode.Member(name: name, node: value))
            skipWhitespace()
            guard position < input.count else { throw SyntaxError(line: line, reason: "unexpected end of input in an object") }
            if input[position] == UInt8(ascii: ",") { position += 1; continue }
            if input[position] == UInt8(ascii: "}") { position += 1; break }
            throw SyntaxError(line: line, reason: "expected ',' or '}' in an object")
        }
        depth -= 1
        return JSONNode(line: startLine, kind: .object(members))
    }

    private mutating func parseArray() throws(SyntaxError) -> JSONNode {
        let startLine = line
        try enter()
        position += 1
        var items: [JSONNode] = []
        skipWhitespace()
        if position < input.count, input[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return JSONNode(line: startLine, kind: .array(items))
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard position < input.count else { throw SyntaxError(line: line, reason: "unexpected end of input in an array") }
            if input[position] == UInt8(ascii: ",") { position += 1; continue }
            if input[position] == UInt8(ascii: "]") { position += 1; break }
            throw SyntaxError(line: line, reason: "expected ',' or ']' in an array")
        }
        depth -= 1
        return JSONNode(line: startLine, kind: .array(items))
    }

    /// Returns the range between the quotes; validates escapes and refuses control characters.
    private mutating func parseString() throws(SyntaxError) -> (Range<Int>, Bool) {
        position += 1
        let start = position
        var escaped = false
        while position < input.count {
            let c = input[position]
            switch c {
            case UInt8(ascii: "\""):
                let range = start..<position
                position += 1
                return (range, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                guard position + 1 < input.count else {
                    throw SyntaxError(line: line, reason: "unterminated string")
                }
                let e = input[position + 1]
                if e == UInt8(ascii: "u") {
                    guard position + 5 < input.count,
                        (2...5).allSatisfy({ Hex.nibbleValue(input[position + $0]) != nil })
                    else {
                        throw SyntaxError(line: line, reason: "bad \\u escape in a string")
                    }
                    position += 6
                } else if "\"\\/bfnrt".utf8.contains(e) {
                    position += 2
                } else {
                    throw SyntaxError(line: line, reason: "bad escape in a string")
                }
            case 0x00..<0x20:
                throw SyntaxError(line: line, reason: "control character in a string")
            default:
                position += 1
            }
        }
        throw SyntaxError(line: line, reason: "unterminated string")
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + bytes.count <= input.count, Array(input[position..<position + bytes.count]) == Array(bytes) else {
            throw SyntaxError(line: line, reason: "expected a JSON value")
        }
        position += bytes.count
    }

    private mutating func parseInteger() throws(SyntaxError) -> JSONNode {
        let startLine = line
        var negative = false
        if input[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        let start = position
        var value = 0
        while position < input.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[position]) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(input[position] - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw SyntaxError(line: line, reason: "integer too large") }
            value = a
            position += 1
        }
        guard position > start else { throw SyntaxError(line: line, reason: "expected digits") }
        if position - start > 1, input[start] == UInt8(ascii: "0") {
            throw SyntaxError(line: line, reason: "leading zero in a number")
        }
        if position < input.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(input[position]) {
            throw SyntaxError(line: line, reason: "only integers are allowed")
        }
        return JSONNode(line: startLine, kind: .integer(negative ? -value : value))
    }
}
