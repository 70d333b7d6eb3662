import TongkaCardCrypto

/// Failures of the simulator and its files. Descriptions never contain key bytes.
public enum CardSimError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stock line field is invalid.
    case invalidStockLine(field: String, reason: String)
    /// The card file is invalid (`field` names the JSON member at fault).
    case invalidCardFile(path: String, field: String, reason: String)
    /// A card file already exists where a new card was to be created.
    case cardFileExists(path: String)
    /// A crypto, key-store or file-system error.
    case crypto(CardCryptoError)
    /// `transmit` before `connect` (or after a failed write reset the card).
    case notConnected
    /// Fault injection: the command was processed but its response never reached the terminal.
    case responseLost
    /// Fault injection: the command never reached the card.
    case commandLost

    /// A message without key material.
    public var description: String {
        switch self {
        case let .invalidStockLine(field, reason): return "invalid stock line, \(field): \(reason)"
        case let .invalidCardFile(path, field, reason): return "invalid card file \(path), \(field): \(reason)"
        case let .cardFileExists(path): return "card file already exists: \(path)"
        case let .crypto(error): return error.description
        case .notConnected: return "card reader not connected"
        case .responseLost: return "card response lost"
        case .commandLost: return "command did not reach the card"
        }
    }
}
