import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// Logins from several client addresses, and sessions against password changes.
@Suite(.timeLimit(.minutes(5))) struct SessionStoreTests {
    static func from(_ address: String) -> RequestOrigin {
        RequestOrigin(actor: nil, requestID: "t", clientAddress: address)
    }

    @Test func aGuesserAtAnotherAddressDoesNotLockTheClerkOutOfItsOwnCounter() async throws {
        try await withStaff { staffed in
            let attacker = Self.from("203.0.113.9")
            let counter = Self.from("10.1.1.7")
            var codes: [ErrorCode] = []
            for index in 0..<20 {
                do {
                    _ = try await staffed.sessions.login(
                        username: "zhangsan", password: "wrong-guess-\(index)", origin: attacker, now: Date())
                } catch let error as TongkaError {
                    codes.append(error.code)
                }
            }
            #expect(codes == Array(repeating: .invalidCredentials, count: 5) + Array(repeating: .accountLocked, count: 15))
            await expectFailure(.accountLocked) {
                try await staffed.sessions.login(
                    username: "zhangsan", password: staffed.clerkPassword, origin: attacker, now: Date())
            }
            // The clerk at its own counter, even one it never used before, still logs in.
            let login = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: counter, now: Date())
            #expect(login.clerk.username == "zhangsan")
            #expect(
                try await staffed.database.value(
                    "SELECT count(*) FROM login_failures WHERE client_address = '203.0.113.9' AND locked_until > now()",
                    as: Int64.self) == 1)
        }
    }

    @Test func guessesSpreadOverManyAddressesLockOnlyAddressesTheClerkNeverLoggedInFrom() async throws {
        try await withStaff { staffed in
            let counter = Self.from("10.1.1.7")
            _ = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: counter, now: Date())
            #expect(try await staffed.sessions.isKnownAddress(username: "zhangsan", address: "10.1.1.7", now: Date()))
            #expect(try await !staffed.sessions.isKnownAddress(username: "zhangsan", address: "10.1.1.8", now: Date()))
            // The per-user threshold (50 by default): one guess from each of 50 addresses.
            for index in 0..<LockoutPolicy.standardUserThreshold {
                await expectFailure(.invalidCredentials) {
                    try await staffed.sessions.login(
                        username: "zhangsan", password: "wrong-guess", origin: Self.from("198.51.100.\(index)"), now: Date())
                }
            }
            await expectFailure(.accountLocked) {
                try await staffed.sessions.login(
                    username: "zhangsan", password: staffed.clerkPassword, origin: Self.from("198.51.100.250"), now: Date())
            }
            _ = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: counter, now: Date())
            // The account-wide lock stays for the others after the clerk's own login.
            await expectFailure(.accountLocked) {
                try await staffed.sessions.login(
                    username: "zhangsan", password: staffed.clerkPassword, origin: Self.from("198.51.100.251"), now: Date())
            }
        }
    }

    @Test func aSessionCreatedBeforeThePasswordChangedDoesNotAuthenticate() async throws {
        try await withStaff { staffed in
            let login = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            _ = try await staffed.sessions.authenticate(token: login.token, now: Date())
            // A change recorded after the session began, without revoking it.
            try await staffed.database.execute(
                "UPDATE clerks SET password_changed_at = now() + interval '1 minute' WHERE username = 'zhangsan'")
            await expectFailure(.invalidToken) { try await staffed.sessions.authenticate(token: login.token, now: Date()) }
        }
    }

    @Test func theSessionThatChangesThePasswordKeepsWorkingTheOthersStop() async throws {
        try await withStaff { staffed in
            let first = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            let second = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            let changing = try await staffed.sessions.authenticate(token: second.token, now: Date())
            try await staffed.sessions.changePassword(
                current: staffed.clerkPassword, new: "a-brand-new-password", session: changing.sessionID,
                origin: staffed.clerkOrigin, now: Date().addingTimeInterval(1))
            _ = try await staffed.sessions.authenticate(token: second.token, now: Date().addingTimeInterval(2))
            await expectFailure(.invalidToken) { try await staffed.sessions.authenticate(token: first.token, now: Date()) }
        }
    }

    @Test func aLoginRacingAPasswordResetGetsNoSessionThatOutlivesIt() async throws {
        try await withStaff { staffed in
            var sessions = staffed.sessions
            let (staff, admin) = (staffed.staff, staffed.adminOrigin)
            // The reset commits after the login checked the old password and before it stores its session.
            sessions.afterPasswordCheck = {
                _ = try await staff.resetPassword(username: "zhangsan", origin: admin, now: Date())
            }
            await expectFailure(.invalidCredentials) {
                try await sessions.login(username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            }
            let live = try await staffed.database.value(
                """
                SELECT count(*) FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
                 WHERE c.username = 'zhangsan' AND s.revoked_at IS NULL
                """, as: Int64.self)
            #expect(live == 0)
        }
    }

    @Test func aLoginRacingTheClerksOwnPasswordChangeGetsNoSession() async throws {
        try await withStaff { staffed in
            let changer = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            let changing = try await staffed.sessions.authenticate(token: changer.token, now: Date())
            var sessions = staffed.sessions
            let (store, clerkOrigin, password) = (staffed.sessions, staffed.clerkOrigin, staffed.clerkPassword)
            sessions.afterPasswordCheck = {
                try await store.changePassword(
                    current: password, new: "changed-meanwhile-1", session: changing.sessionID, origin: clerkOrigin, now: Date())
            }
            await expectFailure(.invalidCredentials) {
                try await sessions.login(username: "zhangsan", password: password, origin: origin(nil), now: Date())
            }
            let live = try await staffed.database.value(
                """
                SELECT count(*) FROM sessions s JOIN clerks c ON c.clerk_id = s.clerk_id
                 WHERE c.username = 'zhangsan' AND s.revoked_at IS NULL
                """, as: Int64.self)
            // Only the session that made the change.
            #expect(live == 1)
            _ = try await staffed.sessions.authenticate(token: changer.token, now: Date())
        }
    }
}
