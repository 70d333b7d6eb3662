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
    ///
    /// Four round trips inside BEGIN and COMMIT, each a prepared statement: ``SaleClaim`` (the
    /// idempotency key, the shift and hall locks, the stock card and its product), the decisions in
    /// Swift, ``SaleWrite`` (journal transaction, entries, purse account, card row, audit event and
    /// the card as answered), and the stored result. A registered sale reads its holder in between.
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
        let claim = try Idempotency.Claim(actor: actor, key: idempotencyKey, operation: "card.issue", request: request)
        let outcome = try await database.transaction { connection in
            var claimed: SaleClaim.Row?
            let claimStatement = SaleClaim(claim: claim, cardNumber: cardNumber, today: today)
            for try await row in try await connection.execute(claimStatement, logger: logger) { claimed = row }
            guard let facts = claimed, facts.claimed else {
                let first = try await Idempotency.replay(claim, as: CardIssue.self, connection: connection, logger: logger)
                return Idempotency.Outcome(result: first, replayed: true)
            }
            guard let shiftID = facts.shift, let hallID = facts.hall else { throw TongkaError(.noOpenShift) }
            let (shift, hall) = (ShiftID(shiftID), HallID(hallID))
            try HallCheck.requireOpen(storedStatus: facts.hallStatus)
            guard let productRow = facts.product else {
                throw try await whyNotIssuable(cardNumber, hall: hall, today: today, connection: connection)
            }
            let product = try ProductStore.product(productRow)
            try product.checkIssuable(registered: selection != nil)
            let holderID = try await selectedHolder(selection, actor: actor, connection: connection)

            let deposit = product.definition.deposit
            let cardCost = product.definition.cardCost
            let payment = try Payment(method: paymentMethod, reference: paymentReference, amount: deposit + cardCost)
            let draft = try LedgerRules.cardIssue(shift: shift, payment: payment.method, deposit: deposit, cardCost: cardCost)
            var details = [
                "product": product.definition.code, "registered": holderID == nil ? "no" : "yes",
                "holder": holderID.map { "\($0)" } ?? "", "paid_fen": "\((deposit + cardCost).fen)",
                "payment": payment.method.rawValue, "shift": "\(shift)",
            ]
            if case .document = selection { details["holder_found_by"] = "document" }
            if let reference = payment.reference { details["payment_reference"] = reference.value }
            let write = SaleWrite(
                draft: draft,
                posting: .init(
                    actor: actor, hall: hall, shift: shift, idempotencyKey: idempotencyKey, memo: nil, payment: payment),
                cardNumber: cardNumber, product: product.id, holder: holderID, deposit: deposit, cardCost: cardCost,
                audit: .init(
                    origin: origin, action: "card.issue", subject: "card:\(cardNumber.masked)", details: details, hall: nil))
            var written: CardRow?
            for try await row in try await connection.execute(write, logger: logger) { written = row }
            // No row: an account of the draft was missing, so the card row was not written either.
            guard let written else { throw TongkaError(.internalError, detail: "card sale found fewer accounts than it posts") }
            let issue = CardIssue(
                card: try view(written), paid: deposit + cardCost, paymentMethod: payment.method,
                paymentReference: payment.reference?.value, transactionID: written.20.map { JournalTransactionID($0) },
                shiftID: shift)
            try await Idempotency.store(issue, for: claim, connection: connection, logger: logger)
            return Idempotency.Outcome(result: issue, replayed: false)
        }
        return (outcome.result, outcome.replayed)
    }

    /// The sale's first statement: claims the idempotency key, locks the clerk's open shift FOR
    /// KEY SHARE (a close, FOR UPDATE, waits for the sale; other sales and payouts do not) and its
    /// hall FOR SHARE (closing the hall waits), takes the card from the hall's stock with a
    /// conditional UPDATE (only when the key was new) and reads its product FOR SHARE. Every part
    /// may come back empty; the Swift code decides what that means, in this order: replay, no open
    /// shift, hall closed, card not issuable.
    struct SaleClaim: PostgresPreparedStatement {
        static let name = "card.issue.claim"
        static let sql = """
            WITH claim AS (\(Idempotency.claimSQL(firstParameter: 1))),
                 shift AS (
                     SELECT shift_id, hall_id FROM shifts WHERE clerk_id = $1::bigint AND closed_at IS NULL FOR KEY SHARE),
                 hall AS (
                     SELECT h.status FROM service_halls h JOIN shift ON shift.hall_id = h.hall_id FOR SHARE OF h),
                 stock AS (
                     UPDATE card_stock c SET status = 'issued' FROM shift
                      WHERE c.card_number = $5::text AND c.hall_id = shift.hall_id AND c.status = 'in_stock'
                        AND c.valid_to >= $6::text::date AND EXISTS (SELECT 1 FROM claim)
                     RETURNING c.product_id),
                 product AS (
                     SELECT \(ProductStore.productColumns) FROM card_products
                      WHERE product_id = (SELECT product_id FROM stock) FOR SHARE)
            SELECT EXISTS (SELECT 1 FROM claim), shift.shift_id, shift.hall_id, hall.status, product.*
              FROM (VALUES (1)) AS one (x)
              LEFT JOIN shift ON true LEFT JOIN hall ON true LEFT JOIN product ON true
            """

        struct Row {
            let claimed: Bool
            let shift: Int64?
            let hall: Int64?
            let hallStatus: String?
            let product: ProductStore.ProductRow?
        }

        let claim: Idempotency.Claim
        let cardNumber: CardNumber
        let today: CalendarDate

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            try claim.appendBindings(to: &bindings)
            bindings.append(cardNumber.digits)
            bindings.append(today.description)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (
                claimed, shift, hall, status, id, code, name, type, deposit, cost, replacement, modes, interconnection,
                anonymous, registered, maxBalance, active, feeKind, feeFen, feeBasisPoints, feeThreshold
            ) = try row.decode(
                (
                    Bool, Int64?, Int64?, String?, Int64?, String?, String?, Int16?, Int64?, Int64?, Int64?, [String]?,
                    Bool?, Bool?, Bool?, Int64?, Bool?, String?, Int64?, Int32?, Int64?
                ).self)
            var product: ProductStore.ProductRow?
            if let id, let code, let name, let type, let deposit, let cost, let replacement, let modes, let interconnection,
                let anonymous, let registered, let maxBalance, let active, let feeKind, let feeFen, let feeBasisPoints,
                let feeThreshold
            {
                product = (
                    id, code, name, type, deposit, cost, replacement, modes, interconnection, anonymous, registered, maxBalance,
                    active, feeKind, feeFen, feeBasisPoints, feeThreshold
                )
            }
            return Row(claimed: claimed, shift: shift, hall: hall, hallStatus: status, product: product)
        }
    }

    /// The sale's writes in one statement: the journal transaction and its entries (none for a
    /// free card), the card's purse account, the card row, the audit event, and the card as the
    /// answer shows it, read from the inserted row (its new purse account is not visible yet
    /// within the statement: a new card's balance is zero). The card row is written only when
    /// every posting found its account, so a missing account returns no row and changes nothing.
    struct SaleWrite: PostgresPreparedStatement {
        static let name = "card.issue.write"
        static let sql = """
            WITH tx AS (\(LedgerStore.transactionSQL(firstParameter: 1))),
                 entries AS (\(LedgerStore.entriesSQL(transaction: "tx", firstParameter: 9))),
                 purse AS (
                     INSERT INTO ledger_accounts (kind, normal_side, card_number, tracks_balance)
                     VALUES ('card_purse', $15::smallint, $16::text, $17::boolean)
                     ON CONFLICT DO NOTHING),
                 card AS (
                     INSERT INTO cards (card_number, product_id, holder_id, issued_hall_id, issued_clerk_id, issued_shift_id,
                                        issue_transaction_id, deposit_fen, card_cost_fen, payment_method)
                     SELECT $16::text, $18::bigint, $19::bigint, $3::bigint, $2::bigint, $4::bigint,
                            (SELECT transaction_id FROM tx), $20::bigint, $21::bigint, $22::text
                      WHERE (SELECT count(*) FROM entries) = cardinality($14::bigint[])
                     RETURNING *),
                 audit AS (\(Audit.insertSQL(firstParameter: 23)))
            \(CardStore.cardColumns) FROM card c \(CardStore.cardJoins)
            """
        typealias Row = CardRow

        let draft: JournalDraft?
        let posting: LedgerStore.PostingContext
        let cardNumber: CardNumber
        let product: ProductID
        let holder: HolderID?
        let deposit: Money
        let cardCost: Money
        let audit: Audit.Event

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 31)
            LedgerStore.appendTransactionBindings(draft, context: posting, to: &bindings)
            LedgerStore.PostingArrays(draft?.postings ?? []).appendBindings(to: &bindings)
            let purse = LedgerAccount.cardPurse(cardNumber).kind
            bindings.append(Int16(purse.normalSide))
            bindings.append(cardNumber.digits)
            bindings.append(purse.tracksBalance)
            bindings.append(product.rawValue)
            bindings.append(holder?.rawValue)
            bindings.append(deposit.fen)
            bindings.append(cardCost.fen)
            bindings.append(posting.payment?.method.rawValue)
            try audit.appendBindings(to: &bindings)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> CardRow { try row.decode(CardRow.self) }
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
    func whyNotIssuable(
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

    /// The card as the answers show it: ``cardColumns`` over a row `c` of cards (the table, or
    /// the rows a statement inserts) with ``cardJoins``.
    static let cardColumns = """
        SELECT c.card_number, c.status, p.code, p.name, p.card_type, p.transport_modes, p.interconnection, c.holder_id,
               hd.name, hd.document_type, hd.document_ciphertext, hd.document_hash, c.issued_at, h.code, k.username, c.deposit_fen,
               c.card_cost_fen, s.valid_from, s.valid_to, COALESCE(a.balance_fen, 0), c.issue_transaction_id
        """
    static let cardJoins = """
          JOIN card_products p ON p.product_id = c.product_id
          JOIN card_stock s ON s.card_number = c.card_number
          JOIN service_halls h ON h.hall_id = c.issued_hall_id
          JOIN clerks k ON k.clerk_id = c.issued_clerk_id
          LEFT JOIN holders hd ON hd.holder_id = c.holder_id
          LEFT JOIN ledger_accounts a ON a.kind = 'card_purse' AND a.card_number = c.card_number
        """
    static let cardQuery = "\(cardColumns) FROM cards c \(cardJoins)"
    typealias CardRow = (
        String, String, String, String, Int16, [String], Bool, Int64?, String?, String?, Data?, Data?, Date, String,
        String, Int64, Int64, Date, Date, Int64, Int64?
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
