import Foundation

public enum TopupOrderTag {}
/// An online top-up order (`topup_orders.order_id`).
public typealias TopupOrderID = Identifier<TopupOrderTag>

/// Where an online top-up order stands. The channel's money is in the `topup_orders` account from
/// `pending` until the order is `loaded` onto the card or `refunded` to the channel.
public enum TopupOrderState: String, Sendable, CaseIterable, Codable {
    /// Paid by the channel, waiting for the card to be read at a counter.
    case pending
    /// A load carrying the order has its MAC2 issued and is not decided yet.
    case loading
    /// The load was confirmed: the money is on the card.
    case loaded
    /// Not loaded in time: the money went back to the channel.
    case refunded
}

/// The operator's rules for orders (configuration).
public struct TopupOrderSettings: Sendable, Equatable {
    /// How long an order waits for its card before it is refunded to the channel.
    public var expiry: Duration

    public static let defaultExpiryHours = 720

    public init(expiry: Duration = .seconds(TopupOrderSettings.defaultExpiryHours * 3600)) {
        self.expiry = expiry
    }
}

/// What the back office knows about a card when a channel posts an order for it.
public struct OrderFacts: Sendable, Equatable {
    public let cardStatus: CardStatus
    public let validTo: CalendarDate
    public let maximumBalance: Money
    public let backOfficeBalance: Money
    /// What the card's pending and loading orders add up to.
    public let pendingOrders: Money

    public init(
        cardStatus: CardStatus, validTo: CalendarDate, maximumBalance: Money, backOfficeBalance: Money, pendingOrders: Money
    ) {
        self.cardStatus = cardStatus
        self.validTo = validTo
        self.maximumBalance = maximumBalance
        self.backOfficeBalance = backOfficeBalance
        self.pendingOrders = pendingOrders
    }
}

/// The decisions about orders. Pure: values and `now` in, a refusal or a new state out.
public enum TopupOrderRules {
    /// Whether a channel may post an order of `amount` for a card: the limits that can be checked
    /// without the card (the card's own balance and the daily limit are checked when it is loaded).
    public static func checkNew(
        amount: Money, facts: OrderFacts, limits: LoadLimits, today: CalendarDate
    ) throws(TongkaError) {
        try LoadPolicy.checkAmountAndCard(
            amount: amount, status: facts.cardStatus, validTo: facts.validTo, limits: limits, today: today)
        guard facts.backOfficeBalance + facts.pendingOrders + amount <= facts.maximumBalance else {
            throw TongkaError(
                .balanceLimitExceeded,
                detail:
                    "back office \(facts.backOfficeBalance.formatted) + orders \(facts.pendingOrders.formatted) + \(amount.formatted) > \(facts.maximumBalance.formatted)"
            )
        }
    }

    /// When an order made at `createdAt` expires.
    public static func expiry(createdAt: Date, settings: TopupOrderSettings) -> Date {
        createdAt.addingTimeInterval(TimeInterval(settings.expiry.components.seconds))
    }

    /// Whether an order is due for its refund at `now`: still pending and past its expiry. An
    /// order being loaded waits for its load to be decided.
    public static func isExpired(state: TopupOrderState, expiresAt: Date, now: Date) -> Bool {
        state == .pending && now >= expiresAt
    }

    /// The state after a load carrying the order is authorised (MAC2 issued).
    public static func startLoading(_ state: TopupOrderState) throws(TongkaError) -> TopupOrderState {
        guard state == .pending else { throw TongkaError(.orderNotPending, detail: state.rawValue) }
        return .loading
    }

    /// The state after the order's load is decided: confirmed (credited) or reversed (not credited).
    public static func loadDecided(_ state: TopupOrderState, credited: Bool) throws(TongkaError) -> TopupOrderState {
        guard state == .loading else { throw TongkaError(.orderNotPending, detail: state.rawValue) }
        return credited ? .loaded : .pending
    }
}

/// The payment method a channel account is bound to: any but cash.
public enum ChannelMethod {
    public static func validate(_ method: PaymentMethod) throws(TongkaError) -> PaymentMethod {
        guard method != .cash else { throw TongkaError(.invalidPaymentMethod, detail: "a channel is not cash") }
        return method
    }
}
