import Foundation

/// Where the next page of a list starts: an opaque token to the client, the sort key of the last
/// row shown to us. Lists return at most `limit` rows and a cursor when more follow, so no list
/// stops silently at a fixed number of rows.
public struct PageCursor: Sendable, Equatable {
    /// The sort key of the last row of the previous page.
    public let key: String

    public init(key: String) { self.key = key }

    /// Parses a token a client sent back; anything not made by ``token`` is `invalid_cursor`.
    public init(token: String) throws(TongkaError) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard token.count <= 200, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("p1:")
        else { throw TongkaError(.invalidCursor) }
        key = String(text.dropFirst(3))
    }

    /// The key as an integer id, for lists ordered by id.
    public func integerKey() throws(TongkaError) -> Int64 {
        guard let value = Int64(key) else { throw TongkaError(.invalidCursor) }
        return value
    }

    /// URL-safe base64 of a versioned key.
    public var token: String {
        Data("p1:\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// One page of a list and where the next one starts (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: PageCursor?

    /// Builds a page from up to `limit + 1` rows fetched: the extra row only says that more follow.
    public init(rows: [Item], limit: Int, key: (Item) -> String) {
        if rows.count > limit {
            items = Array(rows.prefix(limit))
            next = items.last.map { PageCursor(key: key($0)) }
        } else {
            items = rows
            next = nil
        }
    }

    /// Page sizes: 100 unless asked, never more than 1,000.
    public static func limit(_ requested: Int?) throws(TongkaError) -> Int {
        guard let requested else { return 100 }
        guard (1...1000).contains(requested) else { throw TongkaError(.malformedRequest, detail: "limit is 1 to 1000") }
        return requested
    }
}
