/// Byte-exact value types of the purse protocol. Every initialiser validates and throws
/// `CardCryptoError`; none traps on caller data.

/// Transaction type bytes of JT/T 978 / PBOC (domain.md section 4).
public enum TransactionType {
    /// `02`: electronic-purse load (圈存).
    public static let load: UInt8 = 0x02
    /// `06`: purchase (消费).
    public static let purchase: UInt8 = 0x06
    /// `09`: composite purchase (复合消费).
    public static let compositePurchase: UInt8 = 0x09
}

/// The identity of one card as its file 0015 gives it: the 8-byte issuer id and the 10-byte BCD
/// application serial. Key diversification data comes from here.
public struct CardIdentity: Sendable, Hashable, CustomStringConvertible {
    /// Issuer id (0015 bytes 0..7): institution code (2) + city code (2) + `FFFFFFFF`.
    public let issuerID: [UInt8]
    /// Application serial (0015 bytes 10..19), 10 bytes BCD, leading nibble 0.
    public let applicationSerial: [UInt8]

    /// Validates lengths and that the serial is 20 BCD digits starting with 0.
    public init(issuerID: [UInt8], applicationSerial: [UInt8]) throws(CardCryptoError) {
        guard issuerID.count == 8 else {
            throw .wrongDataLength(field: "issuer id", expected: "8", actual: issuerID.count)
        }
        guard applicationSerial.count == 10 else {
            throw .wrongDataLength(field: "application serial", expected: "10", actual: applicationSerial.count)
        }
        for byte in applicationSerial where byte >> 4 > 9 || byte & 0x0F > 9 {
            throw .invalidValue(field: "application serial", reason: "not BCD")
        }
        guard applicationSerial[0] >> 4 == 0 else {
            throw .invalidValue(field: "application serial", reason: "leading digit must be 0")
        }
        self.issuerID = issuerID
        self.applicationSerial = applicationSerial
    }

    /// From the printed 19-digit card number: the serial is `0` followed by the 19 digits, in BCD.
    public init(cardNumber: String, issuerID: [UInt8]) throws(CardCryptoError) {
        let digits = Array(cardNumber.utf8)
        guard digits.count == 19 else {
            throw .invalidValue(field: "card number", reason: "must be 19 digits, got \(digits.count) characters")
        }
        var nibbles: [UInt8] = [0]
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else {
                throw .invalidValue(field: "card number", reason: "must be digits only")
            }
            nibbles.append(d - UInt8(ascii: "0"))
        }
        var serial = [UInt8]()
        for i in stride(from: 0, to: 20, by: 2) { serial.append(nibbles[i] << 4 | nibbles[i + 1]) }
        try self.init(issuerID: issuerID, applicationSerial: serial)
    }

    /// The printed card number: the 20 BCD digits of the serial without the leading 0.
    public var cardNumber: String {
        var digits = ""
        for byte in applicationSerial {
            digits.append(Character(Unicode.Scalar(UInt8(ascii: "0") + (byte >> 4))))
            digits.append(Character(Unicode.Scalar(UInt8(ascii: "0") + (byte & 0x0F))))
        }
        return String(digits.dropFirst())
    }

    /// Card-level diversification data D: the last 8 bytes of the serial (0015 bytes 12..19).
    public var diversificationData: [UInt8] { Array(applicationSerial.suffix(8)) }

    /// The card number (not secret).
    public var description: String { cardNumber }
}

/// The 6-byte terminal number (终端机编号) that the PSAM or host supplies.
public struct TerminalNumber: Sendable, Hashable, CustomStringConvertible {
    /// The 6 bytes.
    public let bytes: [UInt8]

    /// Exactly 6 bytes.
    public init(bytes: [UInt8]) throws(CardCryptoError) {
        guard bytes.count == 6 else {
            throw .wrongDataLength(field: "terminal number", expected: "6", actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// 12 hex digits.
    public init(hex: String) throws(CardCryptoError) {
        try self.init(bytes: Hex.decode(hex, field: "terminal number"))
    }

    /// Upper-case hex.
    public var description: String { Hex.encode(bytes) }
}

/// Transaction date and time as the card carries them: date BCD `YYYYMMDD` (4 bytes) and time
/// BCD `hhmmss` (3 bytes). Calendar validity is checked (month lengths, leap years).
public struct TransactionDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 4 BCD date bytes.
    public let date: [UInt8]
    /// The 3 BCD time bytes.
    public let time: [UInt8]

    /// From the 7 bytes date || time.
    public init(bcd: [UInt8]) throws(CardCryptoError) {
        guard bcd.count == 7 else {
            throw .wrongDataLength(field: "date-time", expected: "7", actual: bcd.count)
        }
        try self.init(date: Array(bcd[0..<4]), time: Array(bcd[4..<7]))
    }

    /// From 4 BCD date bytes and 3 BCD time bytes.
    public init(date: [UInt8], time: [UInt8]) throws(CardCryptoError) {
        guard date.count == 4 else { throw .wrongDataLength(field: "date", expected: "4", actual: date.count) }
        guard time.count == 3 else { throw .wrongDataLength(field: "time", expected: "3", actual: time.count) }
        guard let d = BCD.decode(date), let t = BCD.decode(time) else {
            throw .invalidValue(field: "date-time", reason: "not BCD")
        }
        let year = d / 10_000, month = d / 100 % 100, day = d % 100
        guard month >= 1, month <= 12, day >= 1, day <= BCD.daysInMonth(year: year, month: month) else {
            throw .invalidValue(field: "date", reason: "not a calendar date")
        }
        guard t / 10_000 < 24, t / 100 % 100 < 60, t % 100 < 60 else {
            throw .invalidValue(field: "time", reason: "not a time of day")
        }
        self.date = date
        self.time = time
    }

    /// From the texts `YYYYMMDD` and `hhmmss`.
    public init(yyyymmdd: String, hhmmss: String) throws(CardCryptoError) {
        guard let date = BCD.encode(digits: yyyymmdd, count: 4) else {
            throw .invalidValue(field: "date", reason: "must be 8 digits YYYYMMDD")
        }
        guard let time = BCD.encode(digits: hhmmss, count: 3) else {
            throw .invalidValue(field: "time", reason: "must be 6 digits hhmmss")
        }
        try self.init(date: date, time: time)
    }

    /// date || time, 7 bytes.
    public var bytes: [UInt8] { date + time }
    /// `YYYYMMDD`.
    public var dateString: String { Hex.encode(date) }
    /// `hhmmss`.
    public var timeString: String { Hex.encode(time) }
    /// `YYYYMMDD hhmmss`.
    public var description: String { "\(dateString) \(timeString)" }

    /// Chronological order (BCD compares like the digits).
    public static func < (lhs: TransactionDateTime, rhs: TransactionDateTime) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// BCD helpers (decimal digits packed two per byte).
public enum BCD {
    /// The decimal value of BCD bytes, or nil when a nibble is above 9.
    public static func decode(_ bytes: [UInt8]) -> Int? {
        var value = 0
        for byte in bytes {
            let high = Int(byte >> 4), low = Int(byte & 0x0F)
            guard high <= 9, low <= 9 else { return nil }
            value = value * 100 + high * 10 + low
        }
        return value
    }

    /// Packs exactly `count * 2` decimal digits, or nil.
    public static func encode(digits: String, count: Int) -> [UInt8]? {
        let chars = Array(digits.utf8)
        guard chars.count == count * 2 else { return nil }
        var out = [UInt8]()
        for i in stride(from: 0, to: chars.count, by: 2) {
            let a = chars[i], b = chars[i + 1]
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(a),
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
            else { return nil }
            out.append((a - UInt8(ascii: "0")) << 4 | (b - UInt8(ascii: "0")))
        }
        return out
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }
}

/// Big-endian integer helpers for the purse's fixed-width fields.
enum BigEndian {
    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    static func bytes(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xFF)]
    }
    static func bytes3(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    static func uint32<C: Collection<UInt8>>(_ bytes: C) -> UInt32 {
        bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
    static func uint16<C: Collection<UInt8>>(_ bytes: C) -> UInt16 {
        bytes.reduce(0) { $0 << 8 | UInt16($1) }
    }
}

/// The 16-byte response data of `INITIALIZE FOR LOAD` (80 50 00 02):
/// old balance (4) || online serial (2) || key version (1) || algorithm id (1) || random (4) || MAC1 (4).
public struct InitializeForLoadResponse: Sendable, Hashable {
    /// Purse balance before the load, fen.
    public let oldBalance: UInt32
    /// Online transaction serial before the load (the value the session key uses).
    public let onlineSerial: UInt16
    /// Version of the load key (DLK) the card used.
    public let keyVersion: UInt8
    /// Algorithm id the card used (mapped to an algorithm by `CardKeyConfiguration.algorithmIDs`).
    public let algorithmID: UInt8
    /// The card's 4-byte pseudo-random number.
    public let random: [UInt8]
    /// MAC1, 4 bytes.
    public let mac1: [UInt8]

    /// Parses exactly 16 bytes of response data (status word removed).
    public init(data: [UInt8]) throws(CardCryptoError) {
        guard data.count == 16 else {
            throw .wrongDataLength(field: "INITIALIZE FOR LOAD response", expected: "16", actual: data.count)
        }
        oldBalance = BigEndian.uint32(data[0..<4])
        onlineSerial = BigEndian.uint16(data[4..<6])
        keyVersion = data[6]
        algorithmID = data[7]
        random = Array(data[8..<12])
        mac1 = Array(data[12..<16])
    }

    /// The 16 bytes.
    public var bytes: [UInt8] {
        BigEndian.bytes(oldBalance) + BigEndian.bytes(onlineSerial) + [keyVersion, algorithmID] + random + mac1
    }
}

/// The 15-byte response data of `INITIALIZE FOR PURCHASE` (80 50 01 02):
/// balance (4) || offline serial (2) || overdraft limit (3) || key version (1) || algorithm id (1) || random (4).
public struct InitializeForPurchaseResponse: Sendable, Hashable {
    /// Purse balance before the purchase, fen.
    public let balance: UInt32
    /// Offline transaction serial before the purchase.
    public let offlineSerial: UInt16
    /// Overdraft limit (3 bytes), fen.
    public let overdraftLimit: UInt32
    /// Version of the purchase key (DPK).
    public let keyVersion: UInt8
    /// Algorithm id the card used.
    public let algorithmID: UInt8
    /// The card's 4-byte pseudo-random number.
    public let random: [UInt8]

    /// Parses exactly 15 bytes.
    public init(data: [UInt8]) throws(CardCryptoError) {
        guard data.count == 15 else {
            throw .wrongDataLength(field: "INITIALIZE FOR PURCHASE response", expected: "15", actual: data.count)
        }
        balance = BigEndian.uint32(data[0..<4])
        offlineSerial = BigEndian.uint16(data[4..<6])
        overdraftLimit = BigEndian.uint32(data[6..<9])
        keyVersion = data[9]
        algorithmID = data[10]
        random = Array(data[11..<15])
    }

    /// The 15 bytes.
    public var bytes: [UInt8] {
        BigEndian.bytes(balance) + BigEndian.bytes(offlineSerial) + BigEndian.bytes3(overdraftLimit)
            + [keyVersion, algorithmID] + random
    }
}

/// One 23-byte record of the purse transaction log (file 0018, domain.md section 5):
/// serial (2) || overdraft limit (3) || amount (4) || type (1) || terminal (6) || date (4) || time (3).
/// The serial is the online serial (loads) or offline serial (purchases) before the transaction.
public struct PurseTransactionRecord: Sendable, Hashable {
    /// Online (load) or offline (purchase) serial before the transaction.
    public let serial: UInt16
    /// Overdraft limit, 3 bytes.
    public let overdraftLimit: UInt32
    /// Amount in fen.
    public let amount: UInt32
    /// Transaction type (`TransactionType`).
    public let transactionType: UInt8
    /// Terminal number.
    public let terminal: TerminalNumber
    /// Date and time of the transaction.
    public let dateTime: TransactionDateTime

    /// Builds a record; `overdraftLimit` must fit 3 bytes.
    public init(
        serial: UInt16, overdraftLimit: UInt32 = 0, amount: UInt32, transactionType: UInt8,
        terminal: TerminalNumber, dateTime: TransactionDateTime
    ) throws(CardCryptoError) {
        guard overdraftLimit <= 0xFF_FFFF else {
            throw .invalidValue(field: "overdraft limit", reason: "does not fit 3 bytes")
        }
        self.serial = serial
        self.overdraftLimit = overdraftLimit
        self.amount = amount
        self.transactionType = transactionType
        self.terminal = terminal
        self.dateTime = dateTime
    }

    /// Parses exactly 23 bytes.
    public init(bytes: [UInt8]) throws(CardCryptoError) {
        guard bytes.count == 23 else {
            throw .wrongDataLength(field: "transaction record", expected: "23", actual: bytes.count)
        }
        try self.init(
            serial: BigEndian.uint16(bytes[0..<2]),
            overdraftLimit: BigEndian.uint32(bytes[2..<5]),
            amount: BigEndian.uint32(bytes[5..<9]),
            transactionType: bytes[9],
            terminal: TerminalNumber(bytes: Array(bytes[10..<16])),
            dateTime: TransactionDateTime(bcd: Array(bytes[16..<23])))
    }

    /// The 23 bytes.
    public var bytes: [UInt8] {
        BigEndian.bytes(serial) + BigEndian.bytes3(overdraftLimit) + BigEndian.bytes(amount)
            + [transactionType] + terminal.bytes + dateTime.bytes
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension TransactionDateTime {
    /// The date-time of `instant` on a clock in `timeZone` (a host or terminal clock in operator time).
    public init(_ instant: Date, in timeZone: TimeZone) throws(CardCryptoError) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        try self.init(
            yyyymmdd: pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2),
            hhmmss: pad(c.hour, 2) + pad(c.minute, 2) + pad(c.second, 2))
    }
}
