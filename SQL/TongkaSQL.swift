import Foundation

/// The database schema as SQL files, the operator's DBAs review them here: the numbered
/// migrations in `SQL/migrations/` and `SQL/schema.sql`, the shape every table has after them
/// (`pg_dump --schema-only` of a migrated database; a test keeps it in step).
///
/// This target holds only those files as resources; `TongkaPostgres` applies them.
public enum TongkaSQL {
    /// The directory holding `NNNN_name.sql` migrations in this build.
    public static var migrationsDirectory: URL? { Bundle.module.url(forResource: "migrations", withExtension: nil) }

    /// `schema.sql` as this build carries it.
    public static var schemaFile: URL? { Bundle.module.url(forResource: "schema", withExtension: "sql") }
}
