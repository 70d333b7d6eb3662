import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// A shift as listed for supervisors and shown to its clerk.
public struct ShiftSummary: Sendable, Codable, Equatable {
    public let id: ShiftID
    public let clerkID: ClerkID
    public let clerkUsername: String
    public let hallID: HallID
    public let hallCode: String
    public let openedAt: Date
    public let openingFloat: Money
    public let closedAt: Date?
    /// While open: the cash the ledger expects in the drawer now. Once closed: at close.
    public let expectedCash: Money
    public let countedCash: Money?
    /// Counted minus expected: positive over, negative short. Nil while open.
    public let difference: Money?
    public let closeNote: String?
    /// Who closed it: the clerk, or the supervisor or admin who forced the close.
    public let closedBy: String?
    public let forceCloseReason: String?

    public var isOpen: Bool { closedAt == nil }
}

/// Cards of one product that left the hall's stock during a shift.
public struct ProductMovement: Sendable, Codable, Equatable {
    public let productCode: String
    public let productName: String
    public let cardsIssued: Int64
}

/// Cards of one product in a hall's stock.
public struct StockLevel: Sendable, Codable, Equatable {
    public let productCode: String
    public let productName: String
    public let inStock: Int64
}

/// Money a shift took, by payment method.
public struct PaymentTotal: Sendable, Codable, Equatable {
    public let method: PaymentMethod
    public let amount: Money
    public let transactions: Int64
}

/// One non-cash payment taken during a shift, with the channel's reference, for reconciliation
/// with the channel's own statement.
public struct ChannelPayment: Sendable, Codable, Equatable {
    public let method: PaymentMethod
    public let reference: String
    public let amount: Money
    public let transactionID: JournalTransactionID
    public let at: Date
}

/// Everything a clerk and a supervisor see about one shift: cash, receipts and card stock moves.
public struct ShiftReport: Sendable, Codable, Equatable {
    public let shift: ShiftSummary
    public let receipts: [PaymentTotal]
    /// Every non-cash payment of the shift with its reference, by channel then time.
    public let channelPayments: [ChannelPayment]
    public let stockMovements: [ProductMovement]
    /// Cards of the hall still in stock now, by product (at close: at the moment of closing).
    public var hallStock: [StockLevel]
    /// The shift's top-ups (loads authorised in it) by state and payment method.
    public var loadTotals: [ShiftLoadTotal] = []
    /// Loads of the shift not decided yet (MAC2 issued or grey): they keep a clerk from closing,
    /// and after a forced close they say which loads were left open.
    public var openLoads: [ShiftOpenLoad] = []
}

extension ShiftReport {
    enum CodingKeys: String, CodingKey {
        case shift, receipts, channelPayments, stockMovements, hallStock, loadTotals, openLoads
    }

    /// Reads a report stored as an idempotent result, also one stored before reports listed loads
    /// (a replay of such a key must answer, not fail).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        shift = try container.decode(ShiftSummary.self, forKey: .shift)
        receipts = try container.decode([PaymentTotal].self, forKey: .receipts)
        channelPayments = try container.decode([ChannelPayment].self, forKey: .channelPayments)
        stockMovements = try container.decode([ProductMovement].self, forKey: .stockMovements)
        hallStock = try container.decode([StockLevel].self, forKey: .hallStock)
        loadTotals = try container.decodeIfPresent([ShiftLoadTotal].self, forKey: .loadTotals) ?? []
        openLoads = try container.decodeIfPresent([ShiftOpenLoad].self, forKey: .openLoads) ?? []
    }
}

/// Top-ups of one shift in one state, paid one way.
public struct ShiftLoadTotal: Sendable, Codable, Equatable {
    public let state: LoadState
    /// Nil for loads funded otherwise than by a payment at the counter (an online order).
    public let method: PaymentMethod?
    public let loads: Int64
    public let amount: Money
}

/// A load of the shift whose outcome is not known yet.
public struct ShiftOpenLoad: Sendable, Codable, Equatable {
    public let loadID: LoadID
    public let cardNumber: String
    public let state: LoadState
    public let amount: Money
    public let method: PaymentMethod?
    public let reference: String?
    public let authorisedAt: Date
}

/// Opening, inspecting and closing shifts.
public struct ShiftStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    struct OpenRequest: Encodable { let openingFloatFen: Int64 }
    struct CloseRequest: Encodable {
        let countedCashFen: Int64
        let note: String?
    }

    /// Opens a shift for the actor in its hall with a cash float taken from the hall's cash office.
    public func open(float: Money, idempotencyKey: String, origin: RequestOrigin) async throws -> (ShiftReport, replayed: Bool) {
        let actor = try origin.requireActor()
        guard Role.counterRoles.contains(actor.role) else { throw TongkaError(.forbiddenRole) }
        let hall = try actor.requireOwnHall()
        try database.settings.shiftPolicy.checkFloat(float)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "shift.open",
                request: OpenRequest(openingFloatFen: float.fen), logger: logger
            ) {
                try await HallCheck.requireOpen(hall, connection: connection, logger: logger)
                let shiftID = ShiftID(
                    try await connection.one(
                        """
                        INSERT INTO shifts (clerk_id, hall_id, opening_float_fen)
                        VALUES (\(actor.clerkID.rawValue), \(hall.rawValue), \(float.fen))
                        RETURNING shift_id
                        """, as: (Int64.self), logger: logger))
                // The drawer account exists from the start (also with no float), so the sale's postings find it.
                _ = try await LedgerStore.accountID(.shiftCash(shiftID), connection: connection, logger: logger)
                if let draft = try LedgerRules.shiftOpen(shift: shiftID, hall: hall, float: float) {
                    _ = try await LedgerStore.post(
                        draft,
                        context: .init(actor: actor, hall: hall, shift: shiftID, idempotencyKey: idempotencyKey, memo: nil),
                        connection: connection, logger: logger)
                }
                try await Audit.record(
                    connection, origin: origin, action: "shift.open", subject: "shift:\(shiftID)",
                    details: ["opening_float_fen": "\(float.fen)"], logger: logger)
                return try await report(shift: shiftID, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// The actor's open shift, locked `FOR KEY SHARE` for the rest of the transaction: money commands
    /// call this first, so a concurrent close (`FOR UPDATE`) waits for them and they cannot post into
    /// a shift that closed meanwhile, while other cash-ins and payouts (`FOR NO KEY UPDATE`) go on.
    static func lockOpenShift(
        of actor: StaffActor, connection: PostgresConnection, logger: Logger
    ) async throws -> (ShiftID, HallID) {
        guard
            let row = try await connection.first(
                "SELECT shift_id, hall_id FROM shifts WHERE clerk_id = \(actor.clerkID.rawValue) AND closed_at IS NULL FOR KEY SHARE",
                as: (Int64, Int64).self, logger: logger)
        else { throw TongkaError(.noOpenShift) }
        return (ShiftID(row.0), HallID(row.1))
    }

    /// The actor's open shift with its live figures.
    public func current(actor: StaffActor) async throws -> ShiftReport {
        try await database.read { connection in
            guard
                let id = try await connection.first(
                    "SELECT shift_id FROM shifts WHERE clerk_id = \(actor.clerkID.rawValue) AND closed_at IS NULL",
                    as: (Int64.self), logger: logger)
            else { throw TongkaError(.noOpenShift) }
            return try await report(shift: ShiftID(id), connection: connection)
        }
    }

    /// One shift by id, for its clerk, supervisors of its hall, admins and auditors.
    public func shift(id: ShiftID, actor: StaffActor) async throws -> ShiftReport {
        try await database.read { connection in
            let report = try await report(shift: id, connection: connection)
            if actor.role == .clerk, report.shift.clerkID != actor.clerkID { throw TongkaError(.forbiddenRole) }
            try actor.requireReach(hall: report.shift.hallID)
            return report
        }
    }

    /// Closes the actor's open shift with the cash counted in the drawer. The close takes the
    /// shift row `FOR UPDATE`, waits for money commands in flight, reads the expected cash from the
    /// drawer account, books the difference and can never be undone.
    public func close(
        counted: Money, note: String?, idempotencyKey: String, origin: RequestOrigin
    ) async throws -> (ShiftReport, replayed: Bool) {
        let actor = try origin.requireActor()
        guard counted.isValidCounterAmount else { throw TongkaError(.amountOutOfRange, detail: "counted cash") }
        let note = try note.flatMap { $0.isEmpty ? nil : try Validate.name($0, field: "note", maxLength: 500) }
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "shift.close",
                request: CloseRequest(countedCashFen: counted.fen, note: note), logger: logger
            ) {
                guard
                    let row = try await connection.first(
                        "SELECT shift_id, hall_id FROM shifts WHERE clerk_id = \(actor.clerkID.rawValue) AND closed_at IS NULL FOR UPDATE",
                        as: (Int64, Int64).self, logger: logger)
                else { throw TongkaError(.noOpenShift) }
                // The clerk decides every load of the shift first (reading the card again); a
                // supervisor's forced close may leave them open, and its report lists them.
                if let open = try await openLoads(shift: ShiftID(row.0), connection: connection).first {
                    throw TongkaError(.greyLoadPending, detail: "load \(open.loadID)")
                }
                return try await closeLocked(
                    shift: ShiftID(row.0), hall: HallID(row.1), counted: counted, note: note, forceReason: nil, actor: actor,
                    idempotencyKey: idempotencyKey, origin: origin, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    struct ForceCloseRequest: Encodable {
        let shiftID: Int64
        let countedCashFen: Int64
        let reason: String
    }

    /// A supervisor of the shift's hall, or an admin, closes another clerk's open shift (the clerk
    /// left, the counter broke) with the cash counted and a reason; the rule is
    /// ``ShiftPolicy/checkForceClose(actor:owner:hall:reason:)``. Booked like an ordinary close,
    /// with who closed it and why on the shift and in the audit log.
    public func forceClose(
        shift id: ShiftID, counted: Money, reason: String, idempotencyKey: String, origin: RequestOrigin
    ) async throws -> (ShiftReport, replayed: Bool) {
        let actor = try origin.requireActor()
        guard counted.isValidCounterAmount else { throw TongkaError(.amountOutOfRange, detail: "counted cash") }
        let request = ForceCloseRequest(shiftID: id.rawValue, countedCashFen: counted.fen, reason: reason)
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "shift.force_close", request: request, logger: logger
            ) {
                guard
                    let row = try await connection.first(
                        "SELECT clerk_id, hall_id, closed_at IS NOT NULL FROM shifts WHERE shift_id = \(id.rawValue) FOR UPDATE",
                        as: (Int64, Int64, Bool).self, logger: logger)
                else { throw TongkaError(.shiftNotFound) }
                let hall = HallID(row.1)
                let trimmed = try database.settings.shiftPolicy.checkForceClose(
                    actor: actor, owner: ClerkID(row.0), hall: hall, reason: reason)
                guard !row.2 else { throw TongkaError(.shiftClosed) }
                return try await closeLocked(
                    shift: id, hall: hall, counted: counted, note: nil, forceReason: trimmed, actor: actor,
                    idempotencyKey: idempotencyKey, origin: origin, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// Books the close of a shift the caller holds `FOR UPDATE`.
    private func closeLocked(
        shift shiftID: ShiftID, hall hallID: HallID, counted: Money, note: String?, forceReason: String?, actor: StaffActor,
        idempotencyKey: String, origin: RequestOrigin, connection: PostgresConnection
    ) async throws -> ShiftReport {
        // The shift row is held FOR UPDATE: every cash-in (FOR KEY SHARE) has committed, none can start,
        // and this statement sees them all.
        let expected = try await LedgerStore.drawerCash(shift: shiftID, connection: connection, logger: logger)
        if let draft = try LedgerRules.shiftClose(shift: shiftID, hall: hallID, expected: expected, counted: counted) {
            _ = try await LedgerStore.post(
                draft,
                // The note (up to 500 characters) stays on the shift; the journal memo is short.
                context: .init(actor: actor, hall: hallID, shift: shiftID, idempotencyKey: idempotencyKey, memo: nil),
                connection: connection, logger: logger)
        }
        let hallStock = try await hallStock(hall: hallID, connection: connection)
        try await connection.query(
            """
            UPDATE shifts SET closed_at = now(), expected_cash_fen = \(expected.fen),
                   counted_cash_fen = \(counted.fen), close_note = \(note), closed_by = \(actor.clerkID.rawValue),
                   force_close_reason = \(forceReason)
             WHERE shift_id = \(shiftID.rawValue)
            """, logger: logger)
        let count = CashCount(expected: expected, counted: counted)
        var details = [
            "expected_fen": "\(expected.fen)", "counted_fen": "\(counted.fen)", "difference_fen": "\(count.difference.fen)",
        ]
        if let forceReason { details["reason"] = forceReason }
        try await Audit.record(
            connection, origin: origin, action: forceReason == nil ? "shift.close" : "shift.force_close",
            subject: "shift:\(shiftID)", details: details, hall: hallID, logger: logger)
        var report = try await report(shift: shiftID, connection: connection)
        report.hallStock = hallStock
        return report
    }

    /// Shifts for oversight, newest first, a page at a time: hall-bound readers see their hall
    /// only. Dates are operator-local days.
    public func list(
        hallCode: String?, from: CalendarDate?, to: CalendarDate?, onlyDifferences: Bool, openOnly: Bool, actor: StaffActor,
        limit: Int = 100, cursor: PageCursor? = nil
    ) async throws -> Page<ShiftSummary> {
        let hallID = try await HallScope.filter(hallCode: hallCode, actor: actor, database: database)?.rawValue
        if let from, let to, to < from { throw TongkaError(.invalidDateRange) }
        let zone = database.settings.timeZone
        let start = from?.startInstant(in: zone)
        let end = to?.next.startInstant(in: zone)
        let after = try cursor.map { try $0.integerKey() }
        let rows = try await database.read { connection in
            try await connection.all(
                """
                SELECT \(unescaped: Self.summaryColumns) \(unescaped: Self.summaryFrom)
                 WHERE (\(hallID)::bigint IS NULL OR s.hall_id = \(hallID))
                   AND (\(start)::timestamptz IS NULL OR s.opened_at >= \(start))
                   AND (\(end)::timestamptz IS NULL OR s.opened_at < \(end))
                   AND (NOT \(onlyDifferences) OR s.difference_fen <> 0)
                   AND (NOT \(openOnly) OR s.closed_at IS NULL)
                   AND (\(after)::bigint IS NULL OR s.shift_id < \(after))
                 ORDER BY s.shift_id DESC
                 LIMIT \(limit + 1)
                """, as: SummaryRow.self, logger: logger
            ).map(Self.summary)
        }
        return Page(rows: rows, limit: limit) { "\($0.id.rawValue)" }
    }

    static let summaryColumns = """
        s.shift_id, s.clerk_id, c.username, s.hall_id, h.code, s.opened_at, s.opening_float_fen, s.closed_at,
        COALESCE(s.expected_cash_fen, (SELECT sum(e.amount_fen) FROM journal_entries e WHERE e.account_id = a.account_id), 0)::bigint,
        s.counted_cash_fen, s.difference_fen, s.close_note,
        cb.username, s.force_close_reason
        """
    static let summaryFrom = """
        FROM shifts s JOIN clerks c ON c.clerk_id = s.clerk_id JOIN service_halls h ON h.hall_id = s.hall_id
        LEFT JOIN ledger_accounts a ON a.kind = 'shift_cash' AND a.shift_id = s.shift_id
        LEFT JOIN clerks cb ON cb.clerk_id = s.closed_by
        """
    typealias SummaryRow = (
        Int64, Int64, String, Int64, String, Date, Int64, Date?, Int64, Int64?, Int64?, String?, String?, String?
    )

    static func summary(_ row: SummaryRow) -> ShiftSummary {
        ShiftSummary(
            id: ShiftID(row.0), clerkID: ClerkID(row.1), clerkUsername: row.2, hallID: HallID(row.3), hallCode: row.4,
            openedAt: row.5, openingFloat: Money(fen: row.6), closedAt: row.7, expectedCash: Money(fen: row.8),
            countedCash: row.9.map(Money.init(fen:)), difference: row.10.map(Money.init(fen:)), closeNote: row.11,
            closedBy: row.12, forceCloseReason: row.13)
    }

    func report(shift id: ShiftID, connection: PostgresConnection) async throws -> ShiftReport {
        guard
            let row = try await connection.first(
                "SELECT \(unescaped: Self.summaryColumns) \(unescaped: Self.summaryFrom) WHERE s.shift_id = \(id.rawValue)",
                as: SummaryRow.self, logger: logger)
        else { throw TongkaError(.shiftNotFound) }
        let summary = Self.summary(row)
        // Receipts: what each payment method brought in during the shift, from the journal.
        let receipts = try await connection.all(
            """
            SELECT CASE a.kind WHEN 'shift_cash' THEN 'cash' ELSE a.payment_method END, sum(e.amount_fen)::bigint,
                   count(DISTINCT t.transaction_id)
              FROM journal_transactions t
              JOIN journal_entries e ON e.transaction_id = t.transaction_id
              JOIN ledger_accounts a ON a.account_id = e.account_id
             WHERE t.shift_id = \(id.rawValue) AND t.kind NOT IN ('shift_open', 'shift_close')
               AND (a.kind = 'payment_channel' OR (a.kind = 'shift_cash' AND a.shift_id = \(id.rawValue)))
             GROUP BY 1 ORDER BY 1
            """, as: (String, Int64, Int64).self, logger: logger
        ).map { method, fen, count in
            PaymentTotal(method: try Stored.value(method, as: PaymentMethod.self), amount: Money(fen: fen), transactions: count)
        }
        let channelPayments = try await connection.all(
            """
            SELECT t.payment_method, t.payment_reference, e.amount_fen, t.transaction_id, t.created_at
              FROM journal_transactions t
              JOIN journal_entries e ON e.transaction_id = t.transaction_id
              JOIN ledger_accounts a ON a.account_id = e.account_id AND a.kind = 'payment_channel'
             WHERE t.shift_id = \(id.rawValue) AND t.payment_reference IS NOT NULL
             ORDER BY t.payment_method, t.created_at, t.transaction_id
            """, as: (String, String, Int64, Int64, Date).self, logger: logger
        ).map { row in
            ChannelPayment(
                method: try Stored.value(row.0, as: PaymentMethod.self), reference: row.1, amount: Money(fen: row.2),
                transactionID: JournalTransactionID(row.3), at: row.4)
        }
        let movements = try await stockMovements(shift: id, connection: connection)
        let stock = summary.isOpen ? try await hallStock(hall: summary.hallID, connection: connection) : []
        return ShiftReport(
            shift: summary, receipts: receipts, channelPayments: channelPayments, stockMovements: movements, hallStock: stock,
            loadTotals: try await loadTotals(shift: id, connection: connection),
            openLoads: try await openLoads(shift: id, connection: connection))
    }

    /// The shift's loads by state and payment method: what its top-ups came to, what was
    /// reversed or voided since, what is still open.
    func loadTotals(shift: ShiftID, connection: PostgresConnection) async throws -> [ShiftLoadTotal] {
        try await connection.all(
            """
            SELECT state, payment_method, count(*), sum(amount_fen)::bigint FROM loads
             WHERE shift_id = \(shift.rawValue)
             GROUP BY 1, 2
             ORDER BY array_position(ARRAY['confirmed', 'mac2_issued', 'grey', 'reversed', 'voided'], state), 1, 2
            """, as: (String, String?, Int64, Int64).self, logger: logger
        ).map { row in
            ShiftLoadTotal(
                state: try Stored.value(row.0, as: LoadState.self),
                method: try row.1.map { try Stored.value($0, as: PaymentMethod.self) }, loads: row.2, amount: Money(fen: row.3))
        }
    }

    /// Loads of the shift not decided yet, oldest first (the loads_shift index finds them).
    func openLoads(shift: ShiftID, connection: PostgresConnection) async throws -> [ShiftOpenLoad] {
        try await connection.all(
            """
            SELECT load_id, card_number, state, amount_fen, payment_method, payment_reference, authorised_at FROM loads
             WHERE shift_id = \(shift.rawValue) AND state IN ('mac2_issued', 'grey')
             ORDER BY load_id LIMIT 500
            """, as: (Int64, String, String, Int64, String?, String?, Date).self, logger: logger
        ).map { row in
            ShiftOpenLoad(
                loadID: LoadID(row.0), cardNumber: row.1, state: try Stored.value(row.2, as: LoadState.self),
                amount: Money(fen: row.3), method: try row.4.map { try Stored.value($0, as: PaymentMethod.self) },
                reference: row.5, authorisedAt: row.6)
        }
    }

    /// Cards issued during the shift, by product.
    func stockMovements(shift: ShiftID, connection: PostgresConnection) async throws -> [ProductMovement] {
        try await connection.all(
            """
            SELECT p.code, p.name, count(*) FROM cards c JOIN card_products p ON p.product_id = c.product_id
             WHERE c.issued_shift_id = \(shift.rawValue)
             GROUP BY p.code, p.name ORDER BY p.code
            """, as: (String, String, Int64).self, logger: logger
        ).map { ProductMovement(productCode: $0.0, productName: $0.1, cardsIssued: $0.2) }
    }

    /// Cards in a hall's stock now, by product.
    func hallStock(hall: HallID, connection: PostgresConnection) async throws -> [StockLevel] {
        try await connection.all(
            """
            SELECT p.code, p.name, count(*) FROM card_stock s JOIN card_products p ON p.product_id = s.product_id
             WHERE s.hall_id = \(hall.rawValue) AND s.status = 'in_stock'
             GROUP BY p.code, p.name ORDER BY p.code
            """, as: (String, String, Int64).self, logger: logger
        ).map { StockLevel(productCode: $0.0, productName: $0.1, inStock: $0.2) }
    }
}
