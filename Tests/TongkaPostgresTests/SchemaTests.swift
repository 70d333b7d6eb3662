import Foundation
import Logging
import PostgresNIO
import Testing
import TongkaDomain
import TongkaHTTP
import TongkaSQL
import TongkaTestSupport

@testable import TongkaPostgres

/// SQL/schema.sql, the constraint names the error mapping relies on, and the service role's limits.
@Suite(.timeLimit(.minutes(5))) struct SchemaTests {
    /// `pg_dump --schema-only` of a freshly migrated database, through Scripts/lib/schema-filter.sh.
    static func dumpedSchema(database: String) throws -> String {
        guard let pgDump = ProcessInfo.processInfo.environment["TONGKA_TEST_PG_DUMP"], !pgDump.isEmpty else {
            throw TestEnvironmentError(description: "TONGKA_TEST_PG_DUMP is not set: run the tests with Scripts/test.sh")
        }
        let url = try #require(URLComponents(string: try TestDatabases.url(database: database)))
        let host = url.queryItems?.first { $0.name == "host" }?.value ?? url.host ?? "127.0.0.1"
        let port = url.queryItems?.first { $0.name == "port" }?.value ?? url.port.map(String.init) ?? "5432"
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
            .standardizedFileURL
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            "-c", "\"$0\" --schema-only --no-owner -h \"$1\" -p \"$2\" -U \"$3\" \"$4\" | \"$5\"", pgDump, host, port,
            url.user ?? "tongka", database, repository.appendingPathComponent("Scripts/lib/schema-filter.sh").path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func schemaFileMatchesTheMigratedDatabase() async throws {
        let name = try await TestDatabases.shared.create()
        defer { Task { await TestDatabases.shared.drop(name) } }
        let dumped = try Self.dumpedSchema(database: name)
        let file = try String(contentsOf: try #require(TongkaSQL.schemaFile), encoding: .utf8)
        #expect(dumped.contains("CREATE TABLE public.cards"))
        #expect(
            file == dumped,
            "SQL/schema.sql is not the shape of the migrated database: run Scripts/schema.sh and commit SQL/schema.sql")
    }

    @Test func everyConstraintNameTheErrorMappingKnowsExistsInTheSchema() async throws {
        try await withTestDatabase { database in
            for name in ErrorMapping.byConstraint.keys.sorted() {
                // A table constraint, a unique index, or a name the guard functions raise.
                let exists = try await database.value(
                    """
                    SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = \(name))
                        OR EXISTS (SELECT 1 FROM pg_class WHERE relkind = 'i' AND relname = \(name))
                        OR EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                                    WHERE n.nspname = 'public' AND p.prosrc LIKE '%CONSTRAINT = ''' || \(name) || '''%')
                    """, as: Bool.self)
                #expect(exists, "ErrorMapping names \(name), which no migration defines")
            }
        }
    }

    /// A client on the database as the service's login role (a member of tongka_service only).
    static func asService<T: Sendable>(_ database: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(
            configuration: try DatabaseURL.configuration(try TestDatabases.serviceURL(database: database)),
            backgroundLogger: testLogger)
        let runner = Task { await client.run() }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(client)) } catch { outcome = .failure(error) }
        await stopClient(runner)
        return try outcome.get()
    }

    static func expectDenied(_ client: PostgresClient, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: testLogger)
            Issue.record("the service role could run: \(sql)", sourceLocation: sourceLocation)
        } catch let error as PSQLError {
            // 42501 insufficient_privilege; 42883 for functions it may not even see.
            let state = error.serverInfo?[.sqlState] ?? "?"
            #expect(state == "42501", "\(sql): \(String(reflecting: error))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func theServiceRoleCannotDropGuardsRewriteTheAuditLogOrRunPrograms() async throws {
        let name = try await TestDatabases.shared.create()
        defer { Task { await TestDatabases.shared.drop(name) } }
        try await Self.asService(name) { client in
            let role = try await DatabaseRole.inspect(client: client, logger: testLogger)
            #expect(role.problem == nil, "\(role)")
            await Self.expectDenied(client, "DROP TRIGGER audit_events_guard ON audit_events")
            await Self.expectDenied(client, "ALTER TABLE journal_entries DISABLE TRIGGER ALL")
            await Self.expectDenied(client, "UPDATE audit_events SET chain_hash = NULL")
            await Self.expectDenied(client, "DELETE FROM audit_events")
            await Self.expectDenied(client, "UPDATE journal_entries SET amount_fen = 1")
            await Self.expectDenied(client, "DELETE FROM journal_transactions")
            await Self.expectDenied(client, "TRUNCATE cards")
            await Self.expectDenied(client, "COPY (SELECT 1) TO PROGRAM 'true'")
            await Self.expectDenied(client, "CREATE TABLE intruder (x int)")
            await Self.expectDenied(client, "SET session_replication_role = replica")
            // What it needs still works: appending audit events and sealing them through the
            // owner's function.
            try await client.query(
                "INSERT INTO audit_events (action, subject) VALUES ('test.append', 'x')", logger: testLogger)
            let rows = try await client.query("SELECT audit_seal(100)", logger: testLogger)
            for try await sealed in rows.decode(Int32.self) { #expect(sealed >= 1) }
        }
    }

    @Test func serveRefusesASuperuserConnection() async throws {
        try await withTestDatabase { database in
            let role = try await DatabaseRole.inspect(client: database.client, logger: testLogger)
            #expect(role.superuser)
            #expect(role.problem?.contains("superuser") == true)
        }
    }
}
