import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A record as uploaded, with what the handler found of its TAC (nil: not this operator's card,
/// so not checked here).
public struct TapUpload: Sendable {
    public let record: TapRecord
    public let tacValid: Bool?

    public init(record: TapRecord, tacValid: Bool?) {
        self.record = record
        self.tacValid = tacValid
    }
}

/// What an upload answered for one record.
public struct TapResult: Sendable, Equatable {
    public let terminalSerial: Int64
    public let outcome: TapOutcome
    public let rejection: TapRejection?
    /// What the record raised for review.
    public let exceptions: [TapExceptionKind]
    /// Whether it debited the card in the ledger.
    public let posted: Bool
}

/// A raised exception as listed for review.
public struct TapExceptionView: Sendable, Equatable {
    public let exceptionID: Int64
    public let kind: TapExceptionKind
    public let terminalNumber: String
    public let terminalSerial: Int64
    public let tappedAt: Date
    public let card: CardNumber
    public let amount: Money
    public let detail: String
    public let raisedAt: Date
    public let resolvedBy: String?
    public let resolvedAt: Date?
    public let resolution: String?
}

/// Validators' records (taps): upload, exceptions (issue 10).
public struct TapStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// Stores a validator's batch in one transaction and answers per record, in the order given.
    /// A record received before with the same content is a duplicate (acknowledged, not stored
    /// again); with other content it is refused as `serial_conflict` and raised for review.
    public func ingest(
        _ uploads: [TapUpload], validator: ValidatorIdentity, now: Date, maximumFare: Money
    ) async throws -> [TapResult] {
        let timeZone = database.settings.timeZone
        let ownPrefixes = database.settings.issuer.cardNumberPrefixes
        // Each record's UTC time, worked out once (nil: not a real date and time), and the refusals
        // (not a real tap), decided once from the records alone.
        let instantOf = uploads.map { $0.record.instant(in: timeZone) }
        let rejections = zip(uploads, instantOf).map { upload, instant in
            TapRules.rejection(
                upload.record, instant: instant, terminal: validator.terminalNumber, now: now, maximumFare: maximumFare)
        }
        // The month partitions of the records that will be stored, made first in a transaction of
        // their own. Made inside the upload's transaction, the partition (which locks the whole
        // `taps` table) waited for other uploads reading `taps`, while they waited for it: the
        // first uploads of every month deadlocked one another.
        let instants = zip(instantOf, rejections).compactMap { instant, rejection in rejection == nil ? instant : nil }
        if !instants.isEmpty {
            try await database.transaction { connection in
                try await connection.query(
                    """
                    SELECT taps_ensure_month(min(t)) FROM unnest(\(instants)::timestamptz[]) AS u(t)
                     GROUP BY date_trunc('month', t AT TIME ZONE 'UTC')
                    """, logger: logger)
            }
        }
        return try await database.transaction { connection in
            // One upload per terminal at a time: the (terminal, serial) look-up below stays true until
            // commit. And the batch's lines, shared: entering or handing over one of them waits for
            // this upload to commit and is waited for, so no record misses its company.
            let lineLocks = TransportStore.lineLockKeys(uploads.map { ($0.record.mode, $0.record.line) })
            try await connection.query(
                """
                SELECT pg_advisory_xact_lock(hashtext(\("tongka-taps:" + validator.terminalNumber))),
                       (SELECT count(pg_advisory_xact_lock_shared(hashtext(k))) FROM unnest(\(lineLocks)::text[]) AS k)
                """, logger: logger)
            var results = [TapResult?](repeating: nil, count: uploads.count)
            var exceptions: [(index: Int, kind: TapExceptionKind, detail: String)] = []

            // Refusals: not a real tap.
            var candidates: [Int] = []
            for (index, upload) in uploads.enumerated() {
                if let rejection = rejections[index] {
                    results[index] = TapResult(
                        terminalSerial: upload.record.terminalSerial, outcome: .rejected, rejection: rejection, exceptions: [],
                        posted: false)
                } else {
                    candidates.append(index)
                }
            }

            // Received before (any month), or twice in this batch.
            var seen: [Int64: String] = [:]
            for try await (serial, content) in try await connection.query(
                """
                SELECT terminal_serial, concat_ws('|', card_number, issuer_id, card_type, offline_serial, amount_fen,
                       balance_before_fen, balance_after_fen, transaction_type, terminal_number, terminal_serial,
                       local_date_time, tac, mode, line, station)
                  FROM taps WHERE terminal_number = \(validator.terminalNumber)
                   AND terminal_serial = ANY(\(candidates.map { uploads[$0].record.terminalSerial })::bigint[])
                """, logger: logger
            ).decode((Int64, String).self) { seen[serial] = content }
            // Twice in this batch: compared as values (the content line is for what was stored).
            var firstInBatch: [Int64: Int] = [:]
            var fresh: [Int] = []
            for index in candidates {
                let record = uploads[index].record
                let before: Bool? =
                    seen[record.terminalSerial].map { $0 == record.content }
                    ?? firstInBatch[record.terminalSerial].map { uploads[$0].record == record }
                if let same = before {
                    if same {
                        results[index] = TapResult(
                            terminalSerial: record.terminalSerial, outcome: .duplicate, rejection: nil, exceptions: [],
                            posted: false)
                    } else {
                        results[index] = TapResult(
                            terminalSerial: record.terminalSerial, outcome: .rejected, rejection: .serialConflict,
                            exceptions: [.serialConflict], posted: false)
                        exceptions.append(
                            (
                                index, .serialConflict,
                                "terminal serial \(record.terminalSerial) received before with other content"
                            ))
                    }
                } else {
                    firstInBatch[record.terminalSerial] = index
                    fresh.append(index)
                }
            }

            let cards = Array(Set(fresh.map { uploads[$0].record.card.digits }))
            // This operator's cards that exist, and the last offline serial stored per card.
            let issued = try await Self.issuedCards(cards, connection: connection, logger: logger)
            var lastSerial: [String: Int] = [:]
            // The newest per card through the (card_number, offline_serial) index, one row each: a
            // max() over GROUP BY read every record the card ever made.
            for try await (card, serial) in try await connection.query(
                """
                SELECT c.card, s.offline_serial FROM unnest(\(cards)::text[]) AS c(card)
                  JOIN LATERAL (SELECT offline_serial FROM taps WHERE card_number = c.card
                                 ORDER BY offline_serial DESC LIMIT 1) s ON true
                """, logger: logger
            ).decode((String, Int32).self) { lastSerial[card] = Int(serial) }
            // Back-office balances, locked: a tap never takes one below zero.
            let purses = try await Self.lockedPurses(cards, connection: connection, logger: logger)
            var balance = purses.mapValues(\.balance)
            // Whether each card was on the blacklist at its tap's time, and at which version.
            var listed: [Int: Int64] = [:]
            if !fresh.isEmpty {
                for try await (position, version) in try await connection.query(
                    """
                    SELECT t.i, c.version
                      FROM unnest(\(fresh.map { uploads[$0].record.card.digits })::text[],
                                  \(fresh.map { instantOf[$0]! })::timestamptz[])
                           WITH ORDINALITY AS t(card, at, i)
                      JOIN LATERAL (SELECT action, version FROM blacklist_changes
                                     WHERE card_number = t.card AND changed_at <= t.at
                                     ORDER BY version DESC LIMIT 1) c ON c.action = 'add'
                    """, logger: logger
                ).decode((Int64, Int64).self) { listed[fresh[Int(position) - 1]] = version }
            }
            let appliedVersion: Int64? = try await connection.one(
                "SELECT applied_version FROM validators WHERE validator_id = \(validator.validatorID)", as: Int64?.self,
                logger: logger)
            let applied = appliedVersion ?? 0

            // In card and serial order, so gaps are judged serial by serial.
            let ordered = fresh.sorted {
                let (a, b) = (uploads[$0].record, uploads[$1].record)
                return (a.card.digits, a.offlineSerial) < (b.card.digits, b.offlineSerial)
            }
            var rows: [(index: Int, own: Bool, posted: Bool)] = []
            for index in ordered {
                let upload = uploads[index]
                let record = upload.record
                let card = record.card.digits
                let own = ownPrefixes.contains(record.card.issuerPrefix)
                var raised: [(TapExceptionKind, String)] = []
                if TapRules.isDiscontinuous(record) {
                    raised.append(
                        (
                            .balanceDiscontinuity,
                            "before \(record.balanceBefore.fen) - amount \(record.amount.fen) != after \(record.balanceAfter.fen) fen"
                        ))
                }
                let missing = TapRules.missingSerials(after: lastSerial[card], record: record)
                if missing > 0 {
                    raised.append((.serialGap, "\(missing) offline serials missing before \(record.offlineSerial)"))
                }
                lastSerial[card] = max(lastSerial[card] ?? record.offlineSerial, record.offlineSerial)
                if let version = listed[index] {
                    raised.append(
                        (
                            .listedAtTap,
                            "listed at v\(version); the validator had applied v\(applied)\(applied >= version ? " (it had the block)" : " (it did not have it yet)")"
                        ))
                }
                var posted = false
                if own {
                    if !issued.contains(card) {
                        raised.append((.unknownCard, "no such card was issued"))
                    } else if upload.tacValid != true {
                        raised.append((.tacInvalid, "the TAC does not verify with the card's TAC key; not posted"))
                    } else if (balance[card] ?? .zero) < record.amount {
                        raised.append((.backOfficeShort, "back-office balance \((balance[card] ?? .zero).fen) fen; not posted"))
                    } else {
                        balance[card] = (balance[card] ?? .zero) - record.amount
                        posted = true
                    }
                }
                rows.append((index, own, posted))
                for (kind, detail) in raised { exceptions.append((index, kind, detail)) }
                results[index] = TapResult(
                    terminalSerial: record.terminalSerial, outcome: .stored, rejection: nil, exceptions: raised.map(\.0),
                    posted: posted)
            }
            // Each record's company: who ran its line at its time (nil: no company entered for it).
            let operators = try await TransportStore.operators(
                of: rows.map { (uploads[$0.index].record.mode, uploads[$0.index].record.line) }, connection: connection,
                logger: logger)
            let records = rows.map { uploads[$0.index].record }
            let instants = rows.map { instantOf[$0.index]! }
            let companies = zip(records, instants).map { record, instant in
                operators[TransportStore.LineKey(record.mode, record.line)]?.company(at: instant)
            }
            // The posted taps debit their cards and credit their companies in one journal
            // transaction, which their rows name.
            var transaction: Int64?
            let fares = zip(rows, companies).filter(\.0.posted).map { row, company in
                (card: uploads[row.index].record.card, company: company, amount: uploads[row.index].record.amount)
            }
            if let draft = try LedgerRules.taps(fares) {
                // Every purse posted to was locked above, so its id is known.
                var known: [LedgerAccount: Int64] = [:]
                for (card, purse) in purses { known[.cardPurse(CardNumber(trusted: card))] = purse.account }
                transaction = try await LedgerStore.post(
                    draft,
                    context: .init(
                        actor: nil, hall: nil, shift: nil, idempotencyKey: nil,
                        memo: "taps from terminal \(validator.terminalNumber): \(fares.count)"),
                    knownAccounts: known, connection: connection, logger: logger
                ).rawValue
            }

            if !rows.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO taps (terminal_number, terminal_serial, tapped_at, card_number, issuer_id, card_type,
                                      offline_serial, amount_fen, balance_before_fen, balance_after_fen, transaction_type,
                                      local_date_time, tac, mode, line, station, validator_id, received_at, own_card,
                                      transaction_id, company_id)
                    SELECT \(validator.terminalNumber), s, at, c, i, ty, os, a, bb, ba, tt, ldt, tac, m, l, st,
                           \(validator.validatorID), \(now), own, NULLIF(tx, 0), NULLIF(co, 0)
                      FROM unnest(\(records.map(\.terminalSerial))::bigint[], \(instants)::timestamptz[],
                                  \(records.map(\.card.digits))::text[], \(records.map(\.issuerID))::text[],
                                  \(records.map { Int64($0.cardType) })::bigint[], \(records.map { Int64($0.offlineSerial) })::bigint[],
                                  \(records.map(\.amount.fen))::bigint[], \(records.map(\.balanceBefore.fen))::bigint[],
                                  \(records.map(\.balanceAfter.fen))::bigint[], \(records.map { Int64($0.transactionType) })::bigint[],
                                  \(records.map(\.dateTime))::text[], \(records.map(\.tac))::text[],
                                  \(records.map(\.mode.rawValue))::text[], \(records.map(\.line))::text[],
                                  \(records.map(\.station))::text[], \(rows.map(\.own))::boolean[],
                                  \(rows.map { $0.posted ? transaction ?? 0 : 0 })::bigint[],
                                  \(companies.map { $0?.rawValue ?? 0 })::bigint[])
                           AS t(s, at, c, i, ty, os, a, bb, ba, tt, ldt, tac, m, l, st, own, tx, co)
                    """, logger: logger)
            }
            try await Self.insertExceptions(
                exceptions.map { (uploads[$0.index].record, $0.kind, $0.detail) }, timeZone: timeZone, now: now,
                connection: connection, logger: logger)
            return results.map { $0! }
        }
    }

    /// Exceptions, newest first (below `after` when given): open ones only unless `includeResolved`.
    public func exceptions(
        includeResolved: Bool, limit: Int, after: Int64? = nil, actor: StaffActor
    ) async throws -> [TapExceptionView] {
        guard TapPolicy.reviewers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        return try await database.read { connection in
            let rows = try await connection.all(
                """
                SELECT x.exception_id, x.kind, x.terminal_number, x.terminal_serial, x.tapped_at, x.card_number, x.amount_fen,
                       x.detail, x.raised_at, k.username, x.resolved_at, x.resolution
                  FROM tap_exceptions x LEFT JOIN clerks k ON k.clerk_id = x.resolved_by
                 WHERE (\(includeResolved) OR x.resolved_at IS NULL) AND x.exception_id < \(after ?? Int64.max)
                 ORDER BY x.exception_id DESC LIMIT \(limit)
                """,
                as: (Int64, String, String, Int64, Date, String, Int64, String, Date, String?, Date?, String?).self,
                logger: logger)
            return try rows.map { row in
                TapExceptionView(
                    exceptionID: row.0, kind: try Stored.value(row.1, as: TapExceptionKind.self), terminalNumber: row.2,
                    terminalSerial: row.3, tappedAt: row.4, card: CardNumber(trusted: row.5), amount: Money(fen: row.6),
                    detail: row.7, raisedAt: row.8, resolvedBy: row.9, resolvedAt: row.10, resolution: row.11)
            }
        }
    }

    /// Marks an exception reviewed, with what was found or done.
    public func resolve(
        exception id: Int64, resolution: String, now: Date, origin: RequestOrigin
    ) async throws
        -> TapExceptionView
    {
        let actor = try origin.requireActor()
        guard TapPolicy.resolvers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let note = resolution.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty, note.count <= 500 else {
            throw TongkaError(.invalidName, detail: "a resolution is 1 to 500 characters")
        }
        try await database.transaction { connection in
            guard
                let resolved = try await connection.first(
                    "SELECT resolved_at FROM tap_exceptions WHERE exception_id = \(id) FOR UPDATE", as: Date?.self,
                    logger: logger)
            else { throw TongkaError(.tapExceptionNotFound) }
            guard resolved == nil else { throw TongkaError(.tapExceptionResolved) }
            try await connection.query(
                """
                UPDATE tap_exceptions SET resolved_by = \(actor.clerkID.rawValue), resolved_at = \(now), resolution = \(note)
                 WHERE exception_id = \(id)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "tap_exception.resolve", subject: "tap_exception:\(id)",
                details: ["resolution": note], logger: logger)
        }
        guard let view = try await exceptions(includeResolved: true, limit: 1, after: id + 1, actor: actor).first else {
            throw TongkaError(.tapExceptionNotFound)
        }
        return view
    }
}
