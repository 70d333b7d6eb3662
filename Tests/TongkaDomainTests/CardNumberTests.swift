import Testing
import TongkaDomain

/// The Luhn check, only so the tests can prove the card number does not use it.
private func passesLuhn(_ digits: String) -> Bool {
    let sum = digits.reversed().enumerated().reduce(0) { total, item in
        let digit = item.element.wholeNumberValue!
        guard item.offset % 2 == 1 else { return total + digit }
        return total + (digit * 2 > 9 ? digit * 2 - 9 : digit * 2)
    }
    return sum % 10 == 0
}

@Suite("Card numbers")
struct CardNumberTests {
    static let prefixes: Set<String> = ["31048200"]
    static let sample = "3104820000170907984"

    @Test func acceptsNineteenDigitsWithAConfiguredPrefix() throws {
        let card = try CardNumber(Self.sample, issuerPrefixes: Self.prefixes)
        #expect(card.digits == Self.sample)
        #expect(card.issuerPrefix == "31048200")
    }

    @Test func acceptsAnyOfSeveralConfiguredPrefixes() throws {
        let prefixes: Set<String> = ["31048200", "31051700"]
        #expect(try CardNumber("3105170000000000001", issuerPrefixes: prefixes).issuerPrefix == "31051700")
        #expect(try CardNumber(Self.sample, issuerPrefixes: prefixes).issuerPrefix == "31048200")
    }

    @Test(arguments: ["3104 8200 0017 0907 984", " 3104820000170907984 ", "31048200 00170907984"])
    func stripsSpaces(raw: String) throws {
        #expect(try CardNumber(raw, issuerPrefixes: Self.prefixes).digits == Self.sample)
    }

    @Test(arguments: [
        "310482000017090798",  // 18 digits
        "31048200001709079840",  // 20 digits
        "31048200001709079A4",  // a letter
        "310482000017090798X",
        "３１０４８２００００１７０９０７９８４",  // full-width digits
        "3104-8200-0017-0907-984",
        "3104820000170907984\t",
        "",
    ])
    func refusesWrongLengthOrNonDigitsAsInvalidCardNumber(raw: String) {
        let error = expectError(.invalidCardNumber) { try CardNumber(raw, issuerPrefixes: Self.prefixes) }
        #expect(error?.detail?.contains("3104820000") != true, "the detail never carries the number")
    }

    @Test func refusesAnUnknownIssuerPrefix() {
        let error = expectError(.unknownIssuerPrefix) { try CardNumber("3105170000170907984", issuerPrefixes: Self.prefixes) }
        #expect(error?.detail == "31051700")
    }

    @Test func refusesEverythingWhenNoPrefixIsConfigured() {
        expectError(.unknownIssuerPrefix) { try CardNumber(Self.sample, issuerPrefixes: []) }
    }

    @Test func hasNoLuhnCheckDigit() throws {
        // Every last digit is accepted, whether or not the Luhn sum would pass.
        var luhnFailures = 0
        for last in 0...9 {
            let raw = "310482000017090798\(last)"
            if !passesLuhn(raw) { luhnFailures += 1 }
            #expect(try CardNumber(raw, issuerPrefixes: Self.prefixes).digits == raw)
        }
        #expect(luhnFailures == 9, "exactly one check digit passes Luhn, the other nine do not")
        #expect(!passesLuhn(Self.sample))
    }

    @Test func maskKeepsFirstFourAndLastFourDigits() throws {
        let card = try CardNumber(Self.sample, issuerPrefixes: Self.prefixes)
        #expect(card.masked == "3104***********7984")
        #expect(card.masked.count == 19)
    }

    @Test func descriptionAndInterpolationAreMasked() throws {
        let card = try CardNumber(Self.sample, issuerPrefixes: Self.prefixes)
        #expect(card.description == "3104***********7984")
        let logLine = "issued card \(card) to holder"
        #expect(logLine == "issued card 3104***********7984 to holder")
        #expect(!logLine.contains(Self.sample))
        #expect(!String(describing: card).contains(Self.sample))
        #expect(!String(reflecting: card).contains(Self.sample))
    }

    @Test(arguments: [("12345678", "********"), ("123", "***"), ("", ""), ("123456789", "1234*6789")])
    func maskHidesShortStringsEntirely(raw: String, masked: String) {
        #expect(CardNumber.mask(raw) == masked)
    }

    @Test func applicationSerialIsTenBCDBytesWithALeadingZeroNibble() throws {
        let card = try CardNumber(Self.sample, issuerPrefixes: Self.prefixes)
        #expect(card.applicationSerialBCD == [0x03, 0x10, 0x48, 0x20, 0x00, 0x01, 0x70, 0x90, 0x79, 0x84])
        let other = try CardNumber("3104820099999999999", issuerPrefixes: Self.prefixes)
        #expect(other.applicationSerialBCD == [0x03, 0x10, 0x48, 0x20, 0x09, 0x99, 0x99, 0x99, 0x99, 0x99])
    }

    @Test func trustedInitialiserKeepsDigitsAsGiven() {
        let card = CardNumber(trusted: Self.sample)
        #expect(card.digits == Self.sample)
        #expect(card == (try? CardNumber(Self.sample, issuerPrefixes: Self.prefixes)))
    }

    @Test func ordersByDigits() {
        let low = CardNumber(trusted: "3104820000000000001")
        let high = CardNumber(trusted: "3104820000000000010")
        #expect(low < high)
        #expect(!(high < low))
    }
}

@Suite("Issuer profile")
struct IssuerProfileTests {
    @Test func acceptsEightDigitPrefixesAndAnIssuerIDEndingInFFFFFFFF() throws {
        let profile = try IssuerProfile(cardNumberPrefixes: ["31048200", "31048201"], issuerID: "31045510FFFFFFFF")
        #expect(profile.cardNumberPrefixes == ["31048200", "31048201"])
        #expect(profile.issuerID == "31045510FFFFFFFF")
    }

    @Test func normalisesTheIssuerIDToUpperCase() throws {
        let profile = try IssuerProfile(cardNumberPrefixes: ["31048200"], issuerID: "3104abcdffffffff")
        #expect(profile.issuerID == "3104ABCDFFFFFFFF")
    }

    @Test(arguments: [Set<String>(), ["3104820"], ["310482000"], ["3104820A"], ["31048200", "1234"], ["３１０４８２００"]])
    func refusesPrefixesThatAreNotEightDigits(prefixes: Set<String>) {
        expectError(.unknownIssuerPrefix) { try IssuerProfile(cardNumberPrefixes: prefixes, issuerID: "31045510FFFFFFFF") }
    }

    @Test(arguments: [
        "31045510FFFFFFF",  // 15 characters
        "31045510FFFFFFFFF",  // 17 characters
        "31045510FFFFFFFE",  // does not end in FFFFFFFF
        "3104551GFFFFFFFF",  // not hex
        "",
        "３１０４５５１０FFFFFFFF",  // full-width digits
    ])
    func refusesMalformedIssuerIDs(issuerID: String) {
        expectError(.invalidProduct) { try IssuerProfile(cardNumberPrefixes: ["31048200"], issuerID: issuerID) }
    }

    @Test(arguments: [
        ("31045510FFFFFFFF", true),
        ("0000000FFFFFFFFF", true),
        ("31045510ffffffff", false),  // the shape check wants upper case
        ("31045510FFFFFFF0", false),
        ("31045510FFFFFFFFF", false),
        ("３１０４５５１０FFFFFFFF", false),
    ])
    func issuerIDShapeIsSixteenUpperCaseHexDigitsEndingInFFFFFFFF(value: String, valid: Bool) {
        #expect(IssuerProfile.isIssuerID(value) == valid)
    }

    @Test(arguments: [("31045510FFFFFFFF", "5510"), ("03101000FFFFFFFF", "1000"), ("01022900FFFFFFFF", "2900")])
    func cityCodeIsBytesThreeAndFourOfTheIssuerID(issuerID: String, city: String) throws {
        #expect(try IssuerProfile(cardNumberPrefixes: ["31048200"], issuerID: issuerID).cityCode == city)
    }
}
