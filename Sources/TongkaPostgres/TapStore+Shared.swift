import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// What validators' uploads and the platform's incoming clearing files both need: which cards
/// exist, their purse balances under a row lock, and the exceptions raised for review.
extension TapStore {
    /// The card numbers of `cards` that were issued.
    static func issuedCards(_ cards: [String], connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var issued: Set<String> = []
        for try await card in try await connection.query(
            "SELECT card_number FROM cards WHERE card_number = ANY(\(cards)::text[])", logger: logger
        ).decode(String.self) { issued.insert(card) }
        return issued
    }

    /// The back-office balances of `cards`, their purse rows locked until commit, so the checks
    /// against them hold while the transaction posts (the CHECK on the balance backs them up).
    static func lockedBalances(
        _ cards: [String], connection: PostgresConnection, logger: Logger
    ) async throws
        -> [String: Money]
    {
        try await lockedPurses(cards, connection: connection, logger: logger).mapValues(\.balance)
    }

    /// The same, with each purse's account id (what the posting of the taps names).
    static func lockedPurses(
        _ cards: [String], connection: PostgresConnection, logger: Logger
    ) async throws
        -> [String: (balance: Money, account: Int64)]
    {
        var purses: [String: (balance: Money, account: Int64)] = [:]
        for try await (card, fen, account) in try await connection.query(
            """
            SELECT card_number, balance_fen, account_id FROM ledger_accounts
             WHERE kind = 'card_purse' AND card_number = ANY(\(cards)::text[]) ORDER BY card_number FOR UPDATE
            """, logger: logger
        ).decode((String, Int64, Int64).self) { purses[card] = (Money(fen: fen), account) }
        return purses
    }

    /// Inserts raised exceptions in one statement.
    static func insertExceptions(
        _ exceptions: [(record: TapRecord, kind: TapExceptionKind, detail: String)], timeZone: TimeZone, now: Date,
        connection: PostgresConnection, logger: Logger
    ) async throws {
        guard !exceptions.isEmpty else { return }
        let records = exceptions.map(\.record)
        try await connection.query(
            """
            INSERT INTO tap_exceptions (kind, terminal_number, terminal_serial, tapped_at, card_number, amount_fen,
                                        detail, raised_at)
            SELECT k, tn, s, at, c, a, d, \(now)
              FROM unnest(\(exceptions.map(\.kind.rawValue))::text[], \(records.map(\.terminalNumber))::text[],
                          \(records.map(\.terminalSerial))::bigint[], \(records.map { $0.instant(in: timeZone)! })::timestamptz[],
                          \(records.map(\.card.digits))::text[], \(records.map(\.amount.fen))::bigint[],
                          \(exceptions.map(\.detail))::text[])
                   AS t(k, tn, s, at, c, a, d)
            """, logger: logger)
    }
}
