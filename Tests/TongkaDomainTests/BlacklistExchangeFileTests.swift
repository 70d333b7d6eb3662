import Foundation
import Testing
import TongkaDomain

private func card(_ digits: String) -> CardNumber { CardNumber(trusted: digits) }
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private let a = "3104820000000000042"
private let b = "3104820000000000123"
private let c = "3104820000000001124"

/// Number lines joined with `ending`, followed by the correct trailer.
private func file(_ lines: [String], ending: String = "\n") -> [UInt8] {
    let body = bytes(lines.map { $0 + ending }.joined())
    let crc = String(CRC32.checksum(body), radix: 16, uppercase: true)
    return body + bytes("CRC32 " + String(repeating: "0", count: 8 - crc.count) + crc + ending)
}

/// Parses `input`, expects a refusal and returns its (line, problem) pairs.
private func problems(
    _ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) -> [(Int, BlacklistExchangeLineProblem)] {
    do {
        let parsed = try BlacklistExchangeFile.parse(input)
        Issue.record("expected a refusal, parsed \(parsed.numbers.count) numbers", sourceLocation: sourceLocation)
        return []
    } catch {
        #expect(error.errorCount == error.errors.count, sourceLocation: sourceLocation)
        for line in error.errors { #expect(!line.message.isEmpty && !line.message.contains(a), sourceLocation: sourceLocation) }
        return error.errors.map { ($0.line, $0.problem) }
    }
}

private func expectProblems(
    _ input: [UInt8], _ expected: [(Int, BlacklistExchangeLineProblem)], sourceLocation: SourceLocation = #_sourceLocation
) {
    let found = problems(input, sourceLocation: sourceLocation)
    #expect(found.map(\.0) == expected.map(\.0), sourceLocation: sourceLocation)
    #expect(found.map(\.1) == expected.map(\.1), sourceLocation: sourceLocation)
}

@Suite struct CRC32Tests {
    @Test func checkValueOf123456789IsCBF43926() {
        #expect(CRC32.checksum(bytes("123456789")) == 0xCBF4_3926)
    }

    @Test func emptyInputHasCRCZeroAndOneByteMatchesZlib() {
        #expect(CRC32.checksum([UInt8]()) == 0)
        // zlib.crc32(b"a") == 0xE8B7BE43
        #expect(CRC32.checksum(bytes("a")) == 0xE8B7_BE43)
    }
}

@Suite struct BlacklistExchangeFileTests {
    @Test func writerPutsOneNumberPerLineThenTheCRCTrailerWithLF() throws {
        let written = try BlacklistExchangeFile(numbers: [card(a), card(b), card(c)]).encoded()
        #expect(String(decoding: written, as: UTF8.self) == "\(a)\n\(b)\n\(c)\nCRC32 0E2FF1B7\n")
    }

    @Test func writtenFileParsesBackToTheSameNumbers() throws {
        var generator = SeededGenerator(seed: 6)
        let values = Set(
            (0..<5_000).map { _ in 3_104_820_000_000_000_000 + UInt64.random(in: 0..<100_000_000_000, using: &generator) })
        let numbers = values.sorted().map { CardNumber(numericValue: $0)! }
        let original = try BlacklistExchangeFile(numbers: numbers)
        #expect(try BlacklistExchangeFile.parse(original.encoded()) == original)
    }

    @Test func emptyListIsTheTrailerAlone() throws {
        let empty = try BlacklistExchangeFile(numbers: [])
        #expect(empty.encoded() == bytes("CRC32 00000000\n"))
        #expect(try BlacklistExchangeFile.parse(bytes("CRC32 00000000")).numbers.isEmpty)
    }

    @Test func readerAcceptsCRLFLowerCaseHexAndATrailerWithoutLineEnd() throws {
        let crlf = file([a, b, c], ending: "\r\n")
        #expect(String(decoding: crlf.suffix(16), as: UTF8.self) == "CRC32 7995099F\r\n")
        #expect(try BlacklistExchangeFile.parse(crlf).numbers == [card(a), card(b), card(c)])
        let lower = bytes("\(a)\n\(b)\n\(c)\nCRC32 0e2ff1b7")
        #expect(try BlacklistExchangeFile.parse(lower).numbers == [card(a), card(b), card(c)])
    }

    @Test func exampleInTheDocumentIsWhatTheWriterProduces() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: docs.appendingPathComponent("docs/blacklist-format.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let begin = try #require(lines.firstIndex(of: "<!-- exchange-example:begin -->"))
        let end = try #require(lines.firstIndex(of: "<!-- exchange-example:end -->"))
        // The lines inside the ``` fence.
        let example = lines[(begin + 2)..<(end - 1)].map { $0 + "\n" }.joined()
        let parsed = try BlacklistExchangeFile.parse(bytes(example))
        #expect(parsed.numbers == [card(a), card(b), card(c)])
        #expect(parsed.encoded() == bytes(example))
    }

    @Test func badLinesAreEachReportedWithTheirLineNumbers() {
        let input = file([a, "31048200000000001x3", "310482000000000012", "", b, b, a, " " + c, c])
        expectProblems(
            input,
            [
                (2, .invalidCharacters), (3, .wrongLength), (4, .wrongLength), (6, .duplicate), (7, .notAscending),
                (8, .invalidCharacters),
            ])
    }

    @Test func carriageReturnInsideALineIsAnInvalidCharacter() {
        expectProblems(file([a + "\r" + b]), [(1, .invalidCharacters)])
        // A CR at the very end of a file without LF is not a line end either.
        expectProblems(bytes("\(a)\nCRC32 00000000\r"), [(2, .invalidTrailer)])
    }

    @Test func unsortedLinesAreComparedWithTheLineBeforeThem() {
        // One line out of place: only the break is reported, not every line after it.
        expectProblems(file([a, c, b, "3104820000000002000"]), [(3, .notAscending)])
    }

    @Test func fileWithoutATrailerIsRefusedOnTheLineAfterTheLast() {
        expectProblems(bytes("\(a)\n\(b)\n"), [(3, .missingTrailer)])
        expectProblems([], [(1, .missingTrailer)])
        // A blank line after the trailer makes the trailer misplaced and the file unterminated.
        expectProblems(bytes("\(a)\nCRC32 00000000\n\n"), [(2, .misplacedTrailer), (3, .wrongLength), (4, .missingTrailer)])
    }

    @Test func malformedTrailerIsRefused() {
        for trailer in [
            "CRC32 0E2FF1B", "CRC32 0E2FF1B7 ", "CRC32  E2FF1B7", "CRC32:0E2FF1B7", "CRC32 +E2FF1B7", "CRC32 0E2FF1BG", "CRC32",
        ] {
            expectProblems(bytes("\(a)\n\(b)\n\(c)\n" + trailer + "\n"), [(4, .invalidTrailer)])
        }
    }

    @Test func trailerBeforeTheLastLineIsMisplaced() {
        expectProblems(bytes("\(a)\nCRC32 00000000\n\(b)\nCRC32 00000000\n"), [(2, .misplacedTrailer), (4, .crcMismatch)])
    }

    @Test func wrongCRCIsRefusedOnTheTrailerLine() {
        expectProblems(bytes("\(a)\n\(b)\n\(c)\nCRC32 0E2FF1B8\n"), [(4, .crcMismatch)])
        // Changing the last digit of the last number (still ascending) changes the CRC.
        var tampered = file([a, b, c])
        tampered[58] = UInt8(ascii: "9")
        expectProblems(tampered, [(4, .crcMismatch)])
    }

    @Test func everyProblemIsReportedTogetherAndTheTrailerLast() {
        let input = bytes("\(b)\n\(a)\nabc\nCRC32 00000000\n")
        expectProblems(input, [(2, .notAscending), (3, .invalidCharacters), (4, .crcMismatch)])
    }

    @Test func reportedErrorsAreCappedButCountedInFull() {
        let input = bytes(String(repeating: "x\n", count: 1_500) + "CRC32 00000000\n")
        do {
            _ = try BlacklistExchangeFile.parse(input)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.errors.count == BlacklistExchangeFile.maximumReportedErrors)
            #expect(error.errorCount == 1_501)
            #expect(error.description.hasPrefix("1501 bad lines"))
        }
    }

    @Test func writerRefusesNumbersThatAreUnsortedDuplicatedOrNotNineteenDigits() {
        do {
            _ = try BlacklistExchangeFile(numbers: [card(b), card(a), card(a), card("123"), card(c)])
            Issue.record("expected a refusal")
        } catch {
            #expect(error.errors.map(\.line) == [2, 3, 4])
            #expect(error.errors.map(\.problem) == [.notAscending, .duplicate, .wrongLength])
        }
    }
}

@Suite struct BlacklistChangesTests {
    private func cards(_ values: [UInt64]) -> [CardNumber] {
        values.map { CardNumber(numericValue: 3_104_820_000_000_000_000 + $0)! }
    }

    @Test func changesBetweenTwoListsAreTheAdditionsAndRemovalsInOrder() throws {
        let changes = try BlacklistChanges.between(previous: cards([1, 3, 5, 7]), new: cards([2, 3, 7, 8, 9]))
        #expect(changes.added == cards([2, 8, 9]))
        #expect(changes.removed == cards([1, 5]))
        #expect(!changes.isEmpty)
    }

    @Test func identicalAndEmptyListsHaveNoChanges() throws {
        #expect(try BlacklistChanges.between(previous: cards([1, 2]), new: cards([1, 2])).isEmpty)
        #expect(try BlacklistChanges.between(previous: [], new: []).isEmpty)
        #expect(try BlacklistChanges.between(previous: [], new: cards([4])).added == cards([4]))
        #expect(try BlacklistChanges.between(previous: cards([4]), new: []).removed == cards([4]))
    }

    @Test func appliedChangesTurnThePreviousListIntoTheNewOne() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let previous = Set(
                (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt64.random(in: 0..<60, using: &generator) })
            let new = Set(
                (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt64.random(in: 0..<60, using: &generator) })
            let changes = try BlacklistChanges.between(previous: cards(previous.sorted()), new: cards(new.sorted()))
            #expect(try changes.applied(to: cards(previous.sorted())) == cards(new.sorted()))
            #expect(changes.added == cards(new.subtracting(previous).sorted()))
            #expect(changes.removed == cards(previous.subtracting(new).sorted()))
        }
    }

    @Test func unsortedOrMalformedInputIsRefused() {
        #expect(throws: BlacklistChangesError.notStrictlyAscending(list: .previous, index: 1)) {
            try BlacklistChanges.between(previous: cards([2, 1]), new: [])
        }
        #expect(throws: BlacklistChangesError.notStrictlyAscending(list: .new, index: 2)) {
            try BlacklistChanges.between(previous: [], new: cards([1, 2, 2]))
        }
        #expect(throws: BlacklistChangesError.invalidCardNumber(list: .new, index: 0)) {
            try BlacklistChanges.between(previous: [], new: [CardNumber(trusted: "12")])
        }
        #expect(throws: BlacklistChangesError.notStrictlyAscending(list: .added, index: 1)) {
            try BlacklistChanges(added: cards([5, 4]), removed: []).applied(to: [])
        }
        #expect(throws: BlacklistChangesError.invalidCardNumber(list: .removed, index: 0)) {
            try BlacklistChanges(added: [], removed: [CardNumber(trusted: "x")]).applied(to: [])
        }
    }

    @Test func changesThatDoNotFitTheListAreRefused() {
        #expect(throws: BlacklistChangesError.alreadyListed(addedIndex: 1)) {
            try BlacklistChanges(added: cards([1, 3]), removed: []).applied(to: cards([3, 4]))
        }
        #expect(throws: BlacklistChangesError.notListed(removedIndex: 0)) {
            try BlacklistChanges(added: [], removed: cards([2])).applied(to: cards([1, 3]))
        }
        #expect(throws: BlacklistChangesError.notListed(removedIndex: 1)) {
            try BlacklistChanges(added: [], removed: cards([3, 9])).applied(to: cards([1, 3]))
        }
    }

    @Test func errorsDescribeThemselves() {
        let errors: [BlacklistChangesError] = [
            .invalidCardNumber(list: .previous, index: 0), .notStrictlyAscending(list: .new, index: 1),
            .alreadyListed(addedIndex: 2),
            .notListed(removedIndex: 3),
        ]
        #expect(errors.allSatisfy { !$0.description.isEmpty })
    }
}
