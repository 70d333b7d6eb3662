import Foundation
import Testing

@testable import TongkaCardCrypto

/// One entry of Resources/epurse.json (copied unchanged from shared/vectors).
struct EPurseVector: Decodable, Sendable, CustomTestStringConvertible {
    let id: String
    let status: String
    let what: String
    let key: String
    let data: String?
    let data_ascii: String?
    let out: String

    var testDescription: String { "\(id) (\(status)): \(what)" }

    /// The data bytes: hex `data` or the ASCII text `data_ascii`.
    func dataBytes() throws -> [UInt8] {
        if let data { return try Hex.decode(data, field: "data") }
        if let data_ascii { return Array(data_ascii.utf8) }
        throw CardCryptoError.invalidValue(field: "vector \(id)", reason: "no data")
    }
}

struct EPurseVectorFile: Decodable {
    let vectors: [EPurseVector]

    /// Loads the bundled file; an empty list if it cannot be read (a separate test then fails).
    static func load() throws -> EPurseVectorFile {
        guard let url = Bundle.module.url(forResource: "epurse", withExtension: "json") else {
            throw CardCryptoError.fileSystem(path: "epurse.json", operation: "find resource", errno: 2)
        }
        return try JSONDecoder().decode(EPurseVectorFile.self, from: Data(contentsOf: url))
    }

    static let all: [EPurseVector] = (try? load().vectors) ?? []
}

func bytes(_ hex: String) -> [UInt8] {
    // Test inputs are literals; a typo must fail the test, not crash it.
    (try? Hex.decode(hex, field: "test literal")) ?? []
}

func key(_ hex: String) -> SecretKey {
    SecretKey(bytes: bytes(hex))
}

func keyHex(_ key: SecretKey) -> String {
    key.withUnsafeBytes { Hex.encode($0) }
}

/// A test issuer id: institution 0102, city 5510 (Changsha), FFFFFFFF.
let testIssuerID: [UInt8] = [0x01, 0x02, 0x55, 0x10, 0xFF, 0xFF, 0xFF, 0xFF]

/// A card with serial 0 + 3104820001 70907984 (D = 0001017090798 4... last 8 bytes of the serial).
func testCard(_ number: String = "3104820000170907984") throws -> CardIdentity {
    try CardIdentity(cardNumber: number, issuerID: testIssuerID)
}

/// A store with fixed, obviously fake keys for both algorithms.
func makeStore(
    chain: DiversificationChain = .issuerThenCard, sm4Rules: SM4PurseRules = .assumedV1,
    algorithmIDs: [UInt8: KeyAlgorithm] = CardKeyConfiguration.defaultAlgorithmIDs
) throws -> MasterKeyStore {
    var keys: [KeyReference: SecretKey] = [:]
    for (i, name) in KeyReference.purseKeyNames.enumerated() {
        keys[KeyReference(name: name, version: 1, algorithm: .tripleDES)] =
            key(String(repeating: String(format: "%02X", 0x11 * (i + 1)), count: 8) + String(repeating: "A5", count: 8))
        keys[KeyReference(name: name, version: 1, algorithm: .sm4)] =
            key(String(repeating: String(format: "%02X", 0x21 + i), count: 16))
    }
    let configuration = try CardKeyConfiguration(
        issuerID: testIssuerID, diversification: chain,
        algorithmIDs: algorithmIDs, sm4PurseRules: sm4Rules)
    return try MasterKeyStore(configuration: configuration, keys: keys)
}

/// Runs `body` and returns the `CardCryptoError` it threw, or nil when it threw nothing.
/// Any other error type is recorded as a test failure.
func cryptoError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> CardCryptoError? {
    do {
        try body()
        return nil
    } catch let error as CardCryptoError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
