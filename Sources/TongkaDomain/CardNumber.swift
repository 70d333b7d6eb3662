/// The printed 19-digit number of a T-Union card: the card's 10-byte BCD application serial
/// without its leading zero nibble. Its first 8 digits are the issuer prefix assigned by the
/// scheme. There is no Luhn check digit (domain.md §2): length, digits and a known prefix are all
/// that can be checked.
///
/// `description` is masked so that a card number interpolated into a log line never shows in full.
public struct CardNumber: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// All 19 digits. Use only where the full number is needed (storage, the card itself, a clerk
    /// reading it aloud), never in logs.
    public let digits: String

    public static let length = 19
    public static let prefixLength = 8

    /// Validates shape and issuer prefix.
    /// - Parameter issuerPrefixes: the operator's configured 8-digit prefixes.
    public init(_ raw: String, issuerPrefixes: Set<String>) throws(TongkaError) {
        let digits = raw.filter { $0 != " " }
        guard digits.count == Self.length, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TongkaError(.invalidCardNumber, detail: "\(digits.count) characters")
        }
        guard issuerPrefixes.contains(String(digits.prefix(Self.prefixLength))) else {
            throw TongkaError(.unknownIssuerPrefix, detail: String(digits.prefix(Self.prefixLength)))
        }
        self.digits = digits
    }

    /// For numbers read back from our own database, which were validated when stored.
    public init(trusted digits: String) { self.digits = digits }

    public var issuerPrefix: String { String(digits.prefix(Self.prefixLength)) }

    /// `3104***********1234`: the first four and last four digits.
    public var masked: String { Self.mask(digits) }

    public var description: String { masked }

    public static func < (lhs: CardNumber, rhs: CardNumber) -> Bool { lhs.digits < rhs.digits }

    /// Masks any card-number-like string, keeping the first and last four characters.
    public static func mask(_ digits: String) -> String {
        guard digits.count > 8 else { return String(repeating: "*", count: digits.count) }
        return digits.prefix(4) + String(repeating: "*", count: digits.count - 8) + digits.suffix(4)
    }

    /// The card number as the 10-byte BCD application serial of file 0015 (leading zero nibble).
    public var applicationSerialBCD: [UInt8] {
        let nibbles = [UInt8(0)] + digits.compactMap { $0.wholeNumberValue.map(UInt8.init) }
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }
}

/// The operator's identity in the scheme, from configuration.
public struct IssuerProfile: Sendable, Equatable {
    /// 8-digit card-number prefixes this operator issues under (e.g. `31048200`).
    public let cardNumberPrefixes: Set<String>
    /// The 8-byte issuer id of file 0015 as 16 hex digits: institution code (2 bytes), city code
    /// (2 bytes, GB/T 13497), then `FFFFFFFF`.
    public let issuerID: String

    public init(cardNumberPrefixes: Set<String>, issuerID: String) throws(TongkaError) {
        guard !cardNumberPrefixes.isEmpty,
            cardNumberPrefixes.allSatisfy({ $0.count == CardNumber.prefixLength && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { throw TongkaError(.unknownIssuerPrefix, detail: "configured prefixes must be 8 digits") }
        let id = issuerID.uppercased()
        guard Self.isIssuerID(id) else {
            throw TongkaError(.invalidProduct, detail: "configured issuer id must be 16 hex digits ending in FFFFFFFF")
        }
        self.cardNumberPrefixes = cardNumberPrefixes
        self.issuerID = id
    }

    /// Shape of an issuer id: 8 hex digits then `FFFFFFFF`.
    public static func isIssuerID(_ value: String) -> Bool {
        // On the bytes: 8 upper-case hex digits and FFFFFFFF (Character properties cost more per
        // record of an upload than everything else checked of it).
        let bytes = value.utf8
        return bytes.count == 16 && bytes.allSatisfy(ASCII.isUpperHexDigit) && bytes.suffix(8).allSatisfy { $0 == 0x46 }
    }

    /// The 4-digit city code inside the issuer id (bytes 3-4).
    public var cityCode: String { String(issuerID.dropFirst(4).prefix(4)) }
}
