/// Bit-level writing and reading, and Golomb-Rice codes, for the validator blacklist
/// (docs/blacklist-format.md).
///
/// Written by hand: none of the packages Tongka depends on has a bit stream or a Rice coder, and
/// the whole thing is a few dozen lines whose exact bit layout the format document has to pin down
/// anyway. Bits are written most significant first: the first bit of a byte is its bit 7 (0x80).

/// Why a ``BitReader`` stopped.
public enum BitReaderError: Error, Sendable, Equatable {
    /// The code runs past the last bit the reader was given.
    case endOfData
    /// An escaped Rice code whose value would have fitted the short form (see ``BitWriter/writeRice(_:k:)``).
    case nonCanonicalEscape
    /// A short Rice code whose quotient and remainder make a value above `UInt64.max`.
    case valueTooLarge
}

/// The Rice code's limits, shared by the writer and the reader.
public enum RiceCode {
    /// The largest Rice parameter the format allows. 63 would also work mathematically; 62 is the
    /// documented limit, so that `1 << k` and `k + 1` never come near the width of a `UInt64`.
    public static let maximumParameter = 62
    /// A quotient this large or larger is not written in unary: the code is this many one bits
    /// followed by the value in 64 plain bits. Without the escape, one large gap (the jump between
    /// two issuer prefixes, say 10^12 with k = 10) would take a billion unary bits.
    public static let escapeQuotient = 32

    /// How many bits the code for `value` takes with parameter `k`.
    public static func bitCount(_ value: UInt64, k: Int) -> Int {
        let quotient = value >> UInt64(k)
        return quotient < UInt64(escapeQuotient) ? Int(quotient) + 1 + k : escapeQuotient + 64
    }
}

/// Appends bits to a byte array, most significant bit first.
public struct BitWriter: Sendable {
    /// The bytes completed so far, plus the partial last byte once ``alignToByte()`` or ``finish()`` ran.
    public private(set) var bytes: [UInt8] = []
    /// Bits waiting for a full byte, in the low `pendingCount` bits of `pending`.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    public init() {}

    /// Bits written so far, the pending ones included.
    public var bitCount: Int { bytes.count * 8 + pendingCount }

    /// Writes the low `count` bits of `value` (0...64), most significant of them first.
    public mutating func writeBits(_ value: UInt64, count: Int) {
        precondition((0...64).contains(count), "bit count \(count) out of range")
        var remaining = count
        while remaining > 0 {
            // Move at most 32 bits at a time so `pending` never holds more than 7 + 32 bits.
            let take = min(remaining, 32)
            let chunk = (value >> UInt64(remaining - take)) & ((1 << UInt64(take)) - 1)
            pending = pending << UInt64(take) | chunk
            pendingCount += take
            remaining -= take
            while pendingCount >= 8 {
                pendingCount -= 8
                bytes.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingCount)))
            }
            pending &= (1 << UInt64(pendingCount)) - 1
        }
    }

    /// Writes `count` one bits.
    public mutating func writeOnes(_ count: Int) {
        var remaining = count
        while remaining > 0 {
            let take = min(remaining, 64)
            writeBits(take == 64 ? .max : (1 << UInt64(take)) - 1, count: take)
            remaining -= take
        }
    }

    /// Writes `value` as a Rice code with parameter `k` (0...``RiceCode/maximumParameter``):
    /// the quotient `value >> k` in unary (that many one bits, then a zero bit), then the low `k`
    /// bits of `value`. A quotient of ``RiceCode/escapeQuotient`` or more is written instead as
    /// ``RiceCode/escapeQuotient`` one bits (no zero bit) followed by all 64 bits of `value`.
    public mutating func writeRice(_ value: UInt64, k: Int) {
        precondition((0...RiceCode.maximumParameter).contains(k), "Rice parameter \(k) out of range")
        let quotient = value >> UInt64(k)
        if quotient < UInt64(RiceCode.escapeQuotient) {
            writeOnes(Int(quotient))
            writeBits(0, count: 1)
            writeBits(value & ((1 << UInt64(k)) - 1), count: k)
        } else {
            writeOnes(RiceCode.escapeQuotient)
            writeBits(value, count: 64)
        }
    }

    /// Pads with zero bits to the next byte boundary (nothing when already on one).
    public mutating func alignToByte() {
        if pendingCount > 0 { writeBits(0, count: 8 - pendingCount) }
    }

    /// The bytes, zero-padded to a whole byte.
    public mutating func finish() -> [UInt8] {
        alignToByte()
        return bytes
    }
}

/// Reads bits from a byte range, most significant bit first. Never reads outside the range it was
/// given: running past its end throws ``BitReaderError/endOfData``.
public struct BitReader: Sendable {
    private let bytes: [UInt8]
    /// The next bit to read and the end, as bit offsets from the start of `bytes`.
    private var position: Int
    private let end: Int

    /// Reads the bytes `range` of `bytes`.
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        let range = range ?? bytes.indices
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "range outside the bytes")
        self.bytes = bytes
        position = range.lowerBound * 8
        end = range.upperBound * 8
    }

    /// Bits left to read.
    public var remainingBits: Int { end - position }

    /// Reads `count` bits (0...64) as the low bits of the result, the first bit read most significant.
    public mutating func readBits(_ count: Int) throws(BitReaderError) -> UInt64 {
        precondition((0...64).contains(count), "bit count \(count) out of range")
        guard count <= remainingBits else { throw .endOfData }
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let offset = position & 7
            let available = 8 - offset
            let take = min(available, remaining)
            let byte = UInt64(bytes[position >> 3])
            let bits = (byte >> UInt64(available - take)) & ((1 << UInt64(take)) - 1)
            value = value << UInt64(take) | bits
            position += take
            remaining -= take
        }
        return value
    }

    /// Counts one bits up to and including the first zero bit, reading at most `limit` one bits:
    /// returns `limit` (having read no zero bit) when the first `limit` bits are all ones.
    public mutating func readUnary(limit: Int) throws(BitReaderError) -> Int {
        var ones = 0
        while ones < limit {
            guard position < end else { throw .endOfData }
            let offset = position & 7
            // The unread bits of this byte, moved to the top of a byte, with ones shifted in below
            // them would count as one bits, so count only within `available`.
            let available = min(8 - offset, end - position)
            let byte = UInt8(truncatingIfNeeded: Int(bytes[position >> 3]) << offset)
            let leadingOnes = min((~byte).leadingZeroBitCount, available, limit - ones)
            ones += leadingOnes
            position += leadingOnes
            if leadingOnes < available && ones < limit {
                // The next bit is the terminating zero.
                position += 1
                return ones
            }
        }
        return ones
    }

    /// Reads a Rice code with parameter `k` written by ``BitWriter/writeRice(_:k:)``.
    public mutating func readRice(k: Int) throws(BitReaderError) -> UInt64 {
        precondition((0...RiceCode.maximumParameter).contains(k), "Rice parameter \(k) out of range")
        let quotient = try readUnary(limit: RiceCode.escapeQuotient)
        if quotient == RiceCode.escapeQuotient {
            let value = try readBits(64)
            guard value >> UInt64(k) >= UInt64(RiceCode.escapeQuotient) else { throw .nonCanonicalEscape }
            return value
        }
        guard UInt64(quotient) <= UInt64.max >> UInt64(k) else { throw .valueTooLarge }
        return UInt64(quotient) << UInt64(k) | (try readBits(k))
    }
}
