import Testing
import TongkaDomain

/// A product with sensible defaults; each test changes what it is about.
private func product(
    code: String = "CS-ORD", name: String = "长沙交通联合卡", cardType: CardType = .ordinary, deposit: Money = Money(yuan: 20),
    cardCost: Money = .zero, replacementFee: Money = Money(yuan: 15), transportModes: [TransportMode] = [.bus, .metro],
    interconnection: Bool = true, allowsAnonymous: Bool = true, allowsRegistered: Bool = true,
    maximumBalance: Money = Money(yuan: 1_000)
) throws -> ProductDefinition {
    try ProductDefinition(
        code: code, name: name, cardType: cardType, deposit: deposit, cardCost: cardCost, replacementFee: replacementFee,
        transportModes: transportModes, interconnection: interconnection, allowsAnonymous: allowsAnonymous,
        allowsRegistered: allowsRegistered, maximumBalance: maximumBalance)
}

@Suite("Card products")
struct ProductDefinitionTests {
    @Test func keepsTheFieldsOfAValidProduct() throws {
        let definition = try product()
        #expect(definition.code == "CS-ORD")
        #expect(definition.name == "长沙交通联合卡")
        #expect(definition.cardType == .ordinary)
        #expect(definition.deposit == Money(yuan: 20))
        #expect(definition.cardCost == .zero)
        #expect(definition.replacementFee == Money(yuan: 15))
        #expect(definition.transportModes == [.bus, .metro])
        #expect(definition.interconnection)
        #expect(definition.allowsAnonymous && definition.allowsRegistered)
        #expect(definition.maximumBalance == Money(yuan: 1_000))
    }

    @Test func normalisesTheCodeToUpperCaseAndTrimsTheName() throws {
        let definition = try product(code: "cs-student_2026", name: "  学生卡  ")
        #expect(definition.code == "CS-STUDENT_2026")
        #expect(definition.name == "学生卡")
    }

    @Test(arguments: ["", "A", "-ORD", "_ORD", "CS ORD", "CS.ORD", "学生卡", String(repeating: "A", count: 21)])
    func refusesABadCodeAsInvalidProduct(code: String) {
        expectError(.invalidProduct) { try product(code: code) }
    }

    @Test(arguments: ["", "   ", "\n\t", "bad\u{0007}name"])
    func refusesAnEmptyOrControlCharacterNameAsInvalidName(name: String) {
        let error = expectError(.invalidName) { try product(name: name) }
        #expect(error?.detail == "product name")
    }

    @Test(arguments: [Money(fen: -1), Money(fen: 1_000_001), Money(fen: Money.maximumFen + 1)])
    func refusesNegativeOrAboveTenThousandYuanFeesAsOutOfRange(amount: Money) {
        #expect(expectError(.amountOutOfRange) { try product(deposit: amount) }?.detail == "deposit")
        #expect(expectError(.amountOutOfRange) { try product(cardCost: amount) }?.detail == "card cost")
        #expect(expectError(.amountOutOfRange) { try product(replacementFee: amount) }?.detail == "replacement fee")
    }

    @Test func acceptsFeesOfZeroAndOfExactlyTenThousandYuan() throws {
        let limit = Money(yuan: 10_000)
        let definition = try product(deposit: limit, cardCost: limit, replacementFee: .zero)
        #expect(definition.deposit == limit)
        #expect(definition.cardCost == limit)
        #expect(definition.replacementFee == .zero)
    }

    @Test func refusesAProductWithoutTransportModes() {
        let error = expectError(.invalidProduct) { try product(transportModes: []) }
        #expect(error?.detail == "no transport modes")
    }

    @Test func refusesAProductNeitherAnonymousNorRegistered() {
        let error = expectError(.invalidProduct) { try product(allowsAnonymous: false, allowsRegistered: false) }
        #expect(error?.detail == "neither anonymous nor registered")
    }

    @Test(arguments: [Money.zero, Money(fen: -100), Money(fen: 4_294_967_296), Money(fen: Int64.max)])
    func refusesAMaximumBalanceOfZeroOrBeyondWhatAPurseHolds(balance: Money) {
        let error = expectError(.amountOutOfRange) { try product(maximumBalance: balance) }
        #expect(error?.detail == "maximum balance")
    }

    @Test(arguments: [Money(fen: 1), Money(fen: 4_294_967_295)])
    func acceptsAMaximumBalanceFromOneFenToTheFourByteLimit(balance: Money) throws {
        #expect(try product(maximumBalance: balance).maximumBalance == balance)
        #expect(ProductDefinition.purseLimit.fen == 4_294_967_295)
    }

    @Test(arguments: [CardType.student, .elderly, .military])
    func refusesReducedFareCardsSoldAnonymously(type: CardType) throws {
        let error = expectError(.invalidProduct) { try product(cardType: type, allowsAnonymous: true, allowsRegistered: true) }
        #expect(error?.detail == "\(type.code) cards must be registered")
        #expect(try product(cardType: type, allowsAnonymous: false, allowsRegistered: true).cardType == type)
    }

    @Test(arguments: [CardType.ordinary, .test])
    func ordinaryAndTestCardsMayBeAnonymousOnly(type: CardType) throws {
        let definition = try product(cardType: type, allowsAnonymous: true, allowsRegistered: false)
        #expect(definition.allowsAnonymous && !definition.allowsRegistered)
    }

    @Test func deduplicatesAndSortsTransportModes() throws {
        let definition = try product(transportModes: [.ferry, .bus, .metro, .bus, .ferry, .bike, .brt])
        #expect(definition.transportModes == [.bus, .metro, .brt, .ferry, .bike])
    }

    // MARK: Issuing

    @Test func productAllowingBothIssuesEitherWay() throws {
        let definition = try product(allowsAnonymous: true, allowsRegistered: true)
        try definition.checkIssuable(registered: true)
        try definition.checkIssuable(registered: false)
    }

    @Test func registeredOnlyProductRefusesAnonymousIssue() throws {
        let definition = try product(allowsAnonymous: false, allowsRegistered: true)
        try definition.checkIssuable(registered: true)
        let error = expectError(.anonymousNotAllowed) { try definition.checkIssuable(registered: false) }
        #expect(error?.detail == "CS-ORD")
    }

    @Test func anonymousOnlyProductRefusesRegistration() throws {
        let definition = try product(allowsAnonymous: true, allowsRegistered: false)
        try definition.checkIssuable(registered: false)
        let error = expectError(.registrationNotAllowed) { try definition.checkIssuable(registered: true) }
        #expect(error?.detail == "CS-ORD")
    }
}

@Suite("Card types and transport modes")
struct CardTypeTests {
    @Test(arguments: [
        ("ordinary", CardType.ordinary), ("Student", .student), ("ELDERLY", .elderly), ("test", .test), ("military", .military),
        ("1", .ordinary), ("2", .student), ("3", .elderly), ("4", .test), ("5", .military),
    ])
    func findsACardTypeByNameOrNumber(code: String, type: CardType) {
        #expect(CardType(code: code) == type)
    }

    @Test(arguments: ["", "0", "6", "01", " 1", "ordinary ", "普通卡", "senior"])
    func findsNoCardTypeForOtherCodes(code: String) {
        #expect(CardType(code: code) == nil)
    }

    @Test func cardTypeNumbersFollowFile0017() {
        #expect(CardType.allCases.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(CardType.allCases.map(\.code) == ["ordinary", "student", "elderly", "test", "military"])
    }

    @Test func everyCardTypeHasAnEnglishAndAChineseName() {
        for type in CardType.allCases {
            #expect(type.localizedName(.en) == type.code)
            #expect(!type.localizedName(.zh).isEmpty)
            #expect(type.localizedName(.zh) != type.localizedName(.en))
        }
        #expect(CardType.student.localizedName(.zh) == "学生卡")
    }

    @Test func transportModesOrderAsDeclared() {
        #expect(TransportMode.allCases.sorted() == TransportMode.allCases)
        #expect(TransportMode.bus < TransportMode.metro)
        #expect(TransportMode.rail < TransportMode.bike)
        #expect(!(TransportMode.taxi < TransportMode.ferry))
        #expect([TransportMode.bike, .bus, .taxi].sorted() == [.bus, .taxi, .bike])
    }

    @Test func everyTransportModeHasADistinctEnglishAndChineseName() {
        let english = TransportMode.allCases.map { $0.localizedName(.en) }
        let chinese = TransportMode.allCases.map { $0.localizedName(.zh) }
        #expect(Set(english).count == TransportMode.allCases.count)
        #expect(Set(chinese).count == TransportMode.allCases.count)
        #expect(!english.contains { $0.isEmpty })
        #expect(zip(english, chinese).allSatisfy { $0 != $1 })
        #expect(TransportMode.metro.localizedName(.zh) == "地铁")
        #expect(TransportMode.bike.localizedName(.en) == "public bike")
    }
}
