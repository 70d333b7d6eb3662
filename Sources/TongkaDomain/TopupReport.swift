import Foundation

/// The dimensions the top-up report can group loads by.
public enum TopupDimension: String, Sendable, CaseIterable, Codable {
    /// The hall where the load was made.
    case hall
    /// The payment method (channel) that paid for it.
    case channel
    /// The card's product.
    case product

    /// Parses a comma-separated grouping such as `hall,channel`: any subset of the dimensions, in
    /// any order, each once (``ReportDimensions/parse(_:)``).
    public static func parse(_ text: String) throws(TongkaError) -> [TopupDimension] {
        try ReportDimensions.parse(text)
    }
}
