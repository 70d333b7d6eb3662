import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// What an incoming clearing file did.
public struct ClearingImportResult: Sendable, Equatable {
    public let records: Int
    /// New records kept.
    public let stored: Int
    /// Records received in an earlier file (same terminal and terminal serial): not kept twice.
    public let duplicates: Int
    /// Records that debited their card.
    public let posted: Int
    /// Exceptions raised for review (failed TAC, unknown card, short back-office balance).
    public let exceptions: Int
}

/// Interconnection clearing with the national platform (全国清分结算, issue 10).
public struct ClearingStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// The outgoing file of `day` (operator-local): the records of other issuers' cards taken by
    /// this operator's validators, for the platform; logged as made.
    public func outgoing(day: CalendarDate, now: Date, origin: RequestOrigin) async throws -> ClearingFile {
        let actor = try origin.requireActor()
        guard actor.role == .admin || actor.role == .auditor else { throw TongkaError(.forbiddenRole) }
        let zone = database.settings.timeZone
        let issuer = database.settings.issuer.issuerID
        let (start, end) = (day.startInstant(in: zone), day.next.startInstant(in: zone))
        return try await database.transaction { connection in
            let rows = try await connection.all(
                """
                SELECT card_number, issuer_id, card_type, offline_serial, amount_fen, balance_before_fen, balance_after_fen,
                       transaction_type, terminal_number, terminal_serial, local_date_time, tac, mode, line, station
                  FROM taps WHERE NOT own_card AND tapped_at >= \(start) AND tapped_at < \(end)
                 ORDER BY terminal_number, terminal_serial
                """,
                as: (
                    String, String, Int16, Int32, Int64, Int64, Int64, Int16, String, Int64, String, String, String, String,
                    String
                ).self, logger: logger)
            let records = rows.map { row in
                TapRecord(
                    card: CardNumber(trusted: row.0), issuerID: row.1, cardType: Int(row.2), offlineSerial: Int(row.3),
                    amount: Money(fen: row.4), balanceBefore: Money(fen: row.5), balanceAfter: Money(fen: row.6),
                    transactionType: Int(row.7), terminalNumber: row.8, terminalSerial: row.9, dateTime: row.10, tac: row.11,
                    mode: TransportMode(rawValue: row.12) ?? .bus, line: row.13, station: row.14)
            }
            let compact = day.description.replacingOccurrences(of: "-", with: "")
            let file = ClearingFile(direction: .outgoing, senderIssuerID: issuer, day: compact, records: records)
            try await log(file, actor: actor, now: now, connection: connection)
            return file
        }
    }

    /// Takes an incoming file: this operator's cards only (else refused whole). Each new record is
    /// kept once and, when its TAC verified (`tacValid`, per record), the card is known and its
    /// back-office balance covers it, debits the card payable to the platform; the others raise
    /// exceptions for review.
    public func importIncoming(
        _ file: ClearingFile, tacValid: [Bool], now: Date, origin: RequestOrigin
    ) async throws -> ClearingImportResult {
        let actor = try origin.requireActor()
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "an admin imports clearing files") }
        let profile = database.settings.issuer
        guard file.direction == .incoming else {
            throw TongkaError(.exchangeFileInvalid, detail: "an OUT file is this operator's own; import IN files")
        }
        if let foreign = file.records.firstIndex(where: { !profile.cardNumberPrefixes.contains($0.card.issuerPrefix) }) {
            throw TongkaError(
                .exchangeFileInvalid,
                detail: "line \(foreign + 2) is another issuer's card (\(file.records[foreign].card.masked))")
        }
        let zone = database.settings.timeZone
        if let bad = file.records.firstIndex(where: { $0.instant(in: zone) == nil || $0.amount.fen <= 0 }) {
            throw TongkaError(.exchangeFileInvalid, detail: "line \(bad + 2): not a real date-time or amount")
        }
        return try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tongka-clearing-in'))", logger: logger)
            let fileID = try await log(file, actor: actor, now: now, connection: connection)
            var seen: Set<String> = []
            for try await (terminal, serial) in try await connection.query(
                """
                SELECT terminal_number, terminal_serial FROM clearing_incoming
                 WHERE (terminal_number, terminal_serial) IN (
                       SELECT * FROM unnest(\(file.records.map(\.terminalNumber))::text[], \(file.records.map(\.terminalSerial))::bigint[]))
                """, logger: logger
            ).decode((String, Int64).self) { seen.insert("\(terminal)/\(serial)") }
            let cards = Array(Set(file.records.map(\.card.digits)))
            let issued = try await TapStore.issuedCards(cards, connection: connection, logger: logger)
            var balance = try await TapStore.lockedBalances(cards, connection: connection, logger: logger)
            var duplicates = 0
            var posted = 0
            var exceptions: [(record: TapRecord, kind: TapExceptionKind, detail: String)] = []
            var kept: [(record: TapRecord, transaction: Int64?)] = []
            for (index, record) in file.records.enumerated() {
                let key = "\(record.terminalNumber)/\(record.terminalSerial)"
                guard seen.insert(key).inserted else {
                    duplicates += 1
                    continue
                }
                var transaction: Int64?
                let card = record.card.digits
                if !issued.contains(card) {
                    exceptions.append((record, .unknownCard, "in the platform's file of \(file.day); no such card was issued"))
                } else if !tacValid[index] {
                    exceptions.append((record, .tacInvalid, "in the platform's file of \(file.day); not posted"))
                } else if (balance[card] ?? .zero) < record.amount {
                    exceptions.append(
                        (record, .backOfficeShort, "back-office balance \((balance[card] ?? .zero).fen) fen; not posted"))
                } else {
                    let id = try await LedgerStore.post(
                        try LedgerRules.clearingIn(card: record.card, amount: record.amount),
                        context: .init(
                            actor: actor, hall: nil, shift: nil, idempotencyKey: nil,
                            memo: "\(record.mode.rawValue) \(record.line) \(record.terminalNumber) \(record.dateTime)"),
                        connection: connection, logger: logger)
                    balance[card] = (balance[card] ?? .zero) - record.amount
                    transaction = id.rawValue
                    posted += 1
                }
                kept.append((record, transaction))
            }
            if !kept.isEmpty {
                let records = kept.map(\.record)
                try await connection.query(
                    """
                    INSERT INTO clearing_incoming (terminal_number, terminal_serial, card_number, offline_serial, amount_fen,
                                                   local_date_time, tac, mode, line, station, file_id, transaction_id)
                    SELECT tn, s, c, os, a, dt, tac, m, l, st, \(fileID), NULLIF(tx, 0)
                      FROM unnest(\(records.map(\.terminalNumber))::text[], \(records.map(\.terminalSerial))::bigint[],
                                  \(records.map(\.card.digits))::text[], \(records.map { Int64($0.offlineSerial) })::bigint[],
                                  \(records.map(\.amount.fen))::bigint[], \(records.map(\.dateTime))::text[],
                                  \(records.map(\.tac))::text[], \(records.map(\.mode.rawValue))::text[],
                                  \(records.map(\.line))::text[], \(records.map(\.station))::text[],
                                  \(kept.map { $0.transaction ?? 0 })::bigint[])
                           AS t(tn, s, c, os, a, dt, tac, m, l, st, tx)
                    """, logger: logger)
            }
            try await TapStore.insertExceptions(exceptions, timeZone: zone, now: now, connection: connection, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "clearing.import", subject: "clearing_file:\(fileID)",
                details: ["records": "\(file.records.count)", "stored": "\(kept.count)", "posted": "\(posted)"], logger: logger)
            return ClearingImportResult(
                records: file.records.count, stored: kept.count, duplicates: duplicates, posted: posted,
                exceptions: exceptions.count)
        }
    }

    @discardableResult
    private func log(_ file: ClearingFile, actor: StaffActor, now: Date, connection: PostgresConnection) async throws -> Int64 {
        let crc = IssuerWhitelistStore.trailerCRC(file.encoded())
        return try await connection.one(
            """
            INSERT INTO clearing_files (direction, business_day, sender_issuer, records, file_crc, made_by, made_at)
            VALUES (\(file.direction.rawValue), \(file.day), \(file.senderIssuerID), \(file.records.count), \(crc),
                    \(actor.clerkID.rawValue), \(now))
            RETURNING file_id
            """, as: Int64.self, logger: logger)
    }
}
