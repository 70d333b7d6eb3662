import Foundation

public enum LossReportTag {}
/// A loss report (`loss_reports.report_id`).
public typealias LossReportID = Identifier<LossReportTag>

/// Where a loss report was taken (挂失渠道).
public enum LossChannel: String, Sendable, CaseIterable, Codable {
    /// At a service-hall counter: the clerk checked the holder's document.
    case counter
    /// By the operator's hotline: staff without a hall and without the card.
    case hotline
    /// By the rider, with no login (the self-service API and page).
    case selfService = "self_service"

    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.counter, .en): "counter"
        case (.hotline, .en): "hotline"
        case (.selfService, .en): "self-service"
        case (.counter, .zh): "柜台"
        case (.hotline, .zh): "客服热线"
        case (.selfService, .zh): "自助"
        }
    }
}

/// Where a loss report stands.
public enum LossReportState: String, Sendable, CaseIterable, Codable {
    /// The card is suspended and listed; it may still be reclaimed within the window.
    case open
    /// The holder found the card and had it unblocked at a counter.
    case reclaimed
    /// A replacement card was issued; the old card is blocked for good.
    case replaced
}

/// A loss report's reference, given to the rider: `GS` and ten characters of Crockford's base-32
/// alphabet (no I, L, O, U), about 50 bits from the system's random source, so references
/// cannot be guessed to read other riders' reports (reading one also needs the document).
public struct LossReference: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public init(_ text: String) throws(TongkaError) {
        let upper = text.uppercased()
        guard upper.count == 12, upper.hasPrefix("GS"), upper.dropFirst(2).allSatisfy({ Self.alphabet.contains($0) }) else {
            throw TongkaError(.lossReportNotFound, detail: "a reference is GS and ten letters or digits")
        }
        value = upper
    }

    public static func random() -> LossReference {
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        return try! LossReference("GS" + body)
    }

    public var description: String { value }
}

/// The operator's loss and replacement rules (configuration).
public struct LossSettings: Sendable, Equatable {
    /// How long after the report a found card may be reclaimed (`TONGKA_LOSS_RECLAIM_DAYS`, default 15).
    public var reclaimWindow: Duration
    /// What a replacement holds back from its provisional balance for offline spending of the
    /// old card before every validator has the block (`TONGKA_LOSS_HOLDBACK_FEN`, default ¥50:
    /// a day's spending at the maximum fare).
    public var holdback: Money
    /// How long after the replacement the rest is settled from the records that arrived
    /// (`TONGKA_LOSS_SETTLEMENT_DAYS`, default 7).
    public var waitingPeriod: Duration
    /// Self-service attempts one client address may make per hour (`TONGKA_LOSS_ADDRESS_PER_HOUR`).
    public var attemptsPerAddressPerHour: Int
    /// Self-service attempts naming one card per day (`TONGKA_LOSS_CARD_PER_DAY`).
    public var attemptsPerCardPerDay: Int
    /// The shortest time a self-service answer takes, so that a refusal and an acceptance, and the
    /// refusals among themselves, take the same time (`TONGKA_LOSS_ANSWER_MS`).
    public var answerFloor: Duration

    public init(
        reclaimWindow: Duration = .seconds(15 * 86_400), holdback: Money = Money(fen: 5_000),
        waitingPeriod: Duration = .seconds(7 * 86_400), attemptsPerAddressPerHour: Int = 20, attemptsPerCardPerDay: Int = 10,
        answerFloor: Duration = .milliseconds(150)
    ) {
        self.reclaimWindow = reclaimWindow
        self.holdback = holdback
        self.waitingPeriod = waitingPeriod
        self.attemptsPerAddressPerHour = attemptsPerAddressPerHour
        self.attemptsPerCardPerDay = attemptsPerCardPerDay
        self.answerFloor = answerFloor
    }
}

/// What the back office knows about a card when someone reports it lost, read with the card row
/// locked (as loads and refunds lock it, so a report and a top-up of one card run one at a time).
public struct LossFacts: Sendable, Equatable {
    public let cardStatus: CardStatus
    /// Whether the card has a registered holder.
    public let registered: Bool
    /// Whether the document presented is the holder's (false for an anonymous card).
    public let documentMatches: Bool
    /// The card's open report, if it has one: reporting twice answers the first report.
    public let openReport: LossReportID?

    public init(cardStatus: CardStatus, registered: Bool, documentMatches: Bool, openReport: LossReportID?) {
        self.cardStatus = cardStatus
        self.registered = registered
        self.documentMatches = documentMatches
        self.openReport = openReport
    }
}

/// What a report does.
public enum LossDecision: Sendable, Equatable {
    /// Suspend the card, list it, and record a new report.
    case suspend
    /// The card is reported already: answer that report, change nothing.
    case existing(LossReportID)
}

/// The loss and replacement decisions (`domain.md` section 7). Pure: facts and `now` in, a
/// decision, amounts or a refusal with its stable code out.
public enum LossPolicy {
    /// Staff who take reports: counters (with the holder at the desk) and the hotline.
    public static let reporters: Set<Role> = [.clerk, .supervisor, .hotline]
    /// Staff who read a card's report.
    public static let readers: Set<Role> = [.clerk, .supervisor, .hotline, .admin, .auditor]

    /// Whether a report may be taken. Only registered cards, and only with the holder's document;
    /// a card that is reported already answers its first report.
    public static func report(_ facts: LossFacts) throws(TongkaError) -> LossDecision {
        guard facts.registered else { throw TongkaError(.cardAnonymous) }
        guard facts.documentMatches else { throw TongkaError(.documentMismatch) }
        if let open = facts.openReport { return .existing(open) }
        switch facts.cardStatus {
        case .active: return .suspend
        case .suspended: throw TongkaError(.internalError, detail: "a suspended card without an open report")
        case .replaced: throw TongkaError(.cardReplaced)
        case .refunded: throw TongkaError(.cardRefunded)
        }
    }

    /// When a report made at `reportedAt` can no longer be reclaimed.
    public static func reclaimDeadline(reportedAt: Date, settings: LossSettings) -> Date {
        reportedAt.addingTimeInterval(TimeInterval(settings.reclaimWindow.components.seconds))
    }

    /// Whether the holder may reclaim a found card: the report is open (not replaced) and the
    /// window has not passed.
    public static func checkReclaim(
        state: LossReportState, reportedAt: Date, documentMatches: Bool, now: Date, settings: LossSettings
    ) throws(TongkaError) {
        guard documentMatches else { throw TongkaError(.documentMismatch) }
        switch state {
        case .open: break
        case .replaced: throw TongkaError(.cardReplaced, detail: "a replaced card cannot be reclaimed")
        case .reclaimed: throw TongkaError(.lossReportClosed, detail: "reclaimed already")
        }
        let deadline = reclaimDeadline(reportedAt: reportedAt, settings: settings)
        guard now < deadline else { throw TongkaError(.reclaimWindowPassed, detail: "the window closed at \(deadline)") }
    }

    /// What a replacement (补卡) moves, from the report's facts and the old card's purse now.
    public static func replacement(
        state: LossReportState, documentMatches: Bool, balanceAtReport: Money, purseNow: Money, replacementFee: Money,
        deposit: Money, settings: LossSettings, now: Date
    ) throws(TongkaError) -> ReplacementQuote {
        guard documentMatches else { throw TongkaError(.documentMismatch) }
        switch state {
        case .open: break
        case .replaced: throw TongkaError(.cardReplaced, detail: "replaced already")
        case .reclaimed: throw TongkaError(.lossReportClosed, detail: "the card was reclaimed")
        }
        // The provisional balance never exceeds what the old card's purse still holds: records
        // that arrived since the report already took their share.
        let provisional = max(.zero, min(balanceAtReport - settings.holdback, purseNow))
        return ReplacementQuote(
            balanceAtReport: balanceAtReport, purseAtReplacement: purseNow, holdback: settings.holdback,
            provisional: provisional, fee: replacementFee, deposit: deposit,
            settleAfter: now.addingTimeInterval(TimeInterval(settings.waitingPeriod.components.seconds)))
    }

    /// Whether a card presented at a counter is blocked for good on the card (APPLICATION BLOCK
    /// permanent): replaced or refunded, or reported and past its reclaim window.
    public static func blocksForGood(status: CardStatus, reportedAt: Date?, now: Date, settings: LossSettings) -> Bool {
        switch status {
        case .replaced, .refunded: true
        case .suspended: reportedAt.map { now >= reclaimDeadline(reportedAt: $0, settings: settings) } ?? false
        case .active: false
        }
    }

    /// Whether a replacement is due for settlement at `now`.
    public static func isDue(settleAfter: Date, settled: Bool, now: Date) -> Bool {
        !settled && now >= settleAfter
    }

    /// A share as "98.0%": one decimal, rounded half up, from whole counts ("-" of nothing).
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "-" }
        let tenths = (part * 1000 * 2 + whole) / (whole * 2)
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// What a replacement carries over and loads.
public struct ReplacementQuote: Sendable, Equatable, Codable {
    public let balanceAtReport: Money
    /// The old card's back-office balance when the replacement was made (lower than at report
    /// when records arrived since).
    public let purseAtReplacement: Money
    public let holdback: Money
    /// Loaded onto the new card at once (as an order the counter loads with the top-up protocol).
    public let provisional: Money
    /// The product's replacement fee, paid at the counter.
    public let fee: Money
    /// The old card's deposit, carried over to the new card.
    public let deposit: Money
    /// When the rest is settled from the records that arrived.
    public let settleAfter: Date

    public init(
        balanceAtReport: Money, purseAtReplacement: Money, holdback: Money, provisional: Money, fee: Money, deposit: Money,
        settleAfter: Date
    ) {
        self.balanceAtReport = balanceAtReport
        self.purseAtReplacement = purseAtReplacement
        self.holdback = holdback
        self.provisional = provisional
        self.fee = fee
        self.deposit = deposit
        self.settleAfter = settleAfter
    }
}

/// Formats a count with thousands separators ("1,912"), the same in every locale.
public func groupedCount(_ value: Int) -> String {
    let formatter = NumberFormatter()
    formatter.numberStyle = .decimal
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.groupingSeparator = ","
    formatter.usesGroupingSeparator = true
    return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
}

/// How far a block has spread: how many active validators have applied the version that listed
/// the card. The rider's liability statement and the counter show it.
public struct PropagationFigure: Sendable, Equatable, Codable {
    public let applied: Int
    public let active: Int

    public init(applied: Int, active: Int) {
        self.applied = applied
        self.active = active
    }

    public var percent: String { LossPolicy.percent(applied, of: active) }

    /// "已在 1,873/1,912 台终端生效 (98.0%)" / "in effect on 1,873 of 1,912 validators (98.0%)".
    public func sentence(_ language: Language) -> String {
        switch language {
        case .zh: "已在 \(groupedCount(applied))/\(groupedCount(active)) 台终端生效 (\(percent))"
        case .en: "in effect on \(groupedCount(applied)) of \(groupedCount(active)) validators (\(percent))"
        }
    }
}

extension LedgerRules {
    /// A replacement's or a settlement's transfer out of the old card: what the operator owes on
    /// the old card moves to the balance-transfer account.
    public static func balanceTransferOut(card: CardNumber, amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(
            kind: .balanceTransfer, postings: [Posting(.cardPurse(card), amount), Posting(.balanceTransfer, -amount)])
    }

    /// The transfer's second step: the balance-transfer account funds a top-up order for the new
    /// card, loaded with the top-up protocol like any order.
    public static func balanceTransferToOrder(amount: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(kind: .balanceTransfer, postings: [Posting(.balanceTransfer, amount), Posting(.topupOrders, -amount)])
    }

    /// The replacement fee, paid into the clerk's drawer.
    public static func replacementFee(shift: ShiftID, fee: Money) throws(TongkaError) -> JournalDraft {
        try JournalDraft(kind: .cardReplacement, postings: [Posting(.shiftCash(shift), fee), Posting(.feeIncome, -fee)])
    }
}
