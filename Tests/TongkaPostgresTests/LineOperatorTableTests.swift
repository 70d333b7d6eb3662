import Foundation
import PostgresNIO
import Testing
import TongkaTestSupport

@testable import TongkaPostgres

/// Who runs a line when: only a change of company that has not begun can be withdrawn, whatever
/// the Swift code checks first (records may have been credited under one that has).
@Suite(.timeLimit(.minutes(5))) struct LineOperatorTableTests {
    @Test func onlyAChangeThatHasNotBegunCanBeDeleted() async throws {
        try await withStaff { staffed in
            let database = staffed.database
            let (first, second) = (
                try await database.value(
                    "INSERT INTO transport_companies (code, name, created_at) VALUES ('CSBUS', '长沙公交', now()) RETURNING company_id",
                    as: Int64.self),
                try await database.value(
                    "INSERT INTO transport_companies (code, name, created_at) VALUES ('CSBASHI', '长沙巴士', now()) RETURNING company_id",
                    as: Int64.self)
            )
            let line = try await database.value(
                "INSERT INTO transport_lines (mode, line, stations, created_at) VALUES ('bus', '1路', '{}', now()) RETURNING line_id",
                as: Int64.self)
            try await database.execute(
                """
                INSERT INTO transport_line_operators (line_id, company_id, valid_from, entered_at) VALUES
                    (\(line), \(first), '-infinity', now()), (\(line), \(second), now() - interval '1 day', now()),
                    (\(line), \(first), now() + interval '4 minutes', now()), (\(line), \(second), now() + interval '1 day', now())
                """)
            for condition in ["valid_from = '-infinity'", "valid_from < now()", "valid_from < now() + interval '5 minutes'"] {
                await expectViolation("transport_line_operators_delete_guard", sqlState: "TK001") {
                    try await database.execute(
                        PostgresQuery(unsafeSQL: "DELETE FROM transport_line_operators WHERE \(condition)"))
                }
            }
            await expectViolation("transport_line_operators_never_deleted", sqlState: "TK001") {
                try await database.execute("TRUNCATE transport_line_operators")
            }
            #expect(try await database.value("SELECT count(*) FROM transport_line_operators", as: Int64.self) == 4)
            try await database.execute("DELETE FROM transport_line_operators WHERE valid_from > now() + interval '1 hour'")
            #expect(try await database.value("SELECT count(*) FROM transport_line_operators", as: Int64.self) == 3)
        }
    }
}
