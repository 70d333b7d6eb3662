import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A card return (退卡) as stored: what the card and the back office showed, what was paid.
public struct RefundView: Sendable, Codable, Equatable {
    public let refundID: Int64
    public let cardNumber: String
    public let quote: RefundQuote
    public let approvalID: Int64?
    public let clerk: String
    public let hallCode: String
    public let shiftID: ShiftID
    public let transactionID: JournalTransactionID?
    public let refundedAt: Date
}

/// A supervisor's approval of one card's return, usable once until it expires.
public struct RefundApprovalView: Sendable, Codable, Equatable {
    public let approvalID: Int64
    public let cardNumber: String
    public let approvedBy: String
    public let expiresAt: Date
}

/// Card returns (退卡) and the supervisors' approvals they may need.
public struct RefundStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// A supervisor approves the return of one card in the supervisor's hall.
    public func approve(card: CardNumber, now: Date, origin: RequestOrigin) async throws -> RefundApprovalView {
        let actor = try origin.requireActor()
        guard actor.role == .supervisor else { throw TongkaError(.forbiddenRole, detail: "a supervisor approves refunds") }
        let hall = try actor.requireOwnHall()
        let expires = now.addingTimeInterval(TimeInterval(database.settings.refundApproval.validitySeconds))
        return try await database.transaction { connection in
            try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
            guard
                let row = try await connection.first(
                    """
                    INSERT INTO refund_approvals (card_number, hall_id, approved_by, approved_at, expires_at)
                    SELECT c.card_number, \(hall.rawValue), \(actor.clerkID.rawValue), \(now), \(expires)
                      FROM cards c WHERE c.card_number = \(card.digits)
                    RETURNING approval_id, (SELECT username FROM clerks WHERE clerk_id = \(actor.clerkID.rawValue))
                    """, as: (Int64, String).self, logger: logger)
            else { throw TongkaError(.cardNotFound, detail: card.masked) }
            try await Audit.record(
                connection, origin: origin, action: "refund.approve", subject: "card:\(card.masked)",
                details: ["approval": "\(row.0)"], hall: hall, logger: logger)
            return RefundApprovalView(approvalID: row.0, cardNumber: card.digits, approvedBy: row.1, expiresAt: expires)
        }
    }

    struct RefundRequest: Encodable {
        let card: String
        let cardBalanceFen: Int64
        let approval: Int64?
    }

    /// Returns a card: with the card row locked (as loads lock it, so a top-up and a return of one
    /// card run one at a time), checks `RefundPolicy` against the card's authenticated balance,
    /// uses the approval if one is needed, pays from the clerk's drawer (a drawer that does not
    /// hold the cash refuses with `insufficient_cash`), and sets the card refunded. The caller
    /// then blocks the card itself.
    public func refund(
        card: CardNumber, cardBalance: Money, approvalID: Int64?, idempotencyKey: String, now: Date, origin: RequestOrigin
    ) async throws -> (RefundView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let rule = database.settings.refundApproval
        let digest = RefundRequest(card: card.digits, cardBalanceFen: cardBalance.fen, approval: approvalID)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "card.refund", request: digest, logger: logger
            ) {
                let (shift, hall) = try await ShiftStore.lockOpenShift(of: actor, connection: connection, logger: logger)
                try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
                let facts = try await refundFacts(card, connection: connection)
                var approved = false
                if let approvalID {
                    approved =
                        try await connection.first(
                            """
                            SELECT approval_id FROM refund_approvals
                             WHERE approval_id = \(approvalID) AND card_number = \(card.digits) AND hall_id = \(hall.rawValue)
                               AND used_at IS NULL AND expires_at > \(now)
                               FOR UPDATE
                            """, as: (Int64.self), logger: logger) != nil
                    guard approved else {
                        throw TongkaError(
                            .refundApprovalRequired, detail: "approval \(approvalID) is not valid for this card, hall or time")
                    }
                }
                let quote = try RefundPolicy.quote(facts, cardBalance: cardBalance, approvalLimit: rule.limit, approved: approved)
                var transactionID: JournalTransactionID?
                if let draft = try LedgerRules.cardRefund(shift: shift, card: card, quote: quote) {
                    transactionID = try await LedgerStore.post(
                        draft,
                        context: .init(
                            actor: actor, hall: hall, shift: shift, idempotencyKey: idempotencyKey,
                            memo: "card \(card.masked) returned"),
                        connection: connection, logger: logger)
                }
                try await connection.query(
                    "UPDATE cards SET status = 'refunded' WHERE card_number = \(card.digits)", logger: logger)
                // Listed at once, in the same transaction: validators refuse the card from their next sync.
                try await BlacklistStore.addRefunded(card, actor: actor, now: now, connection: connection, logger: logger)
                if let approvalID {
                    try await connection.query(
                        "UPDATE refund_approvals SET used_at = \(now) WHERE approval_id = \(approvalID)", logger: logger)
                }
                let refundID = try await connection.one(
                    """
                    INSERT INTO refunds (card_number, card_balance_fen, back_office_balance_fen, deposit_fen, fee_fen, paid_fen,
                                         unsettled_fen, approval_id, clerk_id, hall_id, shift_id, transaction_id,
                                         idempotency_key, refunded_at)
                    VALUES (\(card.digits), \(quote.cardBalance.fen), \(quote.backOfficeBalance.fen), \(quote.deposit.fen),
                            \(quote.fee.fen), \(quote.paid.fen), \(quote.unsettled.fen), \(approvalID),
                            \(actor.clerkID.rawValue), \(hall.rawValue), \(shift.rawValue), \(transactionID?.rawValue),
                            \(idempotencyKey), \(now))
                    RETURNING refund_id
                    """, as: (Int64.self), logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "card.refund", subject: "card:\(card.masked)",
                    details: [
                        "paid_fen": "\(quote.paid.fen)", "fee_fen": "\(quote.fee.fen)", "unsettled_fen": "\(quote.unsettled.fen)",
                        "approval": approvalID.map { "\($0)" } ?? "",
                    ], hall: hall, logger: logger)
                let names = try await connection.one(
                    """
                    SELECT k.username, h.code FROM clerks k, service_halls h
                     WHERE k.clerk_id = \(actor.clerkID.rawValue) AND h.hall_id = \(hall.rawValue)
                    """, as: (String, String).self, logger: logger)
                return RefundView(
                    refundID: refundID, cardNumber: card.digits, quote: quote, approvalID: approvalID, clerk: names.0,
                    hallCode: names.1, shiftID: shift, transactionID: transactionID, refundedAt: now)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// The card's facts for a return, with the card row locked against loads and other returns.
    func refundFacts(_ card: CardNumber, connection: PostgresConnection) async throws -> RefundFacts {
        try await CardLock.lock(card, connection: connection, logger: logger)
        guard
            let row = try await connection.first(
                """
                SELECT c.status, c.deposit_fen,
                       COALESCE((SELECT a.balance_fen FROM ledger_accounts a
                                  WHERE a.kind = 'card_purse' AND a.card_number = c.card_number), 0),
                       (SELECT l.load_id FROM loads l
                         WHERE l.card_number = c.card_number AND l.state IN ('mac2_issued', 'grey') LIMIT 1),
                       p.refund_fee_kind, p.refund_fee_fen, p.refund_fee_basis_points, p.refund_fee_threshold_fen
                  FROM cards c
                  JOIN card_products p ON p.product_id = c.product_id
                 WHERE c.card_number = \(card.digits)
                """, as: (String, Int64, Int64, Int64?, String, Int64, Int32, Int64).self, logger: logger)
        else { throw TongkaError(.cardNotFound, detail: card.masked) }
        return RefundFacts(
            cardStatus: try Stored.value(row.0, as: CardStatus.self), deposit: Money(fen: row.1),
            backOfficeBalance: Money(fen: row.2), openLoad: row.3.map { LoadID($0) },
            feeRule: try RefundFeeRule(
                kind: row.4, fee: Money(fen: row.5), basisPoints: Int(row.6), threshold: Money(fen: row.7)))
    }
}
