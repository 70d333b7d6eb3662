import Foundation
import Testing
import TongkaDomain

private let ownHall = HallID(1)
private let otherHall = HallID(2)

private func actor(_ role: Role, hall: HallID?) -> StaffActor {
    StaffActor(clerkID: ClerkID(42), username: "li.wei", role: role, hallID: hall)
}

@Suite("Roles and actors")
struct RolesTests {
    @Test func clerksAndSupervisorsAreHallBound() {
        #expect(Role.allCases.filter(\.isHallBound) == [.clerk, .supervisor])
        #expect(Role.counterRoles == [.clerk, .supervisor])
        #expect(Role.oversightRoles == [.supervisor, .admin, .auditor])
    }

    @Test(arguments: [Role.clerk, .supervisor])
    func hallBoundStaffReachOnlyTheirOwnHall(role: Role) throws {
        let staff = actor(role, hall: ownHall)
        #expect(staff.canReach(hall: ownHall))
        #expect(!staff.canReach(hall: otherHall))
        try staff.requireReach(hall: ownHall)
        expectError(.forbiddenHall) { try staff.requireReach(hall: otherHall) }
    }

    @Test(arguments: [Role.clerk, .supervisor])
    func hallBoundStaffWithoutAHallReachNothing(role: Role) {
        let staff = actor(role, hall: nil)
        #expect(!staff.canReach(hall: ownHall))
        expectError(.forbiddenHall) { try staff.requireReach(hall: ownHall) }
    }

    @Test(arguments: [Role.admin, .auditor])
    func operatorWideStaffReachEveryHall(role: Role) throws {
        let staff = actor(role, hall: nil)
        for hall in [ownHall, otherHall, HallID(999)] {
            #expect(staff.canReach(hall: hall))
            try staff.requireReach(hall: hall)
        }
    }

    @Test(arguments: [Role.clerk, .supervisor])
    func requireOwnHallReturnsTheHallOfHallBoundStaff(role: Role) throws {
        #expect(try actor(role, hall: ownHall).requireOwnHall() == ownHall)
    }

    @Test(arguments: [Role.admin, .auditor])
    func requireOwnHallRefusesOperatorWideStaffWithoutAHall(role: Role) {
        expectError(.hallRequired) { try actor(role, hall: nil).requireOwnHall() }
    }

    @Test func everyRoleHasAnEnglishAndAChineseName() {
        for role in Role.allCases {
            #expect(role.localizedName(.en) == role.rawValue)
            #expect(!role.localizedName(.zh).isEmpty)
            #expect(role.localizedName(.zh) != role.localizedName(.en))
        }
        #expect(Role.clerk.localizedName(.zh) == "柜员")
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test func encodesAsABareNumberAndDecodesBack() throws {
        let ids = [HallID(3), HallID(9_007_199_254_740_993)]
        let json = try JSONEncoder().encode(ids)
        #expect(String(decoding: json, as: UTF8.self) == "[3,9007199254740993]")
        #expect(try JSONDecoder().decode([HallID].self, from: json) == ids)
    }

    @Test func ordersAndDescribesByRawValue() {
        #expect(ClerkID(2) < ClerkID(10))
        #expect(ShiftID(rawValue: 7) == ShiftID(7))
        #expect("\(ShiftID(7))" == "7")
    }
}
