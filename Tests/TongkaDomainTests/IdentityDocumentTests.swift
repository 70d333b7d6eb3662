import Testing
import TongkaDomain

/// Completes 17 digits to a resident ID with the ISO 7064 MOD 11-2 check character, computed from
/// the standard's own definition rather than from a lookup table: the character `c` (X = 10) for
/// which the sum over all 18 positions of value × 2^(position from the right, counting from 0) is
/// 1 modulo 11.
func residentID(_ first17: String) -> String {
    precondition(first17.count == 17)
    let body = first17.reversed().enumerated().reduce(0) { sum, item in
        // Position 0 is the check character, so body digits start at position 1.
        var weight = 1
        for _ in 0...item.offset { weight = weight * 2 % 11 }
        return sum + item.element.wholeNumberValue! * weight
    }
    let value = (0...10).first { (body + $0) % 11 == 1 }!
    return first17 + (value == 10 ? "X" : String(value))
}

@Suite("Resident ID")
struct ResidentIDTests {
    @Test func independentCheckHelperAgreesWithPublishedExamples() {
        #expect(residentID("11010519491231002") == "11010519491231002X")
        #expect(residentID("44052418800101001") == "440524188001010014")
        #expect(residentID("43010219900307123") == "430102199003071234")
    }

    @Test(arguments: [
        "11010519491231002X",
        "430102199003071234",
        residentID("11010520000229123"),  // born on a leap day
        residentID("31010120010911004"),
        residentID("81000019900101001"),  // Hong Kong residence permit
        residentID("83000020001231002"),  // Taiwan residence permit
        residentID("65010019000101001"),  // the earliest accepted year
    ])
    func acceptsValidResidentIDs(number: String) throws {
        let document = try IdentityDocument(type: .residentID, number: number)
        #expect(document.number == number)
        #expect(document.type == .residentID)
    }

    @Test func normalisesLowerCaseXToUpperCase() throws {
        #expect(try IdentityDocument(type: .residentID, number: "11010519491231002x").number == "11010519491231002X")
    }

    @Test func removesSpacesInsideTheNumber() throws {
        let document = try IdentityDocument(type: .residentID, number: " 110105 19491231 002X\u{3000}")
        #expect(document.number == "11010519491231002X")
    }

    @Test func refusesAWrongCheckCharacter() {
        for check in Array("0123456789X") where check != "X" {
            let error = expectError(.invalidDocumentNumber) {
                try IdentityDocument(type: .residentID, number: "11010519491231002\(check)")
            }
            #expect(error?.detail == "resident ID: check character")
        }
    }

    @Test(arguments: [
        "11010520260230123",  // 30 February
        "11010520261301123",  // month 13
        "11010520261100123",  // day 0
        "11010519000229123",  // 1900 was not a leap year
        "11010518991231002",  // before 1900
        "44052418800101001",  // the published example, born 1880
    ])
    func refusesImpossibleBirthDatesEvenWithACorrectCheckCharacter(first17: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .residentID, number: residentID(first17)) }
        #expect(error?.detail == "resident ID: birth date")
    }

    @Test(arguments: ["99010519491231002", "00010519491231002", "10010519491231002", "72010519491231002", "84010519491231002"])
    func refusesUnknownRegionCodes(first17: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .residentID, number: residentID(first17)) }
        #expect(error?.detail == "resident ID: unknown region code")
    }

    @Test(arguments: ["11010519491231002", "11010519491231002X1", "", "X"])
    func refusesNumbersThatAreNotEighteenCharacters(number: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .residentID, number: number) }
        #expect(error?.detail == "resident ID: 18 characters")
    }

    @Test(arguments: [
        "1101051949123100AX",  // a letter in the body
        "X1010519491231002X",
        "11010519491231002Y",  // a check character other than a digit or X
        "１１０１０５１９４９１２３１００２Ｘ",  // full-width digits
        "11010519491231-02X",
    ])
    func refusesLettersOrSymbolsWhereDigitsBelong(number: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .residentID, number: number) }
        #expect(error?.detail == "resident ID: 17 digits and a digit or X")
    }

    @Test func failureDetailsNeverCarryTheNumber() {
        let numbers = ["110105194912310021", "99010519491231002" + "3", "11010520260230123X", "1101051949123100AX"]
        for number in numbers {
            let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .residentID, number: number) }
            #expect(error.map { !$0.message(.en).contains(number.prefix(10)) } == true)
        }
    }

    @Test func masksAllButFirstFourAndLastFour() throws {
        #expect(try IdentityDocument(type: .residentID, number: "11010519491231002X").masked == "1101**********002X")
        #expect(try IdentityDocument(type: .residentID, number: "430102199003071234").masked == "4301**********1234")
    }

    @Test func descriptionIsTypeAndMaskedNumber() throws {
        let document = try IdentityDocument(type: .residentID, number: "11010519491231002X")
        #expect(document.description == "resident_id:1101**********002X")
        #expect(!"\(document)".contains("11010519491231002X"))
        #expect(!String(reflecting: document).contains("19491231"))
    }

    @Test func lookupMaterialIsTypeAndFullNumber() throws {
        let document = try IdentityDocument(type: .residentID, number: "11010519491231002x")
        #expect(document.lookupMaterial == "resident_id:11010519491231002X")
    }

    @Test(arguments: [
        ("11010519491231002", Character("X")),
        ("44052418800101001", "4"),
        ("43010219900307123", "4"),
        ("11010520000229123", "5"),
        ("31010120010911004", "5"),
        ("00000000000000000", "1"),
    ])
    func computesTheCheckCharacterOfSeventeenDigits(first17: String, check: Character) {
        #expect(IdentityDocument.residentIDCheckCharacter(first17) == check)
        #expect(residentID(first17).last == check)
    }

    @Test(arguments: ["1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２", ""])
    func checkCharacterNeedsExactlySeventeenASCIIDigits(input: String) {
        #expect(IdentityDocument.residentIDCheckCharacter(input) == nil)
    }

    @Test func checkCharacterMatchesTheIndependentDefinitionForManyBodies() {
        var random = SeededGenerator(seed: 11_643)
        for _ in 0..<2_000 {
            let body = String((0..<17).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            #expect(IdentityDocument.residentIDCheckCharacter(body) == residentID(body).last, "body \(body)")
        }
    }
}

@Suite("Other identity documents")
struct OtherDocumentTests {
    @Test(arguments: [
        ("E12345678", "E12345678"), ("g1234567", "G1234567"), ("AB123", "AB123"),
        ("12345678901234567", "12345678901234567"), ("PE 1234567", "PE1234567"),
    ])
    func acceptsPassportsOfFiveToSeventeenLettersOrDigits(raw: String, number: String) throws {
        #expect(try IdentityDocument(type: .passport, number: raw).number == number)
    }

    @Test(arguments: ["AB12", "123456789012345678", "E1234-5678", "E1234567.", "", "Ｅ12345678", "护照123456"])
    func refusesOtherPassportNumbers(raw: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .passport, number: raw) }
        #expect(error?.detail == "passport: 5-17 letters or digits")
    }

    @Test(arguments: [
        ("H12345678", "H12345678"), ("M1234567890", "M1234567890"), ("h12345678", "H12345678"),
        ("m 12345678", "M12345678"),
    ])
    func acceptsHongKongMacaoPermitsOfHOrMAndEightOrTenDigits(raw: String, number: String) throws {
        #expect(try IdentityDocument(type: .hongKongMacaoPermit, number: raw).number == number)
    }

    @Test(arguments: ["K12345678", "H1234567", "H123456789", "H12345678901", "HA2345678", "12345678", "H", "", "H１２３４５６７８"])
    func refusesOtherHongKongMacaoPermitNumbers(raw: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .hongKongMacaoPermit, number: raw) }
        #expect(error?.detail == "HK/Macao permit: H or M and 8 or 10 digits")
    }

    @Test(arguments: ["12345678", "1234567890"])
    func acceptsTaiwanPermitsOfEightOrTenDigits(raw: String) throws {
        #expect(try IdentityDocument(type: .taiwanPermit, number: raw).number == raw)
    }

    @Test(arguments: ["1234567", "123456789", "12345678901", "1234567A", "T12345678", ""])
    func refusesOtherTaiwanPermitNumbers(raw: String) {
        let error = expectError(.invalidDocumentNumber) { try IdentityDocument(type: .taiwanPermit, number: raw) }
        #expect(error?.detail == "Taiwan permit: 8 or 10 digits")
    }

    @Test(arguments: [
        (DocumentType.passport, "E12345678", "E1*****78"),
        (.passport, "AB123", "AB*23"),
        (.hongKongMacaoPermit, "H12345678", "H1*****78"),
        (.hongKongMacaoPermit, "M1234567890", "M1*******90"),
        (.taiwanPermit, "12345678", "12****78"),
    ])
    func masksAllButFirstTwoAndLastTwo(type: DocumentType, number: String, masked: String) throws {
        let document = try IdentityDocument(type: type, number: number)
        #expect(document.masked == masked)
        #expect(document.description == "\(type.rawValue):\(masked)")
    }

    @Test func sameDigitsUnderTwoTypesAreTwoDocuments() throws {
        let passport = try IdentityDocument(type: .passport, number: "12345678")
        let permit = try IdentityDocument(type: .taiwanPermit, number: "12345678")
        #expect(passport.lookupMaterial == "passport:12345678")
        #expect(permit.lookupMaterial == "taiwan_permit:12345678")
        #expect(passport != permit)
    }

    @Test func everyDocumentTypeHasAnEnglishAndAChineseName() {
        for type in DocumentType.allCases {
            #expect(!type.localizedName(.en).isEmpty)
            #expect(!type.localizedName(.zh).isEmpty)
            #expect(type.localizedName(.en) != type.localizedName(.zh))
        }
        #expect(DocumentType.residentID.localizedName(.zh) == "居民身份证")
    }
}

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test(arguments: [
        ("13812345678", "13812345678"), ("19912345678", "19912345678"), ("15000000000", "15000000000"),
        ("138 1234 5678", "13812345678"), ("138-1234-5678", "13812345678"),
        ("+85291234567", "+85291234567"), ("+86 138 1234 5678", "+8613812345678"), ("+1234567", "+1234567"),
        ("+123456789012345", "+123456789012345"),
    ])
    func acceptsMainlandMobilesAndE164Numbers(raw: String, number: String) throws {
        #expect(try PhoneNumber(raw).number == number)
    }

    @Test(arguments: [
        "12345678901", "10012345678", "11012345678", "23812345678",  // second digit or first digit wrong
        "1381234567", "138123456789",  // 10 and 12 digits
        "+0123456789", "+123456", "+1234567890123456",  // E.164 rules
        "1381234567a", "+852abc1234", "", "+", "++85291234567", "１３８１２３４５６７８", "(852)91234567",
    ])
    func refusesOtherNumbersAsInvalidPhone(raw: String) {
        let error = expectError(.invalidPhone) { try PhoneNumber(raw) }
        #expect(error?.detail == nil, "the detail never carries the number")
    }

    @Test func masksTheMiddleFourDigitsOfAMainlandMobile() throws {
        let phone = try PhoneNumber("13812345678")
        #expect(phone.masked == "138****5678")
        #expect("\(phone)" == "138****5678")
    }

    @Test func masksInternationalNumbersKeepingFirstFourAndLastTwoCharacters() throws {
        #expect(try PhoneNumber("+85291234567").masked == "+852******67")
        #expect(try PhoneNumber("+1234567").masked == "+123**67")
    }
}
