/// Strict hexadecimal conversion: even length, digits 0-9 and A-F in either case, nothing else
/// (no spaces, no `0x` prefix). Output is upper case, as in the scheme's documents.
public enum Hex {
    /// Decodes `text`; `field` names the input in the error (the text itself is never echoed).
    public static func decode(_ text: String, field: String) throws(CardCryptoError) -> [UInt8] {
        try decode(utf8: Array(text.utf8), field: field)
    }

    /// Decodes hex digits given as UTF-8 bytes (used by the key-file reader, which wipes its buffer).
    public static func decode(utf8 digits: some Collection<UInt8>, field: String) throws(CardCryptoError) -> [UInt8] {
        guard digits.count % 2 == 0 else {
            throw .badHex(field: field, problem: .oddLength(digits.count))
        }
        var out = [UInt8]()
        out.reserveCapacity(digits.count / 2)
        var high: UInt8 = 0
        for (offset, character) in digits.enumerated() {
            guard let nibble = nibbleValue(character) else {
                throw .badHex(field: field, problem: .invalidCharacter(offset: offset))
            }
            if offset % 2 == 0 {
                high = nibble
            } else {
                out.append(high << 4 | nibble)
            }
        }
        return out
    }

    /// Encodes bytes as upper-case hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func nibbleValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
