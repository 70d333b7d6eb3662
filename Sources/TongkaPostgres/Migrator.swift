import Crypto
import Foundation
import Logging
import PostgresNIO
import TongkaSQL

/// One numbered migration file from `SQL/migrations/` (`0001_foundation.sql`).
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file, hex: a migration that was applied may never change.
    public let checksum: String
}

/// Where the database stands relative to the migrations this build carries.
public struct MigrationStatus: Sendable, Equatable {
    public var applied: [Int] = []
    /// Migrations this build has that the database has not applied yet.
    public var pending: [Migration] = []
    /// Applied migrations whose file changed since (version and name).
    public var altered: [String] = []
    /// Versions the database applied that this build does not know (a newer build migrated it).
    public var unknown: [Int] = []

    /// Whether the database is exactly at this build's schema.
    public var isCurrent: Bool { pending.isEmpty && altered.isEmpty && unknown.isEmpty }

    /// A sentence for operators naming what is wrong.
    public var problem: String? {
        var parts: [String] = []
        if !altered.isEmpty { parts.append("applied migrations were altered: \(altered.joined(separator: ", "))") }
        if !unknown.isEmpty {
            parts.append(
                "the database has migrations this build does not know: \(unknown.map(String.init).joined(separator: ", "))")
        }
        if !pending.isEmpty {
            parts.append(
                "pending migrations: \(pending.map { "\($0.version)_\($0.name)" }.joined(separator: ", ")) (run `tongka-server migrate`)"
            )
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

public enum MigrationError: Error, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)
    case notAPrefix(String)
    case notCurrent(String)

    public var description: String {
        switch self {
        case .badFileName(let name): "migration file name must be NNNN_name.sql: \(name)"
        case .duplicateVersion(let version): "two migration files have version \(version)"
        case .notAPrefix(let problem): "refusing to migrate: \(problem)"
        case .notCurrent(let problem): "refusing to serve, the database is not at this build's schema: \(problem)"
        }
    }
}

/// Applies the numbered SQL files in order, all pending ones in one transaction, and records
/// their checksums. The applied set must be a prefix of the known set with unchanged checksums:
/// anything else stops the migration and keeps `serve` from starting.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations bundled with this module.
    public static func bundled() throws -> Migrator {
        guard let directory = TongkaSQL.migrationsDirectory else {
            throw MigrationError.badFileName("SQL/migrations directory missing from the bundle")
        }
        return try Migrator(directory: directory)
    }

    public init(directory: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for file in files {
            let stem = file.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 4, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
                let version = Int(parts[0]), version > 0
            else {
                throw MigrationError.badFileName(file)
            }
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let sql = String(decoding: data, as: UTF8.self)
            let checksum = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            if migrations.contains(where: { $0.version == version }) { throw MigrationError.duplicateVersion(version) }
            migrations.append(Migration(version: version, name: String(parts[1]), sql: sql, checksum: checksum))
        }
        self.init(migrations: migrations)
    }

    private static let createTable: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())
        """

    /// Compares the database with the known migrations without changing anything.
    /// The status through the server's pool, within its connection wait.
    public func status(database: Database) async throws -> MigrationStatus {
        try await database.read { connection in
            try await self.status(connection: connection, logger: database.logger)
        }
    }

    public func status(client: PostgresClient, logger: Logger) async throws -> MigrationStatus {
        try await client.withConnection { connection in
            try await status(connection: connection, logger: logger)
        }
    }

    func status(connection: PostgresConnection, logger: Logger) async throws -> MigrationStatus {
        let exists =
            try await connection.first(
                "SELECT to_regclass('schema_migrations') IS NOT NULL", as: (Bool.self), logger: logger) ?? false
        var applied: [(Int, String, String)] = []
        if exists {
            let rows = try await connection.query(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version", logger: logger)
            for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
                applied.append((version, name, checksum))
            }
        }
        var status = MigrationStatus()
        status.applied = applied.map(\.0)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for (version, name, checksum) in applied {
            guard let migration = known[version] else {
                status.unknown.append(version)
                continue
            }
            if migration.checksum != checksum || migration.name != name {
                status.altered.append("\(version)_\(name)")
            }
        }
        let appliedVersions = Set(applied.map(\.0))
        status.pending = migrations.filter { !appliedVersions.contains($0.version) }
        // A pending migration older than an applied one means the applied set is not a prefix.
        if let highestApplied = appliedVersions.max(), let gap = status.pending.first(where: { $0.version < highestApplied }) {
            status.altered.append("\(gap.version)_\(gap.name) (missing below applied version \(highestApplied))")
        }
        return status
    }

    /// Applies every pending migration in one transaction. Returns what was applied.
    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger) async throws -> [Migration] {
        try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                // Two servers starting at once must not both migrate. The lock comes first: even
                // CREATE TABLE IF NOT EXISTS fails when another session creates the table meanwhile.
                try await connection.query("SELECT pg_advisory_xact_lock(7316047)", logger: logger)
                try await connection.query(Self.createTable, logger: logger)
                let status = try await status(connection: connection, logger: logger)
                guard status.altered.isEmpty, status.unknown.isEmpty else {
                    throw MigrationError.notAPrefix(status.problem ?? "")
                }
                for migration in status.pending {
                    logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    for statement in SQLStatementSplitter.split(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger)
                }
                try await connection.query("COMMIT", logger: logger)
                return status.pending
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }
}
