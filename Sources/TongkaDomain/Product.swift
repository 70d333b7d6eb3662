/// Card types of file 0017 byte 10 (domain.md §2).
public enum CardType: Int, Sendable, CaseIterable, Codable {
    case ordinary = 1
    case student = 2
    case elderly = 3
    case test = 4
    case military = 5

    public var code: String {
        switch self {
        case .ordinary: "ordinary"
        case .student: "student"
        case .elderly: "elderly"
        case .test: "test"
        case .military: "military"
        }
    }

    public init?(code: String) {
        guard let match = Self.allCases.first(where: { $0.code == code.lowercased() || String($0.rawValue) == code }) else {
            return nil
        }
        self = match
    }

    public func localizedName(_ language: Language) -> String {
        switch language {
        case .en: code
        case .zh: ["普通卡", "学生卡", "老年卡", "测试卡", "军人卡"][rawValue - 1]
        }
    }
}

/// Transport modes a card product covers: the "卡片覆盖交通方式" figure of the ministry report.
public enum TransportMode: String, Sendable, CaseIterable, Codable, Comparable {
    case bus
    case metro
    case brt
    case tram
    case ferry
    case taxi
    case rail
    case bike

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    public func localizedName(_ language: Language) -> String {
        switch language {
        case .en: ["bus", "metro", "BRT", "tram", "ferry", "taxi", "rail", "public bike"][Self.allCases.firstIndex(of: self)!]
        case .zh: ["公交", "地铁", "快速公交", "有轨电车", "轮渡", "出租车", "市域铁路", "公共自行车"][Self.allCases.firstIndex(of: self)!]
        }
    }
}

/// What a card product is and costs. Amounts are per product because deposits, card costs and
/// fees vary by operator (domain.md §3).
public struct ProductDefinition: Sendable, Equatable {
    public let code: String
    public let name: String
    public let cardType: CardType
    public let deposit: Money
    public let cardCost: Money
    public let replacementFee: Money
    public let transportModes: [TransportMode]
    public let interconnection: Bool
    public let allowsAnonymous: Bool
    public let allowsRegistered: Bool
    public let maximumBalance: Money
    /// The fee a card return (退卡) charges.
    public let refundFee: RefundFeeRule

    /// The largest balance a JT/T 978 purse can represent is 2^32-1 fen; operators set far less
    /// (typically ¥1,000).
    public static let purseLimit = Money(fen: 4_294_967_295)

    public init(
        code: String, name: String, cardType: CardType, deposit: Money, cardCost: Money, replacementFee: Money,
        transportModes: [TransportMode], interconnection: Bool, allowsAnonymous: Bool, allowsRegistered: Bool,
        maximumBalance: Money, refundFee: RefundFeeRule = .none
    ) throws(TongkaError) {
        self.code = try Validate.productCode(code)
        self.name = try Validate.name(name, field: "product name")
        let fees = [("deposit", deposit), ("card cost", cardCost), ("replacement fee", replacementFee)]
        for (field, amount) in fees where !amount.isValidCounterAmount || amount > Money(yuan: 10_000) {
            throw TongkaError(.amountOutOfRange, detail: field)
        }
        guard !transportModes.isEmpty else { throw TongkaError(.invalidProduct, detail: "no transport modes") }
        guard allowsAnonymous || allowsRegistered else {
            throw TongkaError(.invalidProduct, detail: "neither anonymous nor registered")
        }
        guard maximumBalance.fen > 0, maximumBalance <= Self.purseLimit else {
            throw TongkaError(.amountOutOfRange, detail: "maximum balance")
        }
        // Reduced-fare cards are tied to a person; selling them anonymously defeats the discount.
        if cardType == .student || cardType == .elderly || cardType == .military, allowsAnonymous {
            throw TongkaError(.invalidProduct, detail: "\(cardType.code) cards must be registered")
        }
        self.cardType = cardType
        self.deposit = deposit
        self.cardCost = cardCost
        self.replacementFee = replacementFee
        self.transportModes = Array(Set(transportModes)).sorted()
        self.interconnection = interconnection
        self.allowsAnonymous = allowsAnonymous
        self.allowsRegistered = allowsRegistered
        self.maximumBalance = maximumBalance
        try refundFee.validate()
        self.refundFee = refundFee
    }

    /// Whether a card of this product may be issued to `holder` (nil = anonymous).
    public func checkIssuable(registered: Bool) throws(TongkaError) {
        if registered, !allowsRegistered { throw TongkaError(.registrationNotAllowed, detail: code) }
        if !registered, !allowsAnonymous { throw TongkaError(.anonymousNotAllowed, detail: code) }
    }
}

/// A card product as stored: its definition and whether it is still sold.
public struct Product: Sendable, Equatable {
    public let id: ProductID
    public let definition: ProductDefinition
    public let active: Bool

    public init(id: ProductID, definition: ProductDefinition, active: Bool) {
        self.id = id
        self.definition = definition
        self.active = active
    }

    /// A retired product takes no new stock and sells no more cards.
    public func checkActive() throws(TongkaError) {
        guard active else { throw TongkaError(.invalidProduct, detail: "product \(definition.code) is retired") }
    }

    /// Whether a card of this product may be sold now, anonymous or registered.
    public func checkIssuable(registered: Bool) throws(TongkaError) {
        try checkActive()
        try definition.checkIssuable(registered: registered)
    }
}
