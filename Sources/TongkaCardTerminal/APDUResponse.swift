import TongkaCardCrypto

/// A card's answer to one command: response data and the two status bytes.
public struct APDUResponse: Sendable, Hashable, CustomStringConvertible {
    /// Response data without the status word.
    public let data: [UInt8]
    /// SW1 SW2 as one number, e.g. 0x9000.
    public let statusWord: UInt16

    /// A response from its parts.
    public init(data: [UInt8] = [], statusWord: UInt16) {
        self.data = data
        self.statusWord = statusWord
    }

    /// Splits raw response bytes (data || SW1 SW2), as a PC/SC reader returns them.
    public init(bytes: [UInt8]) throws(PurseTerminalError) {
        guard bytes.count >= 2 else { throw .malformedResponse(command: "(response of fewer than 2 bytes)") }
        data = Array(bytes.dropLast(2))
        statusWord = UInt16(bytes[bytes.count - 2]) << 8 | UInt16(bytes[bytes.count - 1])
    }

    /// data || SW1 SW2.
    public var bytes: [UInt8] { data + [UInt8(statusWord >> 8), UInt8(statusWord & 0xFF)] }
    /// SW1.
    public var sw1: UInt8 { UInt8(statusWord >> 8) }
    /// SW2.
    public var sw2: UInt8 { UInt8(statusWord & 0xFF) }
    /// True for 9000.
    public var isSuccess: Bool { statusWord == StatusWord.success }

    /// Hex of data and status word. Purse responses carry no key material.
    public var description: String { "\(Hex.encode(data)) \(Hex.encode([sw1, sw2]))" }
}

/// The status words of the purse application; the simulated card answers with these too
/// (docs/card-crypto.md has the full table).
public enum StatusWord {
    /// 9000: success.
    public static let success: UInt16 = 0x9000
    /// 9302: MAC invalid in CREDIT FOR LOAD (MAC2) or DEBIT FOR PURCHASE (MAC1); nothing changed.
    public static let macInvalid: UInt16 = 0x9302
    /// 9303: application permanently blocked.
    public static let permanentlyBlocked: UInt16 = 0x9303
    /// 9401: insufficient balance.
    public static let insufficientBalance: UInt16 = 0x9401
    /// 9402: transaction serial reached its maximum (FFFF).
    public static let serialExhausted: UInt16 = 0x9402
    /// 9403: key index not supported.
    public static let keyIndexNotSupported: UInt16 = 0x9403
    /// 9406: GET TRANSACTION PROVE: the card made no transaction of that type with that serial.
    public static let macNotAvailable: UInt16 = 0x9406
    /// 6700: wrong length (Lc or Le).
    public static let wrongLength: UInt16 = 0x6700
    /// 6985: conditions of use not satisfied (no preceding INITIALIZE / GET CHALLENGE / SELECT).
    public static let conditionsNotSatisfied: UInt16 = 0x6985
    /// 6986: command not allowed (READ BINARY without an SFI).
    public static let commandNotAllowed: UInt16 = 0x6986
    /// 6988: secure-messaging MAC wrong (APPLICATION BLOCK / UNBLOCK).
    public static let secureMessagingMACWrong: UInt16 = 0x6988
    /// 6A80: incorrect data (e.g. a date that is not BCD).
    public static let incorrectData: UInt16 = 0x6A80
    /// 6A81: function not supported: the application is temporarily blocked.
    public static let applicationBlocked: UInt16 = 0x6A81
    /// 6A82: file or application not found.
    public static let fileNotFound: UInt16 = 0x6A82
    /// 6A83: record not found.
    public static let recordNotFound: UInt16 = 0x6A83
    /// 6A84: the load would take the balance above the product maximum (or the 4-byte purse).
    public static let balanceLimitExceeded: UInt16 = 0x6A84
    /// 6A86: incorrect P1/P2.
    public static let incorrectP1P2: UInt16 = 0x6A86
    /// 6B00: offset beyond the end of the file.
    public static let wrongOffset: UInt16 = 0x6B00
    /// 6D00: instruction not supported.
    public static let insNotSupported: UInt16 = 0x6D00
    /// 6E00: class not supported for this instruction.
    public static let claNotSupported: UInt16 = 0x6E00
}
