import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A batch of blacklist changes as stored.
public struct BlacklistBatchView: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, rejected }
    public let batchID: Int64
    public let kind: String
    public let note: String
    public let size: Int
    public let state: State
    public let createdBy: String?
    public let createdAt: Date
    public let approvedBy: String?
    public let rejectedBy: String?
    public let undoesBatch: Int64?
    public let undoneBy: Int64?
    /// The versions the batch's changes got (empty while pending).
    public let firstVersion: UInt64?
    public let lastVersion: UInt64?
    /// Changes of an undo that were not made because the card had moved on since.
    public let skipped: Int
}

/// One change of the log with who made it.
public struct BlacklistChangeView: Sendable, Equatable {
    public let change: BlacklistChange
    public let batchID: Int64
    public let changedBy: String?
    public let changedAt: Date
}

/// A listed card now.
public struct BlacklistEntryView: Sendable, Equatable {
    public let card: CardNumber
    public let reason: BlacklistReason
    public let version: UInt64
    public let listedAt: Date
    public let validTo: CalendarDate?
}

/// The blacklist's change log, its batches and the current list (issue 9).
public struct BlacklistStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    private func isOwn(_ card: CardNumber) -> Bool {
        database.settings.issuer.cardNumberPrefixes.contains(card.issuerPrefix)
    }

    // MARK: Changing the list

    /// Adds or removes cards by hand, as one batch: applied at once, or held for a second admin
    /// when it is larger than `approvalSize`.
    public func change(
        _ requests: [BlacklistRequest], note: String, approvalSize: Int, now: Date, origin: RequestOrigin
    ) async throws -> BlacklistBatchView {
        let actor = try origin.requireActor()
        try BlacklistPolicy.requireChanger(actor)
        try BlacklistPolicy.checkManual(requests, isOwnCard: isOwn)
        let note = try Self.note(note)
        return try await database.transaction { connection in
            try await checkCards(requests, connection: connection)
            let (batch, held) = try await applyOrHold(
                requests, kind: "manual", note: note, approvalSize: approvalSize, actor: actor, undoes: nil, now: now,
                connection: connection)
            try await Audit.record(
                connection, origin: origin, action: held ? "blacklist.hold" : "blacklist.change", subject: "batch:\(batch)",
                details: Self.auditDetails(requests), logger: logger)
            return try await batchView(batch, skipped: 0, connection: connection)
        }
    }

    /// A second admin approves a held batch: its changes are checked again and applied.
    public func approve(batch: Int64, now: Date, origin: RequestOrigin) async throws -> BlacklistBatchView {
        let actor = try origin.requireActor()
        try BlacklistPolicy.requireAdmin(actor)
        return try await database.transaction { connection in
            let (state, maker) = try await lockBatch(batch, connection: connection)
            guard state == "pending" else { throw TongkaError(.batchNotPending, detail: "batch \(batch) is \(state)") }
            guard maker != actor.clerkID.rawValue else {
                throw TongkaError(.secondAdminRequired, detail: "the admin who made the batch cannot approve it")
            }
            var requests: [BlacklistRequest] = []
            for try await (card, action, reason) in try await connection.query(
                """
                SELECT card_number, action, reason FROM blacklist_pending_changes
                 WHERE batch_id = \(batch) ORDER BY position
                """, logger: logger
            ).decode((String, String, String).self) {
                requests.append(try Self.request(card: card, action: action, reason: reason))
            }
            try await checkCards(requests, connection: connection)
            try await apply(requests, batch: batch, actor: actor, now: now, connection: connection)
            try await connection.query(
                """
                UPDATE blacklist_batches SET state = 'applied', approved_by = \(actor.clerkID.rawValue), approved_at = \(now)
                 WHERE batch_id = \(batch)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "blacklist.approve", subject: "batch:\(batch)",
                details: ["size": "\(requests.count)"], logger: logger)
            return try await batchView(batch, skipped: 0, connection: connection)
        }
    }

    /// Rejects a held batch: none of its changes is applied, and the batch stays, rejected, with
    /// its held changes for the record. Any admin may reject, the one who made it included (who
    /// withdraws it); only a second admin may approve.
    public func reject(batch: Int64, note: String, now: Date, origin: RequestOrigin) async throws -> BlacklistBatchView {
        let actor = try origin.requireActor()
        try BlacklistPolicy.requireAdmin(actor)
        let note = try Self.note(note)
        return try await database.transaction { connection in
            let (state, _) = try await lockBatch(batch, connection: connection)
            guard state == "pending" else { throw TongkaError(.batchNotPending, detail: "batch \(batch) is \(state)") }
            try await connection.query(
                """
                UPDATE blacklist_batches SET state = 'rejected', rejected_by = \(actor.clerkID.rawValue), rejected_at = \(now)
                 WHERE batch_id = \(batch)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "blacklist.reject", subject: "batch:\(batch)",
                details: ["note": note], logger: logger)
            return try await batchView(batch, skipped: 0, connection: connection)
        }
    }

    /// Locks a batch for a decision on it: its state and who made it.
    private func lockBatch(_ batch: Int64, connection: PostgresConnection) async throws -> (state: String, maker: Int64?) {
        guard
            let row = try await connection.first(
                "SELECT state, created_by FROM blacklist_batches WHERE batch_id = \(batch) FOR UPDATE",
                as: (String, Int64?).self, logger: logger)
        else { throw TongkaError(.batchNotFound) }
        return row
    }

    /// Undoes every change of one applied batch as a new batch (the log only grows). A change whose
    /// card has moved on since (changed again by a later batch) is skipped and counted. An undo
    /// larger than `approvalSize` is held for a second admin like any batch.
    public func undo(
        batch: Int64, note: String, approvalSize: Int, now: Date, origin: RequestOrigin
    ) async throws
        -> BlacklistBatchView
    {
        let actor = try origin.requireActor()
        try BlacklistPolicy.requireAdmin(actor)
        let note = try Self.note(note)
        return try await database.transaction { connection in
            let (state, _) = try await lockBatch(batch, connection: connection)
            guard state == "applied" else { throw TongkaError(.batchNotPending, detail: "only an applied batch is undone") }
            if try await connection.first(
                "SELECT batch_id FROM blacklist_batches WHERE undoes_batch = \(batch)", as: Int64.self, logger: logger) != nil
            {
                throw TongkaError(.batchAlreadyUndone)
            }
            // The inverse of each change whose card's newest change is still this batch's.
            var inverse: [BlacklistRequest] = []
            var total = 0
            for try await (card, action, reason, isNewest) in try await connection.query(
                """
                SELECT c.card_number, c.action, c.reason,
                       c.version = (SELECT max(version) FROM blacklist_changes n WHERE n.card_number = c.card_number)
                  FROM blacklist_changes c WHERE c.batch_id = \(batch) ORDER BY c.version DESC
                """, logger: logger
            ).decode((String, String, String, Bool).self) {
                total += 1
                guard isNewest else { continue }
                let original = try Self.request(card: card, action: action, reason: reason)
                inverse.append(BlacklistRequest(card: original.card, action: original.action.inverse, reason: original.reason))
            }
            guard total > 0 else { throw TongkaError(.batchNotFound, detail: "batch \(batch) made no changes") }
            guard !inverse.isEmpty else {
                throw TongkaError(.batchAlreadyUndone, detail: "every card of batch \(batch) was changed again since")
            }
            let (undo, _) = try await applyOrHold(
                inverse, kind: "undo", note: note, approvalSize: approvalSize, actor: actor, undoes: batch, now: now,
                connection: connection)
            try await Audit.record(
                connection, origin: origin, action: "blacklist.undo", subject: "batch:\(batch)",
                details: ["undo_batch": "\(undo)", "changes": "\(inverse.count)", "skipped": "\(total - inverse.count)"],
                logger: logger)
            return try await batchView(undo, skipped: total - inverse.count, connection: connection)
        }
    }

    /// Lists a returned card, inside the refund's transaction; nothing when it is listed already
    /// (a lost card returned later stays listed as lost).
    static func addRefunded(
        _ card: CardNumber, actor: StaffActor, now: Date, connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            WITH listed AS (SELECT 1 FROM blacklist_entries WHERE card_number = \(card.digits)),
                 batch AS (
                INSERT INTO blacklist_batches (kind, note, size, state, created_by, created_at)
                SELECT 'refund', 'card returned', 1, 'applied', \(actor.clerkID.rawValue), \(now)
                 WHERE NOT EXISTS (SELECT 1 FROM listed)
                RETURNING batch_id)
            INSERT INTO blacklist_changes (card_number, action, reason, batch_id, changed_by, changed_at, valid_to)
            SELECT \(card.digits), 'add', 'refunded', batch.batch_id, \(actor.clerkID.rawValue), \(now),
                   (SELECT valid_to FROM card_stock WHERE card_number = \(card.digits))
              FROM batch
            """, logger: logger)
    }

    // MARK: Expiry

    /// Takes cards past their valid-to date off validators' lists: removals of reason `expired`
    /// in one system batch, so that deltas carry them like any change (full lists leave such
    /// cards out already). The log keeps the listing and its expiry; returns how many expired.
    public func expire(today: CalendarDate, now: Date, limit: Int = 10_000) async throws -> Int {
        try await database.transaction { connection in
            var cards: [String] = []
            for try await card in try await connection.query(
                """
                SELECT card_number FROM blacklist_entries WHERE valid_to < \(today.description)::date
                 ORDER BY card_number LIMIT \(limit)
                """, logger: logger
            ).decode(String.self) { cards.append(card) }
            guard !cards.isEmpty else { return 0 }
            // A system batch: no maker, never held (a date passing is no one's bulk action).
            try await connection.query(
                """
                WITH batch AS (
                    INSERT INTO blacklist_batches (kind, note, size, state, created_at)
                    VALUES ('expiry', 'past valid-to date', \(cards.count), 'applied', \(now))
                    RETURNING batch_id)
                INSERT INTO blacklist_changes (card_number, action, reason, batch_id, changed_at)
                SELECT c, 'remove', 'expired', batch.batch_id, \(now)
                  FROM unnest(\(cards)::text[]) WITH ORDINALITY AS t(c, p), batch ORDER BY p
                """, logger: logger)
            return cards.count
        }
    }

    // MARK: The national platform's exchange

    /// What an import of another issuer's list changed.
    public struct ImportResult: Sendable, Equatable {
        /// The batch of the differences (nil when the file holds exactly the issuer's list already).
        public let batch: BlacklistBatchView?
        public let added: Int
        public let removed: Int
        /// Cards in the file.
        public let listed: Int
    }

    /// Imports another issuer's whole list (the exchange file, already checked line by line):
    /// the differences against what that issuer's earlier imports listed go into the log as one
    /// batch of source `external` (held for a second admin when large, like any batch). Imports of
    /// one issuer run one at a time (an advisory lock), so each diffs against the one before.
    public func importExternal(
        _ file: BlacklistExchangeFile, issuer: String, approvalSize: Int, now: Date, origin: RequestOrigin
    ) async throws -> ImportResult {
        let actor = try origin.requireActor()
        try BlacklistPolicy.requireAdmin(actor)
        let issuer = issuer.uppercased()
        guard IssuerProfile.isIssuerID(issuer) else {
            throw TongkaError(.malformedRequest, detail: "issuer is 16 hex digits ending FFFFFFFF")
        }
        guard issuer != database.settings.issuer.issuerID else {
            throw TongkaError(.wrongOperator, detail: "an import is another issuer's list; this operator's is made here")
        }
        if let own = file.numbers.firstIndex(where: isOwn) {
            throw TongkaError(
                .exchangeFileInvalid, detail: "line \(own + 1) is one of this operator's cards (\(file.numbers[own].masked))")
        }
        return try await database.transaction { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("tongka-blacklist-import:" + issuer)))", logger: logger)
            var previous: [CardNumber] = []
            for try await card in try await connection.query(
                """
                SELECT e.card_number FROM blacklist_entries e
                  JOIN blacklist_changes c ON c.version = e.version
                  JOIN blacklist_batches b ON b.batch_id = c.batch_id
                 WHERE b.source_issuer = \(issuer) ORDER BY e.card_number
                """, logger: logger
            ).decode(String.self) { previous.append(CardNumber(trusted: card)) }
            let changes = try BlacklistChanges.between(previous: previous, new: file.numbers)
            let requests =
                changes.removed.map { BlacklistRequest(card: $0, action: .remove, reason: .external) }
                + changes.added.map { BlacklistRequest(card: $0, action: .add, reason: .external) }
            var batch: BlacklistBatchView?
            if !requests.isEmpty {
                // A card another issuer lists that is listed already (by hand) is named by its number.
                try await checkCards(requests, connection: connection)
                let (id, _) = try await applyOrHold(
                    requests, kind: "import", note: "issuer \(issuer)", approvalSize: approvalSize, actor: actor, undoes: nil,
                    sourceIssuer: issuer, now: now, connection: connection)
                batch = try await batchView(id, skipped: 0, connection: connection)
            }
            try await Audit.record(
                connection, origin: origin, action: "blacklist.import", subject: "issuer:\(issuer)",
                details: [
                    "listed": "\(file.numbers.count)", "added": "\(changes.added.count)", "removed": "\(changes.removed.count)",
                    "batch": batch.map { "\($0.batchID)" } ?? "",
                ], logger: logger)
            return ImportResult(
                batch: batch, added: changes.added.count, removed: changes.removed.count, listed: file.numbers.count)
        }
    }

    /// This operator's own cards listed now, for the national platform (admins, auditors).
    public func ownListed(actor: StaffActor) async throws -> BlacklistExchangeFile {
        guard actor.role == .admin || actor.role == .auditor else { throw TongkaError(.forbiddenRole) }
        let prefixes = Array(database.settings.issuer.cardNumberPrefixes)
        return try await database.read { connection in
            var numbers: [CardNumber] = []
            for try await card in try await connection.query(
                """
                SELECT card_number FROM blacklist_entries WHERE left(card_number, 8) = ANY(\(prefixes)::text[])
                 ORDER BY card_number
                """, logger: logger
            ).decode(String.self) { numbers.append(CardNumber(trusted: card)) }
            return try BlacklistExchangeFile(numbers: numbers)
        }
    }

    // MARK: Reading the list

    /// The newest version and when it was made (0 and nil before the first change).
    public func head() async throws -> (version: UInt64, changedAt: Date?) {
        try await database.read { connection in
            let row = try await connection.one(
                """
                SELECT h.version, (SELECT changed_at FROM blacklist_changes WHERE version = h.version) FROM blacklist_head h
                """, as: (Int64, Date?).self, logger: logger)
            return (UInt64(row.0), row.1)
        }
    }

    /// The current list (with the reasons and versions the size rule needs) and the version it is
    /// at, read in one snapshot. Cards past their valid-to date are left out for validators.
    public func validatorEntries(today: CalendarDate) async throws -> (version: UInt64, entries: [BlacklistTruncation.Entry]) {
        try await database.read { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            do {
                let version = try await connection.one("SELECT version FROM blacklist_head", as: Int64.self, logger: logger)
                var entries: [BlacklistTruncation.Entry] = []
                for try await (card, reason, listed) in try await connection.query(
                    """
                    SELECT card_number, reason, version FROM blacklist_entries
                     WHERE valid_to IS NULL OR valid_to >= \(today.description)::date
                     ORDER BY card_number
                    """, logger: logger
                ).decode((String, String, Int64).self) {
                    entries.append(
                        .init(
                            card: CardNumber(trusted: card), reason: BlacklistReason(rawValue: reason) ?? .external,
                            version: UInt64(listed)))
                }
                try await connection.query("COMMIT", logger: logger)
                return (UInt64(version), entries)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// How many cards a full list for validators holds today (what a group's size limit is checked against).
    public func validatorEntryCount(today: CalendarDate) async throws -> Int {
        try await database.read { connection in
            try await connection.one(
                """
                SELECT count(*)::int FROM blacklist_entries WHERE valid_to IS NULL OR valid_to >= \(today.description)::date
                """, as: Int.self, logger: logger)
        }
    }

    /// Every change after `version` up to `through`, ascending.
    public func changes(after version: UInt64, through: UInt64) async throws -> [BlacklistChange] {
        try await database.read { connection in
            var changes: [BlacklistChange] = []
            for try await (listed, card, action, reason) in try await connection.query(
                """
                SELECT version, card_number, action, reason FROM blacklist_changes
                 WHERE version > \(Int64(version)) AND version <= \(Int64(through)) ORDER BY version
                """, logger: logger
            ).decode((Int64, String, String, String).self) {
                let request = try Self.request(card: card, action: action, reason: reason)
                changes.append(
                    BlacklistChange(version: UInt64(listed), card: request.card, action: request.action, reason: request.reason))
            }
            return changes
        }
    }

    /// A card's entry (nil when not listed) and every change of it, oldest first.
    public func card(
        _ card: CardNumber, actor: StaffActor
    ) async throws -> (
        entry: BlacklistEntryView?, history: [BlacklistChangeView]
    ) {
        guard BlacklistPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        return try await database.read { connection in
            let history = try await changeViews(
                connection, where: "c.card_number = $1", card.digits, order: "c.version", limit: 10_000)
            guard
                let row = try await connection.first(
                    """
                    SELECT e.reason, e.version, c.changed_at, e.valid_to::text FROM blacklist_entries e
                      JOIN blacklist_changes c ON c.version = e.version WHERE e.card_number = \(card.digits)
                    """, as: (String, Int64, Date, String?).self, logger: logger)
            else { return (nil, history) }
            let entry = BlacklistEntryView(
                card: card, reason: BlacklistReason(rawValue: row.0) ?? .external, version: UInt64(row.1), listedAt: row.2,
                validTo: row.3.flatMap { try? CalendarDate(parsing: $0) })
            return (entry, history)
        }
    }

    /// Current entries by card number, a page at a time.
    public func entries(after cursor: PageCursor?, limit: Int, actor: StaffActor) async throws -> Page<BlacklistEntryView> {
        guard BlacklistPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let after = cursor?.key ?? ""
        return try await database.read { connection in
            var rows: [BlacklistEntryView] = []
            for try await (card, reason, version, listedAt, validTo) in try await connection.query(
                """
                SELECT e.card_number, e.reason, e.version, c.changed_at, e.valid_to::text FROM blacklist_entries e
                  JOIN blacklist_changes c ON c.version = e.version
                 WHERE e.card_number > \(after) ORDER BY e.card_number LIMIT \(limit + 1)
                """, logger: logger
            ).decode((String, String, Int64, Date, String?).self) {
                rows.append(
                    BlacklistEntryView(
                        card: CardNumber(trusted: card), reason: BlacklistReason(rawValue: reason) ?? .external,
                        version: UInt64(version), listedAt: listedAt, validTo: validTo.flatMap { try? CalendarDate(parsing: $0) })
                )
            }
            return Page(rows: rows, limit: limit) { $0.card.digits }
        }
    }

    /// One batch with its changes (the pending ones for a held batch, as change views without versions).
    public func batch(_ batch: Int64, actor: StaffActor) async throws -> (BlacklistBatchView, [BlacklistRequest]) {
        guard BlacklistPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        return try await database.read { connection in
            let view = try await batchView(batch, skipped: 0, connection: connection)
            let table = view.state == .pending ? "blacklist_pending_changes" : "blacklist_changes"
            let order = view.state == .pending ? "position" : "version"
            var requests: [BlacklistRequest] = []
            for try await (card, action, reason) in try await connection.query(
                PostgresQuery(
                    unsafeSQL: "SELECT card_number, action, reason FROM \(table) WHERE batch_id = $1 ORDER BY \(order)",
                    binds: try Self.binds(batch)), logger: logger
            ).decode((String, String, String).self) {
                requests.append(try Self.request(card: card, action: action, reason: reason))
            }
            return (view, requests)
        }
    }

    /// Batches, newest first, optionally only those in one state.
    public func batches(
        state: BlacklistBatchView.State?, before cursor: PageCursor?, limit: Int, actor: StaffActor
    )
        async throws -> Page<BlacklistBatchView>
    {
        guard BlacklistPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let before = try cursor?.integerKey() ?? Int64.max
        return try await database.read { connection in
            var ids: [Int64] = []
            for try await id in try await connection.query(
                """
                SELECT batch_id FROM blacklist_batches
                 WHERE batch_id < \(before) AND (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
                 ORDER BY batch_id DESC LIMIT \(limit + 1)
                """, logger: logger
            ).decode(Int64.self) { ids.append(id) }
            var views: [BlacklistBatchView] = []
            for id in ids { views.append(try await batchView(id, skipped: 0, connection: connection)) }
            return Page(rows: views, limit: limit) { "\($0.batchID)" }
        }
    }

    // MARK: Internals

    private static func note(_ raw: String) throws(TongkaError) -> String {
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= 500 else { throw TongkaError(.invalidName, detail: "a note is at most 500 characters") }
        return note
    }

    static func request(card: String, action: String, reason: String) throws -> BlacklistRequest {
        guard let action = BlacklistAction(rawValue: action), let reason = BlacklistReason(rawValue: reason) else {
            throw TongkaError(.internalError, detail: "unknown blacklist action or reason in the database")
        }
        return BlacklistRequest(card: CardNumber(trusted: card), action: action, reason: reason)
    }

    private static func binds(_ value: Int64) throws -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }

    private static func auditDetails(_ requests: [BlacklistRequest]) -> [String: String] {
        let adds = requests.filter { $0.action == .add }.count
        var details = ["added": "\(adds)", "removed": "\(requests.count - adds)"]
        if requests.count == 1 { details["card"] = requests[0].card.masked }
        return details
    }

    /// Checks the cards against the list before anything is written, to name the card that is
    /// wrong (the trigger on the log refuses the same, without the name): our own cards must exist,
    /// an addition must not be listed, a removal must be.
    private func checkCards(_ requests: [BlacklistRequest], connection: PostgresConnection) async throws {
        let digits = requests.map(\.card.digits)
        var listed = Set<String>()
        for try await card in try await connection.query(
            "SELECT card_number FROM blacklist_entries WHERE card_number = ANY(\(digits)::text[])", logger: logger
        ).decode(String.self) { listed.insert(card) }
        let ownAdds = requests.filter { $0.action == .add && isOwn($0.card) }.map(\.card.digits)
        var known = Set<String>()
        if !ownAdds.isEmpty {
            for try await card in try await connection.query(
                "SELECT card_number FROM cards WHERE card_number = ANY(\(ownAdds)::text[])", logger: logger
            ).decode(String.self) { known.insert(card) }
        }
        for request in requests {
            switch request.action {
            case .add:
                if isOwn(request.card), !known.contains(request.card.digits) {
                    throw TongkaError(.cardNotFound, detail: request.card.masked)
                }
                if listed.contains(request.card.digits) { throw TongkaError(.alreadyListed, detail: request.card.masked) }
            case .remove:
                if !listed.contains(request.card.digits) { throw TongkaError(.notListed, detail: request.card.masked) }
            }
        }
    }

    /// A new batch of `requests`: applied now, or held with its changes when above `approvalSize`.
    private func applyOrHold(
        _ requests: [BlacklistRequest], kind: String, note: String, approvalSize: Int, actor: StaffActor, undoes: Int64?,
        sourceIssuer: String? = nil, now: Date, connection: PostgresConnection
    ) async throws -> (batch: Int64, held: Bool) {
        let held = BlacklistPolicy.needsApproval(size: requests.count, approvalSize: approvalSize)
        let batch = try await insertBatch(
            kind: kind, note: note, size: requests.count, held: held, actor: actor, undoes: undoes,
            sourceIssuer: sourceIssuer, now: now, connection: connection)
        if held {
            try await insertPending(batch: batch, requests, connection: connection)
        } else {
            try await apply(requests, batch: batch, actor: actor, now: now, connection: connection)
        }
        return (batch, held)
    }

    private func insertBatch(
        kind: String, note: String, size: Int, held: Bool, actor: StaffActor, undoes: Int64?, sourceIssuer: String?,
        now: Date, connection: PostgresConnection
    ) async throws -> Int64 {
        try await connection.one(
            """
            INSERT INTO blacklist_batches (kind, note, size, state, created_by, created_at, undoes_batch, source_issuer)
            VALUES (\(kind), \(note), \(size), \(held ? "pending" : "applied"), \(actor.clerkID.rawValue), \(now), \(undoes),
                    \(sourceIssuer))
            RETURNING batch_id
            """, as: Int64.self, logger: logger)
    }

    private func insertPending(batch: Int64, _ requests: [BlacklistRequest], connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO blacklist_pending_changes (batch_id, position, card_number, action, reason)
            SELECT \(batch), p, c, a, r
              FROM unnest(\(requests.map(\.card.digits))::text[], \(requests.map(\.action.rawValue))::text[],
                          \(requests.map(\.reason.rawValue))::text[]) WITH ORDINALITY AS t(c, a, r, p)
            """, logger: logger)
    }

    /// Appends the changes to the log in request order; the trigger gives each the next version.
    private func apply(
        _ requests: [BlacklistRequest], batch: Int64, actor: StaffActor, now: Date, connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO blacklist_changes (card_number, action, reason, batch_id, changed_by, changed_at, valid_to)
            SELECT t.c, t.a, t.r, \(batch), \(actor.clerkID.rawValue), \(now), k.valid_to
              FROM unnest(\(requests.map(\.card.digits))::text[], \(requests.map(\.action.rawValue))::text[],
                          \(requests.map(\.reason.rawValue))::text[]) WITH ORDINALITY AS t(c, a, r, p)
              LEFT JOIN card_stock k ON k.card_number = t.c
             ORDER BY t.p
            """, logger: logger)
    }

    func batchView(_ batch: Int64, skipped: Int, connection: PostgresConnection) async throws -> BlacklistBatchView {
        guard
            let row = try await connection.first(
                """
                SELECT b.kind, b.note, b.size, b.state, cb.username, b.created_at, ab.username, b.undoes_batch,
                       (SELECT u.batch_id FROM blacklist_batches u WHERE u.undoes_batch = b.batch_id),
                       (SELECT min(version) FROM blacklist_changes c WHERE c.batch_id = b.batch_id),
                       (SELECT max(version) FROM blacklist_changes c WHERE c.batch_id = b.batch_id),
                       rb.username
                  FROM blacklist_batches b
                  LEFT JOIN clerks cb ON cb.clerk_id = b.created_by
                  LEFT JOIN clerks ab ON ab.clerk_id = b.approved_by
                  LEFT JOIN clerks rb ON rb.clerk_id = b.rejected_by
                 WHERE b.batch_id = \(batch)
                """,
                as: (String, String, Int, String, String?, Date, String?, Int64?, Int64?, Int64?, Int64?, String?).self,
                logger: logger)
        else { throw TongkaError(.batchNotFound) }
        return BlacklistBatchView(
            batchID: batch, kind: row.0, note: row.1, size: row.2, state: BlacklistBatchView.State(rawValue: row.3) ?? .applied,
            createdBy: row.4, createdAt: row.5, approvedBy: row.6, rejectedBy: row.11, undoesBatch: row.7, undoneBy: row.8,
            firstVersion: row.9.map(UInt64.init), lastVersion: row.10.map(UInt64.init), skipped: skipped)
    }

    private func changeViews(
        _ connection: PostgresConnection, where condition: String, _ value: String, order: String, limit: Int
    ) async throws -> [BlacklistChangeView] {
        var binds = PostgresBindings()
        binds.append(value)
        var views: [BlacklistChangeView] = []
        for try await (version, card, action, reason, batch, by, at) in try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT c.version, c.card_number, c.action, c.reason, c.batch_id, k.username, c.changed_at
                      FROM blacklist_changes c LEFT JOIN clerks k ON k.clerk_id = c.changed_by
                     WHERE \(condition) ORDER BY \(order) LIMIT \(limit)
                    """, binds: binds), logger: logger
        ).decode((Int64, String, String, String, Int64, String?, Date).self) {
            let request = try Self.request(card: card, action: action, reason: reason)
            views.append(
                BlacklistChangeView(
                    change: BlacklistChange(
                        version: UInt64(version), card: request.card, action: request.action, reason: request.reason),
                    batchID: batch, changedBy: by, changedAt: at))
        }
        return views
    }
}
