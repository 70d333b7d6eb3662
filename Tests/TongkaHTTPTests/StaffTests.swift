import Foundation
import PostgresNIO
import Testing
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

@Suite(.timeLimit(.minutes(5))) struct SessionTests {
    @Test func loginGivesATokenThatStopsWorkingAtLogout() async throws {
        try await withFixture { fixture in
            let token = try await fixture.server.token(username: "zhangsan")
            let client = fixture.server.client(token: token)
            let me = try await client.me()
            #expect(me.clerk.username == "zhangsan")
            #expect(me.clerk.role == .clerk)
            #expect(me.clerk.hall == "CS01")
            try await client.logout()
            await expectFailure(.invalidToken) { try await client.me() }
        }
    }

    @Test func tokensAreStoredOnlyAsHashesAndPasswordsWithScrypt() async throws {
        try await withFixture { fixture in
            let token = try await fixture.server.token(username: "zhangsan")
            let logger = fixture.server.database.logger
            let stored = try await fixture.server.database.read { connection in
                let rows = try await connection.query("SELECT encode(token_hash, 'hex') FROM sessions", logger: logger)
                var hashes: [String] = []
                for try await hash in rows.decode(String.self) { hashes.append(hash) }
                let passwords = try await connection.query("SELECT password_hash FROM clerks", logger: logger)
                var kdf: [String] = []
                for try await hash in passwords.decode(String.self) { kdf.append(hash) }
                return (hashes, kdf)
            }
            #expect(!stored.0.contains { $0.contains(token) })
            let expected = SessionToken.hash(token).map { String(format: "%02x", $0) }.joined()
            #expect(stored.0.contains(expected))
            #expect(stored.1.allSatisfy { $0.hasPrefix("scrypt$") && !$0.contains(TestServer.defaultPassword) })
        }
    }

    @Test func wrongPasswordsAndUnknownUsersGetTheSameAnswer() async throws {
        try await withFixture { fixture in
            let anonymous = fixture.server.anonymous()
            await expectFailure(.invalidCredentials) {
                try await anonymous.login(username: "zhangsan", password: "not-the-password")
            }
            await expectFailure(.invalidCredentials) {
                try await anonymous.login(username: "nobody", password: "not-the-password")
            }
            await expectFailure(.invalidCredentials) { try await anonymous.login(username: "Ж", password: "x") }
        }
    }

    @Test func fiveWrongPasswordsInARowLockTheAccountForTheConfiguredTime() async throws {
        let clock = TestClock()
        try await withFixture(now: { clock.now }) { fixture in
            let anonymous = fixture.server.anonymous()
            for _ in 0..<4 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "zhangsan", password: "wrong-password")
                }
            }
            // A success in between resets the count.
            _ = try await anonymous.login(username: "zhangsan", password: TestServer.defaultPassword)
            for _ in 0..<5 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "zhangsan", password: "wrong-password")
                }
            }
            // Now even the right password is refused until the lock lifts, which Retry-After tells.
            await expectFailure(.accountLocked) {
                try await anonymous.login(username: "zhangsan", password: TestServer.defaultPassword)
            }
            let refused = try await fixture.server.raw(
                .POST, "/v1/sessions", body: Data(#"{"username": "zhangsan", "password": "correct-horse-battery"}"#.utf8))
            #expect(refused.status == 423)
            #expect(Int(refused.headers.first(name: "Retry-After") ?? "").map { (1...60).contains($0) } == true)
            // Only this address is locked out (see LoginAbuseTests): the account as a whole is not.
            let locked = try await fixture.admin.clerks(hall: "CS01").first { $0.username == "zhangsan" }
            #expect(locked?.locked == false)
            #expect(locked?.disabled == false)
            clock.advance(by: 61)
            _ = try await anonymous.login(username: "zhangsan", password: TestServer.defaultPassword)
            let events = try await fixture.auditor.auditEvents(action: "session.")
            #expect(events.contains { $0.action == "session.locked_out" })
            #expect(events.filter { $0.action == "session.login_failed" }.count >= 8)
        }
    }

    @Test func sessionsExpireAfterTheConfiguredLifetime() async throws {
        let clock = TestClock()
        try await withFixture(configure: { $0.sessionLifetime = .seconds(3600) }, now: { clock.now }) { fixture in
            let session = try await fixture.server.anonymous().login(username: "zhangsan", password: TestServer.defaultPassword)
            #expect(abs(session.expiresAt.timeIntervalSince(clock.now) - 3600) < 5)
            let client = fixture.server.client(token: session.token)
            _ = try await client.me()
            clock.advance(by: 3601)
            await expectFailure(.sessionExpired) { try await client.me() }
        }
    }

    @Test func malformedAndMissingTokensAreRefused() async throws {
        try await withFixture { fixture in
            await expectFailure(.unauthenticated) { try await fixture.server.anonymous().halls() }
            await expectFailure(.invalidToken) { try await fixture.server.client(token: "tk_definitely-not-a-token").halls() }
            let forged = "tk_" + String(repeating: "A", count: 43)
            await expectFailure(.invalidToken) { try await fixture.server.client(token: forged).halls() }
            let basic = try await fixture.server.raw(.GET, "/v1/halls", headers: [("Authorization", "Basic YWRtaW46eA==")])
            #expect(basic.status == 401)
            #expect(basic.code == "unauthenticated")
        }
    }

    @Test func aOneTimePasswordMustBeChangedBeforeAnythingElse() async throws {
        try await withFixture { fixture in
            let created = try await fixture.admin.createClerk(username: "newbie", displayName: "新人", role: .clerk, hall: "CS01")
            let session = try await fixture.server.anonymous().login(username: "newbie", password: created.oneTimePassword)
            #expect(session.mustChangePassword)
            let client = fixture.server.client(token: session.token)
            await expectFailure(.passwordChangeRequired) { try await client.halls() }
            #expect(try await client.me().clerk.mustChangePassword)
            await expectFailure(.weakPassword) { try await client.changePassword(current: created.oneTimePassword, new: "short") }
            await expectFailure(.weakPassword) {
                try await client.changePassword(current: created.oneTimePassword, new: "my-newbie-password")
            }
            await expectFailure(.weakPassword) {
                try await client.changePassword(current: created.oneTimePassword, new: created.oneTimePassword)
            }
            await expectFailure(.invalidCredentials) {
                try await client.changePassword(current: "wrong-current-pw", new: "a-good-password-1")
            }
            try await client.changePassword(current: created.oneTimePassword, new: "a-good-password-1")
            #expect(try await client.halls().count == 2)
        }
    }

    @Test func changingThePasswordEndsTheOtherSessions() async throws {
        try await withFixture { fixture in
            let first = fixture.server.client(token: try await fixture.server.token(username: "zhangsan"))
            let second = fixture.server.client(token: try await fixture.server.token(username: "zhangsan"))
            try await second.changePassword(current: TestServer.defaultPassword, new: "another-good-password")
            await expectFailure(.invalidToken) { try await first.me() }
            _ = try await second.me()
        }
    }

    @Test func anAdministratorsLockEndsSessionsUntilUnlocked() async throws {
        try await withFixture { fixture in
            let locked = try await fixture.admin.lockClerk("zhangsan")
            #expect(locked.disabled)
            #expect(locked.locked)
            // The lock ended the clerk's session; logging in again is refused.
            await expectFailure(.invalidToken) { try await fixture.clerk.me() }
            await expectFailure(.accountDisabled) {
                try await fixture.server.anonymous().login(username: "zhangsan", password: TestServer.defaultPassword)
            }
            let unlocked = try await fixture.admin.unlockClerk("zhangsan")
            #expect(!unlocked.locked)
            _ = try await fixture.server.login(username: "zhangsan")
            await expectFailure(.cannotLockSelf) { try await fixture.admin.lockClerk("admin") }
            await expectFailure(.clerkNotFound) { try await fixture.admin.lockClerk("nobody") }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.lockClerk("zhangsan") }
        }
    }

    @Test func aPasswordResetGivesANewOneTimePasswordAndEndsSessions() async throws {
        try await withFixture { fixture in
            let reset = try await fixture.admin.resetPassword("zhangsan")
            #expect(reset.clerk.mustChangePassword)
            await expectFailure(.invalidToken) { try await fixture.clerk.me() }
            await expectFailure(.invalidCredentials) {
                try await fixture.server.anonymous().login(username: "zhangsan", password: TestServer.defaultPassword)
            }
            _ = try await fixture.server.firstLogin(username: "zhangsan", oneTimePassword: reset.oneTimePassword)
        }
    }

    @Test func anAdminCannotResetItsOwnPasswordThroughTheAPI() async throws {
        try await withFixture { fixture in
            // The one-time password would lock the admin out of its own session.
            await expectFailure(.cannotResetSelf) { try await fixture.admin.resetPassword("admin") }
            _ = try await fixture.admin.me()
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct StaffTests {
    @Test func adminsCreateHallsEveryoneListsThem() async throws {
        try await withFixture { fixture in
            let hall = try await fixture.admin.createHall(code: "cs-02", name: " 火车站服务网点 ", address: nil)
            #expect(hall.code == "CS-02")
            #expect(hall.name == "火车站服务网点")
            #expect(hall.open)
            let codes = try await fixture.clerk.halls().map(\.code)
            #expect(codes == ["CS-02", "CS01", "HQ"])
            await expectFailure(.hallCodeTaken) { try await fixture.admin.createHall(code: "CS01", name: "dup", address: nil) }
            await expectFailure(.invalidHallCode) { try await fixture.admin.createHall(code: "x", name: "bad", address: nil) }
            await expectFailure(.invalidHallCode) { try await fixture.admin.createHall(code: "CS 03", name: "bad", address: nil) }
            await expectFailure(.invalidName) { try await fixture.admin.createHall(code: "CS03", name: "   ", address: nil) }
            await expectFailure(.invalidName) {
                try await fixture.admin.createHall(code: "CS03", name: "bad\u{0007}", address: nil)
            }
            await expectFailure(.forbiddenRole) { try await fixture.clerk.createHall(code: "CS03", name: "x", address: nil) }
            await expectFailure(.forbiddenRole) { try await fixture.auditor.createHall(code: "CS03", name: "x", address: nil) }
            #expect(try await fixture.admin.halls().count == 3)
        }
    }

    @Test func closedHallsTakeNoNewStaffOrShifts() async throws {
        try await withFixture { fixture in
            let closed = try await fixture.admin.closeHall("CS01")
            #expect(!closed.open)
            await expectFailure(.hallClosed) {
                try await fixture.admin.createClerk(username: "late", displayName: "x", role: .clerk, hall: "CS01")
            }
            await expectFailure(.hallClosed) {
                try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-closed-hall-1")
            }
            await expectFailure(.hallNotFound) { try await fixture.admin.closeHall("NOPE") }
            #expect(try await fixture.admin.reopenHall("CS01").open)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-reopened-hall-1")
        }
    }

    @Test func clerkAccountsAreValidatedAndTiedToAHall() async throws {
        try await withFixture { fixture in
            let created = try await fixture.admin.createClerk(
                username: "Wang.Wu", displayName: "王五", role: .supervisor, hall: "CS01")
            #expect(created.clerk.username == "wang.wu")
            #expect(created.oneTimePassword.count == 15)
            let auditor = try await fixture.admin.createClerk(username: "audit2", displayName: "审计", role: .auditor, hall: "CS01")
            #expect(auditor.clerk.hall == nil)
            await expectFailure(.usernameTaken) {
                try await fixture.admin.createClerk(username: "zhangsan", displayName: "x", role: .clerk, hall: "CS01")
            }
            await expectFailure(.invalidUsername) {
                try await fixture.admin.createClerk(username: "1abc", displayName: "x", role: .clerk, hall: "CS01")
            }
            await expectFailure(.invalidUsername) {
                try await fixture.admin.createClerk(username: "ab", displayName: "x", role: .clerk, hall: "CS01")
            }
            await expectFailure(.hallRequired) {
                try await fixture.admin.createClerk(username: "nohall", displayName: "x", role: .clerk, hall: nil)
            }
            await expectFailure(.hallNotFound) {
                try await fixture.admin.createClerk(username: "badhall", displayName: "x", role: .clerk, hall: "NOPE")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.createClerk(username: "sneaky", displayName: "x", role: .admin, hall: nil)
            }
        }
    }

    @Test func supervisorsSeeTheirOwnHallsStaffOnly() async throws {
        try await withFixture { fixture in
            let own = try await fixture.supervisor.clerks()
            #expect(Set(own.map(\.username)) == ["zhangsan", "lisi"])
            #expect(try await fixture.supervisor.clerks(hall: "CS01").count == 2)
            await expectFailure(.forbiddenHall) { try await fixture.supervisor.clerks(hall: "HQ") }
            #expect(try await fixture.auditor.clerks().count == 5)
            await expectFailure(.forbiddenRole) { try await fixture.clerk.clerks() }
        }
    }

    @Test func stateChangesAreAuditedWithActorHallAndAddress() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createHall(code: "CS09", name: "审计测试", address: nil)
            let events = try await fixture.auditor.auditEvents(action: "hall.create")
            let event = try #require(events.first { $0.details.additionalProperties["code"] == "CS09" })
            #expect(event.actor == "admin")
            #expect(event.role == "admin")
            #expect(event.hall == "CS09")
            #expect(event.clientAddress == "127.0.0.1")
            #expect(event.requestId?.isEmpty == false)
            let clerkEvents = try await fixture.auditor.auditEvents(actor: "admin", action: "clerk.")
            #expect(
                clerkEvents.contains { $0.action == "clerk.create" && $0.details.additionalProperties["username"] == "zhangsan" })
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.auditEvents() }
            await expectFailure(.invalidDate) { try await fixture.auditor.auditEvents(from: "2026-02-30") }
            await expectFailure(.invalidDateRange) { try await fixture.auditor.auditEvents(from: "2026-02-02", to: "2026-02-01") }
        }
    }

    @Test func theAuditChainShowsAnEditedEvent() async throws {
        try await withFixture { fixture in
            let verified = try await fixture.auditor.verifyAudit()
            #expect(verified.valid)
            #expect(verified.sealedEvents > 5)
            #expect(verified.unsealedEvents == 0)
            let logger = fixture.server.database.logger
            // Tampering needs a superuser who switches the guard off; the chain still shows it.
            try await fixture.server.database.transaction { connection in
                try await connection.query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard", logger: logger)
                try await connection.query(
                    "UPDATE audit_events SET actor_username = 'someone-else' WHERE event_id = 3", logger: logger)
                try await connection.query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_guard", logger: logger)
            }
            let broken = try await fixture.auditor.verifyAudit()
            #expect(!broken.valid)
            #expect(broken.firstBrokenEventId == 3)
        }
    }
}
