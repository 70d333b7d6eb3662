/// Names a master key in the key store: name, version byte and algorithm. Not secret.
public struct KeyReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Key name, e.g. `DLK`.
    public let name: String
    /// Key version byte (the card reports the version it was personalised with).
    public let version: UInt8
    /// Algorithm of the key.
    public let algorithm: KeyAlgorithm

    /// A reference; names are matched exactly.
    public init(name: String, version: UInt8, algorithm: KeyAlgorithm) {
        self.name = name
        self.version = version
        self.algorithm = algorithm
    }

    /// `DLK`: purse load key (圈存密钥).
    public static let loadKeyName = "DLK"
    /// `DPK`: purse purchase key (消费密钥).
    public static let purchaseKeyName = "DPK"
    /// `DTK`: TAC key (TAC密钥).
    public static let tacKeyName = "DTK"
    /// `DAMK`: application maintenance key (应用维护密钥), for APPLICATION BLOCK / UNBLOCK.
    public static let maintenanceKeyName = "DAMK"
    /// The four purse key names, in that order.
    public static let purseKeyNames = [loadKeyName, purchaseKeyName, tacKeyName, maintenanceKeyName]

    /// e.g. `DLK v1 3DES`.
    public var description: String { "\(name) v\(version) \(algorithm.rawValue)" }

    /// Orders by name, version, algorithm.
    public static func < (lhs: KeyReference, rhs: KeyReference) -> Bool {
        (lhs.name, lhs.version, lhs.algorithm.rawValue) < (rhs.name, rhs.version, rhs.algorithm.rawValue)
    }
}

/// The non-secret settings that come with a key set.
public struct CardKeyConfiguration: Sendable, Hashable {
    /// The operator's 8-byte issuer id; cards of other issuers are refused.
    public let issuerID: [UInt8]
    /// Diversification chain from master key to card key.
    public let diversification: DiversificationChain
    /// Which algorithm each card algorithm id (the byte INITIALIZE returns) stands for.
    public let algorithmIDs: [UInt8: KeyAlgorithm]
    /// Whether SM4 purse sessions are refused or use the assumed rules.
    public let sm4PurseRules: SM4PurseRules

    /// PBOC `00` = 3DES; `04` = SM4 (the id commonly used for SM4 in PBOC 3.0 cards; not
    /// confirmed for T-Union, hence configurable).
    public static let defaultAlgorithmIDs: [UInt8: KeyAlgorithm] = [0x00: .tripleDES, 0x04: .sm4]

    /// Validates the issuer id length.
    public init(
        issuerID: [UInt8], diversification: DiversificationChain,
        algorithmIDs: [UInt8: KeyAlgorithm] = CardKeyConfiguration.defaultAlgorithmIDs,
        sm4PurseRules: SM4PurseRules = .refuse
    ) throws(CardCryptoError) {
        guard issuerID.count == 8 else {
            throw .wrongDataLength(field: "issuer id", expected: "8", actual: issuerID.count)
        }
        self.issuerID = issuerID
        self.diversification = diversification
        self.algorithmIDs = algorithmIDs
        self.sm4PurseRules = sm4PurseRules
    }

    /// The algorithm for a card-reported algorithm id, refusing SM4 unless `sm4PurseRules` allows it.
    public func purseAlgorithm(forAlgorithmID id: UInt8) throws(CardCryptoError) -> KeyAlgorithm {
        guard let algorithm = algorithmIDs[id] else { throw .unknownAlgorithmID(id) }
        if algorithm == .sm4 && sm4PurseRules == .refuse {
            throw .unsupportedPurseAlgorithm(.sm4)
        }
        return algorithm
    }

    /// The algorithm id a card of this algorithm reports (the smallest id mapped to it), if any.
    public func algorithmID(for algorithm: KeyAlgorithm) -> UInt8? {
        algorithmIDs.filter { $0.value == algorithm }.keys.min()
    }
}

/// The host security module's role: holds the operator's master keys, referenced by name,
/// version and algorithm, and performs operations with per-card keys derived from them.
///
/// Master keys never leave an implementation: there is no requirement that returns one.
/// `deriveCardKey` returns a card-level key (needed to personalise a card or a simulator); the
/// other operations have default implementations on top of it, and an HSM-backed store can
/// override them so that not even card keys leave the HSM.
public protocol CardKeyStore: Sendable {
    /// Issuer id, diversification chain, algorithm ids, SM4 rules.
    var configuration: CardKeyConfiguration { get }
    /// The keys held (references only), e.g. to log at start-up which keys were loaded.
    var keyReferences: [KeyReference] { get }
    /// The card key: master key `key` diversified along `configuration.diversification` for `card`.
    /// Throws `.unknownKey` or `.issuerMismatch`.
    func deriveCardKey(_ key: KeyReference, for card: CardIdentity) throws(CardCryptoError) -> SecretKey
    /// Derives the card key, then the session key from the 8-byte `sessionInput`
    /// (`PurseCrypto.sessionKey`), and returns the 4-byte purse MAC of each message under it.
    /// The session key is wiped before returning.
    func purseSessionMACs(
        key: KeyReference, card: CardIdentity, sessionInput: [UInt8],
        messages: [[UInt8]]
    ) throws(CardCryptoError) -> [[UInt8]]
    /// The 4-byte TAC of `message` with the card's TAC key derived from master key `key` (DTK).
    func tacMAC(key: KeyReference, card: CardIdentity, message: [UInt8]) throws(CardCryptoError) -> [UInt8]
    /// The 4-byte secure-messaging MAC of `message` with the card's DAMK and the card `challenge`.
    func secureMessagingMAC(
        key: KeyReference, card: CardIdentity, challenge: [UInt8],
        message: [UInt8]
    ) throws(CardCryptoError) -> [UInt8]
}

extension CardKeyStore {
    /// Default: derives the card key and session key in process, then MACs each message.
    public func purseSessionMACs(
        key: KeyReference, card: CardIdentity, sessionInput: [UInt8],
        messages: [[UInt8]]
    ) throws(CardCryptoError) -> [[UInt8]] {
        let cardKey = try deriveCardKey(key, for: card)
        let session = try PurseCrypto.sessionKey(cardKey: cardKey, algorithm: key.algorithm, input: sessionInput)
        var macs: [[UInt8]] = []
        for message in messages {
            macs.append(try PurseCrypto.mac(message, key: session, algorithm: key.algorithm))
        }
        return macs
    }

    /// Default: derives DTK, folds it to the TAC key, MACs the message.
    public func tacMAC(key: KeyReference, card: CardIdentity, message: [UInt8]) throws(CardCryptoError) -> [UInt8] {
        let dtk = try deriveCardKey(key, for: card)
        let tacKey = try PurseCrypto.tacKey(from: dtk, algorithm: key.algorithm)
        return try PurseCrypto.mac(message, key: tacKey, algorithm: key.algorithm)
    }

    /// Default: derives DAMK and computes `PurseCrypto.secureMessagingMAC`.
    public func secureMessagingMAC(
        key: KeyReference, card: CardIdentity, challenge: [UInt8],
        message: [UInt8]
    ) throws(CardCryptoError) -> [UInt8] {
        let damk = try deriveCardKey(key, for: card)
        return try PurseCrypto.secureMessagingMAC(message, maintenanceKey: damk, algorithm: key.algorithm, challenge: challenge)
    }
}

/// The in-memory key store: master keys loaded from a key file, its environment variable, or
/// given in code. Prints and reflects without key bytes.
public final class MasterKeyStore: CardKeyStore, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Issuer id, chain, algorithm ids, SM4 rules (not secret).
    public let configuration: CardKeyConfiguration
    private let keys: [KeyReference: SecretKey]

    /// A store over the given keys (each must be 16 bytes). Prefer the key-file loaders in production.
    public init(configuration: CardKeyConfiguration, keys: [KeyReference: SecretKey]) throws(CardCryptoError) {
        for (reference, key) in keys where key.count != reference.algorithm.keyLength {
            throw .wrongKeyLength(expected: [16], actual: key.count)
        }
        self.configuration = configuration
        self.keys = keys
    }

    /// References of the keys held, sorted.
    public var keyReferences: [KeyReference] { keys.keys.sorted() }

    /// Diversifies the master key along the configured chain; refuses other issuers' cards.
    public func deriveCardKey(_ key: KeyReference, for card: CardIdentity) throws(CardCryptoError) -> SecretKey {
        guard card.issuerID == configuration.issuerID else { throw .issuerMismatch }
        guard let master = keys[key] else { throw .unknownKey(key) }
        return try KeyDiversification.diversify(
            master, algorithm: key.algorithm,
            chain: configuration.diversification, card: card)
    }

    /// Issuer, chain and key references only.
    public var description: String {
        "MasterKeyStore(issuer: \(Hex.encode(configuration.issuerID)), diversification: \(configuration.diversification), keys: \(keyReferences.map(\.description).joined(separator: ", ")))"
    }

    /// Same as `description`.
    public var debugDescription: String { description }

    /// Shows only non-secret fields.
    public var customMirror: Mirror {
        Mirror(self, children: ["configuration": configuration, "keyReferences": keyReferences], displayStyle: .class)
    }
}
