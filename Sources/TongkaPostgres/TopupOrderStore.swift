import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// An online top-up order as the back office records it.
public struct TopupOrderView: Sendable, Codable, Equatable {
    public let orderID: TopupOrderID
    public let cardNumber: String
    public let amount: Money
    /// The channel account's user name; nil for a replacement card's order (补卡余额转移), which
    /// the balance-transfer account paid and `lossReference` names.
    public let channel: String?
    public let paymentMethod: PaymentMethod?
    public let channelReference: String?
    public let lossReference: String?
    public let state: TopupOrderState
    public let paidTransactionID: JournalTransactionID
    public let createdAt: Date
    public let expiresAt: Date
    public let loadID: LoadID?
    public let loadedAt: Date?
    public let refundTransactionID: JournalTransactionID?
    public let refundedAt: Date?
}

/// Online top-up orders: a channel posts them (paid into the `topup_orders` account), counters load
/// them onto their card (``LoadStore``), the expiry refunds the ones never loaded.
public struct TopupOrderStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    struct CreateRequest: Encodable {
        let card: String
        let amountFen: Int64
        let reference: String
    }

    struct Created: Codable, Sendable {
        let order: TopupOrderView
        /// The channel reference named an order already (same body): this is that order.
        let existing: Bool
    }

    /// Posts a channel's paid order for a card. The channel reference is unique per channel: the
    /// same reference with the same card and amount answers the first order (`replayed`), with
    /// another body `order_reference_conflict`. Checks the card (row locked, so orders and loads of
    /// one card run one at a time) and the limits that need no card, posts Dr payment channel /
    /// Cr topup orders and stores the order, in one transaction.
    public func create(
        card: CardNumber, amount: Money, channelReference: String, idempotencyKey: String, now: Date, origin: RequestOrigin
    ) async throws -> (TopupOrderView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard actor.role == .channel else { throw TongkaError(.forbiddenRole) }
        let reference = try PaymentReference(channelReference)
        let settings = database.settings
        let today = CalendarDate(now, in: settings.timeZone)
        let expiresAt = TopupOrderRules.expiry(createdAt: now, settings: settings.orderSettings)
        let digest = CreateRequest(card: card.digits, amountFen: amount.fen, reference: reference.value)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "order.create", request: digest, logger: logger
            ) {
                guard
                    let methodText = try await connection.first(
                        "SELECT payment_method FROM channels WHERE clerk_id = \(actor.clerkID.rawValue) AND revoked_at IS NULL",
                        as: (String.self), logger: logger)
                else { throw TongkaError(.forbiddenRole, detail: "not an active channel account") }
                let method = try Stored.value(methodText, as: PaymentMethod.self)
                if let existing = try await connection.first(
                    "\(unescaped: Self.orderQuery) WHERE o.channel_id = \(actor.clerkID.rawValue) AND o.channel_reference = \(reference.value)",
                    as: OrderRow.self, logger: logger)
                {
                    let order = try Self.view(existing)
                    guard order.cardNumber == card.digits, order.amount == amount else {
                        throw TongkaError(.orderReferenceConflict, detail: "order \(order.orderID)")
                    }
                    return Created(order: order, existing: true)
                }
                let facts = try await orderFacts(card, connection: connection)
                try TopupOrderRules.checkNew(amount: amount, facts: facts, limits: settings.loadLimits, today: today)
                let payment = try Payment(method: method, reference: reference.value, amount: amount)
                let transactionID = try await LedgerStore.post(
                    try LedgerRules.orderPaid(channel: method, amount: amount),
                    context: .init(
                        actor: actor, hall: nil, shift: nil, idempotencyKey: idempotencyKey, memo: "top-up order",
                        payment: payment),
                    connection: connection, logger: logger)
                let orderID = try await connection.one(
                    """
                    INSERT INTO topup_orders (channel_id, payment_method, channel_reference, card_number, amount_fen, state,
                                              paid_transaction_id, created_at, expires_at)
                    VALUES (\(actor.clerkID.rawValue), \(method.rawValue), \(reference.value), \(card.digits), \(amount.fen),
                            'pending', \(transactionID.rawValue), \(now), \(expiresAt))
                    RETURNING order_id
                    """, as: (Int64.self), logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "order.create", subject: "order:\(orderID)",
                    details: ["card": card.masked, "amount_fen": "\(amount.fen)", "reference": reference.value], logger: logger)
                return Created(order: try await order(TopupOrderID(orderID), connection: connection), existing: false)
            }
        }
        return (outcome.result.order, outcome.replayed || outcome.result.existing)
    }

    /// The card's facts for a new order, with the card row locked.
    func orderFacts(_ card: CardNumber, connection: PostgresConnection) async throws -> OrderFacts {
        try await CardLock.lock(card, connection: connection, logger: logger)
        guard
            let row = try await connection.first(
                """
                SELECT c.status, s.valid_to, p.max_balance_fen,
                       COALESCE((SELECT a.balance_fen FROM ledger_accounts a
                                  WHERE a.kind = 'card_purse' AND a.card_number = c.card_number), 0),
                       (SELECT COALESCE(sum(o.amount_fen), 0)::bigint FROM topup_orders o
                         WHERE o.card_number = c.card_number AND o.state IN ('pending', 'loading'))
                  FROM cards c
                  JOIN card_stock s ON s.card_number = c.card_number
                  JOIN card_products p ON p.product_id = c.product_id
                 WHERE c.card_number = \(card.digits)
                """, as: (String, Date, Int64, Int64, Int64).self, logger: logger)
        else { throw TongkaError(.cardNotFound, detail: card.masked) }
        let utc = TimeZone(identifier: "UTC")!
        return OrderFacts(
            cardStatus: try Stored.value(row.0, as: CardStatus.self), validTo: CalendarDate(row.1, in: utc),
            maximumBalance: Money(fen: row.2), backOfficeBalance: Money(fen: row.3), pendingOrders: Money(fen: row.4))
    }

    // MARK: Reads

    /// The orders of a card, newest first: every order for staff, a channel's own for a channel.
    public func orders(card: CardNumber, origin: RequestOrigin) async throws -> [TopupOrderView] {
        let actor = try origin.requireActor()
        let channel: Int64? = actor.role == .channel ? actor.clerkID.rawValue : nil
        return try await database.read { connection in
            try await connection.all(
                """
                \(unescaped: Self.orderQuery)
                 WHERE o.card_number = \(card.digits) AND (\(channel)::bigint IS NULL OR o.channel_id = \(channel))
                 ORDER BY o.order_id DESC LIMIT 200
                """, as: OrderRow.self, logger: logger
            ).map(Self.view)
        }
    }

    /// One order; a channel sees only its own (another channel's is `order_not_found`).
    public func order(_ id: TopupOrderID, origin: RequestOrigin) async throws -> TopupOrderView {
        let actor = try origin.requireActor()
        return try await database.read { connection in
            let (order, channel) = try await orderWithChannel(id, connection: connection)
            if actor.role == .channel, channel != actor.clerkID { throw TongkaError(.orderNotFound) }
            return order
        }
    }

    // MARK: Expiry

    /// Refunds up to `limit` pending orders past their expiry to their channel (Dr topup orders /
    /// Cr payment channel), each audited. Orders being loaded wait for their load; orders locked by
    /// a counter loading them right now are skipped and seen on the next run. Returns the count.
    public func refundExpired(now: Date, limit: Int = 100) async throws -> Int {
        let origin = RequestOrigin(actor: nil, requestID: "order-expiry", clientAddress: nil)
        return try await database.transaction { connection in
            let rows = try await connection.all(
                """
                SELECT o.order_id, o.channel_id, k.username, o.payment_method, o.amount_fen, o.card_number, o.state, o.expires_at
                  FROM topup_orders o JOIN clerks k ON k.clerk_id = o.channel_id
                 WHERE o.state = 'pending' AND o.expires_at <= \(now)
                 ORDER BY o.expires_at LIMIT \(Int64(limit))
                   FOR UPDATE OF o SKIP LOCKED
                """, as: (Int64, Int64, String, String, Int64, String, String, Date).self, logger: logger)
            var refunded = 0
            for row in rows {
                let state = try Stored.value(row.6, as: TopupOrderState.self)
                guard TopupOrderRules.isExpired(state: state, expiresAt: row.7, now: now) else { continue }
                let method = try Stored.value(row.3, as: PaymentMethod.self)
                let amount = Money(fen: row.4)
                // The refund is the channel's money going back: recorded on the channel's account.
                let channel = StaffActor(clerkID: ClerkID(row.1), username: row.2, role: .channel, hallID: nil)
                let transaction = try await LedgerStore.post(
                    try LedgerRules.orderRefund(channel: method, amount: amount),
                    context: .init(
                        actor: channel, hall: nil, shift: nil, idempotencyKey: nil, memo: "order \(row.0) expired"),
                    connection: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE topup_orders SET state = 'refunded', refund_transaction_id = \(transaction.rawValue), refunded_at = \(now)
                     WHERE order_id = \(row.0)
                    """, logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "order.refund", subject: "order:\(row.0)",
                    details: [
                        "channel": row.2, "amount_fen": "\(row.4)", "reason": "expired",
                        "refund_transaction": "\(transaction)",
                    ], logger: logger)
                refunded += 1
            }
            return refunded
        }
    }

    // MARK: Rows

    static let orderQuery = """
        SELECT o.order_id, o.card_number, o.amount_fen, k.username, o.payment_method, o.channel_reference, o.state,
               o.paid_transaction_id, o.created_at, o.expires_at, o.load_id, o.loaded_at, o.refund_transaction_id,
               o.refunded_at, o.channel_id, r.reference
          FROM topup_orders o
          LEFT JOIN clerks k ON k.clerk_id = o.channel_id
          LEFT JOIN loss_reports r ON r.report_id = o.loss_report_id
        """
    typealias OrderRow = (
        Int64, String, Int64, String?, String?, String?, String, Int64, Date, Date, Int64?, Date?, Int64?, Date?, Int64?,
        String?
    )

    static func view(_ row: OrderRow) throws -> TopupOrderView {
        TopupOrderView(
            orderID: TopupOrderID(row.0), cardNumber: row.1, amount: Money(fen: row.2), channel: row.3,
            paymentMethod: try row.4.map { try Stored.value($0, as: PaymentMethod.self) }, channelReference: row.5,
            lossReference: row.15,
            state: try Stored.value(row.6, as: TopupOrderState.self), paidTransactionID: JournalTransactionID(row.7),
            createdAt: row.8, expiresAt: row.9, loadID: row.10.map { LoadID($0) }, loadedAt: row.11,
            refundTransactionID: row.12.map { JournalTransactionID($0) }, refundedAt: row.13)
    }

    func order(_ id: TopupOrderID, connection: PostgresConnection) async throws -> TopupOrderView {
        try await orderWithChannel(id, connection: connection).0
    }

    func orderWithChannel(
        _ id: TopupOrderID, connection: PostgresConnection, lock: Bool = false
    ) async throws -> (TopupOrderView, ClerkID?) {
        guard
            let row = try await connection.first(
                "\(unescaped: Self.orderQuery) WHERE o.order_id = \(id.rawValue) \(unescaped: lock ? "FOR UPDATE OF o" : "")",
                as: OrderRow.self, logger: logger)
        else { throw TongkaError(.orderNotFound) }
        return (try Self.view(row), row.14.map { ClerkID($0) })
    }
}
