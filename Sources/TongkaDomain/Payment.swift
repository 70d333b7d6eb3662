import Foundation

/// How a customer paid at the counter. Cash lands in the clerk's shift drawer; the others land in
/// a clearing account per payment channel, settled later with the acquirer.
public enum PaymentMethod: String, Sendable, CaseIterable, Codable {
    case cash
    case unionpay
    case wechatPay = "wechat_pay"
    case alipay

    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.cash, .en): "cash"
        case (.unionpay, .en): "UnionPay card"
        case (.wechatPay, .en): "WeChat Pay"
        case (.alipay, .en): "Alipay"
        case (.cash, .zh): "现金"
        case (.unionpay, .zh): "银联卡"
        case (.wechatPay, .zh): "微信支付"
        case (.alipay, .zh): "支付宝"
        }
    }
}

/// A non-cash payment's proof: the payment channel's own transaction reference (the number on the
/// UnionPay slip, the WeChat Pay or Alipay order number). It is unique per channel, so one
/// channel payment can never pay for two sales, and shift close lists the references per channel
/// for reconciliation with the channel's statement.
public struct PaymentReference: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// 4 to 64 letters, digits, '-' or '_'.
    public init(_ text: String) throws(TongkaError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard (4...64).contains(trimmed.count),
            trimmed.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            })
        else { throw TongkaError(.paymentReferenceRequired, detail: "4 to 64 letters, digits, '-' or '_'") }
        value = trimmed
    }

    public var description: String { value }
}

/// The payment of a money command: how the customer paid and, for non-cash channels, the channel's
/// reference. Built only through ``init(method:reference:amount:)``, which decides the rule once.
public struct Payment: Hashable, Sendable, Codable {
    public let method: PaymentMethod
    public let reference: PaymentReference?

    /// A non-cash payment of a positive amount needs the channel's reference; cash never has one.
    /// Nothing paid (amount zero) needs none.
    public init(method: PaymentMethod, reference: String?, amount: Money) throws(TongkaError) {
        let given = reference.flatMap { $0.isEmpty ? nil : $0 }
        switch (method, given) {
        case (.cash, nil):
            self.reference = nil
        case (.cash, .some):
            throw TongkaError(.paymentReferenceNotAllowed)
        case (_, nil):
            guard amount == .zero else {
                throw TongkaError(.paymentReferenceRequired, detail: method.rawValue)
            }
            self.reference = nil
        case (_, .some(let text)):
            self.reference = try PaymentReference(text)
        }
        self.method = method
    }
}
