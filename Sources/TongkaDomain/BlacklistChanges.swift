/// Why two lists could not be compared, or changes not applied. Indexes count from 0.
public enum BlacklistChangesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which input a problem is in.
    public enum List: String, Sendable {
        case previous
        case new
        case added
        case removed
    }

    /// Not exactly 19 ASCII digits.
    case invalidCardNumber(list: List, index: Int)
    /// Not greater than the number before it.
    case notStrictlyAscending(list: List, index: Int)
    /// Applying changes: an added card is already on the list (the list is not the one the changes were made from).
    case alreadyListed(addedIndex: Int)
    /// Applying changes: a removed card is not on the list.
    case notListed(removedIndex: Int)

    public var description: String {
        switch self {
        case .invalidCardNumber(let list, let index): "\(list) number \(index) is not 19 digits"
        case .notStrictlyAscending(let list, let index): "\(list) number \(index) is not greater than the number before it"
        case .alreadyListed(let index): "added number \(index) is already listed"
        case .notListed(let index): "removed number \(index) is not listed"
        }
    }
}

/// What changed between two versions of one issuer's list: the cards to add and the cards to take
/// off, each ascending. Importing another issuer's file appends these to the change log; a delta
/// for validators carries the same two lists.
public struct BlacklistChanges: Sendable, Equatable {
    public let added: [CardNumber]
    public let removed: [CardNumber]

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }

    /// The changes that turn `previous` into `new`. Both must be strictly ascending 19-digit
    /// numbers (as ``BlacklistExchangeFile`` and the change log deliver them); one merge pass.
    public static func between(previous: [CardNumber], new: [CardNumber]) throws(BlacklistChangesError) -> BlacklistChanges {
        let old = try values(previous, list: .previous)
        let next = try values(new, list: .new)
        var added: [CardNumber] = []
        var removed: [CardNumber] = []
        var i = 0
        var j = 0
        while i < old.count || j < next.count {
            if j == next.count || (i < old.count && old[i] < next[j]) {
                removed.append(previous[i])
                i += 1
            } else if i == old.count || next[j] < old[i] {
                added.append(new[j])
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return BlacklistChanges(added: added, removed: removed)
    }

    /// Changes from elsewhere, for example a decoded delta. Not checked here: ``applied(to:)``
    /// checks their order and shape and whether they fit the list.
    public init(added: [CardNumber], removed: [CardNumber]) {
        self.added = added
        self.removed = removed
    }

    /// `list` with the removed cards taken off and the added cards put on, ascending. Refuses
    /// changes that do not fit: adding a listed card or removing an unlisted one means `list` is
    /// not the version the changes start from.
    public func applied(to list: [CardNumber]) throws(BlacklistChangesError) -> [CardNumber] {
        // Every value came from a checked 19-digit number, so every one converts back.
        try appliedValues(to: try Self.values(list, list: .previous)).map { CardNumber(numericValue: $0)! }
    }

    /// ``applied(to:)`` on the numbers' numeric values (ascending), for a validator that holds
    /// integers and should not make a million strings to apply a delta.
    public func appliedValues(to current: [UInt64]) throws(BlacklistChangesError) -> [UInt64] {
        if let index = current.indices.dropFirst().first(where: { current[$0] <= current[$0 - 1] }) {
            throw .notStrictlyAscending(list: .previous, index: index)
        }
        let adds = try Self.values(added, list: .added)
        let removes = try Self.values(removed, list: .removed)
        var result: [UInt64] = []
        result.reserveCapacity(max(0, current.count + adds.count - removes.count))
        var i = 0
        var a = 0
        var r = 0
        while i < current.count || a < adds.count {
            if r < removes.count, i < current.count, removes[r] < current[i] { throw .notListed(removedIndex: r) }
            if a < adds.count, i < current.count, adds[a] == current[i] { throw .alreadyListed(addedIndex: a) }
            if a < adds.count && (i == current.count || adds[a] < current[i]) {
                result.append(adds[a])
                a += 1
            } else if r < removes.count && removes[r] == current[i] {
                i += 1
                r += 1
            } else {
                result.append(current[i])
                i += 1
            }
        }
        if r < removes.count { throw .notListed(removedIndex: r) }
        return result
    }

    private static func values(
        _ numbers: [CardNumber], list: BlacklistChangesError.List
    ) throws(BlacklistChangesError) -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(numbers.count)
        for (index, number) in numbers.enumerated() {
            guard let value = number.numericValue else { throw .invalidCardNumber(list: list, index: index) }
            if let last = values.last, value <= last { throw .notStrictlyAscending(list: list, index: index) }
            values.append(value)
        }
        return values
    }
}
