import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// What the host answered to a void request: the MAC1 and the terminal serial and date-time it
/// covers, for the counter's DEBIT FOR PURCHASE.
public struct LoadVoidAuthorization: Sendable, Codable, Equatable {
    public let load: LoadView
    public let terminalSerial: Int64
    /// `YYYYMMDDhhmmss` in operator time.
    public let cardTime: String
    public let mac1: [UInt8]
}

/// The void request as stored, for checking the card's MAC2 and TAC in the second step.
public struct StoredVoidRequest: Sendable {
    public let load: LoadView
    /// The card's 15-byte INITIALIZE FOR PURCHASE answer.
    public let cardAnswer: [UInt8]
    public let terminalSerial: Int64
    public let cardTime: String
}

/// Voids (撤销) of confirmed loads: a supervisor debits the amount back from the card with a
/// purchase-style session at the load's terminal, and the money goes back to the payment.
extension LoadStore {
    /// Step one: checks `LoadVoidPolicy` with the card row and the load locked, takes the load
    /// terminal's next serial, lets `mac1` compute the host's MAC1 for it and stores the request.
    /// Asking again (a lost answer) replaces the earlier request: the card's new INITIALIZE made
    /// a new session key, so the earlier MAC1 can no longer debit it.
    public func requestVoid(
        _ id: LoadID, presentedCard: CardNumber, cardAnswer: [UInt8], cardBalance: Money, cardTime: String, now: Date,
        origin: RequestOrigin, mac1: @escaping @Sendable (_ terminalNumber: String, _ terminalSerial: Int64) throws -> [UInt8]
    ) async throws -> LoadVoidAuthorization {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            let (current, hall) = try await lockForVoid(id, actor: actor, connection: connection)
            let facts = LoadVoidFacts(
                state: current.state, card: current.cardNumber, amount: current.amount,
                shiftOpen: try await shiftIsOpen(current.shiftID, connection: connection))
            try LoadVoidPolicy.check(facts, presentedCard: presentedCard.digits, cardBalance: cardBalance, actorRole: actor.role)
            let serial = try await nextTerminalSerial(current.terminalNumber, hall: hall, connection: connection)
            let mac = try mac1(current.terminalNumber, serial)
            try await connection.query(
                """
                UPDATE loads SET void_card_answer = \(Data(cardAnswer)), void_terminal_serial = \(serial),
                                 void_card_time = \(cardTime), void_requested_by = \(actor.clerkID.rawValue),
                                 void_requested_at = \(now)
                 WHERE load_id = \(id.rawValue)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "load.void_requested", subject: "load:\(id)",
                details: [
                    "card": presentedCard.masked, "amount_fen": "\(current.amount.fen)", "card_balance_fen": "\(cardBalance.fen)",
                    "terminal_serial": "\(serial)",
                ], hall: hall, logger: logger)
            return LoadVoidAuthorization(load: current, terminalSerial: serial, cardTime: cardTime, mac1: mac)
        }
    }

    struct VoidConfirmRequest: Encodable {
        let load: Int64
        let mac2: String
        let tac: String
    }

    /// Step two: with the card row and the load locked, checks the rules again, lets `verify`
    /// check the card's MAC2 and TAC against the stored request, then posts the money back to the
    /// payment (cash from the load's own shift drawer: a drawer that no longer holds it refuses
    /// with `insufficient_cash`) and marks the load voided.
    public func confirmVoid(
        _ id: LoadID, mac2: [UInt8], tac: [UInt8], idempotencyKey: String, now: Date, origin: RequestOrigin,
        verify: @escaping @Sendable (StoredVoidRequest) throws -> Void
    ) async throws -> (LoadView, replayed: Bool) {
        let actor = try origin.requireActor()
        guard actor.role == .supervisor else { throw TongkaError(.forbiddenRole, detail: "a supervisor voids a top-up") }
        let digest = VoidConfirmRequest(
            load: id.rawValue, mac2: Data(mac2).base64EncodedString(), tac: Data(tac).base64EncodedString())
        let outcome = try await database.transaction { connection in
            try await Idempotency.run(
                connection, actor: actor, key: idempotencyKey, operation: "load.void", request: digest, logger: logger
            ) {
                let (current, hall) = try await lockForVoid(id, actor: actor, connection: connection)
                guard
                    let row = try await connection.first(
                        """
                        SELECT void_card_answer, void_terminal_serial, void_card_time FROM loads
                         WHERE load_id = \(id.rawValue) AND void_card_answer IS NOT NULL
                        """, as: (Data, Int64, String).self, logger: logger)
                else {
                    if current.state == .voided { throw TongkaError(.voidNotAllowed, detail: "voided already") }
                    throw TongkaError(.voidNotAllowed, detail: "no void was started from the card")
                }
                let answer = Array(row.0)
                let balance = answer.prefix(4).reduce(Int64(0)) { $0 << 8 | Int64($1) }
                let facts = LoadVoidFacts(
                    state: current.state, card: current.cardNumber, amount: current.amount,
                    shiftOpen: try await shiftIsOpen(current.shiftID, connection: connection))
                try LoadVoidPolicy.check(
                    facts, presentedCard: current.cardNumber, cardBalance: Money(fen: balance), actorRole: actor.role)
                try verify(StoredVoidRequest(load: current, cardAnswer: answer, terminalSerial: row.1, cardTime: row.2))
                let card = try CardNumber(current.cardNumber, issuerPrefixes: database.settings.issuer.cardNumberPrefixes)
                // A replacement card's balance came from its lost card, not a payment: nothing to return it to.
                guard let method = current.paymentMethod else {
                    throw TongkaError(.voidNotAllowed, detail: "a replacement card's balance is not voided")
                }
                let cash = method == .cash
                let transaction = try await LedgerStore.post(
                    try LedgerRules.loadReturn(
                        kind: .loadVoid, shift: current.shiftID, card: card, payment: method,
                        amount: current.amount),
                    context: .init(
                        actor: actor, hall: hall, shift: cash ? current.shiftID : nil, idempotencyKey: idempotencyKey,
                        memo: "load \(id) voided"),
                    connection: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE loads SET state = 'voided', void_tac = \(Data(tac)), voided_at = \(now),
                                     voided_by = \(actor.clerkID.rawValue), void_transaction_id = \(transaction.rawValue)
                     WHERE load_id = \(id.rawValue)
                    """, logger: logger)
                try await Audit.record(
                    connection, origin: origin, action: "load.void", subject: "load:\(id)",
                    details: [
                        "card": card.masked, "amount_fen": "\(current.amount.fen)", "void_transaction": "\(transaction)",
                    ], hall: hall, logger: logger)
                return try await load(id, connection: connection)
            }
        }
        return (outcome.result, outcome.replayed)
    }

    /// The load with its card row locked first (as loads and refunds lock it), then the load row;
    /// the actor must reach the load's hall.
    private func lockForVoid(
        _ id: LoadID, actor: StaffActor, connection: PostgresConnection
    ) async throws -> (LoadView, HallID) {
        let (unlocked, hall) = try await loadWithHall(id, connection: connection)
        try actor.requireReach(hall: hall)
        try await connection.query(
            "SELECT 1 FROM cards WHERE card_number = \(unlocked.cardNumber) FOR NO KEY UPDATE", logger: logger)
        return try await loadWithHall(id, connection: connection, lock: true)
    }

    /// Whether a shift is still open, holding it `FOR KEY SHARE` so it cannot close meanwhile (a close
    /// takes it `FOR UPDATE`) while other cash-ins and the payout lock go on.
    private func shiftIsOpen(_ shift: ShiftID, connection: PostgresConnection) async throws -> Bool {
        let closed = try await connection.one(
            "SELECT closed_at IS NOT NULL FROM shifts WHERE shift_id = \(shift.rawValue) FOR KEY SHARE", as: (Bool.self),
            logger: logger)
        return !closed
    }
}
