/// A typed database identifier, so a hall id can never be passed where a clerk id is expected.
public struct Identifier<Tag>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

public enum HallTag {}
public enum ClerkTag {}
public enum ShiftTag {}
public enum SessionTag {}
public enum AccountTag {}
public enum JournalTransactionTag {}
public enum ProductTag {}
public enum HolderTag {}
public enum StockBatchTag {}

public typealias HallID = Identifier<HallTag>
public typealias ClerkID = Identifier<ClerkTag>
public typealias ShiftID = Identifier<ShiftTag>
public typealias SessionID = Identifier<SessionTag>
public typealias AccountID = Identifier<AccountTag>
public typealias JournalTransactionID = Identifier<JournalTransactionTag>
public typealias ProductID = Identifier<ProductTag>
public typealias HolderID = Identifier<HolderTag>
public typealias StockBatchID = Identifier<StockBatchTag>

public enum LoadTag {}
/// A purse load attempt (`loads.load_id`).
public typealias LoadID = Identifier<LoadTag>

public enum CompanyTag {}
/// A transport company (`transport_companies.company_id`).
public typealias CompanyID = Identifier<CompanyTag>
