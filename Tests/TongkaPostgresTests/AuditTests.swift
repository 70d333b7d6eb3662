import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct AuditTests {
    struct Row: Equatable, CustomStringConvertible {
        let actorID: Int64?
        let actor: String?
        let role: String?
        let action: String
        let subject: String?
        var description: String { "\(actor ?? "-")(\(actorID.map(String.init) ?? "-")) \(action) \(subject ?? "-")" }
    }

    func events(_ database: Database) async throws -> [Row] {
        try await database.read { connection in
            try await connection.all(
                "SELECT actor_clerk_id, actor_username, actor_role, action, subject FROM audit_events ORDER BY event_id",
                as: (Int64?, String?, String?, String, String?).self, logger: testLogger
            ).map { Row(actorID: $0.0, actor: $0.1, role: $0.2, action: $0.3, subject: $0.4) }
        }
    }

    func eventIDs(_ database: Database) async throws -> [Int64] {
        try await database.values("SELECT event_id FROM audit_events ORDER BY event_id", as: Int64.self)
    }

    /// Runs `statements` with the audit guard switched off, as a superuser tampering would.
    func tamper(_ database: Database, _ statement: PostgresQuery) async throws {
        try await database.execute(
            "ALTER TABLE audit_events DISABLE TRIGGER audit_events_guard", statement,
            "ALTER TABLE audit_events ENABLE TRIGGER audit_events_guard")
    }

    @Test func everyUseCaseLeavesAnEventWithActorActionAndSubject() async throws {
        try await withStaff { staffed in
            let admin = staffed.admin
            let clerk = staffed.clerk
            let hall = try await staffed.halls.createHall(code: "CS01", name: "五一广场", address: "长沙", origin: staffed.adminOrigin)
            _ = try await staffed.halls.setHallOpen(code: "CS01", open: false, origin: staffed.adminOrigin)
            let login = try await staffed.sessions.login(
                username: "zhangsan", password: staffed.clerkPassword, origin: origin(nil), now: Date())
            await expectFailure(.invalidCredentials) {
                try await staffed.sessions.login(
                    username: "zhangsan", password: "wrong-password", origin: origin(nil), now: Date())
            }
            let (opened, _) = try await staffed.shifts.open(
                float: Money(fen: 100), idempotencyKey: "audit-open-1", origin: staffed.clerkOrigin)
            _ = try await staffed.shifts.close(
                counted: Money(fen: 100), note: nil, idempotencyKey: "audit-close-1", origin: staffed.clerkOrigin)
            let session = try await staffed.sessions.authenticate(token: login.token, now: Date()).sessionID
            try await staffed.sessions.logout(session: session, origin: staffed.clerkOrigin, now: Date())
            _ = try await staffed.staff.resetPassword(username: "zhangsan", origin: staffed.adminOrigin, now: Date())
            _ = try await staffed.staff.setDisabled(
                username: "zhangsan", disabled: true, origin: staffed.adminOrigin, now: Date())

            let adminID = admin.id.rawValue
            let clerkID = clerk.id.rawValue
            let shift = "shift:\(opened.shift.id)"
            let expected = [
                Row(
                    actorID: adminID, actor: "admin", role: "admin", action: "installation.bootstrap", subject: "clerk:\(adminID)"
                ),
                Row(actorID: adminID, actor: "admin", role: "admin", action: "clerk.create", subject: "clerk:\(clerkID)"),
                Row(actorID: adminID, actor: "admin", role: "admin", action: "hall.create", subject: "hall:\(hall.id)"),
                Row(actorID: adminID, actor: "admin", role: "admin", action: "hall.close", subject: "hall:\(hall.id)"),
                Row(actorID: clerkID, actor: "zhangsan", role: "clerk", action: "session.login", subject: "clerk:\(clerkID)"),
                Row(
                    actorID: clerkID, actor: "zhangsan", role: "clerk", action: "session.login_failed",
                    subject: "clerk:\(clerkID)"),
                Row(actorID: clerkID, actor: "zhangsan", role: "clerk", action: "shift.open", subject: shift),
                Row(actorID: clerkID, actor: "zhangsan", role: "clerk", action: "shift.close", subject: shift),
                Row(actorID: clerkID, actor: "zhangsan", role: "clerk", action: "session.logout", subject: "session:\(session)"),
                Row(actorID: adminID, actor: "admin", role: "admin", action: "clerk.reset_password", subject: "clerk:\(clerkID)"),
                Row(actorID: adminID, actor: "admin", role: "admin", action: "clerk.lock", subject: "clerk:\(clerkID)"),
            ]
            let rows = try await events(staffed.database)
            #expect(rows == expected)
            // Request ids are kept for tracing.
            let requestIDs = try await staffed.database.values("SELECT request_id FROM audit_events", as: String?.self)
            #expect(requestIDs.allSatisfy { $0 != nil })
        }
    }

    @Test func anAuditEventCannotBeUpdatedDeletedOrTruncated() async throws {
        try await withStaff { staffed in
            let ids = try await eventIDs(staffed.database)
            #expect(ids.count == 2)
            let first = ids[0]
            for statement: PostgresQuery in [
                "UPDATE audit_events SET subject = 'clerk:999' WHERE event_id = \(first)",
                "UPDATE audit_events SET details = '{}'::jsonb WHERE event_id = \(first)",
                "DELETE FROM audit_events WHERE event_id = \(first)",
            ] {
                await expectViolation("audit_append_only", sqlState: "TK001") { try await staffed.database.execute(statement) }
            }
            await expectViolation("journal_append_only", sqlState: "TK001") {
                try await staffed.database.execute("TRUNCATE audit_events")
            }
            // Once sealed, not even the chain columns may change.
            try await AuditStore(database: staffed.database).seal()
            await expectViolation("audit_append_only", sqlState: "TK001") {
                try await staffed.database.execute(
                    "UPDATE audit_events SET chain_seq = chain_seq + 100 WHERE event_id = \(first)")
            }
            await expectViolation("audit_append_only", sqlState: "TK001") {
                try await staffed.database.execute(
                    "UPDATE audit_events SET chain_seq = NULL, chain_hash = NULL WHERE event_id = \(first)")
            }
            #expect(try await eventIDs(staffed.database) == ids)
            #expect(try await AuditStore(database: staffed.database).verify().valid)
        }
    }

    @Test func sealingThenVerifyingAnIntactLogIsValid() async throws {
        try await withStaff { staffed in
            let audit = AuditStore(database: staffed.database)
            #expect(try await audit.seal() == 2)
            #expect(try await audit.seal() == 0)
            _ = try await staffed.shifts.open(float: Money(fen: 100), idempotencyKey: "seal-open-1", origin: staffed.clerkOrigin)
            let verification = try await audit.verify()
            #expect(verification.valid)
            #expect(verification.firstBrokenEventID == nil)
            #expect(verification.sealedEvents == 3)
            #expect(verification.unsealedEvents == 0)
            let sequence = try await staffed.database.values(
                "SELECT chain_seq FROM audit_events ORDER BY event_id", as: Int64.self)
            #expect(sequence == [1, 2, 3])
            let listed = try await audit.list(from: nil, to: nil, actor: nil, action: nil, limit: 10, before: nil).items
            #expect(listed.map(\.action) == ["shift.open", "clerk.create", "installation.bootstrap"])
            #expect(listed.allSatisfy { $0.sealed })
        }
    }

    /// Five sealed events: bootstrap, clerk.create and three hall.create.
    func withSealedLog(_ body: (Staffed, [Int64]) async throws -> Void) async throws {
        try await withStaff { staffed in
            for code in ["CS01", "CS02", "CS03"] {
                _ = try await staffed.halls.createHall(code: code, name: "网点\(code)", address: nil, origin: staffed.adminOrigin)
            }
            let audit = AuditStore(database: staffed.database)
            #expect(try await audit.seal() == 5)
            #expect(try await audit.verify().valid)
            try await body(staffed, try await eventIDs(staffed.database))
        }
    }

    @Test func anEditedEventIsNamedAsTheFirstBrokenOne() async throws {
        try await withSealedLog { staffed, ids in
            try await tamper(staffed.database, "UPDATE audit_events SET subject = 'hall:999' WHERE event_id = \(ids[3])")
            try await tamper(staffed.database, "UPDATE audit_events SET actor_username = 'someone' WHERE event_id = \(ids[1])")
            let verification = try await AuditStore(database: staffed.database).verify()
            #expect(!verification.valid)
            #expect(verification.firstBrokenEventID == ids[1])
            #expect(verification.sealedEvents == 5)
        }
    }

    @Test func anEditedDetailOrTimeIsDetected() async throws {
        try await withSealedLog { staffed, ids in
            try await tamper(
                staffed.database,
                "UPDATE audit_events SET occurred_at = occurred_at + interval '1 second' WHERE event_id = \(ids[4])")
            #expect(try await AuditStore(database: staffed.database).verify().firstBrokenEventID == ids[4])
        }
        try await withSealedLog { staffed, ids in
            try await tamper(
                staffed.database, #"UPDATE audit_events SET details = '{"code": "XX"}'::jsonb WHERE event_id = \#(ids[2])"#)
            #expect(try await AuditStore(database: staffed.database).verify().firstBrokenEventID == ids[2])
        }
    }

    @Test func aDeletedEventShowsAsAGapAtTheNextEvent() async throws {
        try await withSealedLog { staffed, ids in
            try await tamper(staffed.database, "DELETE FROM audit_events WHERE event_id = \(ids[2])")
            let verification = try await AuditStore(database: staffed.database).verify()
            #expect(!verification.valid)
            #expect(verification.firstBrokenEventID == ids[3])
            #expect(verification.sealedEvents == 4)
        }
    }

    @Test func aRenumberedChainAfterADeletionIsStillDetected() async throws {
        try await withSealedLog { staffed, ids in
            // Close the gap in the sequence too: the hashes still do not follow.
            try await tamper(staffed.database, "DELETE FROM audit_events WHERE event_id = \(ids[2])")
            for id in ids[3...] {
                try await tamper(staffed.database, "UPDATE audit_events SET chain_seq = chain_seq - 1 WHERE event_id = \(id)")
            }
            let verification = try await AuditStore(database: staffed.database).verify()
            #expect(verification.firstBrokenEventID == ids[3])
        }
    }
}
