import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A loss report as stored, with the replacement when there is one.
public struct LossReportView: Sendable, Codable, Equatable {
    public let reportID: LossReportID
    public let reference: String
    public let cardNumber: String
    public let channel: LossChannel
    public let state: LossReportState
    public let reportedAt: Date
    /// The back-office balance at report time.
    public let balanceAtReport: Money
    /// The blacklist version that listed the card: what validators must have applied.
    public let listedVersion: UInt64
    public let reclaimDeadline: Date
    public let reclaimedAt: Date?
    public let replacement: ReplacementView?
}

/// A replacement card issued for a loss report (补卡) and its settlement.
public struct ReplacementView: Sendable, Codable, Equatable {
    public let replacementID: Int64
    public let oldCard: String
    public let newCard: String
    public let quote: ReplacementQuote
    public let provisionalOrderID: TopupOrderID?
    public let feeTransactionID: JournalTransactionID?
    public let replacedAt: Date
    public let settledAt: Date?
    /// What the old card's purse still held at settlement, moved to the new card as an order.
    public let remainder: Money?
    public let remainderOrderID: TopupOrderID?
}

/// A tap of the lost card made at or after the report: spending the holder is not liable for.
public struct LossTapView: Sendable, Codable, Equatable {
    public let tappedAt: Date
    public let amount: Money
    public let mode: TransportMode
    public let line: String
    public let station: String
    public let receivedAt: Date
}

/// The rider's liability statement: the report, what the card spent after it, and how far the
/// block has spread.
public struct LossReportDetail: Sendable, Codable, Equatable {
    public let report: LossReportView
    public let tapsAfter: [LossTapView]
    public let tapsAfterCount: Int
    public let spentAfter: Money
    public let propagation: PropagationFigure
}

/// Loss reports (挂失), reclaims (解挂), replacements (补卡) and their settlement.
///
/// Every report, reclaim and replacement locks the card row (`FOR NO KEY UPDATE`, as loads and
/// refunds do), so a report racing a top-up, a refund or a second report has one outcome: the
/// load's authorisation reads the status after the report committed and is refused.
public struct LossStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var vault: PersonalDataVault { database.settings.personalData }
    var settings: LossSettings { database.settings.loss }

    public init(database: Database) { self.database = database }

    // MARK: Reporting

    /// A report taken by staff: at a counter (the clerk has checked the document) or by the hotline.
    /// An anonymous card, a card not found and a document that is not the holder's get their own
    /// refusal; a card reported already answers its open report (`existing` true).
    public func report(
        card: CardNumber, document: IdentityDocument, now: Date, origin: RequestOrigin
    ) async throws -> (LossReportView, existing: Bool) {
        let actor = try origin.requireActor()
        guard LossPolicy.reporters.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let channel: LossChannel = actor.role == .hotline ? .hotline : .counter
        let hall = channel == .counter ? try actor.requireOwnHall() : nil
        return try await database.transaction { connection in
            if let hall { try await HallCheck.requireOpen(hall, connection: connection, logger: logger) }
            guard let facts = try await lockedFacts(card.digits, document: document, connection: connection) else {
                throw TongkaError(.cardNotFound, detail: card.masked)
            }
            return try await apply(
                try LossPolicy.report(facts.facts), facts, card: card, channel: channel, hall: hall, actor: actor, now: now,
                origin: origin, connection: connection)
        }
    }

    /// A rider's own report, with no login. Every refusal (no such card, an anonymous card, a
    /// document that is not the holder's, a card that cannot be reported) is the same
    /// `loss_report_not_accepted`, after the same statements, so the answer tells nothing about
    /// whether a card exists or whose it is. Attempts count against the limits per client address
    /// and per card, and each is audited.
    public func selfReport(
        card: CardNumber, document: IdentityDocument, now: Date, origin: RequestOrigin
    ) async throws -> (LossReportView, existing: Bool) {
        let address = String((origin.clientAddress ?? "unknown").prefix(64))
        let accepted: (LossReportView, Bool)? = try await database.transaction { connection in
            try await checkAttempts(address: address, card: card.digits, now: now, connection: connection)
            let facts = try await lockedFacts(card.digits, document: document, connection: connection)
            var refusal: TongkaError?
            var result: (LossReportView, Bool)?
            if let facts {
                var decision: LossDecision?
                do throws(TongkaError) { decision = try LossPolicy.report(facts.facts) } catch { refusal = error }
                if let decision {
                    result = try await apply(
                        decision, facts, card: card, channel: .selfService, hall: nil, actor: nil, now: now, origin: origin,
                        connection: connection)
                }
            } else {
                refusal = TongkaError(.cardNotFound)
            }
            try await connection.query(
                """
                INSERT INTO loss_attempts (attempted_at, client_address, card_number, kind, accepted)
                VALUES (\(now), \(address), \(card.digits), 'report', \(result != nil))
                """, logger: logger)
            if let refusal {
                // The reason stays in the audit log for staff; the rider's answer never carries it.
                try await Audit.record(
                    connection, origin: origin, action: "loss.self_service", subject: "card:\(card.masked)",
                    details: ["outcome": "refused", "reason": refusal.code.rawValue, "document_type": document.type.rawValue],
                    logger: logger)
            }
            return result
        }
        guard let accepted else { throw TongkaError(.lossReportNotAccepted) }
        return accepted
    }

    /// Applies `LossPolicy.report`'s decision for facts read with the card locked: a new report
    /// suspends and lists the card and records the balance; a card reported already answers its
    /// open report.
    private func apply(
        _ decision: LossDecision, _ locked: LockedFacts, card: CardNumber, channel: LossChannel, hall: HallID?,
        actor: StaffActor?, now: Date, origin: RequestOrigin, connection: PostgresConnection
    ) async throws -> (LossReportView, existing: Bool) {
        switch decision {
        case .existing(let id):
            return (try await view(id, connection: connection), true)
        case .suspend:
            guard let holder = locked.holder else { throw TongkaError(.cardAnonymous) }
            try await connection.query(
                "UPDATE cards SET status = 'suspended' WHERE card_number = \(card.digits)", logger: logger)
            let version = try await list(card, actor: actor, now: now, connection: connection)
            let reference = LossReference.random()
            let id = try await connection.one(
                """
                INSERT INTO loss_reports (reference, card_number, holder_id, channel, reported_at, reported_by, hall_id,
                                          balance_fen, listed_version)
                VALUES (\(reference.value), \(card.digits), \(holder), \(channel.rawValue), \(now),
                        \(actor?.clerkID.rawValue), \(hall?.rawValue), \(locked.balance.fen), \(Int64(version)))
                RETURNING report_id
                """, as: (Int64.self), logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "loss.report", subject: "card:\(card.masked)",
                details: [
                    "report": "\(id)", "channel": channel.rawValue, "balance_fen": "\(locked.balance.fen)",
                    "listed_version": "\(version)",
                ], hall: hall, logger: logger)
            return (try await view(LossReportID(id), connection: connection), false)
        }
    }

    /// Lists a reported card in the same transaction (validators learn of it from the next
    /// change notification); a card listed already keeps its listing, whose version counts.
    private func list(_ card: CardNumber, actor: StaffActor?, now: Date, connection: PostgresConnection) async throws -> UInt64 {
        if let listed = try await connection.first(
            "SELECT version FROM blacklist_entries WHERE card_number = \(card.digits)", as: (Int64.self), logger: logger)
        {
            return UInt64(listed)
        }
        let version = try await connection.one(
            """
            WITH batch AS (
                INSERT INTO blacklist_batches (kind, note, size, state, created_by, created_at)
                VALUES ('loss', 'reported lost', 1, 'applied', \(actor?.clerkID.rawValue), \(now))
                RETURNING batch_id)
            INSERT INTO blacklist_changes (card_number, action, reason, batch_id, changed_by, changed_at, valid_to)
            SELECT \(card.digits), 'add', 'lost', batch.batch_id, \(actor?.clerkID.rawValue), \(now),
                   (SELECT valid_to FROM card_stock WHERE card_number = \(card.digits))
              FROM batch
            RETURNING version
            """, as: (Int64.self), logger: logger)
        return UInt64(version)
    }

    struct LockedFacts {
        let facts: LossFacts
        let holder: Int64?
        let balance: Money
    }

    /// The card's facts with its row locked; nil when there is no such card. One statement
    /// whatever the card, so self-service answers take the same path.
    private func lockedFacts(
        _ digits: String, document: IdentityDocument, connection: PostgresConnection
    ) async throws -> LockedFacts? {
        let hash = vault.lookupHash(document)
        // The lock first, the facts in a second statement: a report that committed while this one
        // waited for the row is then visible (a single statement would read the older snapshot).
        _ = try await connection.first(
            "SELECT 1 FROM cards WHERE card_number = \(digits) FOR NO KEY UPDATE", as: (Int32.self), logger: logger)
        guard
            let row = try await connection.first(
                """
                SELECT c.status, c.holder_id, h.document_hash = \(hash),
                       (SELECT report_id FROM loss_reports r WHERE r.card_number = c.card_number AND r.state = 'open'),
                       COALESCE((SELECT a.balance_fen FROM ledger_accounts a
                                  WHERE a.kind = 'card_purse' AND a.card_number = c.card_number), 0)
                  FROM cards c LEFT JOIN holders h ON h.holder_id = c.holder_id
                 WHERE c.card_number = \(digits)
                """, as: (String, Int64?, Bool?, Int64?, Int64).self, logger: logger)
        else { return nil }
        return LockedFacts(
            facts: LossFacts(
                cardStatus: try Stored.value(row.0, as: CardStatus.self), registered: row.1 != nil,
                documentMatches: row.2 ?? false, openReport: row.3.map { LossReportID($0) }),
            holder: row.1, balance: Money(fen: row.4))
    }

    /// Refuses with `too_many_loss_reports` past the self-service limits: per client address in
    /// the past hour (reports and status reads), per card in the past day. The advisory lock
    /// makes parallel attempts from one address count one after another.
    private func checkAttempts(address: String, card: String?, now: Date, connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(7316050, hashtext(\(address)))", logger: logger)
        let hour = now.addingTimeInterval(-3600)
        let day = now.addingTimeInterval(-86_400)
        let counts = try await connection.one(
            """
            SELECT (SELECT count(*) FROM loss_attempts WHERE client_address = \(address) AND attempted_at > \(hour)),
                   (SELECT count(*) FROM loss_attempts WHERE card_number = \(card) AND attempted_at > \(day))
            """, as: (Int64, Int64).self, logger: logger)
        guard counts.0 < Int64(settings.attemptsPerAddressPerHour), counts.1 < Int64(settings.attemptsPerCardPerDay) else {
            throw TongkaError(.tooManyLossReports)
        }
    }

    // MARK: Reading

    /// The rider's view of a report, by reference and the holder's document. A reference that does
    /// not exist and a document that does not match get the same `loss_report_not_found`.
    public func detail(
        reference: LossReference, document: IdentityDocument, now: Date, origin: RequestOrigin
    ) async throws -> LossReportDetail {
        let address = String((origin.clientAddress ?? "unknown").prefix(64))
        let hash = vault.lookupHash(document)
        let found: LossReportDetail? = try await database.transaction { connection in
            try await checkAttempts(address: address, card: nil, now: now, connection: connection)
            let id = try await connection.first(
                """
                SELECT r.report_id FROM loss_reports r JOIN holders h ON h.holder_id = r.holder_id
                 WHERE r.reference = \(reference.value) AND h.document_hash = \(hash)
                """, as: (Int64.self), logger: logger)
            try await connection.query(
                """
                INSERT INTO loss_attempts (attempted_at, client_address, kind, accepted)
                VALUES (\(now), \(address), 'status', \(id != nil))
                """, logger: logger)
            guard let id else { return nil }
            return try await detail(LossReportID(id), connection: connection)
        }
        guard let found else { throw TongkaError(.lossReportNotFound) }
        return found
    }

    /// A card's newest report, for staff (counter, hotline, oversight).
    public func detail(card: CardNumber, origin: RequestOrigin) async throws -> LossReportDetail {
        let actor = try origin.requireActor()
        guard LossPolicy.readers.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        return try await database.read { connection in
            guard
                let id = try await connection.first(
                    """
                    SELECT report_id FROM loss_reports WHERE card_number = \(card.digits)
                     ORDER BY reported_at DESC, report_id DESC LIMIT 1
                    """, as: (Int64.self), logger: logger)
            else { throw TongkaError(.lossReportNotFound, detail: card.masked) }
            return try await detail(LossReportID(id), connection: connection)
        }
    }

    /// The taps after the report: a card's clock has whole seconds, so a tap in the report's second
    /// counts as after it, unless it had reached the server before the report was made.
    func detail(_ id: LossReportID, connection: PostgresConnection) async throws -> LossReportDetail {
        let report = try await view(id, connection: connection)
        let taps = try await connection.all(
            """
            SELECT tapped_at, amount_fen, mode, line, station, received_at FROM taps
             WHERE card_number = \(report.cardNumber) AND tapped_at >= date_trunc('second', \(report.reportedAt)::timestamptz)
               AND received_at > \(report.reportedAt)
             ORDER BY tapped_at DESC LIMIT 50
            """, as: (Date, Int64, String, String, String, Date).self, logger: logger)
        let totals = try await connection.one(
            """
            SELECT count(*)::int, COALESCE(sum(amount_fen), 0)::bigint FROM taps
             WHERE card_number = \(report.cardNumber) AND tapped_at >= date_trunc('second', \(report.reportedAt)::timestamptz)
               AND received_at > \(report.reportedAt)
            """, as: (Int, Int64).self, logger: logger)
        let counts = try await connection.one(
            """
            SELECT count(*)::int, count(*) FILTER (WHERE applied_version >= \(Int64(report.listedVersion)))::int
              FROM validators WHERE revoked_at IS NULL
            """, as: (Int, Int).self, logger: logger)
        return LossReportDetail(
            report: report,
            tapsAfter: try taps.map { row in
                LossTapView(
                    tappedAt: row.0, amount: Money(fen: row.1), mode: try Stored.value(row.2, as: TransportMode.self),
                    line: row.3, station: row.4, receivedAt: row.5)
            }, tapsAfterCount: totals.0, spentAfter: Money(fen: totals.1),
            propagation: PropagationFigure(applied: counts.1, active: counts.0))
    }

    func view(_ id: LossReportID, connection: PostgresConnection) async throws -> LossReportView {
        let row = try await connection.one(
            """
            SELECT r.report_id, r.reference, r.card_number, r.channel, r.state, r.reported_at, r.balance_fen, r.listed_version,
                   r.reclaimed_at
              FROM loss_reports r WHERE r.report_id = \(id.rawValue)
            """, as: (Int64, String, String, String, String, Date, Int64, Int64, Date?).self, logger: logger)
        return LossReportView(
            reportID: LossReportID(row.0), reference: row.1, cardNumber: row.2,
            channel: try Stored.value(row.3, as: LossChannel.self), state: try Stored.value(row.4, as: LossReportState.self),
            reportedAt: row.5, balanceAtReport: Money(fen: row.6), listedVersion: UInt64(row.7),
            reclaimDeadline: LossPolicy.reclaimDeadline(reportedAt: row.5, settings: settings), reclaimedAt: row.8,
            replacement: try await replacement(report: id, connection: connection))
    }

    func replacement(report: LossReportID, connection: PostgresConnection) async throws -> ReplacementView? {
        guard
            let row = try await connection.first(
                """
                SELECT replacement_id, old_card, new_card, balance_at_report_fen, purse_at_replacement_fen, holdback_fen,
                       provisional_fen, fee_fen, deposit_fen, settle_after, provisional_order_id, fee_transaction_id,
                       replaced_at, settled_at, remainder_fen, remainder_order_id
                  FROM replacements WHERE report_id = \(report.rawValue)
                """,
                as: (
                    Int64, String, String, Int64, Int64, Int64, Int64, Int64, Int64, Date, Int64?, Int64?, Date, Date?, Int64?,
                    Int64?
                ).self, logger: logger)
        else { return nil }
        return ReplacementView(
            replacementID: row.0, oldCard: row.1, newCard: row.2,
            quote: ReplacementQuote(
                balanceAtReport: Money(fen: row.3), purseAtReplacement: Money(fen: row.4), holdback: Money(fen: row.5),
                provisional: Money(fen: row.6), fee: Money(fen: row.7), deposit: Money(fen: row.8), settleAfter: row.9),
            provisionalOrderID: row.10.map { TopupOrderID($0) }, feeTransactionID: row.11.map { JournalTransactionID($0) },
            replacedAt: row.12, settledAt: row.13, remainder: row.14.map { Money(fen: $0) },
            remainderOrderID: row.15.map { TopupOrderID($0) })
    }

    // MARK: Reclaim

    /// The holder found the card (解挂): within the window and while not replaced, at a counter,
    /// with the document. The listing is removed (a change validators receive) and the card is
    /// active again; the caller lifts the block on the card itself. A card listed for another
    /// reason besides the loss stays listed and cannot be reclaimed (`already_listed`).
    public func reclaim(
        card: CardNumber, document: IdentityDocument, now: Date, origin: RequestOrigin
    ) async throws -> LossReportView {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let hall = try actor.requireOwnHall()
        return try await database.transaction { connection in
            try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
            let (id, state, reportedAt, matches) = try await lockedReport(card, document: document, connection: connection)
            try LossPolicy.checkReclaim(
                state: state, reportedAt: reportedAt, documentMatches: matches, now: now, settings: settings)
            let reason = try await connection.first(
                "SELECT reason FROM blacklist_entries WHERE card_number = \(card.digits)", as: (String.self), logger: logger)
            guard reason == nil || reason == BlacklistReason.lost.rawValue else {
                throw TongkaError(.alreadyListed, detail: "listed as \(reason ?? ""); the listing must be removed first")
            }
            var unlisted: Int64?
            if reason != nil {
                unlisted = try await connection.one(
                    """
                    WITH batch AS (
                        INSERT INTO blacklist_batches (kind, note, size, state, created_by, created_at)
                        VALUES ('reclaim', 'found by its holder', 1, 'applied', \(actor.clerkID.rawValue), \(now))
                        RETURNING batch_id)
                    INSERT INTO blacklist_changes (card_number, action, reason, batch_id, changed_by, changed_at, valid_to)
                    SELECT \(card.digits), 'remove', 'lost', batch.batch_id, \(actor.clerkID.rawValue), \(now),
                           (SELECT valid_to FROM card_stock WHERE card_number = \(card.digits))
                      FROM batch
                    RETURNING version
                    """, as: (Int64.self), logger: logger)
            } else {
                // Not listed any more (an admin removed it): the head version stands for the removal.
                unlisted = try await connection.one("SELECT version FROM blacklist_head", as: (Int64.self), logger: logger)
            }
            try await connection.query(
                "UPDATE cards SET status = 'active' WHERE card_number = \(card.digits)", logger: logger)
            try await connection.query(
                """
                UPDATE loss_reports SET state = 'reclaimed', reclaimed_at = \(now), reclaimed_by = \(actor.clerkID.rawValue),
                       unlisted_version = \(unlisted)
                 WHERE report_id = \(id.rawValue)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "loss.reclaim", subject: "card:\(card.masked)",
                details: ["report": "\(id)"], hall: hall, logger: logger)
            return try await view(id, connection: connection)
        }
    }

    /// The card's newest report with the card row locked, and whether the document is the holder's.
    private func lockedReport(
        _ card: CardNumber, document: IdentityDocument, connection: PostgresConnection
    ) async throws -> (LossReportID, LossReportState, Date, Bool) {
        try await CardLock.lock(card, connection: connection, logger: logger)
        guard
            let row = try await connection.first(
                """
                SELECT r.report_id, r.state, r.reported_at, h.document_hash = \(vault.lookupHash(document))
                  FROM loss_reports r JOIN holders h ON h.holder_id = r.holder_id
                 WHERE r.card_number = \(card.digits)
                 ORDER BY r.reported_at DESC, r.report_id DESC LIMIT 1
                   FOR UPDATE OF r
                """, as: (Int64, String, Date, Bool).self, logger: logger)
        else { throw TongkaError(.lossReportNotFound, detail: card.masked) }
        return (LossReportID(row.0), try Stored.value(row.1, as: LossReportState.self), row.2, row.3)
    }

    // MARK: Replacement

    struct ReplaceRequest: Encodable {
        let oldCard: String
        let newCard: String
        /// The keyed hash of the presented document, never the number itself.
        let documentHash: Data
    }

    /// Replaces a reported card in one visit (补卡): a new card from the clerk's hall stock for the
    /// same holder, the old card's deposit carried over, the product's replacement fee into the
    /// drawer, and a provisional balance (the balance at report time less the holdback, never more
    /// than the old purse still holds) moved old purse -> balance_transfer -> a top-up order for
    /// the new card, which the counter loads at once with the top-up protocol. The old card is
    /// replaced: blocked for good. The rest is settled after the waiting period (``settleDue``).
    public func replace(
        oldCard: CardNumber, newCard: CardNumber, document: IdentityDocument, idempotencyKey: String, today: CalendarDate,
        now: Date, origin: RequestOrigin
    ) async throws -> (LossReportView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        guard oldCard != newCard else { throw TongkaError(.cardAlreadyIssued, detail: "the new card is the lost one") }
        let request = ReplaceRequest(
            oldCard: oldCard.digits, newCard: newCard.digits, documentHash: vault.lookupHash(document))
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "card.replace", request: request, logger: logger
            ) {
                let (shift, hall) = try await ShiftStore.lockOpenShift(of: actor, connection: connection, logger: logger)
                try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
                let (id, state, _, matches) = try await lockedReport(oldCard, document: document, connection: connection)
                let old = try await connection.one(
                    """
                    SELECT c.holder_id, c.deposit_fen, p.replacement_fee_fen, r.balance_fen,
                           COALESCE((SELECT a.balance_fen FROM ledger_accounts a
                                      WHERE a.kind = 'card_purse' AND a.card_number = c.card_number FOR UPDATE), 0),
                           (SELECT l.load_id FROM loads l
                             WHERE l.card_number = c.card_number AND l.state IN ('mac2_issued', 'grey') LIMIT 1)
                      FROM cards c JOIN card_products p ON p.product_id = c.product_id
                      JOIN loss_reports r ON r.report_id = \(id.rawValue)
                     WHERE c.card_number = \(oldCard.digits)
                    """, as: (Int64?, Int64, Int64, Int64, Int64, Int64?).self, logger: logger)
                let quote = try LossPolicy.replacement(
                    state: state, documentMatches: matches, balanceAtReport: Money(fen: old.3), purseNow: Money(fen: old.4),
                    replacementFee: Money(fen: old.2), deposit: Money(fen: old.1), settings: settings, now: now)
                // A top-up of the old card still undecided would change its purse: decide it first.
                if let open = old.5 { throw TongkaError(.greyLoadPending, detail: "load \(open) of the lost card") }
                guard let holder = old.0 else { throw TongkaError(.cardAnonymous) }
                // The new card, from this hall's stock, of a product a registered holder may have.
                guard
                    let productRow = try await connection.first(
                        """
                        WITH stock AS (
                            UPDATE card_stock SET status = 'issued'
                             WHERE card_number = \(newCard.digits) AND hall_id = \(hall.rawValue) AND status = 'in_stock'
                               AND valid_to >= \(today.description)::date
                            RETURNING product_id)
                        SELECT \(unescaped: ProductStore.productColumns) FROM card_products
                         WHERE product_id = (SELECT product_id FROM stock)
                        """, as: ProductStore.ProductRow.self, logger: logger)
                else {
                    throw try await CardStore(database: database).whyNotIssuable(
                        newCard, hall: hall, today: today, connection: connection)
                }
                let product = try ProductStore.product(productRow)
                try product.checkIssuable(registered: true)

                var feeTransaction: JournalTransactionID?
                if quote.fee > .zero {
                    feeTransaction = try await LedgerStore.post(
                        try LedgerRules.replacementFee(shift: shift, fee: quote.fee),
                        context: .init(
                            actor: actor, hall: hall, shift: shift, idempotencyKey: idempotencyKey,
                            memo: "replacement of \(oldCard.masked)",
                            payment: try Payment(method: .cash, reference: nil, amount: quote.fee)),
                        connection: connection, logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO cards (card_number, product_id, holder_id, issued_hall_id, issued_clerk_id, issued_shift_id,
                                       issue_transaction_id, deposit_fen, card_cost_fen, payment_method, replaces_card)
                    VALUES (\(newCard.digits), \(product.id.rawValue), \(holder), \(hall.rawValue), \(actor.clerkID.rawValue),
                            \(shift.rawValue), \(feeTransaction?.rawValue), \(quote.deposit.fen), 0, 'cash', \(oldCard.digits))
                    """, logger: logger)
                try await connection.query(
                    "UPDATE cards SET status = 'replaced' WHERE card_number = \(oldCard.digits)", logger: logger)
                try await connection.query(
                    "UPDATE loss_reports SET state = 'replaced' WHERE report_id = \(id.rawValue)", logger: logger)
                let order = try await transferOrder(
                    from: oldCard, to: newCard, amount: quote.provisional, report: id, actor: actor, now: now,
                    memo: "provisional balance of \(oldCard.masked)", connection: connection)
                try await connection.query(
                    """
                    INSERT INTO replacements (report_id, old_card, new_card, balance_at_report_fen, purse_at_replacement_fen,
                                              holdback_fen, provisional_fen, provisional_order_id, fee_fen, fee_transaction_id,
                                              deposit_fen, clerk_id, hall_id, shift_id, idempotency_key, replaced_at,
                                              settle_after)
                    VALUES (\(id.rawValue), \(oldCard.digits), \(newCard.digits), \(quote.balanceAtReport.fen),
                            \(quote.purseAtReplacement.fen), \(quote.holdback.fen), \(quote.provisional.fen),
                            \(order?.rawValue), \(quote.fee.fen), \(feeTransaction?.rawValue), \(quote.deposit.fen),
                            \(actor.clerkID.rawValue), \(hall.rawValue), \(shift.rawValue), \(idempotencyKey), \(now),
                            \(quote.settleAfter))
                    """, logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "card.replace", subject: "card:\(oldCard.masked)",
                    details: [
                        "new_card": newCard.masked, "report": "\(id)", "provisional_fen": "\(quote.provisional.fen)",
                        "holdback_fen": "\(quote.holdback.fen)", "fee_fen": "\(quote.fee.fen)",
                    ], hall: hall, logger: logger)
                return try await view(id, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// Moves `amount` from the old card's purse through the balance-transfer account into a
    /// top-up order for the new card (two journal transactions, so the ledger shows both steps).
    /// Nothing to move makes no order.
    private func transferOrder(
        from old: CardNumber, to new: CardNumber, amount: Money, report: LossReportID, actor: StaffActor?, now: Date,
        memo: String, connection: PostgresConnection
    ) async throws -> TopupOrderID? {
        guard amount > .zero else { return nil }
        let context = LedgerStore.PostingContext(actor: actor, hall: nil, shift: nil, idempotencyKey: nil, memo: memo)
        _ = try await LedgerStore.post(
            try LedgerRules.balanceTransferOut(card: old, amount: amount), context: context, connection: connection,
            logger: logger)
        let funded = try await LedgerStore.post(
            try LedgerRules.balanceTransferToOrder(amount: amount), context: context, connection: connection, logger: logger)
        // Never refunded to a channel: such an order waits for its card however long it takes.
        let expires = now.addingTimeInterval(100 * 365 * 86_400)
        let order = try await connection.one(
            """
            INSERT INTO topup_orders (card_number, amount_fen, state, paid_transaction_id, created_at, expires_at, loss_report_id)
            VALUES (\(new.digits), \(amount.fen), 'pending', \(funded.rawValue), \(now), \(expires), \(report.rawValue))
            RETURNING order_id
            """, as: (Int64.self), logger: logger)
        return TopupOrderID(order)
    }

    // MARK: Settlement

    /// Settles the replacements whose waiting period has passed: what the old card's purse still
    /// holds after the records that arrived (its holdback less what it spent offline) goes to the
    /// new card as a top-up order, through the balance-transfer account. Run by the background
    /// service and `tongka-server settle-replacements`; returns how many were settled.
    public func settleDue(now: Date, limit: Int = 100, requestID: String = "replacement-settlement") async throws -> Int {
        let origin = RequestOrigin(actor: nil, requestID: requestID, clientAddress: nil)
        return try await database.transaction { connection in
            let due = try await connection.all(
                """
                SELECT replacement_id, report_id, old_card, new_card, settle_after FROM replacements
                 WHERE settled_at IS NULL AND settle_after <= \(now)
                 ORDER BY settle_after LIMIT \(Int64(limit))
                   FOR UPDATE SKIP LOCKED
                """, as: (Int64, Int64, String, String, Date).self, logger: logger)
            var settled = 0
            for row in due {
                guard LossPolicy.isDue(settleAfter: row.4, settled: false, now: now) else { continue }
                let old = try CardNumber(row.2, issuerPrefixes: database.settings.issuer.cardNumberPrefixes)
                let new = try CardNumber(row.3, issuerPrefixes: database.settings.issuer.cardNumberPrefixes)
                // The old card's row is locked as loads lock it, and its purse account as uploaded taps
                // lock it, so no load or record lands between reading the remainder and moving it.
                try await CardLock.lock(old, connection: connection, logger: logger)
                let remainder = Money(
                    fen: try await connection.one(
                        """
                        SELECT COALESCE((SELECT balance_fen FROM ledger_accounts
                                          WHERE kind = 'card_purse' AND card_number = \(old.digits) FOR UPDATE), 0)
                        """, as: (Int64.self), logger: logger))
                let order = try await transferOrder(
                    from: old, to: new, amount: remainder, report: LossReportID(row.1), actor: nil, now: now,
                    memo: "settlement of \(old.masked)", connection: connection)
                try await connection.query(
                    """
                    UPDATE replacements SET settled_at = \(now), remainder_fen = \(remainder.fen), remainder_order_id = \(order?.rawValue)
                     WHERE replacement_id = \(row.0)
                    """, logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "replacement.settle", subject: "card:\(old.masked)",
                    details: ["replacement": "\(row.0)", "remainder_fen": "\(remainder.fen)", "new_card": new.masked],
                    logger: logger)
                settled += 1
            }
            return settled
        }
    }

    // MARK: Blocking an old card

    /// Whether a card presented at a counter must be blocked for good on the card itself: replaced
    /// or refunded, or reported and past its reclaim window. Anything else is refused
    /// (`card_not_blockable`): a block a counter may not lift is never made by mistake.
    public func requirePermanentBlock(card: CardNumber, now: Date, origin: RequestOrigin) async throws {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        try await database.transaction { connection in
            let row = try await connection.first(
                """
                SELECT c.status, (SELECT r.reported_at FROM loss_reports r WHERE r.card_number = c.card_number AND r.state = 'open')
                  FROM cards c WHERE c.card_number = \(card.digits)
                """, as: (String, Date?).self, logger: logger)
            guard let row else { throw TongkaError(.cardNotFound, detail: card.masked) }
            let status = try Stored.value(row.0, as: CardStatus.self)
            guard LossPolicy.blocksForGood(status: status, reportedAt: row.1, now: now, settings: settings) else {
                throw TongkaError(.cardNotBlockable, detail: status.rawValue)
            }
            try await Audit.record(
                connection, origin: origin, action: "card.block", subject: "card:\(card.masked)",
                details: ["status": status.rawValue, "permanent": "yes"], hall: actor.hallID, logger: logger)
        }
    }
}
