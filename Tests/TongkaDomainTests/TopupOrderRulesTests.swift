import Foundation
import Testing
import TongkaDomain

@Suite struct TopupOrderRulesTests {
    func facts(
        balance: Int64 = 0, pending: Int64 = 0, validTo: CalendarDate = CalendarDate(year: 2036, month: 12, day: 31)!
    )
        -> OrderFacts
    {
        OrderFacts(
            cardStatus: .active, validTo: validTo, maximumBalance: Money(yuan: 1_000), backOfficeBalance: Money(fen: balance),
            pendingOrders: Money(fen: pending))
    }
    let today = CalendarDate(year: 2026, month: 12, day: 1)!

    @Test func aNewOrderCountsTheBackOfficeBalanceAndTheCardsWaitingOrdersAgainstTheMaximum() throws {
        try TopupOrderRules.checkNew(
            amount: Money(yuan: 500), facts: facts(balance: 30_000, pending: 20_000), limits: LoadLimits(), today: today)
        expectError(.balanceLimitExceeded) {
            try TopupOrderRules.checkNew(
                amount: Money(yuan: 501), facts: facts(balance: 30_000, pending: 20_000), limits: LoadLimits(), today: today)
        }
        expectError(.loadNotWholeYuan) {
            try TopupOrderRules.checkNew(amount: Money(fen: 1_050), facts: facts(), limits: LoadLimits(), today: today)
        }
        expectError(.amountOutOfRange) {
            try TopupOrderRules.checkNew(amount: .zero, facts: facts(), limits: LoadLimits(), today: today)
        }
        expectError(.cardExpired) {
            try TopupOrderRules.checkNew(
                amount: Money(yuan: 10), facts: facts(validTo: CalendarDate(year: 2026, month: 11, day: 30)!),
                limits: LoadLimits(), today: today)
        }
    }

    @Test func onlyAPendingOrderPastItsExpiryIsRefunded() {
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        let expires = TopupOrderRules.expiry(createdAt: created, settings: TopupOrderSettings(expiry: .seconds(3_600)))
        #expect(expires == created.addingTimeInterval(3_600))
        #expect(!TopupOrderRules.isExpired(state: .pending, expiresAt: expires, now: expires.addingTimeInterval(-1)))
        #expect(TopupOrderRules.isExpired(state: .pending, expiresAt: expires, now: expires))
        #expect(!TopupOrderRules.isExpired(state: .loading, expiresAt: expires, now: expires.addingTimeInterval(86_400)))
        #expect(!TopupOrderRules.isExpired(state: .loaded, expiresAt: expires, now: expires.addingTimeInterval(86_400)))
    }

    @Test func anOrderMovesPendingToLoadingAndBackWhenItsLoadIsReversed() throws {
        #expect(try TopupOrderRules.startLoading(.pending) == .loading)
        #expect(try TopupOrderRules.loadDecided(.loading, credited: true) == .loaded)
        #expect(try TopupOrderRules.loadDecided(.loading, credited: false) == .pending)
        for state in [TopupOrderState.loading, .loaded, .refunded] {
            expectError(.orderNotPending) { try TopupOrderRules.startLoading(state) }
        }
    }
}
