import Foundation

/// One purchase record a validator uploads (domain.md §5): what a card spent at a tap.
///
/// `dateTime` is the validator's local date and time as the card signed it into the TAC
/// (`YYYYMMDDhhmmss`, in the operator's time zone); ``instant(in:)`` makes it the stored UTC time.
public struct TapRecord: Sendable, Equatable {
    public let card: CardNumber
    /// The card's issuer id from its file 0015 (16 hex digits, upper case).
    public let issuerID: String
    /// File 0017 byte 10: 1 ordinary, 2 student, 3 elderly, 4 test, 5 military.
    public let cardType: Int
    /// The card's offline (purchase) transaction serial, from INITIALIZE FOR PURCHASE.
    public let offlineSerial: Int
    public let amount: Money
    public let balanceBefore: Money
    public let balanceAfter: Money
    /// `06` purchase, `09` composite purchase.
    public let transactionType: Int
    /// The PSAM's terminal number: 12 digits.
    public let terminalNumber: String
    /// The PSAM's transaction serial, unique per terminal.
    public let terminalSerial: Int64
    public let dateTime: String
    /// The card's TAC, 8 hex digits.
    public let tac: String
    public let mode: TransportMode
    public let line: String
    public let station: String

    public init(
        card: CardNumber, issuerID: String, cardType: Int, offlineSerial: Int, amount: Money, balanceBefore: Money,
        balanceAfter: Money, transactionType: Int, terminalNumber: String, terminalSerial: Int64, dateTime: String,
        tac: String, mode: TransportMode, line: String, station: String
    ) {
        self.card = card
        // Upper-cased only when needed: the binary form and most validators send upper case.
        self.issuerID = issuerID.utf8.contains(where: { (0x61...0x7A).contains($0) }) ? issuerID.uppercased() : issuerID
        self.cardType = cardType
        self.offlineSerial = offlineSerial
        self.amount = amount
        self.balanceBefore = balanceBefore
        self.balanceAfter = balanceAfter
        self.transactionType = transactionType
        self.terminalNumber = terminalNumber
        self.terminalSerial = terminalSerial
        self.dateTime = dateTime
        self.tac = tac.utf8.contains(where: { (0x61...0x7A).contains($0) }) ? tac.uppercased() : tac
        self.mode = mode
        self.line = line
        self.station = station
    }

    /// Every field in one line: two records with the same terminal serial are the same record
    /// only when these are equal (a resend), else the serial was reused (an exception).
    public var content: String {
        [
            card.digits, issuerID, "\(cardType)", "\(offlineSerial)", "\(amount.fen)", "\(balanceBefore.fen)",
            "\(balanceAfter.fen)", "\(transactionType)", terminalNumber, "\(terminalSerial)", dateTime, tac, mode.rawValue,
            line, station,
        ].joined(separator: "|")
    }

    /// The tap's time as a UTC instant, reading `dateTime` in `timeZone`; nil when it is not a
    /// real date and time.
    public func instant(in timeZone: TimeZone) -> Date? {
        // By hand rather than Calendar.date(from:) and a round trip through dateComponents: that
        // took about 6 µs, several times for every record of every upload.
        let bytes = Array(dateTime.utf8)
        guard bytes.count == 14, bytes.allSatisfy(ASCII.isDigit) else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let (hour, minute, second) = (number(8..<10), number(10..<12), number(12..<14))
        guard let date = CalendarDate(year: number(0..<4), month: number(4..<6), day: number(6..<8)), hour < 24,
            minute < 60, second < 60
        else { return nil }
        // Seconds since 1970 as if the local time were UTC. The zone's offsets a day before and a
        // day after cover both sides of any change to or from summer time: an offset fits when the
        // instant it gives has that offset. None fits a local time the change skipped; when two do
        // (the repeated hour), the earlier instant, as Calendar chooses.
        let local = date.daysSince1970 * 86_400 + hour * 3_600 + minute * 60 + second
        func offset(_ seconds: Int) -> Int { timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds))) }
        let utc = [offset(local - 86_400), offset(local + 86_400)].map { local - $0 }.filter { local - offset($0) == $0 }.min()
        return utc.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }
}

/// Why a record is refused (not stored): it cannot be a real tap. Codes are stable.
public enum TapRejection: String, Sendable, CaseIterable, Codable {
    case invalidIssuerID = "invalid_issuer_id"
    case invalidCardType = "invalid_card_type"
    case invalidSerial = "invalid_serial"
    case invalidAmount = "invalid_amount"
    case amountAboveFare = "amount_above_fare"
    case invalidBalance = "invalid_balance"
    case invalidTransactionType = "invalid_transaction_type"
    /// The record names another terminal than the validator uploading it.
    case otherTerminal = "other_terminal"
    case invalidDateTime = "invalid_date_time"
    /// Later than the server's clock (plus the allowed skew).
    case futureTimestamp = "future_timestamp"
    case invalidTAC = "invalid_tac"
    case invalidText = "invalid_text"
    /// The terminal serial was received before with other content (raised for review as well).
    case serialConflict = "serial_conflict"
}

/// What a stored record raises for review: never a silent drop. Codes are stable.
public enum TapExceptionKind: String, Sendable, CaseIterable, Codable {
    /// This operator's card, and the TAC does not verify with the card's TAC key.
    case tacInvalid = "tac_invalid"
    /// Balance before minus amount is not the balance after.
    case balanceDiscontinuity = "balance_discontinuity"
    /// The card's offline serials skip one or more (a missing record).
    case serialGap = "serial_gap"
    /// The card was on the blacklist at the tap's time (the detail says whether the validator had that version).
    case listedAtTap = "listed_at_tap"
    /// The terminal serial was received before with different content.
    case serialConflict = "serial_conflict"
    /// The back-office balance cannot cover the tap: not posted until reviewed.
    case backOfficeShort = "back_office_short"
    /// One of this operator's prefixes, but no such card was issued.
    case unknownCard = "unknown_card"
}

/// The rules of an upload, as values.
public enum TapRules {
    /// The most records one upload may carry.
    public static let maximumBatch = 1_000
    /// How far ahead of the server's clock a validator's clock may be.
    public static let clockSkew: TimeInterval = 300

    /// Why `record`, uploaded by the validator with terminal number `terminal` at `now`, cannot be
    /// stored; nil when it can. Fares above `maximumFare` are refused as no fare is that high.
    public static func rejection(
        _ record: TapRecord, terminal: String, now: Date, timeZone: TimeZone, maximumFare: Money
    ) -> TapRejection? {
        rejection(record, instant: record.instant(in: timeZone), terminal: terminal, now: now, maximumFare: maximumFare)
    }

    /// The same, with the record's ``TapRecord/instant(in:)`` already worked out (nil: not a real
    /// date and time), as an upload does once per record.
    public static func rejection(
        _ record: TapRecord, instant: Date?, terminal: String, now: Date, maximumFare: Money
    ) -> TapRejection? {
        guard IssuerProfile.isIssuerID(record.issuerID) else { return .invalidIssuerID }
        guard (1...5).contains(record.cardType) else { return .invalidCardType }
        guard (0...0xFFFF).contains(record.offlineSerial), (0...0xFFFF_FFFF).contains(record.terminalSerial) else {
            return .invalidSerial
        }
        guard record.amount.fen > 0 else { return .invalidAmount }
        guard record.amount <= maximumFare else { return .amountAboveFare }
        guard record.balanceBefore.fen >= 0, record.balanceAfter.fen >= 0 else { return .invalidBalance }
        guard record.transactionType == 0x06 || record.transactionType == 0x09 else { return .invalidTransactionType }
        guard record.terminalNumber == terminal else { return .otherTerminal }
        guard let instant else { return .invalidDateTime }
        guard instant <= now.addingTimeInterval(clockSkew) else { return .futureTimestamp }
        // Checked on the bytes (Character properties and String searches cost more than the rest
        // of the record's checks together); the stored CHECKs ask for the same.
        guard record.tac.utf8.count == 8, record.tac.utf8.allSatisfy(ASCII.isUpperHexDigit) else { return .invalidTAC }
        // Plain text only: the clearing file (ClearingFile) and the content comparison separate fields with commas and
        // bars. At most 40 characters as PostgreSQL counts them (code points).
        guard record.line.unicodeScalars.count <= 40, record.station.unicodeScalars.count <= 40,
            ClearingFile.isPlain(record.line), ClearingFile.isPlain(record.station), !record.line.utf8.contains(0x7C),
            !record.station.utf8.contains(0x7C)
        else { return .invalidText }
        return nil
    }

    /// Whether the balances the card reported do not add up.
    public static func isDiscontinuous(_ record: TapRecord) -> Bool {
        record.balanceBefore - record.amount != record.balanceAfter
    }

    /// The serials missing between the last offline serial stored for a card and this record's,
    /// or 0 when none is missing (or nothing was stored before).
    public static func missingSerials(after previous: Int?, record: TapRecord) -> Int {
        guard let previous, record.offlineSerial > previous + 1 else { return 0 }
        return record.offlineSerial - previous - 1
    }
}

/// Who reviews what validators' records raise.
public enum TapPolicy {
    /// Who lists exceptions.
    public static let reviewers: Set<Role> = [.supervisor, .admin, .auditor]
    /// Who resolves them.
    public static let resolvers: Set<Role> = [.supervisor, .admin]
}

/// What an upload answered for one record. Codes are stable.
public enum TapOutcome: String, Sendable, Codable {
    case stored
    /// Received before, the same content: acknowledged again, not stored twice.
    case duplicate
    case rejected
}

extension LedgerRules {
    /// A record of this operator's card taken in another city (from the national platform's
    /// file): what the operator owes on the card becomes owed to the platform.
    public static func clearingIn(card: CardNumber, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(
            kind: .clearingIn, postings: [Posting(.cardPurse(card), amount), Posting(.platformPayable, -amount)])
    }

    /// The taps of one upload by this operator's cards, posted together: what the operator owes on
    /// each card (one entry per card, the sum of its fares, in card-number order) becomes fare revenue
    /// owed to the company that ran each tap's line (one credit per company, in company order; nil,
    /// a line no company was entered for, first) until clearing. One transaction per batch rather
    /// than per tap: each journal transaction costs a statement and a deferred balance check, which
    /// made the upload path 40 times slower than storing the records (docs/performance.md). The card
    /// statement still lists every tap, from the `taps` rows that name the transaction. Nil when
    /// nothing is posted.
    public static func taps(
        _ fares: [(card: CardNumber, company: CompanyID?, amount: Money)]
    ) throws(TongkaError) -> JournalDraft? {
        var perCard: [String: (card: CardNumber, fen: Int64)] = [:]
        var perCompany: [Int64: Int64] = [:]
        for fare in fares where fare.amount != .zero {
            perCard[fare.card.digits, default: (fare.card, 0)].fen += fare.amount.fen
            perCompany[fare.company?.rawValue ?? 0, default: 0] += fare.amount.fen
        }
        guard !perCard.isEmpty else { return nil }
        let debits = perCard.keys.sorted().map { Posting(.cardPurse(perCard[$0]!.card), Money(fen: perCard[$0]!.fen)) }
        let credits = perCompany.keys.sorted().map { id in
            Posting(.transitRevenue(id == 0 ? nil : CompanyID(id)), Money(fen: -perCompany[id]!))
        }
        return try JournalDraft(kind: .tap, postings: debits + credits)
    }

    /// Fares of this operator's cards received for a line before any company was entered for it
    /// (credited to the revenue account without a company), credited to the company the line is
    /// entered for. Nil when there is nothing to move.
    public static func reassignRevenue(to company: CompanyID, amount: Money) throws(TongkaError) -> JournalDraft? {
        guard amount != .zero else { return nil }
        return try JournalDraft(
            kind: .revenueReassign,
            postings: [Posting(.transitRevenue(nil), amount), Posting(.transitRevenue(company), -amount)])
    }
}
