import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct StaffStoreTests {
    @Test func bootstrapCreatesTheFirstHallAndAdminWhoseOneTimePasswordLogsIn() async throws {
        try await withTestDatabase { database in
            let staff = StaffStore(database: database)
            let boot = try await staff.bootstrap(
                adminUsername: "admin", adminName: "管理员", hallCode: "HQ", hallName: "总部", now: Date())
            #expect(boot.admin.role == .admin)
            #expect(boot.admin.hallID == nil)
            #expect(boot.admin.mustChangePassword)
            #expect(boot.hall.code == "HQ")
            #expect(boot.hall.open)
            // Only the hash is stored.
            let stored = try await database.value(
                "SELECT password_hash FROM clerks WHERE clerk_id = \(boot.admin.id.rawValue)", as: String.self)
            #expect(!stored.contains(boot.oneTimePassword))
            #expect(stored.hasPrefix("scrypt$10$"))

            let sessions = SessionStore(database: database)
            let login = try await sessions.login(
                username: "admin", password: boot.oneTimePassword, origin: origin(nil), now: Date())
            #expect(login.clerk.id == boot.admin.id)
            #expect(login.clerk.mustChangePassword)
            #expect(SessionToken.isWellFormed(login.token))
            let session = try await sessions.authenticate(token: login.token, now: Date())
            #expect(session.clerk.id == boot.admin.id)
            // The token itself is not stored, only its SHA-256.
            let hashes = try await database.values("SELECT token_hash FROM sessions", as: Data.self)
            #expect(hashes == [SessionToken.hash(login.token)])

            await expectFailure(.invalidCredentials) {
                try await sessions.login(
                    username: "admin", password: boot.oneTimePassword + "x", origin: origin(nil), now: Date())
            }
        }
    }

    @Test func aSecondBootstrapFailsWithAlreadyBootstrappedAndChangesNothing() async throws {
        try await withTestDatabase { database in
            let staff = StaffStore(database: database)
            _ = try await staff.bootstrap(adminUsername: "admin", adminName: "管理员", hallCode: "HQ", hallName: "总部", now: Date())
            await expectFailure(.alreadyBootstrapped) {
                try await staff.bootstrap(
                    adminUsername: "root", adminName: "另一个", hallCode: "HQ2", hallName: "另一个总部", now: Date())
            }
            #expect(try await database.value("SELECT count(*) FROM clerks", as: Int64.self) == 1)
            #expect(try await database.value("SELECT count(*) FROM service_halls", as: Int64.self) == 1)
            #expect(try await database.value("SELECT count(*) FROM installation", as: Int64.self) == 1)
        }
    }

    @Test func twoConcurrentBootstrapsLeaveExactlyOneInstallation() async throws {
        try await withTestDatabase { database in
            let staff = StaffStore(database: database)
            // Different names and hall codes: only the installation row can decide.
            async let a = outcome {
                try await staff.bootstrap(adminUsername: "admin", adminName: "甲", hallCode: "HQ", hallName: "总部", now: Date())
            }
            async let b = outcome {
                try await staff.bootstrap(adminUsername: "root", adminName: "乙", hallCode: "HQ2", hallName: "总部二", now: Date())
            }
            let results = await [a, b]
            let succeeded = results.compactMap { try? $0.get() }
            #expect(succeeded.count == 1)
            for case .failure(let error) in results {
                #expect((error as? TongkaError)?.code == .alreadyBootstrapped, "\(String(reflecting: error))")
            }
            let winner = try #require(succeeded.first)
            #expect(try await database.values("SELECT username FROM clerks", as: String.self) == [winner.admin.username])
            #expect(try await database.values("SELECT code FROM service_halls", as: String.self) == [winner.hall.code])
            #expect(try await database.value("SELECT count(*) FROM audit_events", as: Int64.self) == 1)
        }
    }

    @Test func aClerkCreatedByTheAdminGetsAOneTimePasswordForItsHall() async throws {
        try await withStaff { staffed in
            #expect(staffed.clerk.role == .clerk)
            #expect(staffed.clerk.hallID == staffed.hall.id)
            #expect(staffed.clerk.hallCode == "HQ")
            let login = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            #expect(login.clerk.mustChangePassword)
            await expectFailure(.usernameTaken) {
                try await staffed.staff.createClerk(
                    username: "zhangsan", displayName: "重名", role: .clerk, hallCode: "HQ", origin: staffed.adminOrigin,
                    now: Date())
            }
            // The table itself refuses a hall-bound role without a hall.
            await expectFailure(.hallRequired) {
                try await staffed.database.execute(
                    "INSERT INTO clerks (username, display_name, role, password_hash) VALUES ('nohall', 'x', 'clerk', 'x')")
            }
        }
    }

    @Test func anAdminCannotResetItsOwnPasswordButTheOperatorCan() async throws {
        try await withStaff { staffed in
            await expectFailure(.cannotResetSelf) {
                try await staffed.staff.resetPassword(username: "admin", origin: staffed.adminOrigin, now: Date())
            }
            let (admin, password) = try await staffed.staff.resetPassword(username: "admin", origin: origin(nil), now: Date())
            #expect(admin.mustChangePassword)
            _ = try await staffed.sessions.login(username: "admin", password: password, origin: origin(nil), now: Date())
        }
    }
}
