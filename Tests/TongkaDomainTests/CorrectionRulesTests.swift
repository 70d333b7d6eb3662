import Foundation
import Testing
import TongkaDomain

private let ownHall = HallID(1)
private let otherHall = HallID(2)

private func staff(_ role: Role, hall: HallID?, id: Int64 = 42) -> StaffActor {
    StaffActor(clerkID: ClerkID(id), username: "li.wei", role: role, hallID: hall)
}

/// The rules issue 7 moved into the domain: hall scope, payments, shifts, pages, stored values.
@Suite("Rules from the review")
struct CorrectionRulesTests {
    @Test func hallBoundStaffListTheirOwnHallAndMayNotNameAnother() throws {
        let clerk = staff(.clerk, hall: ownHall)
        #expect(try clerk.hallFilter(requested: nil) == ownHall)
        #expect(try clerk.hallFilter(requested: ownHall) == ownHall)
        expectError(.forbiddenHall) { try clerk.hallFilter(requested: otherHall) }
        let auditor = staff(.auditor, hall: nil)
        #expect(try auditor.hallFilter(requested: nil) == nil)
        #expect(try auditor.hallFilter(requested: otherHall) == otherHall)
    }

    @Test func hallStaffReachHoldersRegisteredOrServedInTheirHallOnly() {
        let clerk = staff(.clerk, hall: ownHall)
        #expect(clerk.canReachHolder(registeredHall: ownHall, cardHalls: []))
        #expect(clerk.canReachHolder(registeredHall: otherHall, cardHalls: [ownHall]))
        #expect(!clerk.canReachHolder(registeredHall: otherHall, cardHalls: [otherHall]))
        #expect(!staff(.supervisor, hall: nil).canReachHolder(registeredHall: ownHall, cardHalls: []))
        #expect(staff(.admin, hall: nil).canReachHolder(registeredHall: otherHall, cardHalls: []))
    }

    @Test func nonCashPaymentsNeedAReferenceAndCashHasNone() throws {
        let amount = Money(fen: 2_500)
        #expect(try Payment(method: .cash, reference: nil, amount: amount).reference == nil)
        #expect(try Payment(method: .cash, reference: "", amount: amount).reference == nil)
        expectError(.paymentReferenceNotAllowed) { try Payment(method: .cash, reference: "ABCD", amount: amount) }
        for method in [PaymentMethod.unionpay, .wechatPay, .alipay] {
            expectError(.paymentReferenceRequired) { try Payment(method: method, reference: nil, amount: amount) }
            #expect(
                try Payment(method: method, reference: " 4200001234_56-78 ", amount: amount).reference?.value
                    == "4200001234_56-78")
            // Nothing paid, nothing to reference.
            #expect(try Payment(method: method, reference: nil, amount: .zero).reference == nil)
        }
        for bad in ["abc", String(repeating: "9", count: 65), "有中文的单号", "a b c d", "x;DROP"] {
            expectError(.paymentReferenceRequired) { try Payment(method: .alipay, reference: bad, amount: amount) }
        }
    }

    @Test func floatsAboveTheOperatorsMaximumAreRefused() throws {
        let policy = ShiftPolicy(maximumFloat: Money(fen: 1_000_000))
        try policy.checkFloat(.zero)
        try policy.checkFloat(Money(fen: 1_000_000))
        expectError(.floatTooLarge) { try policy.checkFloat(Money(fen: 1_000_001)) }
        expectError(.amountOutOfRange) { try policy.checkFloat(Money(fen: -1)) }
        #expect(ShiftPolicy().maximumFloat == Money(fen: 1_000_000))
    }

    @Test func onlyASupervisorOfTheHallOrAnAdminForceClosesAnotherClerksShiftWithAReason() throws {
        let policy = ShiftPolicy()
        let owner = ClerkID(7)
        #expect(
            try policy.checkForceClose(actor: staff(.supervisor, hall: ownHall), owner: owner, hall: ownHall, reason: " 病假 ")
                == "病假")
        #expect(try policy.checkForceClose(actor: staff(.admin, hall: nil), owner: owner, hall: otherHall, reason: "x") == "x")
        expectError(.forbiddenRole) {
            try policy.checkForceClose(actor: staff(.clerk, hall: ownHall), owner: owner, hall: ownHall, reason: "x")
        }
        expectError(.forbiddenRole) {
            try policy.checkForceClose(actor: staff(.auditor, hall: nil), owner: owner, hall: ownHall, reason: "x")
        }
        expectError(.forbiddenHall) {
            try policy.checkForceClose(actor: staff(.supervisor, hall: otherHall), owner: owner, hall: ownHall, reason: "x")
        }
        expectError(.ownShift) {
            try policy.checkForceClose(actor: staff(.supervisor, hall: ownHall, id: 7), owner: owner, hall: ownHall, reason: "x")
        }
        for bad in ["", "   ", String(repeating: "长", count: 501), "a\u{0007}b"] {
            expectError(.reasonRequired) {
                try policy.checkForceClose(actor: staff(.supervisor, hall: ownHall), owner: owner, hall: ownHall, reason: bad)
            }
        }
    }

    @Test func pageCursorsRoundTripAndForeignTokensAreRefused() throws {
        let cursor = PageCursor(key: "12345")
        #expect(try PageCursor(token: cursor.token) == cursor)
        #expect(try PageCursor(token: cursor.token).integerKey() == 12345)
        #expect(!cursor.token.contains("=") && !cursor.token.contains("+") && !cursor.token.contains("/"))
        for bad in ["", "!!!", "bm90LWEtY3Vyc29y", String(repeating: "A", count: 201)] {
            expectError(.invalidCursor) { try PageCursor(token: bad) }
        }
        expectError(.invalidCursor) { try PageCursor(key: "abc").integerKey() }
    }

    @Test func aPageHoldsAtMostItsLimitAndSaysWhetherMoreFollow() throws {
        let full = Page(rows: [5, 4, 3], limit: 2) { "\($0)" }
        #expect(full.items == [5, 4])
        #expect(full.next == PageCursor(key: "4"))
        let last = Page(rows: [2, 1], limit: 2) { "\($0)" }
        #expect(last.next == nil)
        #expect(try Page<Int>.limit(nil) == 100)
        #expect(try Page<Int>.limit(1000) == 1000)
        expectError(.malformedRequest) { try Page<Int>.limit(1001) }
        expectError(.malformedRequest) { try Page<Int>.limit(0) }
    }

    @Test func storedValuesThisBuildDoesNotKnowAreErrorsNotDefaults() throws {
        #expect(try Stored.value("active", as: CardStatus.self) == .active)
        #expect(try Stored.value("closed", as: HallStatus.self) == .closed)
        expectError(.internalError) { try Stored.value("stolen", as: CardStatus.self) }
        expectError(.internalError) { try Stored.values(["bus", "hovercraft"], as: TransportMode.self) }
        expectError(.hallClosed) { try HallStatus.closed.requireOpen() }
    }

    @Test func aRetiredProductSellsNoMoreCards() throws {
        let definition = try ProductDefinition(
            code: "STD", name: "普通卡", cardType: .ordinary, deposit: Money(fen: 2_000), cardCost: .zero, replacementFee: .zero,
            transportModes: [.bus], interconnection: true, allowsAnonymous: true, allowsRegistered: true,
            maximumBalance: Money(fen: 100_000))
        try Product(id: ProductID(1), definition: definition, active: true).checkIssuable(registered: false)
        expectError(.invalidProduct) {
            try Product(id: ProductID(1), definition: definition, active: false).checkIssuable(registered: false)
        }
    }
}
