import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A card as the back office knows it.
public struct CardView: Sendable, Codable, Equatable {
    public let cardNumber: String
    public let status: CardStatus
    public let productCode: String
    public let productName: String
    public let cardType: CardType
    public let transportModes: [TransportMode]
    public let interconnection: Bool
    public let holderID: HolderID?
    /// Masked (`王*明`): whoever has the card number should not learn the holder's name.
    public let holderNameMasked: String?
    public let holderDocumentMasked: String?
    public let issuedAt: Date
    public let issuedHallCode: String
    public let issuedBy: String
    public let deposit: Money
    public let cardCost: Money
    public let validFrom: CalendarDate
    public let validTo: CalendarDate
    /// The shadow balance of the card's purse account.
    public let balance: Money
}

/// The result of selling a card, stored for idempotent replays.
public struct CardIssue: Sendable, Codable, Equatable {
    public let card: CardView
    public let paid: Money
    public let paymentMethod: PaymentMethod
    public let paymentReference: String?
    public let transactionID: JournalTransactionID?
    public let shiftID: ShiftID
}

/// Cards: selling them from stock and reading them back.
public struct CardStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var vault: PersonalDataVault { database.settings.personalData }
    var holders: HolderStore { HolderStore(database: database) }

    public init(database: Database) { self.database = database }

    // MARK: Cards

    struct IssueRequest: Encodable {
        let cardNumber: String
        let holderID: Int64?
        /// The keyed hash of the presented document, never the number itself.
        let holderDocumentHash: Data?
        let paymentMethod: String
        let paymentReference: String?
    }

    /// Sells a card from the actor's hall stock in its open shift. The stock row's conditional
    /// UPDATE decides a race between two clerks: exactly one gets the card, the other a clear error.
    /// A registered card names its holder by number (hall scope applies) or by the document the
    /// person presents. A non-cash payment carries the channel's reference.
    public func issue(
        cardNumber: CardNumber, holder selection: HolderSelection?, paymentMethod: PaymentMethod, paymentReference: String?,
        idempotencyKey: String, today: CalendarDate, origin: RequestOrigin
    ) async throws -> (CardIssue, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        var documentHash: Data?
        if case .document(let document) = selection { documentHash = vault.lookupHash(document) }
        let request = IssueRequest(
            cardNumber: cardNumber.digits, holderID: { if case .id(let id) = selection { id.rawValue } else { nil } }(),
            holderDocumentHash: documentHash, paymentMethod: paymentMethod.rawValue, paymentReference: paymentReference)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "card.issue", request: request, logger: logger
            ) {
                let (shift, hall) = try await ShiftStore.lockOpenShift(of: actor, connection: connection, logger: logger)
                try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
                guard
                    let productID = try await connection.first(
                        """
                        UPDATE card_stock SET status = 'issued'
                         WHERE card_number = \(cardNumber.digits) AND hall_id = \(hall.rawValue) AND status = 'in_stock'
                           AND valid_to >= \(today.description)::date
                        RETURNING product_id
                        """, as: (Int64.self), logger: logger)
                else { throw try await whyNotIssuable(cardNumber, hall: hall, today: today, connection: connection) }

                let productRow = try await connection.one(
                    "SELECT \(unescaped: ProductStore.productColumns) FROM card_products WHERE product_id = \(productID) FOR SHARE",
                    as: ProductStore.ProductRow.self, logger: logger)
                let product = try ProductStore.product(productRow)
                try product.checkIssuable(registered: selection != nil)
                let holderID = try await selectedHolder(selection, actor: actor, connection: connection)

                let deposit = product.definition.deposit
                let cardCost = product.definition.cardCost
                let payment = try Payment(method: paymentMethod, reference: paymentReference, amount: deposit + cardCost)
                _ = try await LedgerStore.accountID(.cardPurse(cardNumber), connection: connection, logger: logger)
                var transactionID: JournalTransactionID?
                if let draft = try LedgerRules.cardIssue(
                    shift: shift, payment: payment.method, deposit: deposit, cardCost: cardCost)
                {
                    transactionID = try await LedgerStore.post(
                        draft,
                        context: .init(
                            actor: actor, hall: hall, shift: shift, idempotencyKey: idempotencyKey, memo: nil, payment: payment),
                        connection: connection, logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO cards (card_number, product_id, holder_id, issued_hall_id, issued_clerk_id, issued_shift_id,
                                       issue_transaction_id, deposit_fen, card_cost_fen, payment_method)
                    VALUES (\(cardNumber.digits), \(productID), \(holderID?.rawValue), \(hall.rawValue),
                            \(actor.clerkID.rawValue), \(shift.rawValue), \(transactionID?.rawValue), \(deposit.fen),
                            \(cardCost.fen), \(payment.method.rawValue))
                    """, logger: logger)
                var details = [
                    "product": product.definition.code, "registered": holderID == nil ? "no" : "yes",
                    "holder": holderID.map { "\($0)" } ?? "", "paid_fen": "\((deposit + cardCost).fen)",
                    "payment": payment.method.rawValue, "shift": "\(shift)",
                ]
                if case .document = selection { details["holder_found_by"] = "document" }
                if let reference = payment.reference { details["payment_reference"] = reference.value }
                try await Audit.record(
                    connection, origin: origin, action: "card.issue", subject: "card:\(cardNumber.masked)", details: details,
                    logger: logger)
                let card = try await card(cardNumber, connection: connection)
                return CardIssue(
                    card: card, paid: deposit + cardCost, paymentMethod: payment.method,
                    paymentReference: payment.reference?.value,
                    transactionID: transactionID, shiftID: shift)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// The holder a registered sale goes to, locked against change: by number within hall scope,
    /// or by the presented document from any hall.
    private func selectedHolder(
        _ selection: HolderSelection?, actor: StaffActor, connection: PostgresConnection
    ) async throws -> HolderID? {
        switch selection {
        case nil:
            return nil
        case .id(let id):
            try await holders.reachHolder(id, actor: actor, lock: true, connection: connection)
            return id
        case .document(let document):
            guard
                let id = try await connection.first(
                    "SELECT holder_id FROM holders WHERE document_hash = \(vault.lookupHash(document)) FOR KEY SHARE",
                    as: (Int64.self), logger: logger)
            else { throw TongkaError(.holderNotFound) }
            return HolderID(id)
        }
    }

    /// Explains why a card could not be taken from this hall's stock.
    private func whyNotIssuable(
        _ cardNumber: CardNumber, hall: HallID, today: CalendarDate, connection: PostgresConnection
    ) async throws -> TongkaError {
        guard
            let (status, stockHall, expired) = try await connection.first(
                """
                SELECT status, hall_id, valid_to < \(today.description)::date FROM card_stock
                 WHERE card_number = \(cardNumber.digits)
                """, as: (String, Int64?, Bool).self, logger: logger)
        else { return TongkaError(.cardNotFound, detail: cardNumber.masked) }
        if status == "issued" { return TongkaError(.cardAlreadyIssued, detail: cardNumber.masked) }
        if stockHall != hall.rawValue { return TongkaError(.cardNotInHallStock, detail: cardNumber.masked) }
        if expired { return TongkaError(.cardExpired, detail: cardNumber.masked) }
        return TongkaError(.cardNotInHallStock, detail: cardNumber.masked)
    }

    /// A card by number. When the card is registered, the answer shows the holder (masked), so the
    /// read is audited like any other read of a holder's data and counts against the lookup limit.
    public func card(_ number: CardNumber, origin: RequestOrigin, now: Date) async throws -> CardView {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            let card = try await card(number, connection: connection)
            if let holder = card.holderID {
                try await holders.checkLookupLimit(actor: actor, now: now, connection: connection)
                try await Audit.record(
                    connection, origin: origin, action: HolderStore.lookupAction, subject: "holder:\(holder)",
                    details: ["reason": "card_view", "card": number.masked], logger: logger)
            }
            return card
        }
    }

    static let cardQuery = """
        SELECT c.card_number, c.status, p.code, p.name, p.card_type, p.transport_modes, p.interconnection, c.holder_id,
               hd.name, hd.document_type, hd.document_ciphertext, hd.document_hash, c.issued_at, h.code, k.username, c.deposit_fen,
               c.card_cost_fen, s.valid_from, s.valid_to, COALESCE(a.balance_fen, 0)
          FROM cards c
          JOIN card_products p ON p.product_id = c.product_id
          JOIN card_stock s ON s.card_number = c.card_number
          JOIN service_halls h ON h.hall_id = c.issued_hall_id
          JOIN clerks k ON k.clerk_id = c.issued_clerk_id
          LEFT JOIN holders hd ON hd.holder_id = c.holder_id
          LEFT JOIN ledger_accounts a ON a.kind = 'card_purse' AND a.card_number = c.card_number
        """
    typealias CardRow = (
        String, String, String, String, Int16, [String], Bool, Int64?, String?, String?, Data?, Data?, Date, String,
        String, Int64, Int64, Date, Date, Int64
    )

    func card(_ number: CardNumber, connection: PostgresConnection) async throws -> CardView {
        guard
            let row = try await connection.first(
                "\(unescaped: Self.cardQuery) WHERE c.card_number = \(number.digits)", as: CardRow.self, logger: logger)
        else { throw TongkaError(.cardNotFound, detail: number.masked) }
        return try view(row)
    }

    func cards(holder: HolderID, connection: PostgresConnection) async throws -> [CardView] {
        try await connection.all(
            "\(unescaped: Self.cardQuery) WHERE c.holder_id = \(holder.rawValue) ORDER BY c.issued_at",
            as: CardRow.self, logger: logger
        ).map(view)
    }

    func view(_ row: CardRow) throws -> CardView {
        var documentMasked: String?
        if let typeName = row.9, let ciphertext = row.10, let hash = row.11 {
            let type = try Stored.value(typeName, as: DocumentType.self)
            documentMasked = try holders.openDocument(type: type, ciphertext: ciphertext, hash: hash).masked
        }
        let cardType = try Stored.value(Int(row.4), as: CardType.self)
        let modes = try Stored.values(row.5, as: TransportMode.self)
        let utc = TimeZone(identifier: "UTC")!
        return CardView(
            cardNumber: row.0, status: try Stored.value(row.1, as: CardStatus.self), productCode: row.2, productName: row.3,
            cardType: cardType, transportModes: modes, interconnection: row.6,
            holderID: row.7.map { HolderID($0) }, holderNameMasked: row.8.map(Validate.maskedPersonName),
            holderDocumentMasked: documentMasked, issuedAt: row.12, issuedHallCode: row.13, issuedBy: row.14,
            deposit: Money(fen: row.15), cardCost: Money(fen: row.16), validFrom: CalendarDate(row.17, in: utc),
            validTo: CalendarDate(row.18, in: utc), balance: Money(fen: row.19))
    }

}
