/// Why a ``BlacklistIndex`` could not be built, or changes not applied to it. Indexes count from 0.
/// No case carries a whole card number.
public enum BlacklistIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A number that is not exactly 19 ASCII digits.
    case invalidCardNumber(index: Int)
    /// The number at `index` is not greater than the one before it.
    case notStrictlyAscending(index: Int)
    /// The codes would take more bits than a block's 32-bit offset can point into (2^32 − 1).
    case streamTooLong(bits: Int)
    /// Changes that do not fit the list (or are malformed), exactly as ``BlacklistChanges/applied(to:)``
    /// would have refused them.
    case changes(BlacklistChangesError)

    public var description: String {
        switch self {
        case .invalidCardNumber(let index): "number \(index) is not 19 digits"
        case .notStrictlyAscending(let index): "number \(index) is not greater than the number before it"
        case .streamTooLong(let bits): "the index would take \(bits) bits, more than its offsets can address"
        case .changes(let error): "the changes do not apply: \(error)"
        }
    }
}

/// The blacklist as a validator holds it in memory: searchable without decompressing it, and about
/// as small as the list it was sent. ``ValidatorListState`` keeps it in the validator's state file.
///
/// The sorted numeric values (``CardNumber/numericValue``) are cut into blocks of ``blockSize``
/// numbers. The first number of each block is kept in full in the block index, beside the bit offset
/// where the block's codes start; the other numbers of the block follow as Rice codes of the gap
/// minus one, the same codes as a ``BlacklistList`` section (``BitWriter/writeRice(_:k:)``), with one
/// Rice parameter for the whole index chosen by ``BlacklistList/riceParameter(forAscending:)``. A
/// lookup is a binary search over the block index and then at most `blockSize − 1` codes.
///
/// Why Rice blocks and not Elias-Fano: listed cards are a random part of consecutively issued serial
/// ranges, so the gaps are close to geometric, for which a Rice code is within a few percent of the
/// information bound (about 4.75 bits per number at one card in ten against a bound of 4.69).
/// Elias-Fano costs 2 + log2(range / count) bits per number whatever the gaps are (5.3 at one in
/// ten) plus a select structure, and its range is the whole span of the numbers, which under
/// several issuer prefixes is mostly empty space between the prefixes; a Rice code pays for that
/// space only once, in one escaped 96-bit code per jump. The block index costs 96 bits per block,
/// 0.75 bits per number at 128 numbers a block.
public struct BlacklistIndex: Sendable, Equatable {
    public static let defaultBlockSize = 128
    /// The largest block size: the state file stores it in 2 bytes (``ValidatorListState``).
    public static let maximumBlockSize = Int(UInt16.max)

    /// Listed cards.
    public let count: Int
    /// Numbers per block; the last block may hold fewer.
    public let blockSize: Int
    /// The Rice parameter of every code.
    public let riceParameter: Int
    /// The codes, most significant bit first (the first code at bit 63 of word 0), zero-padded to a
    /// whole word.
    private let words: [UInt64]
    /// The bits of `words` the codes use.
    let streamBits: Int
    /// The first number of each block, ascending.
    let blockFirsts: [UInt64]
    /// The bit offset in `words` of each block's first code (its second number).
    private let blockOffsets: [UInt32]

    /// The index of `numbers`, which must be strictly ascending 19-digit numbers (as
    /// ``BlacklistList/added`` of a full list and ``BlacklistChanges/applied(to:)`` deliver them).
    public init(sorted numbers: [CardNumber], blockSize: Int = defaultBlockSize) throws(BlacklistIndexError) {
        var values: [UInt64] = []
        values.reserveCapacity(numbers.count)
        for (index, number) in numbers.enumerated() {
            guard let value = number.numericValue else { throw .invalidCardNumber(index: index) }
            if let last = values.last, value <= last { throw .notStrictlyAscending(index: index) }
            values.append(value)
        }
        try self.init(checkedValues: values, blockSize: blockSize)
    }

    /// The index of values already known to be strictly ascending 19-digit numbers.
    init(checkedValues values: [UInt64], blockSize: Int) throws(BlacklistIndexError) {
        precondition((1...Self.maximumBlockSize).contains(blockSize), "block size \(blockSize) out of range")
        let k = BlacklistList.riceParameter(forAscending: values)
        var writer = BitWriter()
        var firsts: [UInt64] = []
        var offsets: [UInt32] = []
        let blockCount = (values.count + blockSize - 1) / blockSize
        firsts.reserveCapacity(blockCount)
        offsets.reserveCapacity(blockCount)
        for index in values.indices {
            if index % blockSize == 0 {
                guard writer.bitCount <= Int(UInt32.max) else { throw .streamTooLong(bits: writer.bitCount) }
                firsts.append(values[index])
                offsets.append(UInt32(writer.bitCount))
            } else {
                writer.writeRice(values[index] - values[index - 1] - 1, k: k)
            }
        }
        let bits = writer.bitCount
        guard bits <= Int(UInt32.max) else { throw .streamTooLong(bits: bits) }
        self.init(
            count: values.count, blockSize: blockSize, riceParameter: k, streamBytes: writer.finish(), streamBits: bits,
            blockFirsts: firsts, blockOffsets: offsets)
    }

    /// The parts, already consistent: built above or checked by ``ValidatorListState/init(serialized:)``.
    init(
        count: Int, blockSize: Int, riceParameter: Int, streamBytes: [UInt8], streamBits: Int, blockFirsts: [UInt64],
        blockOffsets: [UInt32]
    ) {
        self.count = count
        self.blockSize = blockSize
        self.riceParameter = riceParameter
        self.streamBits = streamBits
        self.blockFirsts = blockFirsts
        self.blockOffsets = blockOffsets
        var words = [UInt64](repeating: 0, count: (streamBytes.count + 7) / 8)
        for (index, byte) in streamBytes.enumerated() {
            words[index >> 3] |= UInt64(byte) << UInt64(56 - (index & 7) * 8)
        }
        self.words = words
    }

    /// The bytes the searchable form holds: the code words (8 bytes each, so the bit stream rounded up
    /// to a multiple of 8 bytes) plus the block index (8 bytes of first number and 4 bytes of offset
    /// per block). Not counted: the fixed size of the struct and of its three arrays' headers (a few
    /// dozen bytes however long the list is) and any spare capacity the allocator gives them.
    public var memoryBytes: Int { words.count * 8 + blockFirsts.count * 8 + blockOffsets.count * 4 }

    /// The codes as bytes, most significant bit first, zero-padded to a byte: what the state file stores.
    var streamBytes: [UInt8] {
        (0..<(streamBits + 7) / 8).map { UInt8(truncatingIfNeeded: words[$0 >> 3] >> UInt64(56 - ($0 & 7) * 8)) }
    }

    // MARK: Lookup

    /// Whether `card` is listed. A number that is not 19 digits is never listed.
    public func contains(_ card: CardNumber) -> Bool {
        guard let value = card.numericValue else { return false }
        return contains(numericValue: value)
    }

    /// Whether the card whose ``CardNumber/numericValue`` is `value` is listed.
    public func contains(numericValue value: UInt64) -> Bool {
        guard let first = blockFirsts.first, value >= first else { return false }
        // The last block whose first number is at most `value`: it is in [low, high).
        var low = 0
        var high = blockFirsts.count
        while high - low > 1 {
            let middle = (low + high) / 2
            if blockFirsts[middle] <= value { low = middle } else { high = middle }
        }
        var current = blockFirsts[low]
        if current == value { return true }
        let codes = blockLength(low) - 1
        return words.withUnsafeBufferPointer { words in
            var reader = CodeReader(words: words, k: riceParameter, position: Int(blockOffsets[low]))
            for _ in 0..<codes {
                current = current &+ reader.next() &+ 1
                if current >= value { return current == value }
            }
            return false
        }
    }

    /// Every listed card, ascending (to rebuild the list or hand it on).
    public func numbers() -> [CardNumber] {
        // Every value is a 19-digit number: checked when built or read.
        values().map { CardNumber(numericValue: $0)! }
    }

    /// Every listed card's numeric value, ascending.
    public func values() -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(count)
        words.withUnsafeBufferPointer { words in
            for block in blockFirsts.indices {
                var current = blockFirsts[block]
                values.append(current)
                var reader = CodeReader(words: words, k: riceParameter, position: Int(blockOffsets[block]))
                for _ in 1..<blockLength(block) {
                    current = current &+ reader.next() &+ 1
                    values.append(current)
                }
            }
        }
        return values
    }

    /// The index after `changes`: their removed cards taken off, their added cards put on. Refuses
    /// exactly what ``BlacklistChanges/applied(to:)`` refuses, with the same error inside
    /// ``BlacklistIndexError/changes(_:)``: adding a listed card or removing an unlisted one means this
    /// is not the version the changes start from.
    public func applying(_ changes: BlacklistChanges) throws(BlacklistIndexError) -> BlacklistIndex {
        let result: [UInt64]
        do { result = try changes.appliedValues(to: values()) } catch { throw .changes(error) }
        return try BlacklistIndex(checkedValues: result, blockSize: blockSize)
    }

    // MARK: Helpers

    /// Numbers in block `block`: ``blockSize``, or fewer in the last block.
    private func blockLength(_ block: Int) -> Int { min(blockSize, count - block * blockSize) }
}

/// Reads the Rice codes of a ``BlacklistIndex`` one after another: the lookup's inner loop. Only
/// ever reads codes the index wrote or ``ValidatorListState/init(serialized:)`` checked with a
/// ``BitReader``, so it checks nothing but the end of the words (reading zeros past it), and takes
/// a code's unary part and remainder from one 64-bit window when they fit in it.
private struct CodeReader {
    let words: UnsafeBufferPointer<UInt64>
    let k: Int
    /// The bit offset of the next code, most significant bit of word 0 first.
    var position: Int

    /// The 64 bits from bit `position` on, zeros past the end of the words.
    @inline(__always)
    func peek(_ position: Int) -> UInt64 {
        let index = position >> 6
        let shift = position & 63
        let high = index < words.count ? words[index] : 0
        guard shift > 0 else { return high }
        let low = index + 1 < words.count ? words[index + 1] : 0
        return high << UInt64(shift) | low >> UInt64(64 - shift)
    }

    /// The next code's value (the gap minus one).
    @inline(__always)
    mutating func next() -> UInt64 {
        let window = peek(position)
        let ones = (~window).leadingZeroBitCount
        guard ones >= RiceCode.escapeQuotient else {
            // At most 31 ones and the zero: `window << used` never shifts by 64.
            let used = ones + 1
            let remainder: UInt64
            if k == 0 {
                remainder = 0
            } else if used + k <= 64 {
                remainder = (window << UInt64(used)) >> UInt64(64 - k)
            } else {
                remainder = peek(position + used) >> UInt64(64 - k)
            }
            position += used + k
            return UInt64(ones) << UInt64(k) | remainder
        }
        let value = peek(position + RiceCode.escapeQuotient)
        position += RiceCode.escapeQuotient + 64
        return value
    }
}
