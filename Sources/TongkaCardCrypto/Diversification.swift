/// Block cipher family of a master or card key.
public enum KeyAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Two-key 3DES (16-byte keys), the PBOC purse algorithm.
    case tripleDES = "3DES"
    /// SM4 (16-byte keys).
    case sm4 = "SM4"

    /// Key length in bytes (16 for both).
    public var keyLength: Int { 16 }

    /// `3DES` or `SM4`.
    public var description: String { rawValue }
}

/// One step of the key-diversification chain: where its 8 bytes of diversification data come from.
public enum DiversificationLevel: Sendable, Hashable, CustomStringConvertible {
    /// Issuer level: D = the card's 8-byte issuer id exactly as in file 0015 bytes 0..7
    /// (institution code 2 || city code 2 || `FFFFFFFF`).
    case issuer
    /// Card level: D = the last 8 bytes of the application serial (0015 bytes 12..19).
    case card
    /// An operator-defined constant of exactly 8 bytes (e.g. a city or batch code), for schemes
    /// whose intermediate level is neither of the above.
    case fixed([UInt8])

    /// The name used in the key file: `issuer`, `card` or `fixed:<16 hex digits>`.
    public var configName: String {
        switch self {
        case .issuer: return "issuer"
        case .card: return "card"
        case .fixed(let bytes): return "fixed:" + Hex.encode(bytes)
        }
    }

    /// Parses a key-file name (see `configName`).
    public init(configName: String) throws(CardCryptoError) {
        switch configName {
        case "issuer": self = .issuer
        case "card": self = .card
        default:
            guard configName.hasPrefix("fixed:") else {
                throw .invalidValue(field: "diversification level", reason: "must be issuer, card or fixed:<16 hex digits>")
            }
            let bytes = try Hex.decode(String(configName.dropFirst(6)), field: "diversification level")
            guard bytes.count == 8 else {
                throw .wrongDataLength(field: "fixed diversification data", expected: "8", actual: bytes.count)
            }
            self = .fixed(bytes)
        }
    }

    /// The 8 diversification bytes of this level for `card`.
    public func data(for card: CardIdentity) -> [UInt8] {
        switch self {
        case .issuer: return card.issuerID
        case .card: return card.diversificationData
        case .fixed(let bytes): return bytes
        }
    }

    /// The key-file name.
    public var description: String { configName }
}

/// The ordered levels applied to a master key to get a card key: the output of each level is the
/// key of the next. The T-Union order is not public, so this is configuration (key file field
/// `diversification`). An empty chain means "the master key is the card key" (test vectors only).
public struct DiversificationChain: Sendable, Hashable, CustomStringConvertible {
    /// Levels in the order they are applied.
    public let levels: [DiversificationLevel]

    /// Any sequence of levels (the key file additionally requires `card` last).
    public init(_ levels: [DiversificationLevel]) {
        self.levels = levels
    }

    /// Card level only: DK = div(MK, serial[-8:]).
    public static let cardOnly = DiversificationChain([.card])
    /// Issuer level then card level: DK = div(div(MK, issuerID), serial[-8:]).
    public static let issuerThenCard = DiversificationChain([.issuer, .card])

    /// The level names in order.
    public var description: String { "[" + levels.map(\.configName).joined(separator: ", ") + "]" }
}

/// Key diversification as the PBOC purse defines it (domain.md section 4).
public enum KeyDiversification {
    /// One level: 3DES `DK = 3DES(MK, D) || 3DES(MK, NOT D)`; SM4 `DK = SM4(MK, D || NOT D)`.
    /// `key` is 16 bytes, `data` (D) 8 bytes; the result is a new 16-byte key.
    public static func diversify(_ key: SecretKey, algorithm: KeyAlgorithm, data: [UInt8]) throws(CardCryptoError) -> SecretKey {
        guard key.count == 16 else { throw .wrongKeyLength(expected: [16], actual: key.count) }
        guard data.count == 8 else {
            throw .wrongDataLength(field: "diversification data", expected: "8", actual: data.count)
        }
        let inverted = data.map { ~$0 }
        var derived: [UInt8]
        switch algorithm {
        case .tripleDES:
            derived = try CardCipher.tripleDESEncrypt(data + inverted, key: key)
        case .sm4:
            derived = try CardCipher.sm4Encrypt(data + inverted, key: key)
        }
        // (ECB over D || NOT D gives exactly 3DES(D) || 3DES(NOT D) for 3DES.)
        return SecretKey(wiping: &derived)
    }

    /// Applies every level of `chain` for `card`. Intermediate keys are `SecretKey`s, wiped as
    /// soon as the next level has been computed.
    public static func diversify(
        _ masterKey: SecretKey, algorithm: KeyAlgorithm, chain: DiversificationChain,
        card: CardIdentity
    ) throws(CardCryptoError) -> SecretKey {
        var current = masterKey
        for level in chain.levels {
            current = try diversify(current, algorithm: algorithm, data: level.data(for: card))
        }
        if chain.levels.isEmpty {
            // Never hand out the caller's own object: return a copy so its lifetime stays separate.
            var bytes = masterKey.copyBytes()
            return SecretKey(wiping: &bytes)
        }
        return current
    }
}
