import Foundation

/// An amount of money in integer fen (分, 1/100 yuan). Never a floating-point value.
///
/// Amounts on the wire and in the database are integer fen; people type and read yuan
/// (`50`, `50.5`, `¥50.50`), which ``Money/parse(yuan:)`` and ``Money/formatted`` convert.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The amount in fen. Negative only for ledger entries (credits) and differences.
    public let fen: Int64

    /// The largest single amount the service accepts anywhere: ¥10,000,000.00.
    /// A limit on everything: no legitimate counter amount comes near it, and it keeps sums of
    /// many amounts far from `Int64` overflow.
    public static let maximumFen: Int64 = 1_000_000_000

    public static let zero = Money(fen: 0)

    public init(fen: Int64) { self.fen = fen }

    /// Whole yuan, for readable code and tests: `Money(yuan: 20)` is 2000 fen.
    public init(yuan: Int64) { self.fen = yuan * 100 }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(fen: lhs.fen + rhs.fen) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(fen: lhs.fen - rhs.fen) }
    public static prefix func - (value: Money) -> Money { Money(fen: -value.fen) }

    /// `¥50.50`, `-¥3.20`, `¥0.00`.
    public var formatted: String {
        let magnitude = fen.magnitude
        let yuan = magnitude / 100
        let cents = magnitude % 100
        let digits = cents < 10 ? "0\(cents)" : "\(cents)"
        return (fen < 0 ? "-" : "") + "¥\(yuan).\(digits)"
    }

    /// The plain decimal form without currency sign, as used in CSV files: `50.50`, `-3.20`.
    public var decimalString: String {
        String(formatted.replacingOccurrences(of: "¥", with: ""))
    }

    public var description: String { formatted }

    /// Whether this is a sensible non-negative amount for a counter command (0 ... maximum).
    public var isValidCounterAmount: Bool { fen >= 0 && fen <= Self.maximumFen }

    /// Parses an amount typed in yuan: `50`, `50.5`, `50.50`, `¥50.50`, `￥50`, `50元`, ` 50 `.
    ///
    /// Refuses signs, exponents, thousands separators, more than two decimals and anything over
    /// ``maximumFen``, so a typing slip never becomes a different amount. Written by hand because
    /// `Decimal` and `Double` parsing accept forms (exponents, locale separators) a cashier must
    /// never have silently reinterpreted.
    public static func parse(yuan text: String) throws(TongkaError) -> Money {
        var body = Substring(text.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{3000}"))))
        if body.first == "¥" || body.first == "￥" { body = body.dropFirst() }
        if body.last == "元" { body = body.dropLast() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
            let whole = parts.first, !whole.isEmpty, whole.count <= 10,
            whole.allSatisfy({ $0.isASCII && $0.isNumber })
        else {
            throw TongkaError(.invalidAmount, detail: text)
        }
        var fen = Int64(whole)! * 100
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw TongkaError(.invalidAmount, detail: text)
            }
            let cents = Int64(fraction)!
            fen += fraction.count == 1 ? cents * 10 : cents
        }
        guard fen <= maximumFen else { throw TongkaError(.amountOutOfRange, detail: text) }
        return Money(fen: fen)
    }

    /// Checks an amount received in fen (from JSON) against the counter limits.
    public static func counterAmount(fen: Int64, field: String) throws(TongkaError) -> Money {
        guard fen >= 0, fen <= maximumFen else {
            throw TongkaError(.amountOutOfRange, detail: "\(field)=\(fen)")
        }
        return Money(fen: fen)
    }
}
