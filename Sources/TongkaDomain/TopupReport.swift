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
    /// any order, each once; an empty text groups by nothing (one row per period). Anything else
    /// is `invalid_grouping`, with the accepted names in the detail.
    public static func parse(_ text: String) throws(TongkaError) -> [TopupDimension] {
        var chosen: Set<TopupDimension> = []
        let names = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if names == [""] { return [] }
        for name in names {
            guard let dimension = TopupDimension(rawValue: name), chosen.insert(dimension).inserted else {
                throw TongkaError(.invalidGrouping, detail: "group by any of hall, channel, product, each once")
            }
        }
        // A fixed order, whatever the order asked, so rows and columns read the same every time.
        return allCases.filter(chosen.contains)
    }
}
