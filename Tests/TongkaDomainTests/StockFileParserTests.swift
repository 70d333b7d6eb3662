import Testing
import TongkaDomain

private let profile = try! IssuerProfile(cardNumberPrefixes: ["31048200"], issuerID: "31045510FFFFFFFF")
private let today = date(2026, 11, 25)
private let header = "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"

private let lineA = "3104820000170907984,31045510FFFFFFFF,20250101,20301231,1,04A1B2C3"
private let lineB = "3104820000170907985,31045510ffffffff,2025-01-01,2030-12-31,1,04a1b2c3d4e5f6"
/// Valid until today: not expired yet.
private let lineC = "3104820000170907986,31045510FFFFFFFF,20260101,20261125,1,0102030405060708090A"

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Everything the parser reports for one file.
private struct ParseResult: Equatable {
    var cards: [StockCard]
    var errors: [StockLineError]
    var errorCount: Int
    var cardCount: Int
}

/// Feeds `file` in chunks of `chunkSize` bytes (the whole file at once when nil), then finishes.
private func parse(_ file: [UInt8], chunkSize: Int? = nil, expecting cardType: CardType? = .ordinary) -> ParseResult {
    var parser = StockFileParser(profile: profile, expectedCardType: cardType, today: today)
    var cards: [StockCard] = []
    let size = chunkSize ?? max(file.count, 1)
    var start = 0
    while start < file.count {
        let end = min(start + size, file.count)
        cards += parser.feed(file[start..<end])
        start = end
    }
    cards += parser.finish()
    return ParseResult(cards: cards, errors: parser.errors, errorCount: parser.errorCount, cardCount: parser.cardCount)
}

private func parse(_ text: String, chunkSize: Int? = nil, expecting cardType: CardType? = .ordinary) -> ParseResult {
    parse(bytes(text), chunkSize: chunkSize, expecting: cardType)
}

/// One stock-file line whose fields default to a valid card; tests change one field at a time.
private func row(
    card: String = "3104820000170907984", issuer: String = "31045510FFFFFFFF", from: String = "20250101",
    to: String = "20301231", type: String = "1", chip: String = "04A1B2C3"
) -> String {
    [card, issuer, from, to, type, chip].joined(separator: ",")
}

/// A whole file with header, BOM, CRLF, blank lines, LF-only lines, bad lines of every kind the
/// parser finds itself, a multi-byte character and a last line without a newline.
private let richFile: [UInt8] = {
    var file = bom
    file += bytes(header + "\r\n")  // 1
    file += bytes(lineA + "\r\n")  // 2
    file += bytes("\r\n")  // 3 blank
    file += bytes(lineB + "\n")  // 4
    file += bytes(row(card: "3105170000170907984", issuer: "31051000FFFFFFFF", to: "20261124", type: "2", chip: "XYZ") + "\r\n")  // 5
    file += bytes(row(card: "3104 8200 0017 0907 984", chip: "04A1B2C5") + "\r\n")  // 6: same card as 2
    file += bytes(row(card: "3104820000170907990", chip: "04a1b2c3") + "\r\n")  // 7: same chip as 2
    file += bytes(row(card: "3104820000170907991", chip: "卡片UID1") + "\r\n")  // 8: multi-byte text
    file += [0x31, 0x30, 0xFF, 0x2C, 0xC3, 0x28] + bytes("\r\n")  // 9: not UTF-8
    file += bytes(String(repeating: "9", count: 600) + "\r\n")  // 10: too long
    file += bytes("   \t  \r\n")  // 11 blank
    file += bytes("3104820000170907992,31045510FFFFFFFF,20250101,20301231,1\r\n")  // 12: five columns
    file += bytes(row(card: "31048200001709079", from: "20260230", to: "20250101", type: "9", chip: "0A0B0C0D") + "\r\n")  // 13
    file += bytes(lineC)  // 14, no newline
    return file
}()

private let richFileErrors: [(Int, StockLineProblem)] = [
    (5, .unknownIssuerPrefix), (5, .issuerIDMismatch), (5, .expired), (5, .cardTypeMismatch), (5, .invalidChipUID),
    (6, .duplicateCardInFile),
    (7, .duplicateChipInFile),
    (8, .invalidChipUID),
    (9, .invalidEncoding),
    (10, .lineTooLong),
    (12, .wrongColumnCount),
    (13, .invalidCardNumber), (13, .invalidDate), (13, .invalidCardType),
]

@Suite("Stock file parser")
struct StockFileParserTests {
    // MARK: Whole files

    @Test func parsesAFileWithBOMHeaderCRLFAndBlankLines() throws {
        var file = bom
        file += bytes(header + "\r\n" + lineA + "\r\n" + "\r\n" + lineB + "\r\n" + "   \r\n" + lineC + "\r\n")
        let result = parse(file)
        #expect(result.errors.isEmpty)
        #expect(result.errorCount == 0)
        #expect(result.cards.map(\.line) == [2, 4, 6])
        #expect(result.cardCount == 3)

        let card = try #require(result.cards.dropFirst().first)
        #expect(card.cardNumber.digits == "3104820000170907985")
        #expect(card.issuerID == "31045510FFFFFFFF")
        #expect(card.validFrom == date(2025, 1, 1))
        #expect(card.validTo == date(2030, 12, 31))
        #expect(card.cardType == .ordinary)
        #expect(card.chipUID == "04A1B2C3D4E5F6")
        #expect(result.cards.map(\.chipUID) == ["04A1B2C3", "04A1B2C3D4E5F6", "0102030405060708090A"])
    }

    @Test func richFileReportsEveryBadLineWithItsLineNumber() throws {
        let result = parse(richFile)
        #expect(result.cards.map(\.line) == [2, 4, 14])
        #expect(result.cards.map(\.cardNumber.digits) == ["3104820000170907984", "3104820000170907985", "3104820000170907986"])
        #expect(result.errors.map(\.line) == richFileErrors.map(\.0))
        #expect(result.errors.map(\.problem) == richFileErrors.map(\.1))
        #expect(result.errorCount == richFileErrors.count)
        #expect(!result.errors.contains { $0.message.isEmpty })
        #expect(
            !result.errors.contains { $0.message.contains("3104820000") || $0.message.contains("3105170000") },
            "messages never carry card numbers")
    }

    @Test(arguments: 1...7)
    func feedingInSmallChunksGivesTheSameCardsAndErrors(chunkSize: Int) {
        #expect(parse(richFile, chunkSize: chunkSize) == parse(richFile))
    }

    @Test func feedingAFileWithATrailingNewlineInEveryChunkSizeGivesTheSameResult() {
        var file = bom
        file += bytes(header + "\r\n" + lineA + "\r\n" + lineB + "\r\n\r\n" + lineC + "\r\n")
        let whole = parse(file)
        #expect(whole.cards.map(\.line) == [2, 3, 5])
        for size in 1...file.count {
            #expect(parse(file, chunkSize: size) == whole, "chunk size \(size)")
        }
    }

    @Test func aFileWithoutHeaderStartsWithCardsOnLineOne() {
        let result = parse(lineA + "\n" + lineB + "\n")
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.line) == [1, 2])
    }

    @Test func aBOMIsSkippedOnAHeaderlessFile() {
        let result = parse(bom + bytes(lineA + "\r\n"))
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.cardNumber.digits) == ["3104820000170907984"])
    }

    @Test func blankLinesAreSkippedButCountedInLineNumbers() {
        let result = parse("\n\r\n  \n\t\n" + lineA + "\n\n\n" + lineB)
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.line) == [5, 8])
    }

    @Test func theHeaderMayFollowBlankLinesAndIgnoresCaseAndSpaces() {
        let result = parse("\n\r\n CARD_NUMBER , Issuer_ID,valid_from ,valid_to,Card_Type,CHIP_UID\r\n" + lineA)
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.line) == [4])
    }

    @Test(arguments: [
        "card_number,issuer_id,valid_from,valid_to,card_type",
        "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid,extra",
        "card_number,valid_from,issuer_id,valid_to,card_type,chip_uid",
        "card_number",
    ])
    func aHeaderWithOtherColumnsIsAWrongColumnCountOnLineOne(headerLine: String) {
        let result = parse(headerLine + "\n" + lineA + "\n")
        #expect(result.errors.map(\.line) == [1])
        #expect(result.errors.map(\.problem) == [.wrongColumnCount])
        #expect(result.cards.map(\.line) == [2], "the data lines are still checked")
    }

    @Test func aHeaderAfterTheFirstLineIsCheckedAsData() {
        let result = parse(lineA + "\n" + header + "\n")
        #expect(result.cards.map(\.line) == [1])
        #expect(result.errors.map(\.line) == Array(repeating: 2, count: 5))
        #expect(
            result.errors.map(\.problem) == [
                .invalidCardNumber, .invalidIssuerID, .invalidDate, .invalidCardType, .invalidChipUID,
            ])
    }

    // MARK: One problem at a time

    struct BadLine: Sendable, CustomTestStringConvertible {
        let label: String
        let line: [UInt8]
        let problems: [StockLineProblem]
        var testDescription: String { label }

        init(_ label: String, _ line: String, _ problems: [StockLineProblem]) {
            self.init(label, bytes(line), problems)
        }

        init(_ label: String, _ line: [UInt8], _ problems: [StockLineProblem]) {
            self.label = label
            self.line = line
            self.problems = problems
        }
    }

    static let badLines: [BadLine] = [
        BadLine("five columns", "3104820000170907984,31045510FFFFFFFF,20250101,20301231,1", [.wrongColumnCount]),
        BadLine("seven columns", row() + ",extra", [.wrongColumnCount]),
        BadLine("one column", "3104820000170907984", [.wrongColumnCount]),
        BadLine("semicolons", row().replacingOccurrences(of: ",", with: ";"), [.wrongColumnCount]),
        BadLine("513 bytes", row() + String(repeating: " ", count: 513 - row().utf8.count), [.lineTooLong]),
        BadLine("18-digit card number", row(card: "310482000017090798"), [.invalidCardNumber]),
        BadLine("20-digit card number", row(card: "31048200001709079840"), [.invalidCardNumber]),
        BadLine("letter in card number", row(card: "31048200001709079A4"), [.invalidCardNumber]),
        BadLine("empty card number", row(card: ""), [.invalidCardNumber]),
        BadLine("other issuer's prefix", row(card: "3105170000170907984"), [.unknownIssuerPrefix]),
        BadLine("issuer id not ending FFFFFFFF", row(issuer: "31045510FFFFFFF0"), [.invalidIssuerID]),
        BadLine("short issuer id", row(issuer: "31045510FFFF"), [.invalidIssuerID]),
        BadLine("non-hex issuer id", row(issuer: "3104551GFFFFFFFF"), [.invalidIssuerID]),
        BadLine("other issuer id", row(issuer: "31051000FFFFFFFF"), [.issuerIDMismatch]),
        BadLine("30 February", row(from: "20250230"), [.invalidDate]),
        BadLine("month 13", row(to: "2030-13-01"), [.invalidDate]),
        BadLine("empty date", row(from: ""), [.invalidDate]),
        BadLine("both dates bad", row(from: "x", to: "y"), [.invalidDate]),
        BadLine("ends before it starts", row(from: "20300101", to: "20250101"), [.invalidValidity]),
        BadLine("ends when it starts", row(from: "20300101", to: "2030-01-01"), [.invalidValidity]),
        BadLine("expired yesterday", row(from: "20200101", to: "20261124"), [.expired]),
        BadLine("card type 0", row(type: "0"), [.invalidCardType]),
        BadLine("card type 6", row(type: "6"), [.invalidCardType]),
        BadLine("card type letter", row(type: "x"), [.invalidCardType]),
        BadLine("empty card type", row(type: ""), [.invalidCardType]),
        BadLine("student card in an ordinary product", row(type: "2"), [.cardTypeMismatch]),
        BadLine("military card in an ordinary product", row(type: "5"), [.cardTypeMismatch]),
        BadLine("chip UID of 3 bytes", row(chip: "04A1B2"), [.invalidChipUID]),
        BadLine("chip UID of 9 digits", row(chip: "04A1B2C3D"), [.invalidChipUID]),
        BadLine("chip UID not hex", row(chip: "04A1B2CG"), [.invalidChipUID]),
        BadLine("empty chip UID", row(chip: ""), [.invalidChipUID]),
        BadLine("full-width hex chip UID", row(chip: "０４Ａ１Ｂ２Ｃ３"), [.invalidChipUID]),
        BadLine(
            "invalid byte", bytes("3104820000170907984,") + [0xFF] + bytes(",20250101,20301231,1,04A1B2C3"), [.invalidEncoding]),
        BadLine("truncated UTF-8 sequence", bytes(row(chip: "04A1B2C3")) + [0xE5, 0x8D], [.invalidEncoding]),
        BadLine(
            "UTF-16 with byte-order mark", [0xFF, 0xFE] + row().utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },
            [.invalidEncoding]),
        BadLine(
            "many things at once",
            row(card: "3105170000170907984", issuer: "31051000FFFFFFFF", to: "20261124", type: "2", chip: "XYZ"),
            [.unknownIssuerPrefix, .issuerIDMismatch, .expired, .cardTypeMismatch, .invalidChipUID]),
        BadLine(
            "everything malformed", row(card: "1", issuer: "2", from: "3", to: "4", type: "7", chip: "8"),
            [.invalidCardNumber, .invalidIssuerID, .invalidDate, .invalidCardType, .invalidChipUID]),
    ]

    @Test(arguments: badLines)
    func reportsEachProblemOfALineWithItsLineNumber(bad: BadLine) {
        // Header on line 1, a blank line 2, the bad line 3, a good line 4.
        let file = bytes(header + "\r\n\r\n") + bad.line + bytes("\r\n" + lineB + "\r\n")
        let whole = parse(file)
        #expect(whole.errors.map(\.problem) == bad.problems)
        #expect(whole.errors.allSatisfy { $0.line == 3 })
        #expect(whole.errorCount == bad.problems.count)
        #expect(whole.cards.map(\.line) == [4], "the bad line yields no card; the next line is still read")
        #expect(parse(file, chunkSize: 3) == whole)
    }

    @Test func aLineOfExactly512BytesIsNotTooLong() {
        let padded = row() + String(repeating: " ", count: 512 - row().utf8.count)
        #expect(padded.utf8.count == StockFileParser.maximumLineBytes)
        let result = parse(padded + "\r\n")
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.line) == [1])
    }

    @Test func aCardValidUntilTodayIsNotExpired() {
        let result = parse(row(from: "20200101", to: "20261125"))
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.validTo) == [today])
    }

    @Test func theExpectedCardTypeComesFromTheProduct() {
        let student = parse(row(type: "2"), expecting: .student)
        #expect(student.errors.isEmpty)
        #expect(student.cards.map(\.cardType) == [.student])
        let ordinary = parse(row(type: "1"), expecting: .student)
        #expect(ordinary.errors.map(\.problem) == [.cardTypeMismatch])
    }

    @Test func withoutAnExpectedCardTypeEveryTypeIsAcceptedAndKeptPerLine() {
        // The factory's personalisation reads a batch before any product is chosen.
        let file = [
            row(card: "3104820000170907984", type: "2", chip: "04A1B2C3"),
            row(card: "3104820000170907985", type: "5", chip: "04A1B2C4"),
            row(card: "3104820000170907986", type: " 3 ", chip: "04A1B2C5"),
        ].joined(separator: "\n")
        let result = parse(file, expecting: nil)
        #expect(result.errors.isEmpty)
        #expect(result.cards.map(\.cardType) == [.student, .military, .elderly])
        #expect(parse(row(type: "6"), expecting: nil).errors.map(\.problem) == [.invalidCardType])
    }

    @Test func fieldsAreTrimmedAndHexIsNormalisedToUpperCase() throws {
        let result = parse(" 3104 8200 0017 0907 984 , 31045510ffffffff ,2025-01-01 , 20301231, 1 , 04a1b2c3d4e5f6a7b8c9 ")
        #expect(result.errors.isEmpty)
        let card = try #require(result.cards.first)
        #expect(card.cardNumber.digits == "3104820000170907984")
        #expect(card.issuerID == "31045510FFFFFFFF")
        #expect(card.chipUID == "04A1B2C3D4E5F6A7B8C9")
    }

    // MARK: Duplicates

    @Test func aRepeatedCardNumberIsADuplicateOfItsFirstLine() {
        let result = parse(lineA + "\n" + lineB + "\n" + row(card: "3104 8200 0017 0907 984", chip: "04A1B2C9") + "\n")
        #expect(result.cards.map(\.line) == [1, 2])
        #expect(result.errors == [StockLineError(line: 3, problem: .duplicateCardInFile, message: "same card number as line 1")])
        #expect(result.cardCount == 2)
    }

    @Test func aRepeatedChipUIDIsADuplicateOfItsFirstLineWhateverItsCase() {
        let result = parse(lineA + "\n\n" + row(card: "3104820000170907999", chip: "04a1b2c3") + "\n")
        #expect(result.cards.map(\.line) == [1])
        #expect(result.errors == [StockLineError(line: 3, problem: .duplicateChipInFile, message: "same chip UID as line 1")])
    }

    @Test func aLineRepeatedWholeIsBothDuplicates() {
        let result = parse(lineA + "\n" + lineA + "\n" + lineA + "\n")
        #expect(result.cards.map(\.line) == [1])
        #expect(
            result.errors.map(\.problem) == [
                .duplicateCardInFile, .duplicateChipInFile, .duplicateCardInFile, .duplicateChipInFile,
            ])
        #expect(result.errors.map(\.line) == [2, 2, 3, 3])
        #expect(result.errors.allSatisfy { $0.message.hasSuffix("line 1") })
    }

    @Test func aChipOnARefusedLineStillCountsForLaterDuplicates() {
        // The file is refused as a whole when any line is bad, so every chip is compared.
        let result = parse(row(type: "7") + "\n" + row(card: "3104820000170907999") + "\n")
        #expect(result.errors.map(\.problem) == [.invalidCardType, .duplicateChipInFile])
        #expect(result.errors.map(\.line) == [1, 2])
        #expect(result.cards.isEmpty)
    }

    // MARK: Streaming

    @Test func feedReturnsOnlyCardsOfCompletedLines() {
        var parser = StockFileParser(profile: profile, expectedCardType: .ordinary, today: today)
        #expect(parser.feed(bytes(lineA)).isEmpty)
        #expect(parser.feed(bytes("\r")).isEmpty)
        #expect(parser.feed(bytes("\n" + lineB)).map(\.line) == [1])
        #expect(parser.finish().map(\.line) == [2])
        #expect(parser.errors.isEmpty)
    }

    @Test func finishParsesALastLineWithoutNewline() {
        var parser = StockFileParser(profile: profile, expectedCardType: .ordinary, today: today)
        #expect(parser.feed(bytes(lineA + "\n" + lineB)).map(\.line) == [1])
        let last = parser.finish()
        #expect(last.map(\.cardNumber.digits) == ["3104820000170907985"])
        #expect(last.map(\.line) == [2])
    }

    @Test func finishReportsAProblemOnALastLineWithoutNewline() {
        let result = parse(lineA + "\n" + row(card: "3104820000170907999", type: "7", chip: "0A0B0C0D"))
        #expect(result.errors.map(\.line) == [2])
        #expect(result.errors.map(\.problem) == [.invalidCardType])
    }

    @Test func finishAfterATrailingNewlineReturnsNothing() {
        var parser = StockFileParser(profile: profile, expectedCardType: .ordinary, today: today)
        #expect(parser.feed(bytes(lineA + "\n")).count == 1)
        #expect(parser.finish().isEmpty)
        #expect(parser.errors.isEmpty)
    }

    @Test func anEmptyFileHasNoCardsAndNoErrors() {
        let result = parse([UInt8]())
        #expect(result == ParseResult(cards: [], errors: [], errorCount: 0, cardCount: 0))
        let headerOnly = parse(bom + bytes(header + "\r\n"))
        #expect(headerOnly == ParseResult(cards: [], errors: [], errorCount: 0, cardCount: 0))
    }

    @Test func aTooLongLineFedInChunksKeepsLaterLineNumbers() {
        // 600 bytes: more than a line may hold, less than the parser's buffer limit.
        let file = bytes(String(repeating: "7", count: 600) + "\n" + lineA + "\n")
        for size in [1, 7, 64, 599, 600, 601, 4096] {
            let result = parse(file, chunkSize: size)
            #expect(result.errors.map(\.line) == [1], "chunk size \(size)")
            #expect(result.errors.map(\.problem) == [.lineTooLong], "chunk size \(size)")
            #expect(result.cards.map(\.line) == [2], "chunk size \(size)")
        }
    }

    @Test func aLineLongerThanTheBufferLimitIsOneTooLongLineWhateverTheChunkSize() {
        // A line over 512 bytes without a newline yet is reported once and skipped to its end.
        let file = bytes(String(repeating: "a", count: 3_000) + "\n" + lineA + "\n")
        let whole = parse(file)
        #expect(whole.errors.map(\.line) == [1])
        #expect(whole.errors.map(\.problem) == [.lineTooLong])
        #expect(whole.cards.map(\.line) == [2])
        for size in [1, 7, 100, 513, 4_096] {
            let chunked = parse(file, chunkSize: size)
            #expect(chunked.errors.map(\.line) == [1], "chunk size \(size)")
            #expect(chunked.cards.map(\.line) == [2], "chunk size \(size)")
        }
    }

    @Test func theTailOfAnOverlongLineNeverBecomesACard() {
        // 2,049 junk bytes and then a valid row, all on one line: the line is refused whole.
        let file = bytes(String(repeating: "a", count: 2_049) + lineA + "\n")
        let whole = parse(file)
        #expect(whole.errors.map(\.problem) == [.lineTooLong])
        #expect(whole.cards.isEmpty)
        for size in [1, 64, 600] {
            let chunked = parse(file, chunkSize: size)
            #expect(chunked.errors.map(\.problem) == [.lineTooLong], "chunk size \(size)")
            #expect(chunked.cards.isEmpty, "chunk size \(size)")
        }
    }

    // MARK: Error bookkeeping

    @Test func reportedErrorsAreCappedWhileTheCountGoesOn() {
        let lines = 1_005
        var parser = StockFileParser(profile: profile, expectedCardType: .ordinary, today: today)
        let cards = parser.feed(bytes(String(repeating: "x\n", count: lines)))
        #expect(cards.isEmpty)
        #expect(parser.errorCount == lines)
        #expect(parser.errors.count == StockFileParser.maximumReportedErrors)
        #expect(parser.errors.first?.line == 1)
        #expect(parser.errors.last?.line == StockFileParser.maximumReportedErrors)
        #expect(parser.errors.allSatisfy { $0.problem == .wrongColumnCount })

        parser.reject(line: 2_000, .alreadyInStock, "card number is already in stock")
        #expect(parser.errorCount == lines + 1)
        #expect(parser.errors.count == StockFileParser.maximumReportedErrors)
    }

    @Test func rejectAddsAProblemFoundOutsideTheParser() {
        var parser = StockFileParser(profile: profile, expectedCardType: .ordinary, today: today)
        #expect(parser.feed(bytes(lineA + "\n" + lineB + "\n")).count == 2)
        parser.reject(line: 2, .alreadyInStock, "card number is already in stock")
        parser.reject(line: 1, .chipAlreadyInStock, "chip UID is already in stock")
        #expect(parser.errorCount == 2)
        #expect(
            parser.errors == [
                StockLineError(line: 2, problem: .alreadyInStock, message: "card number is already in stock"),
                StockLineError(line: 1, problem: .chipAlreadyInStock, message: "chip UID is already in stock"),
            ])
    }

    @Test func cardCountCountsDistinctValidCardNumbers() {
        let result = parse(lineA + "\n" + lineB + "\n" + lineA + "\n" + lineC + "\n")
        #expect(result.cardCount == 3)
    }

    @Test func problemCodesAreStableSnakeCase() {
        let codes = StockLineProblem.allCases.map(\.rawValue)
        #expect(Set(codes).count == codes.count)
        #expect(codes.allSatisfy { $0.allSatisfy { $0 == "_" || ($0.isASCII && $0.isLowercase) } })
        #expect(StockLineProblem.duplicateCardInFile.rawValue == "duplicate_card_in_file")
    }
}
