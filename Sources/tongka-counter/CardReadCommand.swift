import ArgumentParser
import Foundation
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

/// What `card read` found on the card itself (its JSON form).
struct CardReadout: Encodable, Sendable {
    /// One record of the card's transaction log (file 0018).
    struct Record: Encodable, Sendable {
        /// The online (load) or offline (purchase) serial the transaction used.
        let serial: Int
        /// `load`, `purchase`, `composite_purchase`, or the type byte in hex.
        let type: String
        let amountFen: Int64
        /// The terminal's 6-byte number in hex.
        let terminal: String
        /// The terminal's local date and time as the card recorded it, `YYYY-MM-DD hh:mm:ss`.
        let dateTime: String
    }

    /// What the back office knows of the card, when the counter is logged in.
    struct BackOffice: Encodable, Sendable {
        /// False when the back office has no issued card of this number (in stock, or unknown).
        let issued: Bool
        let status: String?
        let balanceFen: Int64?
    }

    /// The full number (nil when the card is permanently blocked and answers nothing).
    var cardNumber: String?
    var issuerId: String?
    /// `active`, `temporarily_blocked` or `permanently_blocked`.
    var status: String
    /// Nil while the application is blocked.
    var balanceFen: Int64?
    var onlineSerial: Int?
    var offlineSerial: Int?
    /// `YYYY-MM-DD`.
    var validFrom: String?
    var validTo: String?
    var cardType: Int?
    var interconnection: Bool?
    /// Newest first.
    var transactions: [Record] = []
    var backOffice: BackOffice?
}

extension CardCommand {
    struct Read: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read the card in the reader: number, balance, serials, status, validity and its last records.",
            discussion: """
                Reads the card itself; no login is needed. The serials are learned from INITIALIZE
                commands that are abandoned at once, so nothing on the card changes. When logged in,
                the back office's status and balance of the card are shown too.
                JSON: {cardNumber, issuerId, status, balanceFen, onlineSerial, offlineSerial, validFrom,
                validTo, cardType, interconnection, transactions: [{serial, type, amountFen, terminal,
                dateTime}], backOffice: {issued, status, balanceFen}} (full card number).
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var card: ReaderOptions
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            var readout = try await counter.withCard(card) { terminal in try await Self.read(terminal) }
            if let number = readout.cardNumber, counter.sessions.token(for: counter.serverURL) != nil {
                readout.backOffice = try await Self.backOffice(number, counter: counter)
            }
            if counter.json { return Output.printJSON(readout) }
            counter.printReadout(readout, reveal: reveal)
        }

        /// Everything the card answers, without changing it.
        static func read(_ terminal: PurseTerminal) async throws -> CardReadout {
            let info: PurseCardInfo
            do {
                info = try await terminal.readCard()
            } catch PurseTerminalError.applicationPermanentlyBlocked {
                // A permanently blocked card answers 9303 to everything, even to SELECT.
                return CardReadout(status: "permanently_blocked")
            }
            var readout = CardReadout(
                cardNumber: info.card.cardNumber, issuerId: Hex.encode(info.card.issuerID),
                status: info.temporarilyBlocked ? "temporarily_blocked" : "active",
                balanceFen: info.balance.map(Int64.init), validFrom: dashed(info.validFrom), validTo: dashed(info.validTo),
                cardType: Int(info.cardType), interconnection: info.interconnection)
            if !info.temporarilyBlocked {
                // The counter has no terminal number of its own yet; the abandoned INITIALIZE
                // commands never reach a host, so zeros do.
                let serials = try await terminal.readSerials(terminal: try TerminalNumber(bytes: [0, 0, 0, 0, 0, 0]))
                readout.onlineSerial = Int(serials.online)
                readout.offlineSerial = Int(serials.offline)
            }
            readout.transactions = try await terminal.readTransactionLog().map { record in
                CardReadout.Record(
                    serial: Int(record.serial), type: transactionType(record.transactionType),
                    amountFen: Int64(record.amount), terminal: record.terminal.description,
                    dateTime:
                        "\(dashed(record.dateTime.dateString)) \(colons(record.dateTime.timeString))")
            }
            return readout
        }

        /// The back office's view of the card; a card it has not issued is `issued: false`. The
        /// card was read whatever the server answers, so a failure here is a note, not an error.
        static func backOffice(_ number: String, counter: Counter) async throws -> CardReadout.BackOffice? {
            do {
                let card = try await counter.client().card(number)
                return .init(issued: true, status: card.status.rawValue, balanceFen: card.balanceFen)
            } catch let failure as APIFailure where failure.code == "card_not_found" {
                return .init(issued: false, status: nil, balanceFen: nil)
            } catch let failure as APIFailure {
                Output.error(
                    counter.t(
                        "Back office not consulted: [\(failure.code)] \(failure.message)",
                        "未能查询后台：[\(failure.code)] \(failure.message)"))
                return nil
            }
        }

        static func transactionType(_ code: UInt8) -> String {
            switch code {
            case TransactionType.load: "load"
            case TransactionType.purchase: "purchase"
            case TransactionType.compositePurchase: "composite_purchase"
            default: Hex.encode([code])
            }
        }

        /// `20260101` as `2026-01-01`.
        static func dashed(_ digits: String) -> String {
            guard digits.count == 8 else { return digits }
            let characters = Array(digits)
            return "\(String(characters[0..<4]))-\(String(characters[4..<6]))-\(String(characters[6..<8]))"
        }

        /// `142305` as `14:23:05`.
        static func colons(_ digits: String) -> String {
            guard digits.count == 6 else { return digits }
            let characters = Array(digits)
            return "\(String(characters[0..<2])):\(String(characters[2..<4])):\(String(characters[4..<6]))"
        }
    }
}

extension Counter {
    func printReadout(_ readout: CardReadout, reveal: Bool) {
        let unknown = "—"
        let status: String
        switch readout.status {
        case "active": status = t("active", "正常")
        case "temporarily_blocked": status = t("temporarily blocked", "临时锁定")
        default: status = t("permanently blocked", "永久锁定")
        }
        var pairs: [(String, String)] = [
            (t("Card number", "卡号"), readout.cardNumber.map { cardNumber($0, reveal: reveal) } ?? unknown),
            (t("Status (card)", "卡片状态"), status),
            (t("Balance (card)", "卡内余额"), readout.balanceFen.map(money) ?? unknown),
            (t("Online serial", "联机交易序号"), readout.onlineSerial.map(String.init) ?? unknown),
            (t("Offline serial", "脱机交易序号"), readout.offlineSerial.map(String.init) ?? unknown),
            (t("Valid", "有效期"), readout.validFrom.map { "\($0) – \(readout.validTo ?? "")" } ?? unknown),
            (t("Card type", "卡类型"), readout.cardType.map(cardType) ?? unknown),
            (t("Interconnection", "互联互通"), readout.interconnection.map(yesNo) ?? unknown),
        ]
        if let office = readout.backOffice {
            pairs.append(
                (
                    t("Back office", "后台"),
                    office.issued
                        ? "\(office.status == "active" ? t("active", "正常") : office.status ?? "") \(office.balanceFen.map(money) ?? "")"
                        : t("not issued", "未发售")
                ))
        }
        if readout.cardNumber != nil, !reveal { pairs.append((t("Full number", "完整卡号"), t("use --reveal", "加 --reveal 显示"))) }
        fields(pairs)
        guard readout.cardNumber != nil else { return }
        Output.line()
        guard !readout.transactions.isEmpty else { return Output.line(t("No records on the card.", "卡内无交易记录。")) }
        Output.line(
            Table(
                headers: [
                    t("Serial", "序号"), t("Type", "类型"), t("Amount", "金额"), t("Terminal", "终端"),
                    t("Date and time", "交易时间"),
                ],
                rows: readout.transactions.map { record in
                    let type: String
                    switch record.type {
                    case "load": type = t("load", "圈存")
                    case "purchase": type = t("purchase", "消费")
                    case "composite_purchase": type = t("composite purchase", "复合消费")
                    default: type = record.type
                    }
                    return [String(record.serial), type, money(record.amountFen), record.terminal, record.dateTime]
                }
            ).render())
    }
}
