import Foundation

/// Checks for the short texts people type: codes, user names, names, passwords.
public enum Validate {
    /// Hall codes: 2-16 upper-case ASCII letters, digits or `-`, starting with a letter or digit.
    public static func hallCode(_ raw: String) throws(TongkaError) -> String {
        try code(raw, maxLength: 16, extra: "-", error: .invalidHallCode, shown: 20)
    }

    /// Product codes: 2-20 upper-case ASCII letters, digits, `-` or `_`.
    public static func productCode(_ raw: String) throws(TongkaError) -> String {
        try code(raw, maxLength: 20, extra: "-_", error: .invalidProduct, label: "code ", shown: 24)
    }

    /// Transport company codes: 2-20 upper-case ASCII letters, digits, `-` or `_`.
    public static func companyCode(_ raw: String) throws(TongkaError) -> String {
        try code(raw, maxLength: 20, extra: "-_", error: .invalidCompanyCode, shown: 24)
    }

    /// A code of 2 to `maxLength` ASCII letters, digits or `extra`, starting with a letter or digit,
    /// case folded to upper; refused with `error` and the first `shown` characters.
    static func code(
        _ raw: String, maxLength: Int, extra: String, error: ErrorCode, label: String = "", shown: Int
    ) throws(TongkaError) -> String {
        // ASCII first: upper-casing would turn "ß" into "SS" and "ﬁ" into "FI".
        guard raw.allSatisfy(\.isASCII) else { throw TongkaError(error, detail: "\(label)\"\(raw.prefix(shown))\"") }
        let code = raw.uppercased()
        guard code.count >= 2, code.count <= maxLength, isCodeHead(code.first),
            code.allSatisfy({ isCodeCharacter($0, extra: extra) })
        else { throw TongkaError(error, detail: "\(label)\"\(raw.prefix(shown))\"") }
        return code
    }

    /// User names: 3-32 characters `a-z 0-9 . _ -`, starting with a letter; case folded to lower.
    public static func username(_ raw: String) throws(TongkaError) -> String {
        // ASCII first: lower-casing would turn the Kelvin sign into "k".
        guard raw.allSatisfy(\.isASCII) else { throw TongkaError(.invalidUsername) }
        let name = raw.lowercased()
        guard name.count >= 3, name.count <= 32, let first = name.first, first.isASCII, first.isLetter,
            name.allSatisfy({ isCodeCharacter($0, extra: "._-") })
        else { throw TongkaError(.invalidUsername) }
        return name
    }

    /// Display names of halls, clerks, products and holders: 1-100 characters after trimming, no
    /// control characters.
    public static func name(_ raw: String, field: String = "name", maxLength: Int = 100) throws(TongkaError) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // Counted in Unicode scalars as PostgreSQL's char_length does: a name of combining marks or
        // flags that fits in characters must not overflow the column's limit.
        guard !trimmed.isEmpty, trimmed.unicodeScalars.count <= maxLength,
            !trimmed.unicodeScalars.contains(where: {
                $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
            })
        else { throw TongkaError(.invalidName, detail: field) }
        return trimmed
    }

    /// A person's name for screens where the person is not present (card lookups): `王*明`,
    /// `李*`, `J*** Smith` keeps the first character of the first word and the last word.
    public static func maskedPersonName(_ name: String) -> String {
        let characters = Array(name)
        if name.contains(" ") {
            let words = name.split(separator: " ")
            guard let first = words.first, let last = words.last, words.count > 1 else { return name }
            return String(first.prefix(1)) + String(repeating: "*", count: max(1, first.count - 1)) + " " + last
        }
        switch characters.count {
        case 0, 1: return name
        case 2: return String(characters[0]) + "*"
        default:
            return String(characters[0]) + String(repeating: "*", count: characters.count - 2)
                + String(characters[characters.count - 1])
        }
    }

    /// Passwords: 10-128 characters and not containing the user name.
    public static func password(_ password: String, username: String) throws(TongkaError) {
        guard password.count >= 10, password.count <= 128,
            !password.lowercased().contains(username.lowercased())
        else { throw TongkaError(.weakPassword) }
    }

    /// Idempotency keys: 8-100 ASCII letters, digits, `-` or `_` (a UUID fits).
    public static func idempotencyKey(_ raw: String?) throws(TongkaError) -> String {
        guard let raw, !raw.isEmpty else { throw TongkaError(.idempotencyKeyMissing) }
        guard raw.count >= 8, raw.count <= 100,
            raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw TongkaError(.idempotencyKeyInvalid) }
        return raw
    }

    private static func isCodeHead(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isASCII && (character.isLetter || character.isNumber)
    }

    private static func isCodeCharacter(_ character: Character, extra: String) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || extra.contains(character))
    }
}

/// Byte classes for the checks on every record of an upload, where Character properties (Unicode
/// tables, grapheme breaking) cost more than the rest of the record's work.
public enum ASCII {
    public static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    /// 0-9 and A-F.
    public static func isUpperHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x46).contains(byte) }
    /// 0-9, A-F and a-f.
    public static func isHexDigit(_ byte: UInt8) -> Bool { isUpperHexDigit(byte) || (0x61...0x66).contains(byte) }
    /// A-Z and a-z.
    public static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
}
