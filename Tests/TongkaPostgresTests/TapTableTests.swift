import Foundation
import PostgresNIO
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaPostgres

/// The taps table refuses what no upload may store, whatever the Swift code checks first: records of
/// no registered validator, posted records without their journal transaction, malformed fields, and
/// any change to a stored record but its company, once.
@Suite(.timeLimit(.minutes(5))) struct TapTableTests {
    /// A registered validator and the month partition of `at`.
    func withValidator(_ body: (Staffed, Int64) async throws -> Void) async throws {
        try await withStaff { staffed in
            try await staffed.database.execute("INSERT INTO validator_groups (group_code) VALUES ('BUS')")
            let validator = try await staffed.database.value(
                """
                INSERT INTO validators (terminal_number, psam_serial, mode, line, depot, group_code, token_hash, registered_by)
                VALUES ('100000000001', '0102030405', 'bus', '1路', '东塘车场', 'BUS', '\\x00'::bytea, \(staffed.admin.id.rawValue))
                RETURNING validator_id
                """, as: Int64.self)
            try await staffed.database.execute("SELECT taps_ensure_month('2026-11-15T08:00:00Z')")
            try await body(staffed, validator)
        }
    }

    func insertTap(
        validator: Int64, serial: Int64 = 1, card: String = "3104820000000000017", tac: String = "0A1B2C3D",
        transaction: Int64? = nil
    ) -> PostgresQuery {
        """
        INSERT INTO taps (terminal_number, terminal_serial, tapped_at, card_number, issuer_id, card_type, offline_serial,
                          amount_fen, balance_before_fen, balance_after_fen, transaction_type, local_date_time, tac, mode,
                          line, station, validator_id, received_at, own_card, transaction_id)
        VALUES ('100000000001', \(serial), '2026-11-15T08:00:00Z', \(card), '31048200FFFFFFFF', 1, 1, 200, 1000, 800, 6,
                '20261115160000', \(tac), 'bus', '1路', '五一广场', \(validator), now(), true, \(transaction))
        """
    }

    @Test func aTapMustNameARegisteredValidatorAndAnExistingJournalTransaction() async throws {
        try await withValidator { staffed, validator in
            await expectViolation("taps_validator_id_fkey", sqlState: "23503") {
                try await staffed.database.execute(insertTap(validator: validator + 100))
            }
            await expectViolation("taps_transaction_id_fkey", sqlState: "23503") {
                try await staffed.database.execute(insertTap(validator: validator, transaction: 999_999))
            }
            #expect(try await staffed.database.value("SELECT count(*) FROM taps", as: Int64.self) == 0)
            try await staffed.database.execute(insertTap(validator: validator))
            #expect(try await staffed.database.value("SELECT count(*) FROM taps", as: Int64.self) == 1)
            // The validator the records name cannot go away.
            await expectViolation("validators_never_deleted", sqlState: "TK001") {
                try await staffed.database.execute("DELETE FROM validators WHERE validator_id = \(validator)")
            }
        }
    }

    @Test func malformedFieldsAreRefusedByTheTableItself() async throws {
        try await withValidator { staffed, validator in
            await expectViolation("taps_card_format", sqlState: "23514") {
                try await staffed.database.execute(insertTap(validator: validator, card: "310482000000000001X"))
            }
            await expectViolation("taps_card_format", sqlState: "23514") {
                try await staffed.database.execute(insertTap(validator: validator, card: "31048200000000000170"))
            }
            // Lower case and full-width digits are not the TAC's upper-case hex.
            await expectViolation("taps_tac", sqlState: "23514") {
                try await staffed.database.execute(insertTap(validator: validator, tac: "0a1b2c3d"))
            }
            await expectViolation("taps_tac", sqlState: "23514") {
                try await staffed.database.execute(insertTap(validator: validator, tac: "0A1B2C３D"))
            }
            let stored = try await staffed.database.value("SELECT count(*) FROM taps", as: Int64.self)
            #expect(stored == 0)
        }
    }

    @Test func aStoredRecordNeverChangesButItsCompanyIsSetOnce() async throws {
        try await withValidator { staffed, validator in
            try await staffed.database.execute(insertTap(validator: validator))
            await expectViolation("taps_guard", sqlState: "TK001") {
                try await staffed.database.execute("UPDATE taps SET amount_fen = 1")
            }
            try await staffed.database.execute(
                """
                INSERT INTO transport_companies (code, name, created_at) VALUES ('CSBUS', '长沙公交集团', now())
                """)
            let company = try await staffed.database.value("SELECT company_id FROM transport_companies", as: Int64.self)
            try await staffed.database.execute("UPDATE taps SET company_id = \(company)")
            await expectViolation("taps_guard", sqlState: "TK001") {
                try await staffed.database.execute("UPDATE taps SET company_id = NULL")
            }
            #expect(try await staffed.database.value("SELECT company_id FROM taps", as: Int64.self) == company)
        }
    }

    @Test func twoUploadsMakingTheSameNewMonthBothSucceed() async throws {
        try await withValidator { staffed, _ in
            // The first holds the partition lock with the month made but not committed; the second
            // waits for it, and then must take the month as made.
            let second = try await staffed.database.transaction { connection in
                try await connection.query("SELECT taps_ensure_month('2027-03-10T00:00:00Z')", logger: testLogger)
                let second = Task {
                    try await staffed.database.execute("SELECT taps_ensure_month('2027-03-20T00:00:00Z')")
                }
                try await Task.sleep(for: .milliseconds(300))
                return second
            }
            try await second.value
            #expect(
                try await staffed.database.value(
                    "SELECT count(*) FROM pg_inherits WHERE inhparent = 'taps'::regclass AND inhrelid = 'taps_2027_03'::regclass",
                    as: Int64.self) == 1)
        }
    }

    @Test func recordsWithoutACompanyAreFoundByModeAndLineThroughAPartialIndex() async throws {
        try await withValidator { staffed, validator in
            try await staffed.database.execute(insertTap(validator: validator))
            let definition = try await staffed.database.value(
                "SELECT pg_get_indexdef('taps_without_company'::regclass)", as: String.self)
            #expect(definition.hasSuffix("(mode, line) WHERE (company_id IS NULL)"), "\(definition)")
            let plan = try await staffed.database.transaction { connection in
                _ = try await connection.query("SET LOCAL enable_seqscan = off", logger: testLogger)
                return try await connection.all(
                    "EXPLAIN SELECT 1 FROM taps WHERE mode = 'bus' AND line = '1路' AND company_id IS NULL", as: (String.self),
                    logger: testLogger
                ).joined(separator: "\n")
            }
            // The month partition's copy of the index, not a full scan of another index.
            let partitionIndexes = try await staffed.database.values(
                """
                SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'taps_without_company'::regclass
                """, as: String.self)
            #expect(!partitionIndexes.isEmpty)
            #expect(partitionIndexes.contains { plan.contains($0) } && !plan.contains("Seq Scan"), "\(plan)")
        }
    }
}
