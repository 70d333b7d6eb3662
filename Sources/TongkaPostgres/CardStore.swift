import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A holder as shown: identity data masked.
public struct HolderView: Sendable, Codable, Equatable {
    public let id: HolderID
    public let name: String
    public let documentType: DocumentType
    public let documentNumberMasked: String
    public let phoneMasked: String?
    public let registeredAt: Date
    public let registeredHallCode: String
}

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

/// Holders and cards.
public struct CardStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }
    var vault: PersonalDataVault { database.settings.personalData }

    public init(database: Database) { self.database = database }

    // MARK: Holders

    /// Registers a holder. The document is checked (resident IDs by their check character),
    /// encrypted, and found again only by its keyed hash; a second holder with the same document
    /// is refused by the unique hash.
    public func registerHolder(
        name rawName: String, document: IdentityDocument, phone: PhoneNumber?, origin: RequestOrigin
    ) async throws -> HolderView {
        let actor = try origin.requireActor()
        let hall = try actor.requireOwnHall()
        let name = try Validate.name(rawName, field: "holder name")
        let documentHash = vault.lookupHash(document)
        let documentCiphertext = try vault.seal(document.number, field: .documentNumber, binding: documentHash)
        let phoneCiphertext = try phone.map { try vault.seal($0.number, field: .phone, binding: documentHash) }
        return try await database.transaction { connection in
            try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
            let id = try await connection.one(
                """
                INSERT INTO holders (name, document_type, document_hash, document_ciphertext, phone_ciphertext,
                                     registered_by, registered_hall_id)
                VALUES (\(name), \(document.type.rawValue), \(documentHash), \(documentCiphertext),
                        \(phoneCiphertext), \(actor.clerkID.rawValue), \(hall.rawValue))
                RETURNING holder_id
                """, as: (Int64.self), logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "holder.register", subject: "holder:\(id)",
                details: ["document_type": document.type.rawValue], logger: logger)
            return try await holder(id: HolderID(id), connection: connection)
        }
    }

    /// Finds a holder by identity document, with its cards. Every lookup, found or not, is audited
    /// and counts against the actor's hourly lookup limit: identity numbers are guessable in about
    /// a thousand tries, so searching is never free or untraced.
    public func findHolder(document: IdentityDocument, origin: RequestOrigin, now: Date) async throws -> (HolderView, [CardView]) {
        let actor = try origin.requireActor()
        let found = try await database.transaction { connection in
            try await checkLookupLimit(actor: actor, now: now, connection: connection)
            let id = try await connection.first(
                "SELECT holder_id FROM holders WHERE document_hash = \(vault.lookupHash(document))", as: (Int64.self),
                logger: logger)
            try await Audit.record(
                connection, origin: origin, action: Self.lookupAction, subject: id.map { "holder:\($0)" },
                details: ["reason": "search", "document_type": document.type.rawValue, "found": id == nil ? "no" : "yes"],
                logger: logger)
            guard let id else { return nil as (HolderView, [CardView])? }
            let holder = try await holder(id: HolderID(id), connection: connection)
            return (holder, try await cards(holder: holder.id, connection: connection))
        }
        guard let found else { throw TongkaError(.holderNotFound) }
        return found
    }

    /// A holder by number. Hall staff reach holders registered in their hall or holding a card
    /// issued there (the rule is ``Actor/canReachHolder(registeredHall:cardHalls:)``); elsewhere
    /// they find a holder by the identity document the person shows. The read is audited.
    public func holder(id: HolderID, origin: RequestOrigin, now: Date) async throws -> (HolderView, [CardView]) {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            try await checkLookupLimit(actor: actor, now: now, connection: connection)
            try await reachHolder(id, actor: actor, lock: false, connection: connection)
            try await Audit.record(
                connection, origin: origin, action: Self.lookupAction, subject: "holder:\(id)", details: ["reason": "view"],
                logger: logger)
            let holder = try await holder(id: id, connection: connection)
            return (holder, try await cards(holder: id, connection: connection))
        }
    }

    /// The audit action of every read of a holder's personal data; the lookup limit counts these.
    static let lookupAction = "holder.read"

    /// Refuses a lookup when the actor made `holderLookupsPerHour` of them in the past hour. The
    /// advisory lock makes parallel lookups of one actor count one after another.
    func checkLookupLimit(actor: Actor, now: Date, connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(7316049, \(Int32(truncatingIfNeeded: actor.clerkID.rawValue)))", logger: logger)
        let since = now.addingTimeInterval(-3600)
        let recent = try await connection.one(
            """
            SELECT count(*) FROM audit_events
             WHERE actor_clerk_id = \(actor.clerkID.rawValue) AND action = \(Self.lookupAction) AND occurred_at > \(since)
            """, as: (Int64.self), logger: logger)
        guard recent < Int64(database.settings.holderLookupsPerHour) else {
            throw TongkaError(.holderLookupLimit, detail: "at most \(database.settings.holderLookupsPerHour) an hour")
        }
    }

    /// Applies the hall-scope rule for reaching a holder by number, from the facts in the
    /// database; `lock` keeps the holder from changing until the transaction ends (selling).
    func reachHolder(_ id: HolderID, actor: Actor, lock: Bool, connection: PostgresConnection) async throws {
        guard let registeredHall = try await connection.first(
            lock
                ? "SELECT registered_hall_id FROM holders WHERE holder_id = \(id.rawValue) FOR KEY SHARE"
                : "SELECT registered_hall_id FROM holders WHERE holder_id = \(id.rawValue)",
            as: (Int64.self), logger: logger)
        else { throw TongkaError(.holderNotFound) }
        let cardHalls = try await connection.all(
            "SELECT DISTINCT issued_hall_id FROM cards WHERE holder_id = \(id.rawValue)", as: (Int64.self), logger: logger)
        guard actor.canReachHolder(registeredHall: HallID(registeredHall), cardHalls: Set(cardHalls.map { HallID($0) })) else {
            throw TongkaError(.forbiddenHall)
        }
    }

    func holder(id: HolderID, connection: PostgresConnection) async throws -> HolderView {
        guard let row = try await connection.first(
            """
            SELECT h.holder_id, h.name, h.document_type, h.document_ciphertext, h.phone_ciphertext, h.registered_at, s.code,
                   h.document_hash
              FROM holders h JOIN service_halls s ON s.hall_id = h.registered_hall_id
             WHERE h.holder_id = \(id.rawValue)
            """, as: (Int64, String, String, Data, Data?, Date, String, Data).self, logger: logger)
        else { throw TongkaError(.holderNotFound) }
        let type = try Stored.value(row.2, as: DocumentType.self)
        let document = try openDocument(type: type, ciphertext: row.3, hash: row.7)
        let phone = try row.4.map { try PhoneNumber(try vault.open($0, field: .phone, binding: row.7)) }
        return HolderView(
            id: HolderID(row.0), name: row.1, documentType: type, documentNumberMasked: document.masked,
            phoneMasked: phone?.masked, registeredAt: row.5, registeredHallCode: row.6)
    }

    /// Decrypts a document number and checks it against its lookup hash: data moved between rows
    /// (or altered) does not decrypt, and a mismatch is refused rather than shown.
    func openDocument(type: DocumentType, ciphertext: Data, hash: Data) throws -> IdentityDocument {
        let document = try IdentityDocument(type: type, number: try vault.open(ciphertext, field: .documentNumber, binding: hash))
        guard vault.lookupHash(document) == hash else {
            throw TongkaError(.internalError, detail: "personal data does not match its holder")
        }
        return document
    }

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
                guard let productID = try await connection.first(
                    """
                    UPDATE card_stock SET status = 'issued'
                     WHERE card_number = \(cardNumber.digits) AND hall_id = \(hall.rawValue) AND status = 'in_stock'
                       AND valid_to >= \(today.description)::date
                    RETURNING product_id
                    """, as: (Int64.self), logger: logger)
                else { throw try await whyNotIssuable(cardNumber, hall: hall, today: today, connection: connection) }

                let productRow = try await connection.one(
                    "SELECT \(unescaped: CatalogStore.productColumns) FROM card_products WHERE product_id = \(productID) FOR SHARE",
                    as: CatalogStore.ProductRow.self, logger: logger)
                let product = try CatalogStore.product(productRow)
                try product.checkIssuable(registered: selection != nil)
                let holderID = try await selectedHolder(selection, actor: actor, connection: connection)

                let deposit = product.definition.deposit
                let cardCost = product.definition.cardCost
                let payment = try Payment(method: paymentMethod, reference: paymentReference, amount: deposit + cardCost)
                _ = try await LedgerStore.accountID(.cardPurse(cardNumber), connection: connection, logger: logger)
                var transactionID: JournalTransactionID?
                if let draft = try LedgerRules.cardIssue(shift: shift, payment: payment.method, deposit: deposit, cardCost: cardCost) {
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
                    card: card, paid: deposit + cardCost, paymentMethod: payment.method, paymentReference: payment.reference?.value,
                    transactionID: transactionID, shiftID: shift)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// The holder a registered sale goes to, locked against change: by number within hall scope,
    /// or by the presented document from any hall.
    private func selectedHolder(_ selection: HolderSelection?, actor: Actor, connection: PostgresConnection) async throws -> HolderID? {
        switch selection {
        case nil:
            return nil
        case .id(let id):
            try await reachHolder(id, actor: actor, lock: true, connection: connection)
            return id
        case .document(let document):
            guard let id = try await connection.first(
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
        guard let (status, stockHall, expired) = try await connection.first(
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
                try await checkLookupLimit(actor: actor, now: now, connection: connection)
                try await Audit.record(
                    connection, origin: origin, action: Self.lookupAction, subject: "holder:\(holder)",
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
        guard let row = try await connection.first(
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
            documentMasked = try openDocument(type: type, ciphertext: ciphertext, hash: hash).masked
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
