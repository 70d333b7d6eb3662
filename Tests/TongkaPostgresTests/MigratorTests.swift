import Crypto
import Foundation
import PostgresNIO
import Testing
import TongkaTestSupport

@testable import TongkaPostgres

@Suite(.timeLimit(.minutes(5))) struct MigratorTests {
    /// A migration built in the test (the memberwise initialiser is internal).
    static func migration(_ version: Int, _ name: String, _ sql: String) -> Migration {
        Migration(
            version: version, name: name, sql: sql,
            checksum: SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined())
    }

    /// The versions of the migration files in the source tree, in order.
    static let bundledVersions = (try? Migrator.bundled().migrations.map(\.version)) ?? []

    @Test func onAnEmptyDatabaseEveryBundledMigrationIsAppliedInOrderWithItsChecksum() async throws {
        let migrator = try Migrator.bundled()
        #expect(
            migrator.migrations.map(\.version) == [
                1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
            ])
        #expect(
            migrator.migrations.map(\.name) == [
                "foundation", "cards", "ledger_guards", "stock_speed", "closed_shift_guard", "review_fixes", "login_failures",
                "loads", "topup_orders", "refunds", "sale_speed", "card_number_collation", "blacklist", "whitelist_rejections",
                "taps", "progress", "clearing", "loss_reports", "transport", "set_based_ledger_triggers", "company_revenue",
                "taps_statement_checks", "ledger_accounts_room", "line_transfer_cancellation",
                "taps_without_company", "money_references_without_row_locks",
            ])
        // The checksum is the SHA-256 of the file in the source tree, byte for byte.
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../SQL/migrations").standardizedFileURL
        for (migration, file) in zip(migrator.migrations, ["0001_foundation.sql", "0002_cards.sql"]) {
            let data = try Data(contentsOf: sources.appendingPathComponent(file))
            #expect(migration.checksum == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined(), "\(file)")
            #expect(migration.sql == String(decoding: data, as: UTF8.self))
        }
        try await withEmptyDatabase { client in
            let before = try await migrator.status(client: client, logger: testLogger)
            #expect(before.applied.isEmpty)
            #expect(before.pending.map(\.version) == Self.bundledVersions)
            #expect(!before.isCurrent)
            #expect(
                before.problem?.contains(
                    "pending migrations: 1_foundation, 2_cards, 3_ledger_guards, 4_stock_speed, 5_closed_shift_guard, 6_review_fixes, 7_login_failures, 8_loads, 10_topup_orders, 11_refunds, 12_sale_speed, 13_card_number_collation, 14_blacklist, 15_whitelist_rejections, 16_taps, 17_progress, 18_clearing, 19_loss_reports, 20_transport, 21_set_based_ledger_triggers, 22_company_revenue, 23_taps_statement_checks, 24_ledger_accounts_room, 25_line_transfer_cancellation, 26_taps_without_company, 27_money_references_without_row_locks"
                ) == true)

            let applied = try await migrator.migrate(client: client, logger: testLogger)
            #expect(applied.map(\.version) == Self.bundledVersions)
            let rows = try await client.appliedMigrations()
            #expect(rows.map(\.version) == Self.bundledVersions)
            #expect(
                rows.map(\.name) == [
                    "foundation", "cards", "ledger_guards", "stock_speed", "closed_shift_guard", "review_fixes", "login_failures",
                    "loads", "topup_orders", "refunds", "sale_speed", "card_number_collation", "blacklist",
                    "whitelist_rejections", "taps", "progress", "clearing", "loss_reports", "transport",
                    "set_based_ledger_triggers", "company_revenue", "taps_statement_checks", "ledger_accounts_room",
                    "line_transfer_cancellation", "taps_without_company", "money_references_without_row_locks",
                ])
            #expect(rows.map(\.checksum) == migrator.migrations.map(\.checksum))
            // Every statement of both files ran: objects from the start and the end of each exist.
            for relation in ["installation", "audit_events", "card_products", "cards"] {
                #expect(try await client.relationExists(relation), "\(relation)")
            }
            #expect(try await client.value("SELECT count(*) FROM pg_proc WHERE proname = 'audit_verify'", as: Int64.self) == 1)
            #expect(try await client.value("SELECT count(*) FROM ledger_accounts", as: Int64.self) == 6)

            let status = try await migrator.status(client: client, logger: testLogger)
            #expect(status.isCurrent)
            #expect(status.applied == Self.bundledVersions)
            #expect(status.pending.isEmpty)
            #expect(status.problem == nil)
        }
    }

    @Test func aSecondRunAppliesNothing() async throws {
        let migrator = try Migrator.bundled()
        try await withEmptyDatabase { client in
            try await migrator.migrate(client: client, logger: testLogger)
            let firstAppliedAt = try await client.value("SELECT max(applied_at) FROM schema_migrations", as: Date.self)
            let again = try await migrator.migrate(client: client, logger: testLogger)
            #expect(again.isEmpty)
            #expect(try await client.appliedMigrations().map(\.version) == Self.bundledVersions)
            #expect(try await client.value("SELECT max(applied_at) FROM schema_migrations", as: Date.self) == firstAppliedAt)
            // The seed rows of migration 1 were not inserted twice.
            #expect(try await client.value("SELECT count(*) FROM ledger_accounts", as: Int64.self) == 6)
            #expect(try await migrator.status(client: client, logger: testLogger).isCurrent)
        }
    }

    @Test func aDatabaseAtAnEarlierVersionGetsOnlyTheMigrationsItLacks() async throws {
        let bundled = try Migrator.bundled()
        try await withEmptyDatabase { client in
            #expect(
                try await Migrator(migrations: [bundled.migrations[0]]).migrate(client: client, logger: testLogger).map(\.version)
                    == [1])
            #expect(try await client.relationExists("cards") == false)
            let status = try await bundled.status(client: client, logger: testLogger)
            #expect(status.applied == [1])
            #expect(status.pending.map(\.version) == Array(Self.bundledVersions.dropFirst()))
            #expect(status.altered.isEmpty && status.unknown.isEmpty)
            #expect(
                try await bundled.migrate(client: client, logger: testLogger).map(\.version)
                    == Array(Self.bundledVersions.dropFirst()))
            #expect(try await client.appliedMigrations().map(\.version) == Self.bundledVersions)
            #expect(try await client.relationExists("cards"))
        }
    }

    @Test func anAppliedMigrationWithAnotherChecksumIsReportedAndMigrateChangesNothing() async throws {
        let bundled = try Migrator.bundled()
        try await withEmptyDatabase { client in
            // The database is at version 1 only; the later ones are pending.
            try await Migrator(migrations: [bundled.migrations[0]]).migrate(client: client, logger: testLogger)
            try await client.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1")

            let status = try await bundled.status(client: client, logger: testLogger)
            #expect(status.altered == ["1_foundation"])
            #expect(status.pending.map(\.version) == Array(Self.bundledVersions.dropFirst()))
            #expect(!status.isCurrent)
            #expect(status.problem?.contains("applied migrations were altered: 1_foundation") == true)

            await #expect(throws: MigrationError.self) { try await bundled.migrate(client: client, logger: testLogger) }
            let rows = try await client.appliedMigrations()
            #expect(rows.map(\.version) == [1])
            #expect(rows.first?.checksum == "x")
            #expect(try await client.relationExists("card_products") == false)
        }
    }

    @Test func aVersionTheBuildDoesNotKnowIsReportedByNumberAndRefused() async throws {
        let migrator = try Migrator.bundled()
        try await withEmptyDatabase { client in
            try await migrator.migrate(client: client, logger: testLogger)
            try await client.execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'abc')")

            let status = try await migrator.status(client: client, logger: testLogger)
            #expect(status.unknown == [9999])
            #expect(status.altered.isEmpty)
            #expect(status.pending.isEmpty)
            #expect(!status.isCurrent)
            let problem = try #require(status.problem)
            #expect(problem.contains("9999"))
            #expect(problem.contains("does not know"))

            await #expect(throws: MigrationError.self) { try await migrator.migrate(client: client, logger: testLogger) }
            #expect(try await client.appliedMigrations().map(\.version) == Self.bundledVersions + [9999])
        }
    }

    @Test func aMissingVersionBelowAnAppliedOneIsReportedAsAGapAndRefused() async throws {
        let migrator = try Migrator.bundled()
        try await withEmptyDatabase { client in
            try await migrator.migrate(client: client, logger: testLogger)
            try await client.execute("DELETE FROM schema_migrations WHERE version = 1")

            let status = try await migrator.status(client: client, logger: testLogger)
            let highest = Self.bundledVersions.last ?? 0
            #expect(status.applied == Array(Self.bundledVersions.dropFirst()))
            #expect(status.pending.map(\.version) == [1])
            #expect(status.altered == ["1_foundation (missing below applied version \(highest))"])
            #expect(!status.isCurrent)
            #expect(status.problem?.contains("1_foundation (missing below applied version \(highest))") == true)

            // Re-running migration 1 over its own objects would fail half-way; the migrator must refuse first.
            do {
                try await migrator.migrate(client: client, logger: testLogger)
                Issue.record("migrate applied over a gap")
            } catch let error as MigrationError {
                guard case .notAPrefix(let problem) = error else {
                    Issue.record("expected notAPrefix, got \(error)")
                    return
                }
                #expect(problem.contains("missing below applied version \(highest)"))
            }
            #expect(try await client.appliedMigrations().map(\.version) == Array(Self.bundledVersions.dropFirst()))
        }
    }

    @Test func aFailingMigrationLeavesNothingAppliedNotEvenTheOnesBeforeIt() async throws {
        let migrator = Migrator(migrations: [
            Self.migration(2, "broken", "CREATE TABLE second_ok (id integer);\nSELEC 1;\nCREATE TABLE never (id integer);"),
            Self.migration(1, "first", "CREATE TABLE first_table (id integer PRIMARY KEY);\nINSERT INTO first_table VALUES (1);"),
        ])
        #expect(migrator.migrations.map(\.version) == [1, 2])
        try await withEmptyDatabase { client in
            await #expect(throws: PSQLError.self) { try await migrator.migrate(client: client, logger: testLogger) }
            let applied = try await client.appliedMigrations()
            #expect(applied.isEmpty)
            #expect(try await client.relationExists("first_table") == false)
            #expect(try await client.relationExists("second_ok") == false)

            // The failure left no open transaction or lock behind: a fixed set applies afterwards.
            let fixed = Migrator(migrations: [
                migrator.migrations[0], Self.migration(2, "fixed", "CREATE TABLE second_ok (id integer);"),
            ])
            #expect(try await fixed.migrate(client: client, logger: testLogger).map(\.version) == [1, 2])
            #expect(try await client.value("SELECT count(*) FROM first_table", as: Int64.self) == 1)
        }
    }

    @Test func twoMigratorsRacingOnOneEmptyDatabaseBothSucceedAndApplyTheSchemaOnce() async throws {
        let migrator = try Migrator.bundled()
        // A few rounds: the window of the race is small.
        for _ in 0..<3 {
            try await withEmptyDatabase { client, configuration in
                // Two servers starting at once: separate pools, so nothing in Swift serialises them.
                let other = PostgresClient(configuration: configuration, backgroundLogger: testLogger)
                let runner = Task { await other.run() }
                defer { runner.cancel() }
                async let first = outcome { try await migrator.migrate(client: client, logger: testLogger) }
                async let second = outcome { try await Migrator.bundled().migrate(client: other, logger: testLogger) }
                let results = await [first, second]
                var applied: [[Int]] = []
                for result in results {
                    switch result {
                    case .success(let migrations): applied.append(migrations.map(\.version))
                    case .failure(let error):
                        Issue.record("a racing migrator failed: \(String(reflecting: error))")
                    }
                }
                // Whoever got the advisory lock first applied everything; the other found nothing to do.
                #expect(applied.filter { $0 == Self.bundledVersions }.count == 1, "\(applied)")
                #expect(applied.allSatisfy { $0 == Self.bundledVersions || $0.isEmpty }, "\(applied)")
                let recorded = try await client.appliedMigrations()
                #expect(recorded.map(\.version) == Self.bundledVersions)
                #expect(try await client.value("SELECT count(*) FROM ledger_accounts", as: Int64.self) == 6)
            }
        }
    }

    @Test func twoMigratorsRacingAfterTheBookkeepingTableExistsAreSerialisedByTheAdvisoryLock() async throws {
        let migrator = try Migrator.bundled()
        try await withEmptyDatabase { client, configuration in
            // As left by an earlier migrator that failed after its first statement.
            try await Migrator(migrations: []).migrate(client: client, logger: testLogger)
            #expect(try await client.relationExists("schema_migrations"))
            let other = PostgresClient(configuration: configuration, backgroundLogger: testLogger)
            let runner = Task { await other.run() }
            defer { runner.cancel() }
            async let first = migrator.migrate(client: client, logger: testLogger)
            async let second = migrator.migrate(client: other, logger: testLogger)
            let applied = try await [first, second].map { $0.map(\.version) }
            #expect(applied.sorted { $0.count < $1.count } == [[], Self.bundledVersions])
            #expect(try await client.appliedMigrations().map(\.version) == Self.bundledVersions)
            #expect(try await client.value("SELECT count(*) FROM ledger_accounts", as: Int64.self) == 6)
        }
    }

    @Test func aMigratorStartingWhileAnotherCreatesTheBookkeepingTableSucceeds() async throws {
        let migrator = try Migrator.bundled()
        try await withEmptyDatabase { client in
            // Another server's migrator, frozen inside its first statement: it holds the migration
            // lock and has created the bookkeeping table, not yet committed.
            let result = try await client.withConnection { other in
                _ = try await other.query("BEGIN", logger: testLogger)
                _ = try await other.query("SELECT pg_advisory_xact_lock(7316047)", logger: testLogger)
                _ = try await other.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: testLogger)
                let task = Task { await outcome { try await migrator.migrate(client: client, logger: testLogger) } }
                // Wait until this migrator waits for the other session (on the lock or on the table).
                var blocked = false
                for _ in 0..<250 where !blocked {
                    blocked = try await client.value(
                        "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                        as: Bool.self)
                    if !blocked { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(blocked, "the migrator never waited for the other session")
                _ = try await other.query("COMMIT", logger: testLogger)
                return await task.value
            }
            // The other migrator applied nothing, so this one applies everything.
            let applied = try result.get()
            #expect(applied.map(\.version) == Self.bundledVersions)
            try await migrator.migrate(client: client, logger: testLogger)
            #expect(try await migrator.status(client: client, logger: testLogger).isCurrent)
        }
    }

    // MARK: Reading a directory

    /// Writes `files` (name to SQL) into a new temporary directory.
    static func directory(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, sql) in files {
            try Data(sql.utf8).write(to: directory.appendingPathComponent(name))
        }
        return directory
    }

    @Test func aDirectoryIsReadInVersionOrderIgnoringFilesThatAreNotSQL() throws {
        let directory = try Self.directory([
            "0010_later.sql": "SELECT 10;", "0002_second.sql": "SELECT 2;", "0001_first_one.sql": "SELECT 1;",
            "README.md": "not a migration",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let migrator = try Migrator(directory: directory)
        #expect(migrator.migrations.map(\.version) == [1, 2, 10])
        #expect(migrator.migrations.map(\.name) == ["first_one", "second", "later"])
        #expect(migrator.migrations[0].sql == "SELECT 1;")
        #expect(migrator.migrations[0] == Self.migration(1, "first_one", "SELECT 1;"))
    }

    @Test(arguments: [
        "1_short.sql", "00001_long.sql", "abcd_letters.sql", "0001.sql", "0001_.sql", "0000_zero.sql", "-001_negative.sql",
    ])
    func aBadlyNamedFileIsRefused(name: String) throws {
        let directory = try Self.directory(["0001_good.sql": "SELECT 1;", name: "SELECT 2;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try Migrator(directory: directory)
            Issue.record("\(name) was accepted")
        } catch let error as MigrationError {
            guard case .badFileName(let file) = error else {
                Issue.record("expected badFileName, got \(error)")
                return
            }
            #expect(file == name)
        }
    }

    @Test func aVersionNumberWithASignIsRefused() throws {
        // `Int("+002")` is 2: the version must be checked as four digits, not only parsed.
        let directory = try Self.directory(["+002_signed.sql": "SELECT 2;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: MigrationError.self) { try Migrator(directory: directory) }
    }

    @Test func twoFilesWithOneVersionAreRefused() throws {
        let directory = try Self.directory(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;", "0002_c.sql": "SELECT 3;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try Migrator(directory: directory)
            Issue.record("duplicate versions were accepted")
        } catch let error as MigrationError {
            guard case .duplicateVersion(let version) = error else {
                Issue.record("expected duplicateVersion, got \(error)")
                return
            }
            #expect(version == 1)
        }
    }

    @Test func migrationsReadFromADirectoryApplyAndAnEditedFileIsThenReportedAsAltered() async throws {
        let directory = try Self.directory([
            "0001_table.sql": "CREATE TABLE t (id integer);",
            "0002_rows.sql": "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        try await withEmptyDatabase { client in
            try await Migrator(directory: directory).migrate(client: client, logger: testLogger)
            #expect(try await client.value("SELECT count(*) FROM t", as: Int64.self) == 2)
            try Data("INSERT INTO t VALUES (3);".utf8).write(to: directory.appendingPathComponent("0002_rows.sql"))
            let edited = try Migrator(directory: directory)
            #expect(try await edited.status(client: client, logger: testLogger).altered == ["2_rows"])
            await #expect(throws: MigrationError.self) { try await edited.migrate(client: client, logger: testLogger) }
            #expect(try await client.value("SELECT count(*) FROM t", as: Int64.self) == 2)
            // A renamed file with the original content is altered too: the name is part of the record.
            try FileManager.default.removeItem(at: directory.appendingPathComponent("0002_rows.sql"))
            try Data("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);".utf8)
                .write(to: directory.appendingPathComponent("0002_more_rows.sql"))
            let renamed = try Migrator(directory: directory)
            #expect(try await renamed.status(client: client, logger: testLogger).altered == ["2_rows"])
            await #expect(throws: MigrationError.self) { try await renamed.migrate(client: client, logger: testLogger) }
        }
    }
}
