import Testing
import TongkaDomain

@Suite("Money")
struct MoneyTests {
    // MARK: Parsing what cashiers type

    @Test(arguments: [
        ("50", Int64(5000)),
        ("50.5", 5050),
        ("50.50", 5050),
        ("50.05", 5005),
        ("¥50.50", 5050),
        ("￥50", 5000),
        ("50元", 5000),
        ("￥50.5元", 5050),
        (" 50 ", 5000),
        ("\t50.50\t", 5050),
        ("\u{3000}50\u{3000}", 5000),
        ("\u{3000} ¥20 \u{3000}", 2000),
        ("0", 0),
        ("0.0", 0),
        ("0.01", 1),
        ("0050", 5000),
        ("10000000", 1_000_000_000),
        ("10000000.00", 1_000_000_000),
        ("0000000001", 100),
    ])
    func parsesYuanTextToFen(text: String, fen: Int64) throws {
        #expect(try Money.parse(yuan: text).fen == fen)
    }

    @Test func parsesYuanWithOneDecimalAsTenFen() throws {
        #expect(try Money.parse(yuan: "0.1").fen == 10)
        #expect(try Money.parse(yuan: "50.5").fen == 5050)
    }

    @Test(arguments: [
        "-5", "+5", "5.123", "1e3", "1E3", "1,000", "1 000", "abc", "", "   ", "\u{3000}", ".5", "5.", ".",
        "5..0", "5.0.0", "¥", "元", "¥-5", "50 元", "¥ 50", "0x10", "５０", "٥٠", "5.5a", "NaN", "inf",
        "12345678901", "00000000001",
    ])
    func refusesMalformedAmountsAsInvalidAmount(text: String) {
        let error = expectError(.invalidAmount) { try Money.parse(yuan: text) }
        #expect(error?.detail == text, "the detail echoes what was typed")
    }

    @Test(arguments: ["10000000.01", "10000001", "9999999999", "9999999999.99"])
    func refusesAmountsAboveTheMaximumAsOutOfRange(text: String) {
        expectError(.amountOutOfRange) { try Money.parse(yuan: text) }
    }

    @Test func refusesMoreThanTenIntegerDigitsAsInvalidNotOutOfRange() {
        // Ten digits are read (and then found too large); eleven are a typing slip.
        expectError(.amountOutOfRange) { try Money.parse(yuan: "1000000000") }
        expectError(.invalidAmount) { try Money.parse(yuan: "10000000000") }
    }

    // MARK: Formatting

    @Test(arguments: [
        (Int64(5050), "¥50.50"),
        (5, "¥0.05"),
        (50, "¥0.50"),
        (-320, "-¥3.20"),
        (-1, "-¥0.01"),
        (0, "¥0.00"),
        (100, "¥1.00"),
        (1_000_000_000, "¥10000000.00"),
    ])
    func formatsFenAsYuanWithTwoDecimals(fen: Int64, text: String) {
        #expect(Money(fen: fen).formatted == text)
        #expect(Money(fen: fen).description == text)
        #expect("\(Money(fen: fen))" == text)
    }

    @Test(arguments: [(Int64(5050), "50.50"), (-320, "-3.20"), (0, "0.00"), (7, "0.07"), (1_000_000_000, "10000000.00")])
    func decimalStringHasNoCurrencySign(fen: Int64, text: String) {
        #expect(Money(fen: fen).decimalString == text)
    }

    @Test func formatsTheMostNegativeAmountWithoutOverflow() {
        #expect(Money(fen: .min).formatted == "-¥92233720368547758.08")
    }

    // MARK: Arithmetic and limits

    @Test func wholeYuanInitialiserCountsHundredFenPerYuan() {
        #expect(Money(yuan: 20).fen == 2000)
        #expect(Money(yuan: 0) == .zero)
    }

    @Test func addsSubtractsNegatesAndOrders() {
        let a = Money(fen: 150)
        let b = Money(fen: 70)
        #expect((a + b).fen == 220)
        #expect((a - b).fen == 80)
        #expect((b - a).fen == -80)
        #expect((-a).fen == -150)
        #expect(b < a)
        #expect(!(a < a))
        #expect([a, .zero, b].sorted() == [.zero, b, a])
    }

    @Test func maximumIsTenMillionYuan() {
        #expect(Money.maximumFen == 1_000_000_000)
        #expect(Money(fen: Money.maximumFen).formatted == "¥10000000.00")
    }

    @Test(arguments: [Int64(0), 1, 5050, Money.maximumFen])
    func counterAmountAcceptsZeroToMaximum(fen: Int64) throws {
        #expect(try Money.counterAmount(fen: fen, field: "deposit").fen == fen)
        #expect(Money(fen: fen).isValidCounterAmount)
    }

    @Test(arguments: [Int64(-1), Money.maximumFen + 1, .min, .max])
    func counterAmountRefusesNegativeAndAboveMaximumAsOutOfRange(fen: Int64) {
        let error = expectError(.amountOutOfRange) {
            try Money.counterAmount(fen: fen, field: "amount_fen")
        }
        #expect(error?.detail == "amount_fen=\(fen)")
        #expect(!Money(fen: fen).isValidCounterAmount)
    }

    // MARK: Properties

    @Test func decimalStringParsesBackToTheSameFenForRandomAmounts() throws {
        var random = SeededGenerator(seed: 0x7043_6B61)
        var values: [Int64] = [0, 1, 9, 10, 99, 100, 101, Money.maximumFen - 1, Money.maximumFen]
        for _ in 0..<5_000 { values.append(Int64.random(in: 0...Money.maximumFen, using: &random)) }
        for _ in 0..<1_000 { values.append(Int64.random(in: 0...10_000, using: &random)) }
        for value in values {
            let money = Money(fen: value)
            #expect(try Money.parse(yuan: money.decimalString).fen == value, "decimalString \(money.decimalString)")
            #expect(try Money.parse(yuan: money.formatted).fen == value, "formatted \(money.formatted)")
        }
    }
}
