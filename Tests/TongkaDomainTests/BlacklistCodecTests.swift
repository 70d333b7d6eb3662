import Foundation
import Testing
import TongkaDomain

private let issuer = "31045510FFFFFFFF"
private func acceptAll(_: [UInt8], _: [UInt8]) -> Bool { true }
private let zeroSignature = [UInt8](repeating: 0, count: 64)

private func card(_ digits: String) -> CardNumber { CardNumber(trusted: digits) }
private func cards(_ values: [UInt64]) -> [CardNumber] { values.map { CardNumber(numericValue: $0)! } }

private func full(_ added: [CardNumber], to version: UInt64 = 7) throws -> BlacklistList {
    try BlacklistList(
        kind: .full, fromVersion: 0, toVersion: version, issuedAtUnixSeconds: 1_796_119_331, issuerID: issuer, added: added,
        removed: [])
}

private func delta(_ added: [CardNumber], _ removed: [CardNumber], from: UInt64 = 5, to: UInt64 = 9) throws -> BlacklistList {
    try BlacklistList(
        kind: .delta, fromVersion: from, toVersion: to, issuedAtUnixSeconds: 1_796_119_331, issuerID: issuer, added: added,
        removed: removed)
}

/// Runs `body`, expects a ``BlacklistCodecError`` equal to `expected`.
private func expectCodecError<Result>(
    _ expected: BlacklistCodecError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Result
) {
    do {
        let value = try body()
        Issue.record("expected \(expected), but it succeeded with \(value)", sourceLocation: sourceLocation)
    } catch let error as BlacklistCodecError {
        #expect(error == expected, sourceLocation: sourceLocation)
        #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A list's bytes assembled field by field, so a test can put any value in any field. Lengths
/// default to the sections' real lengths.
private func rawList(
    version: UInt8 = 1, kind: UInt8 = 2, addedK: UInt8 = 0, removedK: UInt8 = 0, from: UInt64 = 5, to: UInt64 = 9,
    issuedAt: Int64 = 1_796_119_331, issuerID: [UInt8] = [0x31, 0x04, 0x55, 0x10, 0xFF, 0xFF, 0xFF, 0xFF],
    addedCount: UInt32, removedCount: UInt32 = 0, added: [UInt8], removed: [UInt8] = [], addedLength: UInt32? = nil,
    removedLength: UInt32? = nil, signature: [UInt8] = zeroSignature
) -> [UInt8] {
    func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<T.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
    var bytes = Array("TKBL".utf8) + [version, kind, addedK, removedK]
    bytes += be(from) + be(to) + be(issuedAt) + issuerID
    bytes += be(addedCount) + be(removedCount)
    bytes += be(addedLength ?? UInt32(added.count)) + be(removedLength ?? UInt32(removed.count))
    return bytes + added + removed + signature
}

private func be64(_ value: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }

private let first: UInt64 = 3_104_820_000_000_000_123

// MARK: - Bits and Rice codes

@Suite struct BlacklistBitsTests {
    @Test func bitsAreWrittenMostSignificantFirstAndPaddedWithZeros() {
        var writer = BitWriter()
        writer.writeBits(0b1, count: 1)
        writer.writeBits(0b011, count: 3)
        writer.writeBits(0xABC, count: 12)
        writer.writeBits(0b1, count: 1)
        #expect(writer.bitCount == 17)
        #expect(writer.finish() == [0b1011_1010, 0b1011_1100, 0b1000_0000])
    }

    @Test func riceCodeIsUnaryQuotientZeroThenRemainderBits() {
        var writer = BitWriter()
        // 9000 with k = 12: quotient 2 ("110"), remainder 808 = 0011 0010 1000.
        writer.writeRice(9000, k: 12)
        #expect(writer.bitCount == 15)
        #expect(writer.finish() == [0b1100_0110, 0b0101_0000])
        #expect(RiceCode.bitCount(9000, k: 12) == 15)
    }

    @Test func largeQuotientIsEscapedAsThirtyTwoOnesThenSixtyFourBits() throws {
        var writer = BitWriter()
        writer.writeRice(1 << 40, k: 3)
        #expect(writer.bitCount == 32 + 64)
        #expect(RiceCode.bitCount(1 << 40, k: 3) == 96)
        let bytes = writer.finish()
        #expect(Array(bytes.prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(bytes.suffix(8)) == be64(1 << 40))
        var reader = BitReader(bytes)
        #expect(try reader.readRice(k: 3) == 1 << 40)
        #expect(reader.remainingBits == 0)
    }

    @Test func riceCodesRoundTripForEveryParameterIncludingEscapesAndExtremes() throws {
        var generator = SeededGenerator(seed: 9)
        for k in 0...RiceCode.maximumParameter {
            var values: [UInt64] = [0, 1, UInt64.max, UInt64.max >> 1, (1 << UInt64(k)) - 1, 31 << UInt64(k), 32 << UInt64(k)]
            for _ in 0..<50 {
                values.append(
                    UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator))
            }
            var writer = BitWriter()
            for value in values { writer.writeRice(value, k: k) }
            let expectedBits = values.reduce(0) { $0 + RiceCode.bitCount($1, k: k) }
            #expect(writer.bitCount == expectedBits)
            var reader = BitReader(writer.finish())
            for value in values { #expect(try reader.readRice(k: k) == value, "k \(k)") }
            #expect(reader.remainingBits < 8)
        }
    }

    @Test func readerThrowsAtTheEndInsteadOfReadingPastIt() {
        var reader = BitReader([0xFF, 0xFF], range: 0..<1)
        #expect(throws: BitReaderError.endOfData) { try reader.readUnary(limit: 32) }
        var short = BitReader([0xAB])
        #expect(throws: BitReaderError.endOfData) { try short.readBits(9) }
        var rice = BitReader([0b0000_0000])
        #expect(throws: BitReaderError.endOfData) { try rice.readRice(k: 12) }
    }

    @Test func escapeOfAValueThatFitsTheShortFormIsRefused() {
        var writer = BitWriter()
        writer.writeOnes(32)
        writer.writeBits(5, count: 64)
        var reader = BitReader(writer.finish())
        #expect(throws: BitReaderError.nonCanonicalEscape) { try reader.readRice(k: 0) }
    }

    @Test func shortCodeAboveSixtyFourBitsIsRefused() {
        // k = 62 and quotient 4: 4 << 62 does not fit a UInt64.
        var writer = BitWriter()
        writer.writeOnes(4)
        writer.writeBits(0, count: 1)
        writer.writeBits(0, count: 62)
        var reader = BitReader(writer.finish())
        #expect(throws: BitReaderError.valueTooLarge) { try reader.readRice(k: 62) }
    }
}

// MARK: - The list

@Suite struct BlacklistCodecTests {
    @Test func cardNumbersConvertToIntegersAndBackWithLeadingZeros() {
        #expect(card("3104820000000000123").numericValue == 3_104_820_000_000_000_123)
        #expect(CardNumber(numericValue: 42)?.digits == "0000000000000000042")
        #expect(CardNumber(numericValue: CardNumber.maximumValue)?.digits == "9999999999999999999")
        #expect(CardNumber(numericValue: CardNumber.maximumValue + 1) == nil)
        #expect(card("310482000000000012").numericValue == nil)
        #expect(card("31048200000000001x3").numericValue == nil)
        #expect(card("3104820000000000१23").numericValue == nil)
    }

    @Test func fullListRoundTrips() throws {
        let list = try full(cards([first, first + 1, first + 2, first + 1_000, first + 99_999_999]))
        let bytes = try list.encoded(signature: zeroSignature)
        #expect(bytes.count == list.signedPortion().count + 64)
        #expect(try BlacklistList.decode(bytes, verify: acceptAll) == list)
    }

    @Test func deltaRoundTrips() throws {
        let list = try delta(cards([first, first + 7, first + 9]), cards([first + 3, first + 8]))
        #expect(try BlacklistList.decode(list.encoded(signature: zeroSignature), verify: acceptAll) == list)
    }

    @Test func emptyAndOneNumberListsRoundTrip() throws {
        let empty = try full([], to: 0)
        let emptyBytes = try empty.encoded(signature: zeroSignature)
        #expect(emptyBytes.count == BlacklistList.headerBytes + 64)
        #expect(try BlacklistList.decode(emptyBytes, verify: acceptAll) == empty)
        let one = try delta([], cards([first]))
        let oneBytes = try one.encoded(signature: zeroSignature)
        #expect(oneBytes.count == BlacklistList.headerBytes + 8 + 64)
        #expect(try BlacklistList.decode(oneBytes, verify: acceptAll) == one)
    }

    @Test func smallestAndLargestNineteenDigitNumbersRoundTrip() throws {
        let list = try full(cards([0, 1, CardNumber.maximumValue - 1, CardNumber.maximumValue]))
        #expect(try BlacklistList.decode(list.encoded(signature: zeroSignature), verify: acceptAll) == list)
    }

    @Test func numbersUnderSeveralIssuerPrefixesRoundTripThroughEscapes() throws {
        var generator = SeededGenerator(seed: 3)
        var values = Set<UInt64>()
        for prefix: UInt64 in [31_048_200, 31_051_000, 32_010_000] {
            for _ in 0..<2_000 {
                values.insert(prefix * 100_000_000_000 + UInt64.random(in: 0..<100_000_000_000, using: &generator))
            }
        }
        let list = try full(cards(values.sorted()))
        let bytes = try list.encoded(signature: zeroSignature)
        #expect(try BlacklistList.decode(bytes, verify: acceptAll) == list)
        // The two jumps between prefixes cost 96 bits each, not billions of unary bits, and do not
        // raise the Rice parameter of the ordinary gaps.
        #expect(Double(bytes.count) / Double(values.count) < 3.6)
    }

    @Test func tenThousandNumbersUnderOnePrefixTakeWellUnderEightBytesEach() throws {
        var generator = SeededGenerator(seed: 10_000)
        var values = Set<UInt64>()
        while values.count < 10_000 {
            values.insert(3_104_820_000_000_000_000 + UInt64.random(in: 0..<100_000_000_000, using: &generator))
        }
        let list = try full(cards(values.sorted()))
        let bytes = try list.encoded(signature: zeroSignature)
        let perNumber = Double(bytes.count) / Double(values.count)
        // The information bound for 10,000 of 10^11 numbers is about 3.09 bytes per number.
        #expect(perNumber < 3.2, "\(perNumber) bytes per number")
        #expect(try BlacklistList.decode(bytes, verify: acceptAll) == list)
    }

    @Test func riceParameterIsZeroForFewerThanTwoNumbersOrConsecutiveOnes() {
        #expect(BlacklistList.riceParameter(forAscending: []) == 0)
        #expect(BlacklistList.riceParameter(forAscending: [first]) == 0)
        #expect(BlacklistList.riceParameter(forAscending: [first, first + 1, first + 2]) == 0)
    }

    @Test func riceParameterIsTheSmallestOfTheShortestAndAtMost62() {
        // Gaps − 1 of 1000 and 9000: k = 11 and k = 12 both take 28 bits, k = 10 and 13 more.
        #expect(BlacklistList.riceParameter(forAscending: [first, first + 1_001, first + 10_002]) == 11)
        #expect(BlacklistList.riceParameter(forAscending: [0, CardNumber.maximumValue]) == RiceCode.maximumParameter)
    }

    @Test func riceParameterCodesRandomNumbersAtLeastAsShortAsItsNeighbours() {
        var generator = SeededGenerator(seed: 77)
        for range: UInt64 in [1, 3, 1_000, 100_000, 10_000_000, 100_000_000_000] {
            let values = Set((0..<2_000).map { _ in UInt64.random(in: 0..<range * 2_000, using: &generator) }).sorted()
            let gaps = zip(values, values.dropFirst()).map { $1 - $0 - 1 }
            func bits(_ k: Int) -> Int { gaps.reduce(0) { $0 + RiceCode.bitCount($1, k: k) } }
            let k = BlacklistList.riceParameter(forAscending: values)
            #expect(bits(k) <= bits(k + 1), "range \(range)")
            #expect(k == 0 || bits(k) < bits(k - 1), "range \(range)")
        }
    }

    @Test func riceParameterIgnoresTheFewLargeGapsBetweenIssuerPrefixes() {
        var generator = SeededGenerator(seed: 5)
        var values: [UInt64] = []
        for prefix: UInt64 in [31_048_200, 32_010_000] {
            values += Set(
                (0..<1_000).map { _ in prefix * 100_000_000_000 + UInt64.random(in: 0..<100_000_000_000, using: &generator) }
            )
            .sorted()
        }
        // Gaps of about 10^8 = 2^26.6 inside each prefix; the jump of about 10^17 is escaped.
        #expect((25...27).contains(BlacklistList.riceParameter(forAscending: values)))
    }

    @Test func signatureCoversEveryByteBeforeIt() throws {
        let list = try delta(cards([first]), cards([first + 5]))
        let signed = list.signedPortion()
        let signature = (0..<64).map { UInt8($0) }
        let bytes = try BlacklistList.assemble(signedPortion: signed, signature: signature)
        var seen: ([UInt8], [UInt8])?
        let decoded = try BlacklistList.decode(bytes) { message, candidate in
            seen = (message, candidate)
            return candidate == signature
        }
        #expect(decoded == list)
        #expect(seen?.0 == signed)
        #expect(seen?.1 == signature)
    }

    // MARK: Refusals when building

    @Test func buildingRefusesNumbersThatAreNotNineteenDigits() {
        expectCodecError(.invalidCardNumber(section: .added, index: 1)) { try full([card("3104820000000000123"), card("123")]) }
        expectCodecError(.invalidCardNumber(section: .removed, index: 0)) { try delta([], [card("31048200000000001A3")]) }
    }

    @Test func buildingRefusesUnsortedOrDuplicateNumbers() {
        expectCodecError(.notStrictlyIncreasing(section: .added, index: 2)) { try full(cards([first, first + 2, first + 1])) }
        expectCodecError(.notStrictlyIncreasing(section: .removed, index: 1)) { try delta([], cards([first, first])) }
    }

    @Test func buildingRefusesAFullListWithRemovals() {
        expectCodecError(.removedInFullList(count: 1)) {
            try BlacklistList(
                kind: .full, fromVersion: 0, toVersion: 3, issuedAtUnixSeconds: 0, issuerID: issuer, added: [],
                removed: cards([first]))
        }
    }

    @Test func buildingRefusesVersionsThatDoNotMoveForward() {
        expectCodecError(.invalidVersions(kind: .full, from: 2, to: 3)) {
            try BlacklistList(
                kind: .full, fromVersion: 2, toVersion: 3, issuedAtUnixSeconds: 0, issuerID: issuer, added: [], removed: [])
        }
        expectCodecError(.invalidVersions(kind: .delta, from: 0, to: 3)) { try delta([], [], from: 0, to: 3) }
        expectCodecError(.invalidVersions(kind: .delta, from: 4, to: 4)) { try delta([], [], from: 4, to: 4) }
        expectCodecError(.invalidVersions(kind: .delta, from: 5, to: 4)) { try delta([], [], from: 5, to: 4) }
    }

    @Test func buildingRefusesABadIssuerIDOrATimeBefore1970() {
        for id in ["31045510ffffffff", "3104551012345678", "31045510FFFFFF", "G1045510FFFFFFFF"] {
            expectCodecError(.invalidIssuerID) {
                try BlacklistList(
                    kind: .full, fromVersion: 0, toVersion: 1, issuedAtUnixSeconds: 0, issuerID: id, added: [], removed: [])
            }
        }
        expectCodecError(.negativeIssuedAt(-1)) {
            try BlacklistList(
                kind: .full, fromVersion: 0, toVersion: 1, issuedAtUnixSeconds: -1, issuerID: issuer, added: [], removed: [])
        }
    }

    @Test func buildingRefusesADeltaThatAddsAndRemovesTheSameCard() {
        expectCodecError(.numberInBothSections(addedIndex: 1, removedIndex: 0)) {
            try delta(cards([first, first + 4]), cards([first + 4]))
        }
    }

    @Test func encodingRefusesASignatureThatIsNot64Bytes() throws {
        let list = try full(cards([first]))
        expectCodecError(.signatureLength(63)) { try list.encoded(signature: [UInt8](repeating: 0, count: 63)) }
        expectCodecError(.signatureLength(65)) {
            try BlacklistList.assemble(signedPortion: list.signedPortion(), signature: [UInt8](repeating: 0, count: 65))
        }
    }

    // MARK: Refusals when reading

    @Test func readingRefusesBytesThatAreNotABlacklist() {
        expectCodecError(.badMagic) { try BlacklistList.decode(Array("TKBX".utf8) + zeroSignature, verify: acceptAll) }
        expectCodecError(.badMagic) { try BlacklistList.decode([0x54, 0x4B, 0x00], verify: acceptAll) }
        expectCodecError(.truncated(expectedBytes: 120, actualBytes: 0)) { try BlacklistList.decode([], verify: acceptAll) }
        expectCodecError(.truncated(expectedBytes: 120, actualBytes: 3)) {
            try BlacklistList.decode([0x54, 0x4B, 0x42], verify: acceptAll)
        }
    }

    @Test func readingRefusesAnotherFormatVersionOrKind() {
        expectCodecError(.unsupportedFormatVersion(2)) {
            try BlacklistList.decode(rawList(version: 2, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.unknownKind(0)) {
            try BlacklistList.decode(rawList(kind: 0, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.unknownKind(3)) {
            try BlacklistList.decode(rawList(kind: 3, addedCount: 0, added: []), verify: acceptAll)
        }
    }

    @Test func readingRefusesARiceParameterAbove62() {
        expectCodecError(.riceParameterOutOfRange(section: .added, parameter: 63)) {
            try BlacklistList.decode(rawList(addedK: 63, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.riceParameterOutOfRange(section: .removed, parameter: 255)) {
            try BlacklistList.decode(rawList(removedK: 255, addedCount: 0, added: []), verify: acceptAll)
        }
    }

    @Test func readingRefusesSectionLengthsThatCannotHoldTheirCounts() {
        expectCodecError(.sectionLengthMismatch(section: .added, count: 0, bytes: 8)) {
            try BlacklistList.decode(rawList(addedCount: 0, added: be64(first)), verify: acceptAll)
        }
        expectCodecError(.sectionLengthMismatch(section: .removed, count: 1, bytes: 4)) {
            try BlacklistList.decode(
                rawList(addedCount: 0, removedCount: 1, added: [], removed: [0, 0, 0, 0]), verify: acceptAll)
        }
        // 4 billion numbers claimed in 9 bytes: refused before any memory is reserved.
        expectCodecError(.sectionLengthMismatch(section: .added, count: Int(UInt32.max), bytes: 9)) {
            try BlacklistList.decode(rawList(addedCount: .max, added: be64(first) + [0]), verify: acceptAll)
        }
    }

    @Test func readingRefusesAFullListWithRemovals() {
        expectCodecError(.removedInFullList(count: 1)) {
            try BlacklistList.decode(
                rawList(kind: 1, from: 0, addedCount: 0, removedCount: 1, added: [], removed: be64(first)), verify: acceptAll)
        }
    }

    @Test func readingRefusesTruncatedListsAndTrailingBytes() throws {
        let bytes = try delta(cards([first, first + 10]), cards([first + 3])).encoded(signature: zeroSignature)
        expectCodecError(.truncated(expectedBytes: bytes.count, actualBytes: bytes.count - 1)) {
            try BlacklistList.decode(Array(bytes.dropLast()), verify: acceptAll)
        }
        expectCodecError(.trailingBytes(2)) { try BlacklistList.decode(bytes + [0, 0], verify: acceptAll) }
    }

    @Test func readingRefusesASignatureThatDoesNotVerify() throws {
        let bytes = try full(cards([first])).encoded(signature: zeroSignature)
        expectCodecError(.signatureInvalid) { try BlacklistList.decode(bytes) { _, _ in false } }
        var tampered = bytes
        tampered[BlacklistList.headerBytes + 7] ^= 1
        let signed = try full(cards([first])).signedPortion()
        expectCodecError(.signatureInvalid) { try BlacklistList.decode(tampered) { message, _ in message == signed } }
    }

    @Test func readingRefusesCodesThatRunPastTheSection() {
        // k = 0 and all one bits: the unary quotient never ends inside the section.
        expectCodecError(.corruptSection(section: .added, index: 1, reason: .endOfData)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(first) + [0xFF]), verify: acceptAll)
        }
    }

    @Test func readingRefusesNonCanonicalEscapesAndOversizedCodes() {
        var escape = BitWriter()
        escape.writeOnes(32)
        escape.writeBits(5, count: 64)
        expectCodecError(.corruptSection(section: .added, index: 1, reason: .nonCanonicalEscape)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(first) + escape.finish()), verify: acceptAll)
        }
        var oversized = BitWriter()
        oversized.writeOnes(4)
        oversized.writeBits(0, count: 63)
        expectCodecError(.corruptSection(section: .removed, index: 1, reason: .valueTooLarge)) {
            try BlacklistList.decode(
                rawList(removedK: 62, addedCount: 0, removedCount: 2, added: [], removed: be64(first) + oversized.finish()),
                verify: acceptAll)
        }
    }

    @Test func readingRefusesNumbersAboveNineteenDigits() {
        expectCodecError(.numberOutOfRange(section: .added, index: 0)) {
            try BlacklistList.decode(rawList(addedCount: 1, added: be64(CardNumber.maximumValue + 1)), verify: acceptAll)
        }
        // 9999999999999999999 then a gap of 1 (code "0" with k = 0).
        expectCodecError(.numberOutOfRange(section: .added, index: 1)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(CardNumber.maximumValue) + [0x00]), verify: acceptAll)
        }
        // A gap that overflows 64 bits.
        var writer = BitWriter()
        writer.writeRice(UInt64.max, k: 0)
        expectCodecError(.numberOutOfRange(section: .added, index: 1)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(first) + writer.finish()), verify: acceptAll)
        }
    }

    @Test func readingRefusesPaddingThatIsNotZeroOrLeftoverBytes() {
        // One code "0" (gap 1), then seven padding bits that must be zero.
        expectCodecError(.paddingNotZero(section: .added)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(first) + [0b0000_0001]), verify: acceptAll)
        }
        expectCodecError(.sectionTooLong(section: .added, extraBytes: 1)) {
            try BlacklistList.decode(rawList(addedCount: 2, added: be64(first) + [0x00, 0x00]), verify: acceptAll)
        }
        expectCodecError(.sectionTooLong(section: .removed, extraBytes: 2)) {
            try BlacklistList.decode(
                rawList(addedCount: 0, removedCount: 1, added: [], removed: be64(first) + [0, 0]), verify: acceptAll)
        }
    }

    @Test func readingAppliesTheSameRulesAsBuilding() {
        expectCodecError(.invalidVersions(kind: .delta, from: 9, to: 9)) {
            try BlacklistList.decode(rawList(from: 9, to: 9, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.invalidVersions(kind: .full, from: 5, to: 9)) {
            try BlacklistList.decode(rawList(kind: 1, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.negativeIssuedAt(-5)) {
            try BlacklistList.decode(rawList(issuedAt: -5, addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.invalidIssuerID) {
            try BlacklistList.decode(
                rawList(issuerID: [0x31, 0x04, 0x55, 0x10, 0, 0, 0, 0], addedCount: 0, added: []), verify: acceptAll)
        }
        expectCodecError(.numberInBothSections(addedIndex: 0, removedIndex: 0)) {
            try BlacklistList.decode(
                rawList(addedCount: 1, removedCount: 1, added: be64(first), removed: be64(first)), verify: acceptAll)
        }
    }

    @Test func arbitraryTruncatedOrFlippedBytesOnlyThrow() throws {
        var generator = SeededGenerator(seed: 2026)
        let valid = try delta(cards([first, first + 3, first + 70_000, first + 70_001]), cards([first + 1, first + 9])).encoded(
            signature: zeroSignature)
        var inputs: [[UInt8]] = (0..<valid.count).map { Array(valid.prefix($0)) }
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...300, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half of them look like a list so the decoder gets past the magic and the version.
            if Bool.random(using: &generator), bytes.count >= 6 {
                bytes.replaceSubrange(0..<6, with: Array("TKBL".utf8) + [1, 2])
            }
            inputs.append(bytes)
        }
        for input in inputs {
            do {
                _ = try BlacklistList.decode(input, verify: acceptAll)
                Issue.record("decoded \(input.count) arbitrary bytes")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        // A flipped bit either fails or decodes to some valid list; it never traps.
        for bit in 0..<(valid.count * 8) {
            var flipped = valid
            flipped[bit / 8] ^= 1 << UInt8(7 - bit % 8)
            _ = try? BlacklistList.decode(flipped, verify: acceptAll)
        }
    }

    // MARK: The worked example of docs/blacklist-format.md

    /// The example's list: a delta from 1041 to 1042 issued at 2026-12-01 10:02:11 UTC.
    private let example = try! BlacklistList(
        kind: .delta, fromVersion: 1_041, toVersion: 1_042, issuedAtUnixSeconds: 1_796_119_331, issuerID: issuer,
        added: [card("3104820000000000123"), card("3104820000000001124"), card("3104820000000010125")],
        removed: [card("3104820000000000042")])

    /// The hex dump between the markers in the document: each line is an offset, the bytes, then
    /// `|` and the annotation. Checks that each offset is the count of bytes before it.
    private func documentedExample() throws -> [UInt8] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: docs.appendingPathComponent("docs/blacklist-format.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let begin = lines.firstIndex(of: "<!-- worked-example:begin -->"),
            let end = lines.firstIndex(of: "<!-- worked-example:end -->"), begin < end
        else {
            Issue.record("the worked example markers are missing")
            return []
        }
        var bytes: [UInt8] = []
        for line in lines[(begin + 1)..<end] where line.contains("|") {
            let fields = line.split(separator: "|", maxSplits: 1)[0].split(separator: " ")
            guard let offset = fields.first.flatMap({ Int($0, radix: 16) }) else { continue }
            #expect(offset == bytes.count, "offset \(fields[0]) in the document")
            for field in fields.dropFirst() {
                guard field.count == 2, let byte = UInt8(field, radix: 16) else {
                    Issue.record("not a byte: \(field)")
                    return []
                }
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// The signature in the document, made with the RFC 8032 test key 1 (see the document).
    private let exampleSignature: [UInt8] = Array(
        hex:
            "96489a008828e7417d7b11bf984e751f64b49a35df33621355b9ba9c77eb0ec4"
            + "674fa66de0980a5ddaf0a7e45ff0116da07167700284901ad8cdb14b5b8caf0f"
    )

    @Test func workedExampleInTheDocumentIsWhatTheEncoderWrites() throws {
        let documented = try documentedExample()
        #expect(documented.count == 140)
        #expect(try example.encoded(signature: exampleSignature) == documented)
    }

    @Test func workedExampleInTheDocumentDecodesToItsList() throws {
        let documented = try documentedExample()
        let decoded = try BlacklistList.decode(documented) { message, signature in
            message == Array(documented.dropLast(64)) && signature == exampleSignature
        }
        #expect(decoded == example)
    }
}

extension Array where Element == UInt8 {
    fileprivate init(hex: String) {
        let digits = Array(hex.utf8)
        self = stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }
}
