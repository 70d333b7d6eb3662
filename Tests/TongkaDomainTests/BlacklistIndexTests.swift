import Foundation
import Testing
import TongkaDomain

private let issuer = "31045510FFFFFFFF"
private let prefixes: [UInt64] = [31_048_200, 31_048_201, 31_049_900]

private func cards(_ values: [UInt64]) -> [CardNumber] { values.map { CardNumber(numericValue: $0)! } }

/// `issued` consecutive serials under each of the three prefixes, from serial 1,000,000 on: the
/// numeric values, ascending.
private func issuedValues(perPrefix issued: Int) -> [UInt64] {
    prefixes.flatMap { prefix in (0..<UInt64(issued)).map { prefix * 100_000_000_000 + 1_000_000 + $0 } }
}

/// `count` of `values` chosen at random, ascending (selection sampling, so every subset is as likely).
private func sample(_ count: Int, of values: [UInt64], using generator: inout SeededGenerator) -> [UInt64] {
    var chosen: [UInt64] = []
    chosen.reserveCapacity(count)
    for (index, value) in values.enumerated() where chosen.count < count {
        let left = values.count - index
        if Int.random(in: 0..<left, using: &generator) < count - chosen.count { chosen.append(value) }
    }
    return chosen
}

/// Every value whose answer is worth checking: each listed value and its neighbours, the values
/// around the ends, every issued value and some random 19-digit numbers.
private func probes(listed: [UInt64], issued: [UInt64], using generator: inout SeededGenerator) -> [UInt64] {
    var probes: [UInt64] = [0, 1, CardNumber.maximumValue, CardNumber.maximumValue - 1]
    for value in listed { probes += [value - 1, value, value + 1] }
    if let first = listed.first, let last = listed.last {
        probes += [first - 2, last + 2, first / 2, last * 2 % CardNumber.maximumValue]
    }
    probes += issued
    for _ in 0..<200 { probes.append(UInt64.random(in: 0...CardNumber.maximumValue, using: &generator)) }
    return probes
}

/// How many of `probes` the index answers differently from a `Set` of `listed`.
private func wrongAnswers(_ index: BlacklistIndex, listed: [UInt64], probes: [UInt64]) -> Int {
    let set = Set(listed)
    return probes.count(where: { index.contains(numericValue: $0) != set.contains($0) })
}

/// Runs `body`, expects `expected` thrown.
private func expectThrows<Failure: Error & Equatable, Result>(
    _ expected: Failure, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Result
) {
    do {
        let value = try body()
        Issue.record("expected \(expected), but it succeeded with \(value)", sourceLocation: sourceLocation)
    } catch let error as Failure {
        #expect(error == expected, sourceLocation: sourceLocation)
        #expect(!String(describing: error).isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct BlacklistIndexTests {
    @Test(arguments: [0, 1, 2, 127, 128, 129, 255, 256, 257, 1_000, 3_000])
    func indexAnswersEveryProbeExactlyAsASetOfTheListedNumbersDoes(listedCount: Int) throws {
        var generator = SeededGenerator(seed: UInt64(listedCount) + 1)
        let issued = issuedValues(perPrefix: max(10, listedCount * 3))
        let listed = sample(listedCount, of: issued, using: &generator)
        let probes = probes(listed: listed, issued: issued, using: &generator)
        for blockSize in [BlacklistIndex.defaultBlockSize, 1, 7] {
            let index = try BlacklistIndex(sorted: cards(listed), blockSize: blockSize)
            #expect(index.count == listed.count)
            #expect(wrongAnswers(index, listed: listed, probes: probes) == 0, "block size \(blockSize)")
        }
    }

    @Test func indexOfOneNumberListsThatNumberAndNotItsNeighbours() throws {
        let value: UInt64 = 3_104_820_000_001_234_567
        let index = try BlacklistIndex(sorted: cards([value]))
        #expect(index.contains(CardNumber(numericValue: value)!))
        #expect(!index.contains(CardNumber(numericValue: value - 1)!))
        #expect(!index.contains(CardNumber(numericValue: value + 1)!))
        #expect(index.numbers() == cards([value]))
    }

    @Test func emptyIndexListsNothingAndHoldsNoBytes() throws {
        let index = try BlacklistIndex(sorted: [])
        #expect(index.count == 0)
        #expect(index.memoryBytes == 0)
        #expect(!index.contains(numericValue: 0))
        #expect(!index.contains(CardNumber(numericValue: 3_104_820_000_001_234_567)!))
        #expect(index.numbers().isEmpty)
    }

    @Test func aNumberThatIsNot19DigitsIsNeverListed() throws {
        let index = try BlacklistIndex(sorted: cards([3_104_820_000_001_234_567]))
        #expect(!index.contains(CardNumber(trusted: "310482000000123456")))
        #expect(!index.contains(CardNumber(trusted: "31048200000012345X7")))
    }

    @Test func numbersDecodeToTheListTheIndexWasBuiltFrom() throws {
        var generator = SeededGenerator(seed: 42)
        let listed = sample(1_000, of: issuedValues(perPrefix: 2_000), using: &generator)
        // Gaps that need the escape (between prefixes) and gaps of 1 (consecutive cards).
        let extreme: [UInt64] = [0, 1, 2, 1_000_000_000, CardNumber.maximumValue - 1, CardNumber.maximumValue]
        for values in [listed, extreme] {
            for blockSize in [1, 2, 128] {
                let index = try BlacklistIndex(sorted: cards(values), blockSize: blockSize)
                #expect(index.numbers() == cards(values))
                #expect(index.values() == values)
            }
        }
    }

    @Test func aCodeLongerThanOne64BitWindowDecodes() throws {
        // Five gaps of 2^59 make k = 59; the gap of 6 × 2^59 + 1 is then 6 ones, a zero and 59
        // remainder bits: 66 bits, more than one window holds.
        let step: UInt64 = 1 << 59
        var values = (0...5).map { UInt64($0) * step }
        values.append(values.last! + 6 * step + 1)
        let index = try BlacklistIndex(sorted: cards(values))
        #expect(index.riceParameter == 59)
        #expect(index.values() == values)
        for value in values {
            #expect(index.contains(numericValue: value))
            #expect(!index.contains(numericValue: value + 1))
        }
        #expect(!index.contains(numericValue: values.last! - 1))
    }

    @Test func buildingRefusesUnsortedDuplicateOrMalformedNumbers() {
        let a = CardNumber(numericValue: 3_104_820_000_000_000_100)!
        let b = CardNumber(numericValue: 3_104_820_000_000_000_200)!
        expectThrows(BlacklistIndexError.notStrictlyAscending(index: 1)) { try BlacklistIndex(sorted: [b, a]) }
        expectThrows(BlacklistIndexError.notStrictlyAscending(index: 2)) { try BlacklistIndex(sorted: [a, b, b]) }
        expectThrows(BlacklistIndexError.invalidCardNumber(index: 1)) {
            try BlacklistIndex(sorted: [a, CardNumber(trusted: "3104")])
        }
    }

    // MARK: Changes

    @Test(arguments: [0, 1, 128, 129, 2_000])
    func applyingChangesGivesTheIndexOfTheAppliedList(listedCount: Int) throws {
        var generator = SeededGenerator(seed: 7 + UInt64(listedCount))
        let issued = issuedValues(perPrefix: max(20, listedCount))
        let listed = sample(listedCount, of: issued, using: &generator)
        let listedSet = Set(listed)
        let unlisted = issued.filter { !listedSet.contains($0) }
        for changeCount in [0, 1, 10, listedCount / 2] {
            let added = sample(min(changeCount, unlisted.count), of: unlisted, using: &generator)
            let removed = sample(min(changeCount, listed.count), of: listed, using: &generator)
            let changes = BlacklistChanges(added: cards(added), removed: cards(removed))
            let rebuilt = try BlacklistIndex(sorted: changes.applied(to: cards(listed)))
            let applied = try BlacklistIndex(sorted: cards(listed)).applying(changes)
            #expect(applied == rebuilt)
            #expect(applied.numbers() == rebuilt.numbers())
        }
    }

    @Test func applyingRefusesExactlyWhatBlacklistChangesRefuses() throws {
        let listed = cards([3_104_820_000_000_000_100, 3_104_820_000_000_000_200, 3_104_820_000_000_000_300])
        let index = try BlacklistIndex(sorted: listed)
        let absent = cards([3_104_820_000_000_000_150, 3_104_820_000_000_000_400])
        let cases = [
            BlacklistChanges(added: [listed[1]], removed: []),
            BlacklistChanges(added: [absent[0]], removed: [absent[1]]),
            BlacklistChanges(added: [], removed: [absent[0]]),
            BlacklistChanges(added: [absent[1], absent[0]], removed: []),
            BlacklistChanges(added: [], removed: [CardNumber(trusted: "12")]),
        ]
        for changes in cases {
            do {
                _ = try changes.applied(to: listed)
                Issue.record("the case \(changes) should not apply")
            } catch {
                expectThrows(BlacklistIndexError.changes(error)) { try index.applying(changes) }
            }
        }
    }

    // MARK: Memory

    @Test func memoryPerListedCardIsWithin1_3TimesTheInformationBound() throws {
        var generator = SeededGenerator(seed: 2026)
        let issuedPerPrefix = 1_000_000 / prefixes.count + 1
        let issued = Array(issuedValues(perPrefix: issuedPerPrefix).prefix(1_000_000))
        let listed = sample(100_000, of: issued, using: &generator)
        let index = try BlacklistIndex(sorted: cards(listed))
        let boundBytes = informationBoundBits(of: listed.count, in: issued.count) / 8
        let ratio = Double(index.memoryBytes) / boundBytes
        #expect(ratio <= 1.3, "\(index.memoryBytes) bytes against a bound of \(boundBytes)")
        #expect(ratio >= 1, "below the information bound: the bound or the count is wrong")
    }

    /// log2 of the number of ways to choose `listed` cards among `issued`.
    private func informationBoundBits(of listed: Int, in issued: Int) -> Double {
        let n = Double(issued)
        let k = Double(listed)
        return (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)) / log(2)
    }
}

// MARK: - State file

/// A state file assembled field by field with a correct checksum (unless `checksum` is given), so a
/// test can reach the checks after the checksum.
private func rawState(
    version: UInt8 = 1, k: UInt8 = 4, blockSize: UInt16 = 2, listVersion: UInt64 = 9,
    issuerID: [UInt8] = [0x31, 0x04, 0x55, 0x10, 0xFF, 0xFF, 0xFF, 0xFF], count: UInt32, firsts: [UInt64], stream: [UInt8],
    streamLength: UInt32? = nil, checksum: UInt32? = nil
) -> [UInt8] {
    func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
    var bytes = Array("TKVS".utf8) + [version, k] + be(blockSize) + be(listVersion) + issuerID
    bytes += be(count) + be(streamLength ?? UInt32(stream.count))
    for first in firsts { bytes += be(first) }
    bytes += stream
    return bytes + be(checksum ?? CRC32.checksum(bytes))
}

private let base: UInt64 = 3_104_820_000_000_000_000

@Suite struct BlacklistStateFileTests {
    private func state(_ count: Int, seed: UInt64 = 1) throws -> ValidatorListState {
        var generator = SeededGenerator(seed: seed)
        let listed = sample(count, of: issuedValues(perPrefix: max(10, count * 3)), using: &generator)
        return try ValidatorListState(version: 41, issuerID: issuer, index: BlacklistIndex(sorted: cards(listed)))
    }

    @Test(arguments: [0, 1, 127, 128, 129, 5_000])
    func stateFileReadsBackAsTheSameStateAndAnswers(count: Int) throws {
        let original = try state(count)
        let bytes = original.serialized()
        let read = try ValidatorListState(serialized: bytes)
        #expect(read == original)
        #expect(read.version == 41)
        #expect(read.issuerID == issuer)
        #expect(read.index.numbers() == original.index.numbers())
        #expect(read.index.memoryBytes == original.index.memoryBytes)
        var generator = SeededGenerator(seed: 3)
        let listed = original.index.values()
        let probes = probes(listed: listed, issued: [], using: &generator)
        #expect(wrongAnswers(read.index, listed: listed, probes: probes) == 0)
    }

    @Test func stateFileIsTheHeaderTheBlockFirstsTheStreamAndAChecksum() throws {
        let values = [base + 10, base + 12, base + 20, base + 21, base + 40]
        let index = try BlacklistIndex(sorted: cards(values), blockSize: 2)
        let bytes = try ValidatorListState(version: 9, issuerID: issuer, index: index).serialized()
        let blocks = 3
        let streamBytes = bytes.count - ValidatorListState.headerBytes - blocks * 8 - ValidatorListState.checksumBytes
        #expect(Array(bytes[0..<4]) == Array("TKVS".utf8))
        #expect(bytes[4] == 1)
        #expect(bytes[5] == UInt8(index.riceParameter))
        #expect(Array(bytes[6..<8]) == [0, 2])
        #expect(Array(bytes[24..<28]) == [0, 0, 0, 5])
        #expect(Int(bytes[31]) == streamBytes)
        #expect(
            bytes
                == rawState(
                    k: UInt8(index.riceParameter), count: 5, firsts: [base + 10, base + 20, base + 40],
                    stream: Array(bytes[56..<56 + streamBytes])))
    }

    @Test func everyFlippedByteOfAStateFileIsRefused() throws {
        let bytes = try state(300).serialized()
        for position in bytes.indices {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[position] ^= mask
                #expect(throws: ValidatorListStateError.self, "byte \(position) ^ \(mask)") {
                    try ValidatorListState(serialized: damaged)
                }
            }
        }
    }

    @Test func everyTruncatedStateFileIsRefused() throws {
        let bytes = try state(300).serialized()
        for length in 0..<bytes.count {
            #expect(throws: ValidatorListStateError.self, "\(length) bytes") {
                try ValidatorListState(serialized: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func aTornFileIsReportedAsTruncatedOrDamaged() throws {
        let bytes = try state(300).serialized()
        expectThrows(ValidatorListStateError.truncated(expectedBytes: bytes.count, actualBytes: bytes.count - 1)) {
            try ValidatorListState(serialized: Array(bytes.dropLast()))
        }
        var damaged = bytes
        damaged[60] ^= 0x10
        let stored =
            UInt32(bytes[bytes.count - 4]) << 24 | UInt32(bytes[bytes.count - 3]) << 16
            | UInt32(bytes[bytes.count - 2]) << 8 | UInt32(bytes[bytes.count - 1])
        expectThrows(ValidatorListStateError.checksumMismatch(stored: stored, computed: CRC32.checksum(damaged.dropLast(4)))) {
            try ValidatorListState(serialized: damaged)
        }
    }

    @Test func stateWithAMalformedIssuerIDIsRefused() throws {
        expectThrows(ValidatorListStateError.invalidIssuerID) {
            try ValidatorListState(version: 1, issuerID: "31045510ffffffff", index: BlacklistIndex(sorted: []))
        }
        expectThrows(ValidatorListStateError.invalidIssuerID) {
            try ValidatorListState(
                serialized: rawState(issuerID: [0x31, 0x04, 0x55, 0x10, 0, 0, 0, 0], count: 0, firsts: [], stream: []))
        }
    }

    @Test func headerProblemsAreNamed() {
        let empty = rawState(count: 0, firsts: [], stream: [])
        expectThrows(ValidatorListStateError.badMagic) {
            try ValidatorListState(serialized: Array("TKBL".utf8) + empty.dropFirst(4))
        }
        expectThrows(ValidatorListStateError.truncated(expectedBytes: 36, actualBytes: 4)) {
            try ValidatorListState(serialized: Array("TKVS".utf8))
        }
        expectThrows(ValidatorListStateError.unsupportedFormatVersion(2)) {
            try ValidatorListState(serialized: rawState(version: 2, count: 0, firsts: [], stream: []))
        }
        expectThrows(ValidatorListStateError.riceParameterOutOfRange(63)) {
            try ValidatorListState(serialized: rawState(k: 63, count: 0, firsts: [], stream: []))
        }
        expectThrows(ValidatorListStateError.invalidBlockSize) {
            try ValidatorListState(serialized: rawState(blockSize: 0, count: 0, firsts: [], stream: []))
        }
        expectThrows(ValidatorListStateError.streamTooLong(bytes: 0x2000_0000)) {
            try ValidatorListState(serialized: rawState(count: 0, firsts: [], stream: [], streamLength: 0x2000_0000))
        }
        expectThrows(ValidatorListStateError.streamLengthMismatch(count: 0, bytes: 1)) {
            try ValidatorListState(serialized: rawState(count: 0, firsts: [], stream: [0]))
        }
        // Two blocks of two: two codes of at least 5 bits do not fit one byte.
        expectThrows(ValidatorListStateError.streamLengthMismatch(count: 4, bytes: 1)) {
            try ValidatorListState(serialized: rawState(count: 4, firsts: [base, base + 100], stream: [0]))
        }
        expectThrows(ValidatorListStateError.trailingBytes(1)) { try ValidatorListState(serialized: empty + [0]) }
        expectThrows(ValidatorListStateError.checksumMismatch(stored: 0, computed: CRC32.checksum(empty.dropLast(4)))) {
            try ValidatorListState(serialized: rawState(count: 0, firsts: [], stream: [], checksum: 0))
        }
    }

    @Test func numberProblemsAreNamedWithTheirIndex() throws {
        // k = 4, blocks of 2. The code 0 then remainder 0011 is a gap of 4: `0001 1000`.
        let state = try ValidatorListState(serialized: rawState(count: 2, firsts: [base], stream: [0b0001_1000]))
        #expect(state.index.values() == [base, base + 4])
        expectThrows(ValidatorListStateError.corruptStream(index: 1, reason: .endOfData)) {
            try ValidatorListState(serialized: rawState(count: 2, firsts: [base], stream: [0b1111_1110]))
        }
        // 32 ones, then 64 bits of a value that fits the short form.
        let escaped = [UInt8](repeating: 0xFF, count: 4) + [0, 0, 0, 0, 0, 0, 0, 1]
        expectThrows(ValidatorListStateError.corruptStream(index: 1, reason: .nonCanonicalEscape)) {
            try ValidatorListState(serialized: rawState(count: 2, firsts: [base], stream: escaped))
        }
        expectThrows(ValidatorListStateError.numberOutOfRange(index: 0)) {
            try ValidatorListState(serialized: rawState(count: 1, firsts: [CardNumber.maximumValue + 1], stream: []))
        }
        expectThrows(ValidatorListStateError.numberOutOfRange(index: 1)) {
            try ValidatorListState(serialized: rawState(count: 2, firsts: [CardNumber.maximumValue - 2], stream: [0b0001_1000]))
        }
        expectThrows(ValidatorListStateError.notStrictlyAscending(index: 2)) {
            try ValidatorListState(serialized: rawState(count: 3, firsts: [base, base + 4], stream: [0b0001_1000]))
        }
        expectThrows(ValidatorListStateError.paddingNotZero) {
            try ValidatorListState(serialized: rawState(count: 2, firsts: [base], stream: [0b0001_1001]))
        }
        expectThrows(ValidatorListStateError.streamTooLongForCount(extraBytes: 1)) {
            try ValidatorListState(serialized: rawState(count: 2, firsts: [base], stream: [0b0001_1000, 0]))
        }
    }
}
