/// Every failure of TongkaCardCrypto, as one closed enum so callers can switch on it.
///
/// Descriptions name the field, the expected shape and the position at fault, never the value:
/// a value could be (part of) a key, and error texts end up in logs.
public enum CardCryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A key had the wrong number of bytes for the algorithm (`expected` lists the valid lengths).
    case wrongKeyLength(expected: [Int], actual: Int)
    /// A data field had the wrong length (`expected` is a short rule such as "8" or "a multiple of 8").
    case wrongDataLength(field: String, expected: String, actual: Int)
    /// A hexadecimal text was malformed.
    case badHex(field: String, problem: HexProblem)
    /// A field's value is outside its domain (bad BCD date, amount overflow, non-digit card number, ...).
    case invalidValue(field: String, reason: String)
    /// A MAC or TAC did not verify. `what` names it ("load MAC1", "purchase TAC", ...).
    case macMismatch(what: String)
    /// The key store holds no key with this name, version and algorithm.
    case unknownKey(KeyReference)
    /// The card reported an algorithm id the configuration does not map to an algorithm.
    case unknownAlgorithmID(UInt8)
    /// The purse session rules for this algorithm are not enabled (see `SM4PurseRules`).
    case unsupportedPurseAlgorithm(KeyAlgorithm)
    /// The card belongs to another issuer than the key store's operator.
    case issuerMismatch
    /// The key file (or its environment variable) is invalid. `line` is 1-based when known.
    case keyFile(line: Int?, field: String, reason: String)
    /// A file-system call failed (`errno` is the C errno value).
    case fileSystem(path: String, operation: String, errno: Int32)
    /// libcrypto reported a failure in the named operation.
    case openSSL(operation: String)

    /// What went wrong with a hexadecimal text.
    public enum HexProblem: Sendable, Hashable, CustomStringConvertible {
        /// The text has an odd number of characters.
        case oddLength(Int)
        /// The character at this 0-based offset is not 0-9, A-F or a-f.
        case invalidCharacter(offset: Int)

        /// Human-readable problem, without the offending text.
        public var description: String {
            switch self {
            case .oddLength(let n): return "odd number of hex digits (\(n))"
            case .invalidCharacter(let offset): return "not a hex digit at offset \(offset)"
            }
        }
    }

    /// Field, expected shape and position; never a value.
    public var description: String {
        switch self {
        case let .wrongKeyLength(expected, actual):
            let list = expected.map(String.init).joined(separator: " or ")
            return "wrong key length: \(actual) bytes, expected \(list)"
        case let .wrongDataLength(field, expected, actual):
            return "wrong length for \(field): \(actual) bytes, expected \(expected)"
        case let .badHex(field, problem):
            return "bad hex in \(field): \(problem)"
        case let .invalidValue(field, reason):
            return "invalid \(field): \(reason)"
        case let .macMismatch(what):
            return "\(what) does not verify"
        case let .unknownKey(reference):
            return "unknown key \(reference)"
        case let .unknownAlgorithmID(id):
            return "unknown purse algorithm id \(Hex.encode([id]))"
        case let .unsupportedPurseAlgorithm(algorithm):
            return "purse sessions with \(algorithm.rawValue) are not enabled (sm4PurseRules)"
        case .issuerMismatch:
            return "card issuer differs from the key store's issuer"
        case let .keyFile(line, field, reason):
            if let line { return "key file line \(line), \(field): \(reason)" }
            return "key file, \(field): \(reason)"
        case let .fileSystem(path, operation, errno):
            return "\(operation) failed for \(path) (errno \(errno))"
        case let .openSSL(operation):
            return "OpenSSL failure in \(operation)"
        }
    }
}
