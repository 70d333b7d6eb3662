import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A counter workstation that loads cards, with the terminal number the card signs.
public struct LoadTerminal: Sendable, Codable, Equatable {
    public let terminalNumber: String
    public let label: String
    public let hallCode: String
    public let lastSerial: Int64
}

/// One load attempt as the back office records it. Carries no secret: MAC2 is useless without the
/// card session it was made for, and is what a retry with the same idempotency key answers.
public struct LoadView: Sendable, Codable, Equatable {
    public let loadID: LoadID
    public let cardNumber: String
    public let issuerID: String
    public let state: LoadState
    public let amount: Money
    public let oldBalance: Money
    public let newBalance: Money
    public let onlineSerial: Int
    public let keyVersion: Int
    public let algorithmID: Int
    public let terminalNumber: String
    public let terminalSerial: Int64
    /// The date-time sent to the card with MAC2, `YYYYMMDDhhmmss` in operator time.
    public let cardTime: String
    public let mac2: [UInt8]
    /// Nil for a load of a replacement card's order, which the balance-transfer account funds.
    public let paymentMethod: PaymentMethod?
    public let paymentReference: String?
    public let clerk: String
    public let hallCode: String
    public let shiftID: ShiftID
    public let transactionID: JournalTransactionID
    public let authorisedAt: Date
    public let confirmedAt: Date?
    public let resolution: String?
    public let reversalTransactionID: JournalTransactionID?
    /// The top-up order this load carries to the card, if it is funded by one.
    public let orderID: TopupOrderID?

    /// This load as its confirmation by TAC leaves it.
    func confirmed(at time: Date) -> LoadView {
        LoadView(
            loadID: loadID, cardNumber: cardNumber, issuerID: issuerID, state: .confirmed, amount: amount,
            oldBalance: oldBalance, newBalance: newBalance, onlineSerial: onlineSerial, keyVersion: keyVersion,
            algorithmID: algorithmID, terminalNumber: terminalNumber, terminalSerial: terminalSerial, cardTime: cardTime,
            mac2: mac2, paymentMethod: paymentMethod, paymentReference: paymentReference, clerk: clerk, hallCode: hallCode,
            shiftID: shiftID, transactionID: transactionID, authorisedAt: authorisedAt, confirmedAt: time, resolution: nil,
            reversalTransactionID: nil, orderID: orderID)
    }
}

/// What the host checked and computed before the load's transaction: the card's INITIALIZE FOR
/// LOAD answer (MAC1 verified) and the MAC2 to answer with.
public struct VerifiedLoadRequest: Sendable {
    public let card: CardNumber
    /// The card's issuer id (file 0015) as 16 hex digits; must match the stock record.
    public let issuerID: String
    public let amount: Money
    public let paymentMethod: PaymentMethod
    public let paymentReference: String?
    /// The balance the card reported, authenticated by MAC1.
    public let cardBalance: Money
    public let onlineSerial: Int
    public let cardRandom: [UInt8]
    public let keyVersion: Int
    public let algorithmID: Int
    public let terminalNumber: String
    public let cardTime: String
    public let mac2: [UInt8]
    /// Funded by this pending top-up order instead of a payment (`paymentMethod` is then ignored).
    public let orderID: TopupOrderID?

    public init(
        card: CardNumber, issuerID: String, amount: Money, paymentMethod: PaymentMethod, paymentReference: String?,
        cardBalance: Money, onlineSerial: Int, cardRandom: [UInt8], keyVersion: Int, algorithmID: Int,
        terminalNumber: String, cardTime: String, mac2: [UInt8], orderID: TopupOrderID? = nil
    ) {
        self.orderID = orderID
        self.card = card
        self.issuerID = issuerID
        self.amount = amount
        self.paymentMethod = paymentMethod
        self.paymentReference = paymentReference
        self.cardBalance = cardBalance
        self.onlineSerial = onlineSerial
        self.cardRandom = cardRandom
        self.keyVersion = keyVersion
        self.algorithmID = algorithmID
        self.terminalNumber = terminalNumber
        self.cardTime = cardTime
        self.mac2 = mac2
    }
}

/// Purse loads (圈存): terminals, authorising a load (posting it and storing its MAC2 in one
/// transaction), confirming it with the card's TAC, and deciding grey loads from the card.
public struct LoadStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    // MARK: Terminals

    /// The actor's hall terminal with this label, created on first use with the next terminal number.
    public func terminal(label: String, origin: RequestOrigin) async throws -> LoadTerminal {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let hall = try actor.requireOwnHall()
        let label = try TerminalLabel.validate(label)
        return try await database.transaction { connection in
            try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
            // The number: "88" and ten digits of a sequence, unique across halls.
            try await connection.query(
                """
                INSERT INTO load_terminals (terminal_number, hall_id, label, created_by)
                SELECT '88' || lpad(nextval('load_terminal_numbers')::text, 10, '0'), \(hall.rawValue), \(label),
                       \(actor.clerkID.rawValue)
                 WHERE NOT EXISTS (SELECT 1 FROM load_terminals WHERE hall_id = \(hall.rawValue) AND label = \(label))
                ON CONFLICT (hall_id, label) DO NOTHING
                """, logger: logger)
            let row = try await connection.one(
                """
                SELECT t.terminal_number, t.label, h.code, t.last_serial FROM load_terminals t
                  JOIN service_halls h ON h.hall_id = t.hall_id
                 WHERE t.hall_id = \(hall.rawValue) AND t.label = \(label)
                """, as: (String, String, String, Int64).self, logger: logger)
            return LoadTerminal(terminalNumber: row.0, label: row.1, hallCode: row.2, lastSerial: row.3)
        }
    }

    // MARK: Authorise

    struct AuthoriseRequest: Encodable {
        let card: String
        let amountFen: Int64
        let paymentMethod: String
        let paymentReference: String?
        let terminal: String
        let order: Int64?
    }

    /// Authorises a load whose MAC1 the host verified: checks the limits on the card's facts (read
    /// with the card row locked, so loads and refunds of one card run one at a time), takes the
    /// next terminal serial, posts the payment to the card's purse account and stores the load
    /// with its MAC2, all in one transaction. A retry with the same key answers the first load and
    /// its MAC2, also when the card was initialised again since (the key names the top-up, not
    /// the card session): the caller then decides that load from the card instead of loading twice.
    public func authorise(
        _ request: VerifiedLoadRequest, idempotencyKey: String, now: Date, origin: RequestOrigin
    ) async throws -> (LoadView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let limits = database.settings.loadLimits
        let zone = database.settings.timeZone
        let today = CalendarDate(now, in: zone)
        let dayStart = today.startInstant(in: zone)
        let digest = AuthoriseRequest(
            card: request.card.digits, amountFen: request.amount.fen, paymentMethod: request.paymentMethod.rawValue,
            paymentReference: request.orderID == nil ? request.paymentReference : nil, terminal: request.terminalNumber,
            order: request.orderID?.rawValue)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "card.load", request: digest, logger: logger
            ) {
                // Five round trips in all, with the claim and the stored result: locks, facts,
                // (first-use accounts,) writes.
                guard
                    let locks = try await Self.first(
                        AuthoriseLocks(clerk: actor.clerkID, card: request.card), connection: connection, logger: logger)
                else { throw TongkaError(.internalError, detail: "the lock statement returned no row") }
                guard let shiftRaw = locks.0, let hallRaw = locks.1 else { throw TongkaError(.noOpenShift) }
                let (shift, hall) = (ShiftID(shiftRaw), HallID(hallRaw))
                try HallCheck.requireOpen(storedStatus: locks.2)
                guard locks.4 == 1, let hallCode = locks.3 else { throw TongkaError(.cardNotFound, detail: request.card.masked) }
                let funding: LoadFunding
                if let orderID = request.orderID {
                    funding = .order(orderID)
                } else {
                    funding = .payment(
                        try Payment(method: request.paymentMethod, reference: request.paymentReference, amount: request.amount))
                }
                guard
                    let row = try await Self.first(
                        LoadFactsStatement(card: request.card, dayStart: dayStart), connection: connection, logger: logger)
                else { throw TongkaError(.cardNotFound, detail: request.card.masked) }
                let utc = TimeZone(identifier: "UTC")!
                let facts = LoadFacts(
                    cardStatus: try Stored.value(row.0, as: CardStatus.self), validTo: CalendarDate(row.1, in: utc),
                    maximumBalance: Money(fen: row.3), backOfficeBalance: Money(fen: row.4 ?? 0), loadedToday: Money(fen: row.5),
                    openLoad: row.6.map { LoadID($0) })
                guard row.2 == request.issuerID else {
                    throw TongkaError(.cardMismatch, detail: "issuer id differs from the stock record")
                }
                // An order is taken (row locked) before the limits are checked: a replacement card's
                // order carries the rider's own balance, which no daily top-up limit holds back.
                var orderMethod: PaymentMethod?
                var effectiveLimits = limits
                if case .order(let orderID) = funding {
                    orderMethod = try await takeOrder(
                        orderID, card: request.card, amount: request.amount, now: now, connection: connection)
                    if orderMethod == nil { effectiveLimits.dailyLimit = ProductDefinition.purseLimit }
                }
                try LoadPolicy.check(
                    amount: request.amount, cardBalance: request.cardBalance, facts: facts, limits: effectiveLimits,
                    today: today)
                let draft: JournalDraft
                let context: LedgerStore.PostingContext
                let method: PaymentMethod?
                var reference: String?
                switch funding {
                case .payment(let payment):
                    draft = try LedgerRules.cardLoad(
                        shift: shift, card: request.card, payment: payment.method, amount: request.amount)
                    context = .init(
                        actor: actor, hall: hall, shift: shift, idempotencyKey: idempotencyKey, memo: nil, payment: payment)
                    method = payment.method
                    reference = payment.reference?.value
                case .order(let orderID):
                    method = orderMethod
                    draft = try LedgerRules.orderLoad(card: request.card, amount: request.amount)
                    context = .init(
                        actor: actor, hall: hall, shift: nil, idempotencyKey: idempotencyKey, memo: "order \(orderID)")
                }
                // The card's purse and the shift's drawer are made on first use; the statement above
                // said whether they exist.
                let missing = draft.postings.map(\.account).filter { account in
                    switch account {
                    case .cardPurse: row.4 == nil
                    case .shiftCash: !locks.5
                    default: false
                    }
                }
                try await LedgerStore.ensureAccounts(missing, connection: connection, logger: logger)
                guard
                    let written = try await Self.first(
                        AuthoriseWrite(
                            draft: draft, context: context, request: request, method: method, reference: reference, shift: shift),
                        connection: connection, logger: logger)
                else { throw TongkaError(.invalidTerminal, detail: "not a terminal of your hall") }
                guard written.4 == draft.postings.count else {
                    throw TongkaError(.internalError, detail: "a journal posting found fewer accounts than it names")
                }
                let loadID = written.0
                if let orderID = request.orderID {
                    try await connection.query(
                        "UPDATE topup_orders SET state = 'loading', load_id = \(loadID) WHERE order_id = \(orderID.rawValue)",
                        logger: logger)
                }
                return LoadView(
                    loadID: LoadID(loadID), cardNumber: request.card.digits, issuerID: request.issuerID, state: .mac2Issued,
                    amount: request.amount, oldBalance: request.cardBalance, newBalance: request.cardBalance + request.amount,
                    onlineSerial: request.onlineSerial, keyVersion: request.keyVersion, algorithmID: request.algorithmID,
                    terminalNumber: request.terminalNumber, terminalSerial: written.2, cardTime: request.cardTime,
                    mac2: request.mac2, paymentMethod: method, paymentReference: reference, clerk: actor.username,
                    hallCode: hallCode, shiftID: shift, transactionID: JournalTransactionID(written.3),
                    authorisedAt: written.1, confirmedAt: nil, resolution: nil, reversalTransactionID: nil,
                    orderID: request.orderID)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// Takes a pending order of this card for a load (row locked, so the expiry cannot refund it
    /// meanwhile): its amount must be the load's and it must not have expired. Returns its channel's
    /// method, nil for a replacement card's order (funded by the balance-transfer account).
    func takeOrder(
        _ id: TopupOrderID, card: CardNumber, amount: Money, now: Date, connection: PostgresConnection
    ) async throws -> PaymentMethod? {
        guard
            let row = try await connection.first(
                """
                SELECT card_number, amount_fen, state, expires_at, payment_method FROM topup_orders
                 WHERE order_id = \(id.rawValue) FOR UPDATE
                """, as: (String, Int64, String, Date, String?).self, logger: logger),
            row.0 == card.digits
        else { throw TongkaError(.orderNotFound) }
        let state = try Stored.value(row.2, as: TopupOrderState.self)
        _ = try TopupOrderRules.startLoading(state)
        if TopupOrderRules.isExpired(state: state, expiresAt: row.3, now: now) {
            throw TongkaError(.orderNotPending, detail: "expired")
        }
        guard Money(fen: row.1) == amount else {
            throw TongkaError(.invalidAmount, detail: "the order is for \(Money(fen: row.1).formatted)")
        }
        return try row.4.map { try Stored.value($0, as: PaymentMethod.self) }
    }

    /// Moves the order a decided load carries: loaded when the card credited it, pending again
    /// (waiting for the next read of the card) when it did not.
    func orderLoadDecided(_ load: LoadView, credited: Bool, now: Date, connection: PostgresConnection) async throws {
        guard let orderID = load.orderID else { return }
        let state = try await connection.one(
            "SELECT state FROM topup_orders WHERE order_id = \(orderID.rawValue) FOR UPDATE", as: (String.self),
            logger: logger)
        let next = try TopupOrderRules.loadDecided(try Stored.value(state, as: TopupOrderState.self), credited: credited)
        let loadedAt: Date? = credited ? now : nil
        try await connection.query(
            """
            UPDATE topup_orders SET state = \(next.rawValue), loaded_at = \(loadedAt),
                   load_id = CASE WHEN \(credited) THEN load_id END
             WHERE order_id = \(orderID.rawValue)
            """, logger: logger)
    }

    /// Takes the next serial of a load terminal of `hall` (loads and voids share the counter).
    func nextTerminalSerial(_ terminal: String, hall: HallID, connection: PostgresConnection) async throws -> Int64 {
        guard
            let serial = try await connection.first(
                """
                UPDATE load_terminals SET last_serial = last_serial + 1
                 WHERE terminal_number = \(terminal) AND hall_id = \(hall.rawValue)
                RETURNING last_serial
                """, as: (Int64.self), logger: logger)
        else { throw TongkaError(.invalidTerminal, detail: "not a terminal of your hall") }
        return serial
    }

    // MARK: Confirm, grey, resolve

    /// A load by id, within the actor's hall scope.
    public func load(_ id: LoadID, origin: RequestOrigin) async throws -> LoadView {
        let actor = try origin.requireActor()
        return try await database.read { connection in
            let (load, hall) = try await loadWithHall(id, connection: connection)
            try actor.requireReach(hall: hall)
            return load
        }
    }

    /// Marks a load confirmed by its TAC: `verify` checks the TAC against the load (read with its
    /// row locked, in the order reach, role, TAC, state). Confirming again with the same TAC
    /// answers the confirmed load; a decided load refuses.
    public func confirm(
        _ id: LoadID, tac: [UInt8], verify: @escaping @Sendable (LoadView) throws -> Void, now: Date, origin: RequestOrigin
    ) async throws -> LoadView {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            let (current, hall) = try await loadWithHall(id, connection: connection, lock: true)
            try actor.requireReach(hall: hall)
            guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
            try verify(current)
            if current.state == .confirmed, current.resolution == nil,
                try await storedTAC(id, connection: connection) == tac
            {
                return current
            }
            guard current.state.isOpen else { throw TongkaError(.loadNotOpen, detail: current.state.rawValue) }
            guard
                let confirmedAt = try await Self.first(
                    ConfirmLoad(id: id, tac: tac, now: now), connection: connection, logger: logger)
            else { throw TongkaError(.loadNotFound) }
            try await orderLoadDecided(current, credited: true, now: now, connection: connection)
            return current.confirmed(at: confirmedAt)
        }
    }

    struct ConfirmLoad: PostgresPreparedStatement {
        static let name = "load.confirm"
        static let sql = """
            UPDATE loads SET state = 'confirmed', tac = $1::bytea, confirmed_at = $2::timestamptz WHERE load_id = $3::bigint
            RETURNING confirmed_at
            """
        typealias Row = Date
        let id: LoadID
        let tac: [UInt8]
        let now: Date

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            try bindings.append(Data(tac))
            bindings.append(now)
            bindings.append(id.rawValue)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Date { try row.decode(Date.self) }
    }

    /// The counter lost the card's answer to CREDIT FOR LOAD: the load is grey until the card is read again.
    public func markGrey(_ id: LoadID, origin: RequestOrigin) async throws -> LoadView {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            let (current, hall) = try await loadWithHall(id, connection: connection, lock: true)
            try actor.requireReach(hall: hall)
            guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
            switch current.state {
            case .grey: return current
            case .mac2Issued:
                try await connection.query("UPDATE loads SET state = 'grey' WHERE load_id = \(id.rawValue)", logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "load.grey", subject: "load:\(id)",
                    details: ["card": maskedCard(current.cardNumber), "amount_fen": "\(current.amount.fen)"], hall: hall,
                    logger: logger)
                return try await load(id, connection: connection)
            default: throw TongkaError(.loadNotOpen, detail: current.state.rawValue)
            }
        }
    }

    struct ResolveRequest: Encodable {
        let load: Int64
        let observedSerial: Int
        let observedBalanceFen: Int64
    }

    /// Decides an open load from the card's online serial (read from an INITIALIZE FOR LOAD whose
    /// MAC1 the caller verified): credited confirms it, not credited reverses it in the ledger and
    /// returns the money to the payment (cash from the resolving clerk's open shift). Undetermined
    /// evidence changes nothing.
    public func resolve(
        _ id: LoadID, observedSerial: Int, observedBalance: Money, idempotencyKey: String, now: Date, origin: RequestOrigin
    ) async throws -> (LoadView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let digest = ResolveRequest(load: id.rawValue, observedSerial: observedSerial, observedBalanceFen: observedBalance.fen)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "load.resolve", request: digest, logger: logger
            ) {
                let (current, hall) = try await loadWithHall(id, connection: connection, lock: true)
                try actor.requireReach(hall: hall)
                guard current.state.isOpen else { throw TongkaError(.loadNotOpen, detail: current.state.rawValue) }
                let decision = GreyLoadRules.decide(authorisedSerial: current.onlineSerial, observedSerial: observedSerial)
                var details = [
                    "card": maskedCard(current.cardNumber), "amount_fen": "\(current.amount.fen)",
                    "online_serial": "\(current.onlineSerial)", "observed_serial": "\(observedSerial)",
                    "observed_balance_fen": "\(observedBalance.fen)",
                ]
                switch decision {
                case .undetermined(let reason):
                    throw TongkaError(.greyLoadUndetermined, detail: reason)
                case .credited:
                    try await connection.query(
                        """
                        UPDATE loads SET state = 'confirmed', confirmed_at = \(now), resolved_at = \(now),
                                         resolved_by = \(actor.clerkID.rawValue), resolution = 'card_serial',
                                         observed_online_serial = \(observedSerial), observed_balance_fen = \(observedBalance.fen)
                         WHERE load_id = \(id.rawValue)
                        """, logger: logger)
                    try await orderLoadDecided(current, credited: true, now: now, connection: connection)
                    details["decision"] = "credited"
                case .notCredited:
                    let card = try CardNumber(current.cardNumber, issuerPrefixes: database.settings.issuer.cardNumberPrefixes)
                    // Cash goes back from the drawer of the clerk who decides it, in that clerk's open shift.
                    var shift = current.shiftID
                    var postingHall = hall
                    if current.paymentMethod == .cash, current.orderID == nil {
                        (shift, postingHall) = try await ShiftStore.lockOpenShift(
                            of: actor, connection: connection, logger: logger)
                    }
                    // An order's money waits for the order again; a payment goes back to it.
                    let draft: JournalDraft
                    if current.orderID == nil, let method = current.paymentMethod {
                        draft = try LedgerRules.loadReturn(
                            kind: .loadReversal, shift: shift, card: card, payment: method, amount: current.amount)
                    } else {
                        draft = try LedgerRules.orderLoadReversal(card: card, amount: current.amount)
                    }
                    let reversal = try await LedgerStore.post(
                        draft,
                        context: .init(
                            actor: actor, hall: postingHall,
                            shift: current.paymentMethod == .cash && current.orderID == nil ? shift : nil,
                            idempotencyKey: idempotencyKey, memo: "load \(id) not credited by the card"),
                        connection: connection, logger: logger)
                    try await connection.query(
                        """
                        UPDATE loads SET state = 'reversed', resolved_at = \(now), resolved_by = \(actor.clerkID.rawValue),
                                         resolution = 'card_serial', observed_online_serial = \(observedSerial),
                                         observed_balance_fen = \(observedBalance.fen),
                                         reversal_transaction_id = \(reversal.rawValue)
                         WHERE load_id = \(id.rawValue)
                        """, logger: logger)
                    try await orderLoadDecided(current, credited: false, now: now, connection: connection)
                    details["decision"] = "not_credited"
                    details["reversal_transaction"] = "\(reversal)"
                }
                try await Audit.record(
                    connection, origin: origin, action: "load.resolve", subject: "load:\(id)", details: details, hall: hall,
                    logger: logger)
                return try await load(id, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// Loads not decided yet (MAC2 issued, no TAC), oldest first, within the actor's hall scope.
    public func openLoads(origin: RequestOrigin) async throws -> [LoadView] {
        let actor = try origin.requireActor()
        return try await database.read { connection in
            let filter = try actor.hallFilter(requested: nil)
            let rows = try await connection.all(
                """
                \(unescaped: Self.loadQuery)
                 WHERE l.state IN ('mac2_issued', 'grey') AND (\(filter?.rawValue)::bigint IS NULL OR l.hall_id = \(filter?.rawValue))
                 ORDER BY l.authorised_at LIMIT 500
                """, as: LoadRow.self, logger: logger)
            return try rows.map(Self.view)
        }
    }

    /// Every load of a card, newest first (hall scope does not apply: a card is loaded anywhere).
    public func loads(card: CardNumber, origin: RequestOrigin) async throws -> [LoadView] {
        _ = try origin.requireActor()
        return try await database.read { connection in
            try await connection.all(
                "\(unescaped: Self.loadQuery) WHERE l.card_number = \(card.digits) ORDER BY l.load_id DESC LIMIT 200",
                as: LoadRow.self, logger: logger
            ).map(Self.view)
        }
    }

    // MARK: Rows

    func maskedCard(_ digits: String) -> String {
        (try? CardNumber(digits, issuerPrefixes: database.settings.issuer.cardNumberPrefixes).masked) ?? "****"
    }

    private func storedTAC(_ id: LoadID, connection: PostgresConnection) async throws -> [UInt8]? {
        let row = try await connection.first(
            "SELECT tac FROM loads WHERE load_id = \(id.rawValue)", as: (Data?.self), logger: logger)
        return row.flatMap { $0.map { Array($0) } }
    }

    static let loadQuery = """
        SELECT l.load_id, l.card_number, l.issuer_id, l.state, l.amount_fen, l.old_balance_fen, l.new_balance_fen,
               l.online_serial, l.key_version, l.algorithm_id, l.terminal_number, l.terminal_serial, l.card_time, l.mac2,
               l.payment_method, l.payment_reference, k.username, h.code, l.shift_id, l.transaction_id, l.authorised_at,
               l.confirmed_at, l.resolution, l.reversal_transaction_id, l.hall_id, l.order_id
          FROM loads l
          JOIN clerks k ON k.clerk_id = l.clerk_id
          JOIN service_halls h ON h.hall_id = l.hall_id
        """
    typealias LoadRow = (
        Int64, String, String, String, Int64, Int64, Int64, Int32, Int16, Int16, String, Int64, String, Data, String?, String?,
        String, String, Int64, Int64, Date, Date?, String?, Int64?, Int64, Int64?
    )

    static func view(_ row: LoadRow) throws -> LoadView {
        LoadView(
            loadID: LoadID(row.0), cardNumber: row.1, issuerID: row.2, state: try Stored.value(row.3, as: LoadState.self),
            amount: Money(fen: row.4), oldBalance: Money(fen: row.5), newBalance: Money(fen: row.6), onlineSerial: Int(row.7),
            keyVersion: Int(row.8), algorithmID: Int(row.9), terminalNumber: row.10, terminalSerial: row.11, cardTime: row.12,
            mac2: Array(row.13), paymentMethod: try row.14.map { try Stored.value($0, as: PaymentMethod.self) }, paymentReference: row.15,
            clerk: row.16, hallCode: row.17, shiftID: ShiftID(row.18), transactionID: JournalTransactionID(row.19),
            authorisedAt: row.20, confirmedAt: row.21, resolution: row.22,
            reversalTransactionID: row.23.map { JournalTransactionID($0) }, orderID: row.25.map { TopupOrderID($0) })
    }

    func load(_ id: LoadID, connection: PostgresConnection) async throws -> LoadView {
        try await loadWithHall(id, connection: connection).0
    }

    func loadWithHall(_ id: LoadID, connection: PostgresConnection, lock: Bool = false) async throws -> (LoadView, HallID) {
        guard
            let row = try await connection.first(
                "\(unescaped: Self.loadQuery) WHERE l.load_id = \(id.rawValue) \(unescaped: lock ? "FOR UPDATE OF l" : "")",
                as: LoadRow.self, logger: logger)
        else { throw TongkaError(.loadNotFound) }
        return (try Self.view(row), HallID(row.24))
    }
}

/// The card row lock that loads, orders and returns of one card take first, so they run one at a
/// time. Taken in its own statement: in READ COMMITTED a statement that waited for a row lock sees
/// the locked row anew but its subqueries keep the snapshot from before the wait, so facts about
/// the card (its open loads, its balance) are read by the next statement, after the lock.
enum CardLock {
    static func lock(_ card: CardNumber, connection: PostgresConnection, logger: Logger) async throws {
        guard
            try await connection.first(
                "SELECT 1 FROM cards WHERE card_number = \(card.digits) FOR NO KEY UPDATE", as: (Int32.self), logger: logger)
                != nil
        else { throw TongkaError(.cardNotFound, detail: card.masked) }
    }
}
