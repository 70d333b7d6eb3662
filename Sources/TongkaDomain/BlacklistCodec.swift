/// Whether a validator list replaces everything the validator holds or changes it.
public enum BlacklistListKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Every listed card at `toVersion`; the validator drops what it held before.
    case full = 1
    /// The changes from `fromVersion` to `toVersion`: cards to add and cards to remove.
    case delta = 2

    public var description: String { self == .full ? "full" : "delta" }
}

/// The two number sections of a validator list, in the order they appear.
public enum BlacklistSection: String, Sendable, CaseIterable {
    case added
    case removed
}

/// Why a validator list could not be built or read. Every case says where the problem is; none
/// carries a whole card number.
public enum BlacklistCodecError: Error, Sendable, Equatable, CustomStringConvertible {
    // Building a list (and reading one: a decoded list is checked by the same rules).
    /// A number that is not exactly 19 ASCII digits; `index` counts from 0 within the section.
    case invalidCardNumber(section: BlacklistSection, index: Int)
    /// The number at `index` is not greater than the one before it.
    case notStrictlyIncreasing(section: BlacklistSection, index: Int)
    /// A full list with numbers in its removed section.
    case removedInFullList(count: Int)
    /// A full list that does not start from 0, or a delta that does not go from 1 or later to a later version.
    case invalidVersions(kind: BlacklistListKind, from: UInt64, to: UInt64)
    /// Not 16 hex digits ending in `FFFFFFFF` (see ``IssuerProfile/isIssuerID(_:)``).
    case invalidIssuerID
    case negativeIssuedAt(Int64)
    /// A delta that adds and removes the same card.
    case numberInBothSections(addedIndex: Int, removedIndex: Int)
    /// An Ed25519 signature is 64 bytes.
    case signatureLength(Int)

    // Reading bytes.
    /// Fewer bytes than the header says there are (or than the smallest possible list).
    case truncated(expectedBytes: Int, actualBytes: Int)
    /// The bytes do not start with `TKBL`.
    case badMagic
    case unsupportedFormatVersion(UInt8)
    case unknownKind(UInt8)
    case riceParameterOutOfRange(section: BlacklistSection, parameter: UInt8)
    /// A section length that cannot hold its count: a count of 0 with bytes, at least one number in
    /// fewer than 8 bytes, or more numbers than the section's bits could code.
    case sectionLengthMismatch(section: BlacklistSection, count: Int, bytes: Int)
    /// More bytes than the header accounts for.
    case trailingBytes(Int)
    /// The `verify` closure refused the signature.
    case signatureInvalid
    /// The code of the number at `index` runs past the section's end or is malformed.
    case corruptSection(section: BlacklistSection, index: Int, reason: BitReaderError)
    /// A decoded number above 9999999999999999999 (more than 19 digits).
    case numberOutOfRange(section: BlacklistSection, index: Int)
    /// The padding after the last code is not zero bits.
    case paddingNotZero(section: BlacklistSection)
    /// Whole bytes left in the section after its last code.
    case sectionTooLong(section: BlacklistSection, extraBytes: Int)

    public var description: String {
        switch self {
        case .invalidCardNumber(let section, let index):
            "\(section) number \(index) is not 19 digits"
        case .notStrictlyIncreasing(let section, let index):
            "\(section) number \(index) is not greater than the number before it"
        case .removedInFullList(let count):
            "a full list has no removed numbers, this one has \(count)"
        case .invalidVersions(let kind, let from, let to):
            kind == .full
                ? "a full list starts from version 0, not \(from) (to \(to))"
                : "a delta goes from version 1 or later to a later version, not from \(from) to \(to)"
        case .invalidIssuerID:
            "the issuer id is not 16 hex digits ending in FFFFFFFF"
        case .negativeIssuedAt(let seconds):
            "issued at \(seconds) is before 1970"
        case .numberInBothSections(let addedIndex, let removedIndex):
            "added number \(addedIndex) is also removed number \(removedIndex)"
        case .signatureLength(let count):
            "an Ed25519 signature is 64 bytes, not \(count)"
        case .truncated(let expected, let actual):
            "truncated: \(actual) bytes, expected \(expected)"
        case .badMagic:
            "not a Tongka blacklist (the first bytes are not TKBL)"
        case .unsupportedFormatVersion(let version):
            "format version \(version) is not supported (only 1)"
        case .unknownKind(let kind):
            "list kind \(kind) is unknown (1 full, 2 delta)"
        case .riceParameterOutOfRange(let section, let parameter):
            "\(section) Rice parameter \(parameter) is above \(RiceCode.maximumParameter)"
        case .sectionLengthMismatch(let section, let count, let bytes):
            "\(section) section of \(bytes) bytes cannot hold \(count) numbers"
        case .trailingBytes(let count):
            "\(count) bytes after the signature"
        case .signatureInvalid:
            "the signature does not verify"
        case .corruptSection(let section, let index, let reason):
            "\(section) number \(index) is corrupt (\(reason))"
        case .numberOutOfRange(let section, let index):
            "\(section) number \(index) has more than 19 digits"
        case .paddingNotZero(let section):
            "the padding of the \(section) section is not zero"
        case .sectionTooLong(let section, let extra):
            "\(extra) bytes left in the \(section) section after its last number"
        }
    }
}

extension CardNumber {
    /// The largest 19-digit number.
    public static let maximumValue: UInt64 = 9_999_999_999_999_999_999

    /// The 19 digits as an integer (every 19-digit number fits a `UInt64`); nil when `digits` is
    /// not exactly 19 ASCII digits.
    public var numericValue: UInt64? {
        let utf8 = digits.utf8
        guard utf8.count == Self.length else { return nil }
        var value: UInt64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// The card number whose 19 digits are `value`, zero-padded on the left. Nil above ``maximumValue``.
    public init?(numericValue value: UInt64) {
        guard value <= Self.maximumValue else { return nil }
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: Self.length)
        var rest = value
        var index = Self.length - 1
        while rest > 0 {
            bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            index -= 1
        }
        self.init(trusted: String(decoding: bytes, as: UTF8.self))
    }
}

/// The blacklist as a validator receives it: a signed binary list, full or delta. The exact layout
/// is in docs/blacklist-format.md; this type is its one implementation in Tongka.
///
/// The domain has no cryptography: ``signedPortion()`` gives the bytes to sign with the operator's
/// Ed25519 key, ``encoded(signature:)`` appends the signature, and ``decode(_:verify:)`` takes the
/// verification as a closure.
public struct BlacklistList: Sendable, Equatable {
    public static let magic: [UInt8] = Array("TKBL".utf8)
    public static let formatVersion: UInt8 = 1
    public static let headerBytes = 56
    public static let signatureBytes = 64
    /// The first number of a non-empty section, stored in full before the Rice codes.
    public static let firstNumberBytes = 8

    public let kind: BlacklistListKind
    /// 0 for a full list; for a delta, the version the validator must hold to apply it.
    public let fromVersion: UInt64
    /// The version the validator holds after applying the list.
    public let toVersion: UInt64
    public let issuedAtUnixSeconds: Int64
    /// The operator's 8-byte issuer id as 16 upper-case hex digits (as ``IssuerProfile/issuerID``),
    /// so that a validator can refuse another operator's list.
    public let issuerID: String
    /// Cards to list, ascending. For a full list, every listed card.
    public let added: [CardNumber]
    /// Cards to take off the list, ascending. Always empty in a full list.
    public let removed: [CardNumber]

    /// Checks every rule of the format: 19-digit numbers strictly ascending in each section, a full
    /// list from version 0 without removals, a delta from version 1 or later forward, no card both
    /// added and removed, a well-formed issuer id, a time not before 1970.
    public init(
        kind: BlacklistListKind, fromVersion: UInt64, toVersion: UInt64, issuedAtUnixSeconds: Int64, issuerID: String,
        added: [CardNumber], removed: [CardNumber]
    ) throws(BlacklistCodecError) {
        let addedValues = try Self.values(of: added, section: .added)
        let removedValues = try Self.values(of: removed, section: .removed)
        try self.init(
            kind: kind, fromVersion: fromVersion, toVersion: toVersion, issuedAtUnixSeconds: issuedAtUnixSeconds,
            issuerID: issuerID, added: added, removed: removed, addedValues: addedValues, removedValues: removedValues)
    }

    /// The shared checks, for numbers already converted (by the caller or by the decoder).
    private init(
        kind: BlacklistListKind, fromVersion: UInt64, toVersion: UInt64, issuedAtUnixSeconds: Int64, issuerID: String,
        added: [CardNumber], removed: [CardNumber], addedValues: [UInt64], removedValues: [UInt64]
    ) throws(BlacklistCodecError) {
        switch kind {
        case .full:
            guard fromVersion == 0 else {
                throw .invalidVersions(kind: kind, from: fromVersion, to: toVersion)
            }
            guard removed.isEmpty else { throw .removedInFullList(count: removed.count) }
        case .delta:
            guard fromVersion >= 1, toVersion > fromVersion else {
                throw .invalidVersions(kind: kind, from: fromVersion, to: toVersion)
            }
        }
        guard issuedAtUnixSeconds >= 0 else { throw .negativeIssuedAt(issuedAtUnixSeconds) }
        guard IssuerProfile.isIssuerID(issuerID) else { throw .invalidIssuerID }
        if let (addedIndex, removedIndex) = Self.firstCommon(addedValues, removedValues) {
            throw .numberInBothSections(addedIndex: addedIndex, removedIndex: removedIndex)
        }
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.issuedAtUnixSeconds = issuedAtUnixSeconds
        self.issuerID = issuerID
        self.added = added
        self.removed = removed
    }

    /// The Rice parameter the encoder chooses for a section of ascending `values`: the k that codes
    /// the gaps in the fewest bits, the smallest such k on a tie, among the eight values around the
    /// bit length b of the median coded value (gap − 1): b − 4 to b + 3, within 0...62. 0 for fewer
    /// than two numbers.
    ///
    /// The median, not the mean: numbers under a few issuer prefixes have a few gaps of 10^11 and
    /// more between the prefixes, which would pull a mean-based k far above what the ordinary gaps
    /// need (and those few gaps are escaped at 96 bits each). For numbers drawn at random the best
    /// k is about log2 of the median plus one half, well inside the window.
    public static func riceParameter(forAscending values: [UInt64]) -> Int {
        guard values.count >= 2 else { return 0 }
        // Wrapping subtraction: a caller's unsorted input gives a poor k, never a trap.
        func coded(_ index: Int) -> UInt64 { values[index] &- values[index - 1] &- 1 }
        var lengthCounts = [Int](repeating: 0, count: 65)
        for index in values.indices.dropFirst() { lengthCounts[64 - coded(index).leadingZeroBitCount] += 1 }
        let codes = values.count - 1
        var seen = 0
        var medianLength = 0
        for (length, count) in lengthCounts.enumerated() {
            seen += count
            if seen * 2 >= codes {
                medianLength = length
                break
            }
        }
        let candidates = Array(max(0, medianLength - 4)...min(RiceCode.maximumParameter, medianLength + 3))
        var bits = [Int](repeating: 0, count: candidates.count)
        for index in values.indices.dropFirst() {
            let value = coded(index)
            for (slot, k) in candidates.enumerated() { bits[slot] += RiceCode.bitCount(value, k: k) }
        }
        var best = 0
        for slot in bits.indices where bits[slot] < bits[best] { best = slot }
        return candidates[best]
    }

    // MARK: Encoding

    /// The header and both sections: every byte the signature covers.
    public func signedPortion() -> [UInt8] {
        // The numbers were checked in `init`, so every one converts.
        let addedValues = added.map { $0.numericValue! }
        let removedValues = removed.map { $0.numericValue! }
        let addedK = Self.riceParameter(forAscending: addedValues)
        let removedK = Self.riceParameter(forAscending: removedValues)
        let addedSection = Self.encodeSection(addedValues, k: addedK)
        let removedSection = Self.encodeSection(removedValues, k: removedK)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerBytes + addedSection.count + removedSection.count + Self.signatureBytes)
        bytes += Self.magic
        bytes += [Self.formatVersion, kind.rawValue, UInt8(addedK), UInt8(removedK)]
        Self.append(fromVersion, to: &bytes)
        Self.append(toVersion, to: &bytes)
        Self.append(UInt64(bitPattern: issuedAtUnixSeconds), to: &bytes)
        bytes += Self.issuerIDBytes(issuerID)
        Self.append(UInt32(addedValues.count), to: &bytes)
        Self.append(UInt32(removedValues.count), to: &bytes)
        Self.append(UInt32(addedSection.count), to: &bytes)
        Self.append(UInt32(removedSection.count), to: &bytes)
        bytes += addedSection
        bytes += removedSection
        return bytes
    }

    /// The list as sent: ``signedPortion()`` followed by its 64-byte Ed25519 signature.
    public func encoded(signature: [UInt8]) throws(BlacklistCodecError) -> [UInt8] {
        try Self.assemble(signedPortion: signedPortion(), signature: signature)
    }

    /// Appends `signature` to a ``signedPortion()`` already computed (to sign it without encoding twice).
    public static func assemble(signedPortion: [UInt8], signature: [UInt8]) throws(BlacklistCodecError) -> [UInt8] {
        guard signature.count == signatureBytes else { throw .signatureLength(signature.count) }
        return signedPortion + signature
    }

    /// One section: nothing when empty; else the first number as 8 bytes big-endian, then each
    /// following gap minus one as a Rice code with parameter `k`, zero-padded to a whole byte.
    static func encodeSection(_ values: [UInt64], k: Int) -> [UInt8] {
        guard let first = values.first else { return [] }
        var writer = BitWriter()
        writer.writeBits(first, count: 64)
        for index in values.indices.dropFirst() {
            writer.writeRice(values[index] - values[index - 1] - 1, k: k)
        }
        return writer.finish()
    }

    // MARK: Decoding

    /// Reads a list, checking every field, the signature (with `verify`, given the signed bytes and
    /// the 64 signature bytes, before any number is decoded) and every number. Throws on anything
    /// else; arbitrary bytes never make it trap.
    public static func decode(
        _ bytes: [UInt8], verify: (_ signedBytes: [UInt8], _ signature: [UInt8]) -> Bool
    ) throws(BlacklistCodecError) -> BlacklistList {
        let minimum = headerBytes + signatureBytes
        guard bytes.starts(with: magic.prefix(min(bytes.count, magic.count))) else { throw .badMagic }
        guard bytes.count >= minimum else { throw .truncated(expectedBytes: minimum, actualBytes: bytes.count) }
        guard bytes[4] == formatVersion else { throw .unsupportedFormatVersion(bytes[4]) }
        guard let kind = BlacklistListKind(rawValue: bytes[5]) else { throw .unknownKind(bytes[5]) }
        let addedK = bytes[6]
        let removedK = bytes[7]
        guard addedK <= RiceCode.maximumParameter else {
            throw .riceParameterOutOfRange(section: .added, parameter: addedK)
        }
        guard removedK <= RiceCode.maximumParameter else {
            throw .riceParameterOutOfRange(section: .removed, parameter: removedK)
        }
        let fromVersion = readUInt64(bytes, at: 8)
        let toVersion = readUInt64(bytes, at: 16)
        let issuedAt = Int64(bitPattern: readUInt64(bytes, at: 24))
        let issuerID = bytes[32..<40].map { hexDigits($0) }.joined()
        let addedCount = Int(readUInt32(bytes, at: 40))
        let removedCount = Int(readUInt32(bytes, at: 44))
        let addedLength = Int(readUInt32(bytes, at: 48))
        let removedLength = Int(readUInt32(bytes, at: 52))
        try checkLength(section: .added, count: addedCount, bytes: addedLength, k: Int(addedK))
        try checkLength(section: .removed, count: removedCount, bytes: removedLength, k: Int(removedK))
        if kind == .full, removedCount > 0 { throw .removedInFullList(count: removedCount) }

        let expected = headerBytes + addedLength + removedLength + signatureBytes
        guard bytes.count >= expected else { throw .truncated(expectedBytes: expected, actualBytes: bytes.count) }
        guard bytes.count == expected else { throw .trailingBytes(bytes.count - expected) }
        let signedEnd = expected - signatureBytes
        guard verify(Array(bytes[..<signedEnd]), Array(bytes[signedEnd...])) else { throw .signatureInvalid }

        let addedStart = headerBytes
        let removedStart = addedStart + addedLength
        let addedValues = try decodeSection(
            bytes, range: addedStart..<removedStart, count: addedCount, k: Int(addedK), section: .added)
        let removedValues = try decodeSection(
            bytes, range: removedStart..<signedEnd, count: removedCount, k: Int(removedK), section: .removed)
        // Every value is at most 19 digits (checked while decoding), so every conversion succeeds.
        return try BlacklistList(
            kind: kind, fromVersion: fromVersion, toVersion: toVersion, issuedAtUnixSeconds: issuedAt,
            issuerID: issuerID, added: addedValues.map { CardNumber(numericValue: $0)! },
            removed: removedValues.map { CardNumber(numericValue: $0)! }, addedValues: addedValues,
            removedValues: removedValues)
    }

    /// A count and a byte length that can belong together: nothing for no numbers, at least the
    /// first number's 8 bytes for some, and no more codes than bits (each code is at least k + 1
    /// bits). The last rule also keeps a forged count from reserving memory the bytes do not back.
    private static func checkLength(section: BlacklistSection, count: Int, bytes: Int, k: Int) throws(BlacklistCodecError) {
        let fits: Bool
        if count == 0 {
            fits = bytes == 0
        } else {
            fits = bytes >= firstNumberBytes && (count - 1) <= (bytes - firstNumberBytes) * 8 / (k + 1)
        }
        guard fits else { throw .sectionLengthMismatch(section: section, count: count, bytes: bytes) }
    }

    private static func decodeSection(
        _ bytes: [UInt8], range: Range<Int>, count: Int, k: Int, section: BlacklistSection
    ) throws(BlacklistCodecError) -> [UInt64] {
        guard count > 0 else { return [] }
        var values: [UInt64] = []
        values.reserveCapacity(count)
        var reader = BitReader(bytes, range: range)
        var value: UInt64
        do { value = try reader.readBits(64) } catch { throw .corruptSection(section: section, index: 0, reason: error) }
        guard value <= CardNumber.maximumValue else { throw .numberOutOfRange(section: section, index: 0) }
        values.append(value)
        for index in 1..<count {
            let gapMinusOne: UInt64
            do { gapMinusOne = try reader.readRice(k: k) } catch {
                throw .corruptSection(section: section, index: index, reason: error)
            }
            // gap − 1 + 1 keeps the numbers strictly increasing by construction; only the top can be passed.
            let (sum, overflow) = value.addingReportingOverflow(gapMinusOne)
            guard !overflow, sum < CardNumber.maximumValue else { throw .numberOutOfRange(section: section, index: index) }
            value = sum + 1
            values.append(value)
        }
        let left = reader.remainingBits
        guard left < 8 else { throw .sectionTooLong(section: section, extraBytes: left / 8) }
        let padding: UInt64
        do { padding = try reader.readBits(left) } catch { throw .paddingNotZero(section: section) }
        guard padding == 0 else { throw .paddingNotZero(section: section) }
        return values
    }

    // MARK: Helpers

    private static func values(of numbers: [CardNumber], section: BlacklistSection) throws(BlacklistCodecError) -> [UInt64] {
        // Four billion card numbers would not fit in memory long before they overflowed the 4-byte count.
        precondition(numbers.count <= Int(UInt32.max), "more numbers than a 4-byte count holds")
        var values: [UInt64] = []
        values.reserveCapacity(numbers.count)
        for (index, number) in numbers.enumerated() {
            guard let value = number.numericValue else { throw .invalidCardNumber(section: section, index: index) }
            if let previous = values.last, value <= previous {
                throw .notStrictlyIncreasing(section: section, index: index)
            }
            values.append(value)
        }
        return values
    }

    /// The indexes of the first value present in both ascending arrays, if any.
    private static func firstCommon(_ left: [UInt64], _ right: [UInt64]) -> (Int, Int)? {
        var i = 0
        var j = 0
        while i < left.count, j < right.count {
            if left[i] == right[j] { return (i, j) }
            if left[i] < right[j] { i += 1 } else { j += 1 }
        }
        return nil
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The issuer id's 16 hex digits as its 8 bytes. Only called on ids `init` accepted.
    private static func issuerIDBytes(_ id: String) -> [UInt8] {
        let digits = Array(id.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { hexValue(digits[$0]) << 4 | hexValue(digits[$0 + 1]) }
    }

    private static func hexValue(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        // `init` accepts upper-case ids only.
        default: 0
        }
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
