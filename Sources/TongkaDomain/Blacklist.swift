import Foundation

/// Why a card is on the blacklist (黑名单).
public enum BlacklistReason: String, Sendable, CaseIterable, Codable {
    /// Reported lost or stolen (挂失).
    case lost
    /// Returned at a counter (退卡): added automatically with the refund.
    case refunded
    case fraud
    case damaged
    /// Listed by another issuer, from the national platform's exchange file.
    case external
    /// Dropped from validator lists because the card is past its valid-to date (removals only).
    case expired

    /// Reasons a supervisor or admin may give by hand: for our own cards lost, fraud or damaged;
    /// for another issuer's card only external.
    public static func manual(ownCard: Bool) -> Set<BlacklistReason> {
        ownCard ? [.lost, .fraud, .damaged] : [.external]
    }

    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.lost, .en): "lost"
        case (.refunded, .en): "refunded"
        case (.fraud, .en): "fraud"
        case (.damaged, .en): "damaged"
        case (.external, .en): "external"
        case (.expired, .en): "expired"
        case (.lost, .zh): "挂失"
        case (.refunded, .zh): "退卡"
        case (.fraud, .zh): "欺诈"
        case (.damaged, .zh): "损坏"
        case (.external, .zh): "外地发卡机构"
        case (.expired, .zh): "过期"
        }
    }
}

public enum BlacklistAction: String, Sendable, CaseIterable, Codable {
    case add
    case remove

    public var inverse: BlacklistAction { self == .add ? .remove : .add }
}

/// One entry of the append-only change log.
public struct BlacklistChange: Sendable, Equatable, Codable {
    public let version: UInt64
    public let card: CardNumber
    public let action: BlacklistAction
    public let reason: BlacklistReason

    public init(version: UInt64, card: CardNumber, action: BlacklistAction, reason: BlacklistReason) {
        self.version = version
        self.card = card
        self.action = action
        self.reason = reason
    }
}

extension CardNumber {
    /// Any issuer's 19-digit number: the blacklist holds other issuers' cards too (the usual
    /// initialiser also requires one of this operator's prefixes).
    public init(anyIssuer raw: String) throws(TongkaError) {
        guard raw.count == Self.length, raw.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TongkaError(.invalidCardNumber, detail: "\(raw.count) characters")
        }
        self.init(trusted: raw)
    }
}

extension CardNumber: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(trusted: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}

/// Lists derived from the change log. The log alternates per card (an addition only of an unlisted
/// card, a removal only of a listed one; the database refuses anything else), which is what makes
/// a delta computable from the changes after V alone.
public enum BlacklistLog {
    /// Every card listed after applying `changes` (ascending versions) to an empty list.
    public static func full(_ changes: some Sequence<BlacklistChange>) -> [CardNumber] {
        var listed = Set<CardNumber>()
        for change in changes {
            switch change.action {
            case .add: listed.insert(change.card)
            case .remove: listed.remove(change.card)
            }
        }
        return listed.sorted()
    }

    /// What a validator holding the list at version V must add and remove to reach the newest
    /// version, from the changes after V (ascending versions). A card listed and unlisted again
    /// after V is in neither section: the validator never needed to know.
    public static func delta(after changes: some Sequence<BlacklistChange>) -> BlacklistChanges {
        // The first change after V tells the card's state at V; the last one its state now.
        var first: [CardNumber: BlacklistAction] = [:]
        var last: [CardNumber: BlacklistAction] = [:]
        for change in changes {
            if first[change.card] == nil { first[change.card] = change.action }
            last[change.card] = change.action
        }
        var added: [CardNumber] = []
        var removed: [CardNumber] = []
        for (card, lastAction) in last {
            let listedAtV = first[card] == .remove
            let listedNow = lastAction == .add
            if listedNow && !listedAtV { added.append(card) }
            if !listedNow && listedAtV { removed.append(card) }
        }
        return BlacklistChanges(added: added.sorted(), removed: removed.sorted())
    }
}

/// One card in a request to change the list.
public struct BlacklistRequest: Sendable, Equatable, Codable {
    public let card: CardNumber
    public let action: BlacklistAction
    public let reason: BlacklistReason

    public init(card: CardNumber, action: BlacklistAction, reason: BlacklistReason) {
        self.card = card
        self.action = action
        self.reason = reason
    }
}

/// Who may change the list, and when a batch waits for a second admin.
public enum BlacklistPolicy {
    /// Supervisors and admins add and remove cards; only admins undo batches and approve held ones.
    public static let changers: Set<Role> = [.supervisor, .admin]
    public static let readers: Set<Role> = [.supervisor, .admin, .auditor]
    /// The most cards one command may name.
    public static let maximumBatchSize = 100_000

    public static func requireChanger(_ actor: StaffActor) throws(TongkaError) {
        guard changers.contains(actor.role) else {
            throw TongkaError(.forbiddenRole, detail: "supervisors and admins change the blacklist")
        }
    }

    public static func requireAdmin(_ actor: StaffActor) throws(TongkaError) {
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "an admin undoes and approves batches") }
    }

    /// Checks a manual request: one to `maximumBatchSize` cards, none twice, a reason allowed for
    /// the card (``BlacklistReason/manual(ownCard:)``; removals take any reason but `expired`).
    public static func checkManual(
        _ requests: [BlacklistRequest], isOwnCard: (CardNumber) -> Bool
    ) throws(TongkaError) {
        guard !requests.isEmpty else { throw TongkaError(.malformedRequest, detail: "no cards") }
        guard requests.count <= maximumBatchSize else {
            throw TongkaError(.malformedRequest, detail: "at most \(maximumBatchSize) cards in one batch")
        }
        var seen = Set<CardNumber>()
        for request in requests {
            guard seen.insert(request.card).inserted else {
                throw TongkaError(.malformedRequest, detail: "card \(request.card.masked) named twice")
            }
            let own = isOwnCard(request.card)
            switch request.action {
            case .add:
                guard BlacklistReason.manual(ownCard: own).contains(request.reason) else {
                    throw TongkaError(
                        .invalidBlacklistReason,
                        detail:
                            "\(request.reason.rawValue) for \(own ? "this operator's" : "another issuer's") card \(request.card.masked)"
                    )
                }
            case .remove:
                guard request.reason != .expired else {
                    throw TongkaError(.invalidBlacklistReason, detail: "expired removals are made by the server")
                }
            }
        }
    }

    /// Whether a batch of `size` changes waits for a second admin (above `approvalSize`).
    public static func needsApproval(size: Int, approvalSize: Int) -> Bool { size > approvalSize }
}

/// How a validator group with a size limit gets its list when the full list is longer: a
/// documented rule, never a silent cut. Entries are kept in this order: fraud, lost, refunded,
/// damaged, external; within a reason the newest listing first. The rest are dropped, and the
/// server counts and reports them (metric `tongka_blacklist_dropped_entries`, `report validators`).
public enum BlacklistTruncation {
    public static let priority: [BlacklistReason] = [.fraud, .lost, .refunded, .damaged, .external, .expired]

    public struct Entry: Sendable, Equatable {
        public let card: CardNumber
        public let reason: BlacklistReason
        public let version: UInt64

        public init(card: CardNumber, reason: BlacklistReason, version: UInt64) {
            self.card = card
            self.reason = reason
            self.version = version
        }
    }

    /// The cards kept (ascending) and how many were dropped.
    public static func keep(_ entries: [Entry], maximum: Int?) -> (kept: [CardNumber], dropped: Int) {
        guard let maximum, entries.count > maximum else { return (entries.map(\.card).sorted(), 0) }
        let rank = Dictionary(uniqueKeysWithValues: priority.enumerated().map { ($1, $0) })
        let ordered = entries.sorted {
            let (left, right) = (rank[$0.reason] ?? priority.count, rank[$1.reason] ?? priority.count)
            return left != right ? left < right : $0.version > $1.version
        }
        return (ordered.prefix(maximum).map(\.card).sorted(), entries.count - maximum)
    }
}

/// What registers a validator, checked.
public struct ValidatorRegistration: Sendable, Equatable, Codable {
    /// 6-byte BCD terminal number: 12 digits.
    public let terminalNumber: String
    /// The PSAM's serial, 10 to 20 upper-case hex digits.
    public let psamSerial: String
    public let mode: TransportMode
    public let line: String
    public let depot: String
    public let group: String

    public init(
        terminalNumber: String, psamSerial: String, mode: String, line: String, depot: String, group: String
    ) throws(TongkaError) {
        guard terminalNumber.count == 12, terminalNumber.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw TongkaError(.invalidTerminal, detail: "a validator's terminal number is 12 digits (6 bytes BCD)")
        }
        let psam = psamSerial.uppercased()
        guard (10...20).contains(psam.count), psam.allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
            throw TongkaError(.invalidValidator, detail: "the PSAM serial is 10 to 20 hex digits")
        }
        guard let mode = TransportMode(rawValue: mode) else {
            throw TongkaError(
                .invalidValidator, detail: "mode is one of \(TransportMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.terminalNumber = terminalNumber
        self.psamSerial = psam
        self.mode = mode
        self.line = try Validate.name(line, field: "line", maxLength: 40)
        self.depot = try Validate.name(depot, field: "depot", maxLength: 40)
        self.group = try Self.groupCode(group)
    }

    public static func groupCode(_ raw: String) throws(TongkaError) -> String {
        guard (1...32).contains(raw.count),
            raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { throw TongkaError(.invalidValidator, detail: "a group code is 1 to 32 letters, digits, '-' or '_'") }
        return raw
    }
}

/// A validator is stale when not seen for longer than the configured age, or when the oldest
/// change it has not applied is older than that age.
public enum ValidatorStaleness {
    /// - Parameter oldestMissingChangeAt: when the first version after the validator's applied
    ///   one was made; nil when it is up to date.
    public static func isStale(lastSeen: Date?, oldestMissingChangeAt: Date?, now: Date, maximumAge: TimeInterval) -> Bool {
        guard let lastSeen, now.timeIntervalSince(lastSeen) <= maximumAge else { return true }
        guard let oldestMissingChangeAt else { return false }
        return now.timeIntervalSince(oldestMissingChangeAt) > maximumAge
    }
}
