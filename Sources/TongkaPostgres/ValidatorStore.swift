import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A registered validator as staff see it (never its token).
public struct ValidatorView: Sendable, Equatable {
    public let validatorID: Int64
    public let registration: ValidatorRegistration
    public let registeredAt: Date
    public let revokedAt: Date?
    public let appliedVersion: UInt64?
    public let appliedAt: Date?
    public let lastSeenAt: Date?
    /// When the first version this validator has not applied was made; nil when it is up to date.
    public let oldestMissingChangeAt: Date?
}

/// The validator a token belongs to, for the validator endpoints.
public struct ValidatorIdentity: Sendable, Equatable {
    public let validatorID: Int64
    public let terminalNumber: String
    public let group: String
    /// The group's hardware limit on list entries, if any.
    public let maximumEntries: Int?
}

/// How far one listed card's version has spread (`blacklist status`).
public struct PropagationView: Sendable, Equatable {
    public let entry: BlacklistEntryView?
    /// Every change of the card, oldest first.
    public let history: [BlacklistChangeView]
    /// The version that matters: the card's listing, or its newest change when not listed.
    public let version: UInt64?
    public let changedAt: Date?
    public let activeValidators: Int
    public let applied: Int
    /// The validators behind, the longest unseen first (at most 50).
    public let behind: [ValidatorView]
    public let behindCount: Int
}

/// Stale validators per group and mode (`report validators`).
public struct ValidatorReportRow: Sendable, Equatable {
    public let group: String
    public let mode: TransportMode
    public let maximumEntries: Int?
    public let active: Int
    public let upToDate: Int
    public let stale: Int
}

/// Validators: registration with a token shown once, revocation, what they applied and when they
/// were last seen, and the figures that prove a block reached them.
public struct ValidatorStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// A validator token: like a staff token, 32 random bytes, stored only as their SHA-256.
    public static func generateToken() -> String { "tv_" + SessionToken.generate().dropFirst(3) }

    /// Registers a validator (admins); its group is created without a size limit when new. The
    /// token is returned once.
    public func register(
        _ registration: ValidatorRegistration, now: Date, origin: RequestOrigin
    ) async throws -> (
        ValidatorView, token: String
    ) {
        let actor = try origin.requireActor()
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "admins register validators") }
        let token = Self.generateToken()
        return try await database.transaction { connection in
            try await connection.query(
                "INSERT INTO validator_groups (group_code) VALUES (\(registration.group)) ON CONFLICT DO NOTHING",
                logger: logger)
            _ = try await connection.one(
                """
                INSERT INTO validators (terminal_number, psam_serial, mode, line, depot, group_code, token_hash,
                                        registered_by, registered_at)
                VALUES (\(registration.terminalNumber), \(registration.psamSerial), \(registration.mode.rawValue),
                        \(registration.line), \(registration.depot), \(registration.group), \(SessionToken.hash(token)),
                        \(actor.clerkID.rawValue), \(now))
                RETURNING validator_id
                """, as: Int64.self, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "validator.register", subject: "validator:\(registration.terminalNumber)",
                details: ["group": registration.group, "mode": registration.mode.rawValue], logger: logger)
            return (try await view(terminal: registration.terminalNumber, connection: connection), token)
        }
    }

    /// Revokes a validator's token for good (admins).
    public func revoke(terminal: String, now: Date, origin: RequestOrigin) async throws -> ValidatorView {
        let actor = try origin.requireActor()
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "admins revoke validators") }
        return try await database.transaction { connection in
            guard
                try await connection.first(
                    """
                    UPDATE validators SET revoked_at = coalesce(revoked_at, \(now)),
                                          revoked_by = coalesce(revoked_by, \(actor.clerkID.rawValue))
                     WHERE terminal_number = \(terminal) RETURNING validator_id
                    """, as: Int64.self, logger: logger) != nil
            else { throw TongkaError(.validatorNotFound) }
            try await Audit.record(
                connection, origin: origin, action: "validator.revoke", subject: "validator:\(terminal)", logger: logger)
            return try await view(terminal: terminal, connection: connection)
        }
    }

    /// Sets a group's maximum list size (admins); nil lifts the limit.
    public func setGroup(_ code: String, maximumEntries: Int?, origin: RequestOrigin) async throws {
        let actor = try origin.requireActor()
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "admins set group limits") }
        let code = try ValidatorRegistration.groupCode(code)
        if let maximumEntries, maximumEntries < 1 {
            throw TongkaError(.invalidValidator, detail: "a group's maximum is at least one entry")
        }
        try await database.transaction { connection in
            try await connection.query(
                """
                INSERT INTO validator_groups (group_code, max_entries) VALUES (\(code), \(maximumEntries))
                ON CONFLICT (group_code) DO UPDATE SET max_entries = EXCLUDED.max_entries
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "validator.group", subject: "group:\(code)",
                details: ["max_entries": maximumEntries.map { "\($0)" } ?? "none"], logger: logger)
        }
    }

    /// The validator a token names: `invalid_token` when none, `validator_revoked` when revoked.
    public func authenticate(token: String) async throws -> ValidatorIdentity {
        guard token.hasPrefix("tv_"), SessionToken.isWellFormed("tk_" + token.dropFirst(3)) else {
            throw TongkaError(.invalidToken)
        }
        return try await database.read { connection in
            guard
                let row = try await connection.first(
                    """
                    SELECT v.validator_id, v.terminal_number, v.group_code, g.max_entries, v.revoked_at IS NOT NULL
                      FROM validators v JOIN validator_groups g USING (group_code)
                     WHERE v.token_hash = \(SessionToken.hash(token))
                    """, as: (Int64, String, String, Int?, Bool).self, logger: logger)
            else { throw TongkaError(.invalidToken) }
            guard !row.4 else { throw TongkaError(.validatorRevoked) }
            return ValidatorIdentity(validatorID: row.0, terminalNumber: row.1, group: row.2, maximumEntries: row.3)
        }
    }

    /// A validator reports the version it applied (never newer than the head) and is seen now.
    /// An older version than one reported before is kept as reported: a validator that lost its
    /// file and fell back must show as behind.
    public func acknowledge(_ validator: ValidatorIdentity, version: UInt64, now: Date) async throws {
        guard version <= UInt64(Int64.max) else { throw TongkaError(.invalidVersion) }
        try await database.transaction { connection in
            guard
                try await connection.first(
                    """
                    UPDATE validators SET applied_version = \(Int64(version)), applied_at = \(now), last_seen_at = \(now)
                     WHERE validator_id = \(validator.validatorID)
                       AND \(Int64(version)) <= (SELECT version FROM blacklist_head)
                    RETURNING validator_id
                    """, as: Int64.self, logger: logger) != nil
            else { throw TongkaError(.invalidVersion, detail: "version \(version) is newer than the list") }
        }
    }

    /// A heartbeat: the validator is alive (and has not applied anything new).
    public func heartbeat(_ validator: ValidatorIdentity, now: Date) async throws {
        try await database.transaction { connection in
            try await connection.query(
                "UPDATE validators SET last_seen_at = \(now) WHERE validator_id = \(validator.validatorID)", logger: logger)
        }
    }

    /// Validators, by terminal number, a page at a time (oversight).
    public func list(after cursor: PageCursor?, limit: Int, actor: StaffActor) async throws -> Page<ValidatorView> {
        guard Role.oversightRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let after = cursor?.key ?? ""
        return try await database.read { connection in
            let rows = try await views(
                connection, condition: "v.terminal_number > $1", binds: [after], order: "v.terminal_number", limit: limit + 1)
            return Page(rows: rows, limit: limit) { $0.registration.terminalNumber }
        }
    }

    /// How far a card's listing (or its newest change) has spread among active validators.
    public func propagation(of card: CardNumber, actor: StaffActor) async throws -> PropagationView {
        guard BlacklistPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let (entry, history) = try await BlacklistStore(database: database).card(card, actor: actor)
        let version = entry?.version ?? history.last?.change.version
        let changedAt = entry?.listedAt ?? history.last?.changedAt
        return try await database.read { connection in
            let counts = try await connection.one(
                """
                SELECT count(*)::int, count(*) FILTER (WHERE applied_version >= \(Int64(version ?? 0)))::int
                  FROM validators WHERE revoked_at IS NULL
                """, as: (Int, Int).self, logger: logger)
            let behind = try await views(
                connection, condition: "v.revoked_at IS NULL AND coalesce(v.applied_version, 0) < $1::bigint",
                binds: ["\(version ?? 0)"], order: "v.last_seen_at ASC NULLS FIRST, v.terminal_number", limit: 50)
            return PropagationView(
                entry: entry, history: history, version: version, changedAt: changedAt, activeValidators: counts.0,
                applied: counts.1,
                behind: behind, behindCount: counts.0 - counts.1)
        }
    }

    /// Active validators per group and mode: how many, up to date, stale; and the stale ones.
    public func report(
        now: Date, maximumAge: TimeInterval, actor: StaffActor
    ) async throws -> (
        rows: [ValidatorReportRow], stale: [ValidatorView], headVersion: UInt64
    ) {
        guard Role.oversightRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        return try await database.read { connection in
            let head = try await connection.one("SELECT version FROM blacklist_head", as: Int64.self, logger: logger)
            let all = try await views(
                connection, condition: "v.revoked_at IS NULL", binds: [], order: "v.terminal_number", limit: Int.max)
            var limits: [String: Int?] = [:]
            for try await (group, maximum) in try await connection.query(
                "SELECT group_code, max_entries FROM validator_groups", logger: logger
            ).decode((String, Int?).self) { limits[group] = maximum }
            struct Key: Hashable { let group: String, mode: TransportMode }
            var tally: [Key: (active: Int, upToDate: Int, stale: Int)] = [:]
            var stale: [ValidatorView] = []
            for validator in all {
                let key = Key(group: validator.registration.group, mode: validator.registration.mode)
                var counts = tally[key] ?? (0, 0, 0)
                counts.active += 1
                if (validator.appliedVersion ?? 0) >= UInt64(head) { counts.upToDate += 1 }
                if ValidatorStaleness.isStale(
                    lastSeen: validator.lastSeenAt, oldestMissingChangeAt: validator.oldestMissingChangeAt, now: now,
                    maximumAge: maximumAge)
                {
                    counts.stale += 1
                    stale.append(validator)
                }
                tally[key] = counts
            }
            let rows = tally.keys.sorted { ($0.group, $0.mode) < ($1.group, $1.mode) }.map { key in
                let counts = tally[key]!
                return ValidatorReportRow(
                    group: key.group, mode: key.mode, maximumEntries: limits[key.group] ?? nil, active: counts.active,
                    upToDate: counts.upToDate, stale: counts.stale)
            }
            return (rows, stale, UInt64(head))
        }
    }

    // MARK: Internals

    private func view(terminal: String, connection: PostgresConnection) async throws -> ValidatorView {
        guard
            let view = try await views(
                connection, condition: "v.terminal_number = $1", binds: [terminal], order: "v.terminal_number", limit: 1
            ).first
        else { throw TongkaError(.validatorNotFound) }
        return view
    }

    private func views(
        _ connection: PostgresConnection, condition: String, binds values: [String], order: String, limit: Int
    ) async throws -> [ValidatorView] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        var views: [ValidatorView] = []
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT v.validator_id, v.terminal_number, v.psam_serial, v.mode, v.line, v.depot, v.group_code,
                           v.registered_at, v.revoked_at, v.applied_version, v.applied_at, v.last_seen_at,
                           (SELECT c.changed_at FROM blacklist_changes c
                             WHERE c.version = coalesce(v.applied_version, 0) + 1)
                      FROM validators v
                     WHERE \(condition) ORDER BY \(order) LIMIT \(limit)
                    """, binds: binds), logger: logger)
        for try await row in rows.decode(
            (Int64, String, String, String, String, String, String, Date, Date?, Int64?, Date?, Date?, Date?).self)
        {
            let registration = try ValidatorRegistration(
                terminalNumber: row.1, psamSerial: row.2, mode: row.3, line: row.4, depot: row.5, group: row.6)
            views.append(
                ValidatorView(
                    validatorID: row.0, registration: registration, registeredAt: row.7, revokedAt: row.8,
                    appliedVersion: row.9.map(UInt64.init), appliedAt: row.10, lastSeenAt: row.11,
                    oldestMissingChangeAt: row.12))
        }
        return views
    }
}
