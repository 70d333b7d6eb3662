/// Why a validator's state file was refused. Every case says where the problem is; none carries a
/// whole card number. Indexes of numbers count from 0.
public enum ValidatorListStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not 16 upper-case hex digits ending in `FFFFFFFF` (see ``IssuerProfile/isIssuerID(_:)``).
    case invalidIssuerID
    /// The bytes do not start with `TKVS`.
    case badMagic
    case unsupportedFormatVersion(UInt8)
    /// Fewer bytes than the header says there are (or than the smallest possible file).
    case truncated(expectedBytes: Int, actualBytes: Int)
    /// More bytes than the header accounts for.
    case trailingBytes(Int)
    /// The CRC-32 trailer does not match the bytes before it: a torn write or a damaged disk.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    case riceParameterOutOfRange(UInt8)
    /// A block size of 0.
    case invalidBlockSize
    /// A stream too long for the index's 32-bit block offsets.
    case streamTooLong(bytes: Int)
    /// A stream too short for the codes the count needs (each is at least k + 1 bits). Also keeps
    /// a forged count from reserving memory the bytes do not back.
    case streamLengthMismatch(count: Int, bytes: Int)
    /// The code of the number at `index` runs past the stream's end or is malformed.
    case corruptStream(index: Int, reason: BitReaderError)
    /// A number above 9999999999999999999 (more than 19 digits).
    case numberOutOfRange(index: Int)
    /// The first number of a block is not greater than the last number of the block before it.
    case notStrictlyAscending(index: Int)
    /// The padding after the last code is not zero bits.
    case paddingNotZero
    /// Whole bytes left in the stream after its last code.
    case streamTooLongForCount(extraBytes: Int)

    public var description: String {
        switch self {
        case .invalidIssuerID: "the issuer id is not 16 hex digits ending in FFFFFFFF"
        case .badMagic: "not a Tongka validator state file (the first bytes are not TKVS)"
        case .unsupportedFormatVersion(let version): "format version \(version) is not supported (only 1)"
        case .truncated(let expected, let actual): "truncated: \(actual) bytes, expected \(expected)"
        case .trailingBytes(let count): "\(count) bytes after the checksum"
        case .checksumMismatch(let stored, let computed):
            "the checksum is \(Self.hex(stored)) but the bytes give \(Self.hex(computed)): the file is damaged"
        case .riceParameterOutOfRange(let parameter): "Rice parameter \(parameter) is above \(RiceCode.maximumParameter)"
        case .invalidBlockSize: "a block size of 0"
        case .streamTooLong(let bytes): "a stream of \(bytes) bytes is more than a block offset can address"
        case .streamLengthMismatch(let count, let bytes): "a stream of \(bytes) bytes cannot hold \(count) numbers"
        case .corruptStream(let index, let reason): "number \(index) is corrupt (\(reason))"
        case .numberOutOfRange(let index): "number \(index) has more than 19 digits"
        case .notStrictlyAscending(let index): "number \(index) is not greater than the number before it"
        case .paddingNotZero: "the padding after the last code is not zero"
        case .streamTooLongForCount(let extra): "\(extra) bytes left in the stream after its last number"
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// What a validator keeps between restarts: the blacklist version it holds, whose list it is, and
/// the list as a ``BlacklistIndex``. ``serialized()`` is the local state file; ``init(serialized:)``
/// refuses a torn or damaged file (the validator then asks for a full list) instead of checking
/// cards against a wrong list.
///
/// The file, all integers unsigned big-endian (as in docs/blacklist-format.md), bits most
/// significant first:
///
/// | Offset | Size | Field |
/// | ---: | ---: | --- |
/// | 0 | 4 | magic, ASCII `TKVS` |
/// | 4 | 1 | format version, 1 |
/// | 5 | 1 | Rice parameter k, 0 to 62 |
/// | 6 | 2 | block size B, 1 to 65535 |
/// | 8 | 8 | list version (the blacklist version the validator holds) |
/// | 16 | 8 | issuer id, as in the list header |
/// | 24 | 4 | count n |
/// | 28 | 4 | stream length L in bytes |
/// | 32 | 8 × ⌈n / B⌉ | the first number of each block |
/// | 32 + 8 × ⌈n / B⌉ | L | the other numbers of each block, block after block, as Rice codes of the gap minus one with parameter k, zero-padded to a byte |
/// | end − 4 | 4 | CRC-32 (``CRC32``) of every byte before it |
///
/// The block offsets are not stored: reading the file decodes every code (checking it) and notes
/// where each block's codes start. So a file is only 12 + ⌈n / B⌉ × 8 bytes more than the stream.
public struct ValidatorListState: Sendable, Equatable {
    public static let magic: [UInt8] = Array("TKVS".utf8)
    public static let formatVersion: UInt8 = 1
    public static let headerBytes = 32
    public static let checksumBytes = 4

    /// The blacklist version the validator holds (the `toVersion` of the last list it applied).
    public let version: UInt64
    /// The operator's issuer id as 16 upper-case hex digits (as ``BlacklistList/issuerID``).
    public let issuerID: String
    public let index: BlacklistIndex

    public init(version: UInt64, issuerID: String, index: BlacklistIndex) throws(ValidatorListStateError) {
        guard IssuerProfile.isIssuerID(issuerID) else { throw .invalidIssuerID }
        self.version = version
        self.issuerID = issuerID
        self.index = index
    }

    /// The state file (see the table above).
    public func serialized() -> [UInt8] {
        let stream = index.streamBytes
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerBytes + index.blockFirsts.count * 8 + stream.count + Self.checksumBytes)
        bytes += Self.magic
        bytes += [Self.formatVersion, UInt8(index.riceParameter)]
        Self.append(UInt64(index.blockSize), bytes: 2, to: &bytes)
        Self.append(version, bytes: 8, to: &bytes)
        bytes += Self.issuerIDBytes(issuerID)
        // Both fit: the index refuses more bits than 32-bit offsets address, and so more than 2^32 numbers.
        Self.append(UInt64(index.count), bytes: 4, to: &bytes)
        Self.append(UInt64(stream.count), bytes: 4, to: &bytes)
        for first in index.blockFirsts { Self.append(first, bytes: 8, to: &bytes) }
        bytes += stream
        Self.append(UInt64(CRC32.checksum(bytes)), bytes: 4, to: &bytes)
        return bytes
    }

    /// Reads a state file, checking the header, the lengths, the checksum (before any number is
    /// decoded) and then every number. Arbitrary bytes never make it trap.
    public init(serialized bytes: [UInt8]) throws(ValidatorListStateError) {
        let minimum = Self.headerBytes + Self.checksumBytes
        guard bytes.starts(with: Self.magic.prefix(min(bytes.count, Self.magic.count))) else { throw .badMagic }
        guard bytes.count >= Self.magic.count + 1 else { throw .truncated(expectedBytes: minimum, actualBytes: bytes.count) }
        guard bytes[4] == Self.formatVersion else { throw .unsupportedFormatVersion(bytes[4]) }
        guard bytes.count >= minimum else { throw .truncated(expectedBytes: minimum, actualBytes: bytes.count) }
        let k = bytes[5]
        guard k <= RiceCode.maximumParameter else { throw .riceParameterOutOfRange(k) }
        let blockSize = Int(Self.read(bytes, at: 6, bytes: 2))
        guard blockSize >= 1 else { throw .invalidBlockSize }
        let version = Self.read(bytes, at: 8, bytes: 8)
        let issuerID = bytes[16..<24].map { Self.hexDigits($0) }.joined()
        let count = Int(Self.read(bytes, at: 24, bytes: 4))
        let streamLength = Int(Self.read(bytes, at: 28, bytes: 4))
        guard streamLength * 8 <= Int(UInt32.max) else { throw .streamTooLong(bytes: streamLength) }
        let blockCount = (count + blockSize - 1) / blockSize
        guard (count - blockCount) * (Int(k) + 1) <= streamLength * 8, count > 0 || streamLength == 0 else {
            throw .streamLengthMismatch(count: count, bytes: streamLength)
        }
        let firstsStart = Self.headerBytes
        let streamStart = firstsStart + blockCount * 8
        let checksumStart = streamStart + streamLength
        let expected = checksumStart + Self.checksumBytes
        guard bytes.count >= expected else { throw .truncated(expectedBytes: expected, actualBytes: bytes.count) }
        guard bytes.count == expected else { throw .trailingBytes(bytes.count - expected) }
        let stored = UInt32(Self.read(bytes, at: checksumStart, bytes: 4))
        let computed = CRC32.checksum(bytes[..<checksumStart])
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        // After the checksum: a file this code wrote has a valid issuer id, so a bad one is a bug or
        // a file from elsewhere, not damage.
        guard IssuerProfile.isIssuerID(issuerID) else { throw .invalidIssuerID }

        var firsts: [UInt64] = []
        var offsets: [UInt32] = []
        firsts.reserveCapacity(blockCount)
        offsets.reserveCapacity(blockCount)
        var reader = BitReader(bytes, range: streamStart..<checksumStart)
        let streamBits = streamLength * 8
        var previous: UInt64?
        for block in 0..<blockCount {
            let firstIndex = block * blockSize
            var value = Self.read(bytes, at: firstsStart + block * 8, bytes: 8)
            guard value <= CardNumber.maximumValue else { throw .numberOutOfRange(index: firstIndex) }
            if let previous, value <= previous { throw .notStrictlyAscending(index: firstIndex) }
            firsts.append(value)
            offsets.append(UInt32(streamBits - reader.remainingBits))
            for index in firstIndex + 1..<min(firstIndex + blockSize, count) {
                let gapMinusOne: UInt64
                do { gapMinusOne = try reader.readRice(k: Int(k)) } catch {
                    throw .corruptStream(index: index, reason: error)
                }
                let (sum, overflow) = value.addingReportingOverflow(gapMinusOne)
                guard !overflow, sum < CardNumber.maximumValue else { throw .numberOutOfRange(index: index) }
                value = sum + 1
            }
            previous = value
        }
        let left = reader.remainingBits
        guard left < 8 else { throw .streamTooLongForCount(extraBytes: left / 8) }
        let padding: UInt64
        do { padding = try reader.readBits(left) } catch { throw .paddingNotZero }
        guard padding == 0 else { throw .paddingNotZero }

        self.version = version
        self.issuerID = issuerID
        self.index = BlacklistIndex(
            count: count, blockSize: blockSize, riceParameter: Int(k), streamBytes: Array(bytes[streamStart..<checksumStart]),
            streamBits: streamBits - left, blockFirsts: firsts, blockOffsets: offsets)
    }

    // MARK: Helpers

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func read(_ bytes: [UInt8], at offset: Int, bytes count: Int) -> UInt64 {
        bytes[offset..<offset + count].reduce(0) { $0 << 8 | UInt64($1) }
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
