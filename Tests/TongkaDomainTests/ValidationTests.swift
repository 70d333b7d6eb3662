import Foundation
import Testing
import TongkaDomain

@Suite("Validation of typed text")
struct ValidationTests {
    // MARK: Hall codes

    @Test(arguments: [
        ("HQ", "HQ"), ("cs-01", "CS-01"), ("Yuelu-North", "YUELU-NORTH"), ("1A", "1A"), ("A-", "A-"),
        (String(repeating: "A", count: 16), String(repeating: "A", count: 16)),
    ])
    func acceptsHallCodesAndUpperCasesThem(raw: String, code: String) throws {
        #expect(try Validate.hallCode(raw) == code)
    }

    @Test(arguments: ["", "A", "-A", "A_B", "A B", "A.B", "岳麓", String(repeating: "A", count: 17), "ＨＱ"])
    func refusesOtherHallCodes(raw: String) {
        expectError(.invalidHallCode) { try Validate.hallCode(raw) }
    }

    // MARK: Product codes

    @Test(arguments: [
        ("cs-ord", "CS-ORD"), ("AB", "AB"), ("STU_2026", "STU_2026"),
        (String(repeating: "z", count: 20), String(repeating: "Z", count: 20)),
    ])
    func acceptsProductCodesAndUpperCasesThem(raw: String, code: String) throws {
        #expect(try Validate.productCode(raw) == code)
    }

    @Test(arguments: ["", "A", "_AB", "-AB", "A B", "A.B", String(repeating: "A", count: 21), "学生"])
    func refusesOtherProductCodesAsInvalidProduct(raw: String) {
        expectError(.invalidProduct) { try Validate.productCode(raw) }
    }

    // MARK: User names

    @Test(arguments: [
        ("alice", "alice"), ("Alice", "alice"), ("LI.WEI_02-x", "li.wei_02-x"), ("abc", "abc"),
        (String(repeating: "a", count: 32), String(repeating: "a", count: 32)),
    ])
    func acceptsUserNamesFoldedToLowerCase(raw: String, name: String) throws {
        #expect(try Validate.username(raw) == name)
    }

    @Test(arguments: [
        "", "ab", String(repeating: "a", count: 33), "1abc", "_abc", ".abc", "-abc", "ab c", "ab@c", "张三丰", "élan", "ａｌｉｃｅ",
    ])
    func refusesOtherUserNames(raw: String) {
        expectError(.invalidUsername) { try Validate.username(raw) }
    }

    // MARK: Names

    @Test(arguments: [
        ("岳麓区服务网点", "岳麓区服务网点"), ("  Central Hall \n", "Central Hall"), ("\u{3000}王小明\u{3000}", "王小明"),
        ("O'Brien-Smith", "O'Brien-Smith"), ("a", "a"),
    ])
    func acceptsNamesAndTrimsThem(raw: String, name: String) throws {
        #expect(try Validate.name(raw) == name)
    }

    @Test(arguments: [
        "", "   ", "\n", "Hall\u{0000}", "Hall\nNorth", "Tab\there", "Bell\u{0007}", "Zero\u{200B}Width", "RTL\u{202E}txt",
        "\u{FEFF}BOM", "Family 👨\u{200D}👩",
    ])
    func refusesEmptyNamesAndNamesWithControlOrFormatCharacters(raw: String) {
        let error = expectError(.invalidName) { try Validate.name(raw, field: "hall name") }
        #expect(error?.detail == "hall name")
    }

    @Test func limitsNamesToOneHundredCharactersAfterTrimming() throws {
        let hundred = String(repeating: "汉", count: 100)
        #expect(try Validate.name(hundred) == hundred)
        #expect(try Validate.name("  " + hundred + "  ") == hundred)
        expectError(.invalidName) { try Validate.name(hundred + "汉") }
        // The limit counts Unicode scalars, as PostgreSQL's char_length does: a flag is two, a
        // decomposed é is two, so 50 of them fit and 51 do not.
        let flags = String(repeating: "🇨🇳", count: 50)
        #expect(try Validate.name(flags) == flags)
        expectError(.invalidName) { try Validate.name(flags + "🇨🇳") }
        let accents = String(repeating: "e\u{0301}", count: 50)
        #expect(try Validate.name(accents) == accents)
        expectError(.invalidName) { try Validate.name(accents + "e\u{0301}") }
    }

    @Test func aCustomMaximumLengthApplies() throws {
        #expect(try Validate.name("abcde", maxLength: 5) == "abcde")
        let error = expectError(.invalidName) { try Validate.name("abcdef", maxLength: 5) }
        #expect(error?.detail == "name")
    }

    // MARK: Passwords

    @Test(arguments: ["0123456789", "correct horse battery", String(repeating: "x", count: 128), "长城长城长城长城长城"])
    func acceptsPasswordsOfTenToOneHundredTwentyEightCharacters(password: String) throws {
        try Validate.password(password, username: "alice")
    }

    @Test(arguments: ["", "012345678", String(repeating: "x", count: 129)])
    func refusesPasswordsOfOtherLengths(password: String) {
        expectError(.weakPassword) { try Validate.password(password, username: "alice") }
    }

    @Test(arguments: ["alice12345", "my-ALICE-password", "xxAlIcExx!!", "passwordalice"])
    func refusesPasswordsContainingTheUserNameInAnyCase(password: String) {
        expectError(.weakPassword) { try Validate.password(password, username: "alice") }
        expectError(.weakPassword) { try Validate.password(password, username: "ALICE") }
    }

    @Test func acceptsAPasswordContainingOnlyPartOfTheUserName() throws {
        try Validate.password("alic-e-1234", username: "alice")
    }

    // MARK: Idempotency keys

    @Test(arguments: [String?.none, ""])
    func aMissingIdempotencyKeyIsMissing(key: String?) {
        expectError(.idempotencyKeyMissing) { try Validate.idempotencyKey(key) }
    }

    @Test(arguments: [
        "1234567", String(repeating: "k", count: 101), "abc def gh", "key/12345", "key.12345", "ключ-12345678", "12345678\n",
        "１２３４５６７８",
    ])
    func refusesIdempotencyKeysOfTheWrongLengthOrCharacters(key: String) {
        expectError(.idempotencyKeyInvalid) { try Validate.idempotencyKey(key) }
    }

    @Test(arguments: [
        "12345678", "order_2026-11-25_0001", String(repeating: "k", count: 100), UUID().uuidString,
        UUID().uuidString.lowercased(),
    ])
    func acceptsIdempotencyKeysOfEightToOneHundredSafeCharacters(key: String) throws {
        #expect(try Validate.idempotencyKey(key) == key)
    }
}

/// Case folding must never turn non-ASCII input into a different ASCII code.
@Suite struct NonASCIIFoldingTests {
    @Test func hallAndProductCodesRefuseLettersThatUpperCaseIntoASCII() {
        #expect(throws: TongkaError(.invalidHallCode, detail: "\"ﬁ1\"")) { try Validate.hallCode("ﬁ1") }
        #expect(throws: TongkaError(.invalidProduct, detail: "code \"ßx\"")) { try Validate.productCode("ßx") }
    }

    @Test func userNamesRefuseTheKelvinSignInsteadOfFoldingIt() {
        #expect(throws: TongkaError(.invalidUsername)) { try Validate.username("\u{212A}elvin") }
    }

    @Test func documentNumbersRefuseSharpSInsteadOfFoldingIt() {
        #expect(throws: TongkaError.self) { try IdentityDocument(type: .passport, number: "E1234ß") }
        #expect((try? IdentityDocument(type: .passport, number: "E1234SS"))?.number == "E1234SS")
    }
}

@Suite struct MaskedPersonNameTests {
    @Test(arguments: [("王小明", "王*明"), ("李华", "李*"), ("欧阳娜娜", "欧**娜"), ("John Smith", "J*** Smith"), ("A", "A"), ("", "")])
    func namesAreMaskedKeepingFirstAndLastCharacters(name: String, masked: String) {
        #expect(Validate.maskedPersonName(name) == masked)
    }
}
