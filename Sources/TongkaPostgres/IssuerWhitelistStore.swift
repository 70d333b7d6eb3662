import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// The whitelist validators are served: the newest import with the operator's own prefixes
/// always included (``IssuerWhitelist/including(_:)``).
public struct ServedWhitelist: Sendable, Equatable {
    /// The import it comes from; 0 before the first import (only the operator's own prefixes).
    public let version: Int64
    public let importedAt: Date?
    public let importedBy: String?
    public let whitelist: IssuerWhitelist
}

/// What an import did.
public struct WhitelistImportResult: Sendable, Equatable {
    public let version: Int64
    public let entries: Int
    public let added: Int
    public let removed: Int
    /// False when the file was the same as the current import: no new version.
    public let changed: Bool
}

/// The issuer whitelist (发卡机构白名单) from the national platform: imports, each kept.
public struct IssuerWhitelistStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// Imports a whitelist file (already parsed and its CRC checked) as the next version, unless
    /// it is the same as the current one. Imports are serialised, so two at once get two versions
    /// in order.
    public func importFile(
        _ whitelist: IssuerWhitelist, now: Date, origin: RequestOrigin
    ) async throws
        -> WhitelistImportResult
    {
        let actor = try origin.requireActor()
        guard actor.role == .admin else { throw TongkaError(.forbiddenRole, detail: "an admin imports the whitelist") }
        let crc = Self.trailerCRC(whitelist.encoded())
        return try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tongka-issuer-whitelist'))", logger: logger)
            let (currentVersion, current) = try await Self.newest(connection, logger: logger)
            let old = Set(current.map(\.cardPrefix))
            let new = Set(whitelist.entries.map(\.cardPrefix))
            let added = new.subtracting(old).count
            let removed = old.subtracting(new).count
            if currentVersion > 0, current == whitelist.entries {
                return WhitelistImportResult(
                    version: currentVersion, entries: whitelist.entries.count, added: 0, removed: 0, changed: false)
            }
            let version = try await connection.one(
                """
                INSERT INTO issuer_whitelists (imported_by, imported_at, entries, file_crc)
                VALUES (\(actor.clerkID.rawValue), \(now), \(whitelist.entries.count), \(crc)) RETURNING version
                """, as: Int64.self, logger: logger)
            try await connection.query(
                """
                INSERT INTO issuer_whitelist_entries (version, card_prefix, issuer_id)
                SELECT \(version), p, i
                  FROM unnest(\(whitelist.entries.map(\.cardPrefix))::text[], \(whitelist.entries.map(\.issuerID))::text[]) AS t(p, i)
                """, logger: logger)
            try await Audit.record(
                connection, origin: origin, action: "whitelist.import", subject: "whitelist:\(version)",
                details: ["entries": "\(whitelist.entries.count)", "added": "\(added)", "removed": "\(removed)", "crc": crc],
                logger: logger)
            return WhitelistImportResult(
                version: version, entries: whitelist.entries.count, added: added, removed: removed, changed: true)
        }
    }

    /// What validators get now.
    public func served() async throws -> ServedWhitelist {
        let profile = database.settings.issuer
        return try await database.read { connection in
            let header = try await connection.first(
                """
                SELECT w.version, w.imported_at, c.username FROM issuer_whitelists w
                  JOIN clerks c ON c.clerk_id = w.imported_by
                 ORDER BY w.version DESC LIMIT 1
                """, as: (Int64, Date, String).self, logger: logger)
            let (_, entries) = try await Self.newest(connection, logger: logger)
            // Read from the database, where the CHECKs hold the same rules as the file's.
            let whitelist = try IssuerWhitelist(entries: entries).including(profile)
            return ServedWhitelist(
                version: header?.0 ?? 0, importedAt: header?.1, importedBy: header?.2, whitelist: whitelist)
        }
    }

    private static func newest(_ connection: PostgresConnection, logger: Logger) async throws -> (Int64, [IssuerWhitelist.Entry])
    {
        let newest = try await connection.one("SELECT max(version) FROM issuer_whitelists", as: Int64?.self, logger: logger)
        guard let version = newest else { return (0, []) }
        var entries: [IssuerWhitelist.Entry] = []
        for try await (prefix, issuer) in try await connection.query(
            "SELECT card_prefix, issuer_id FROM issuer_whitelist_entries WHERE version = \(version) ORDER BY card_prefix",
            logger: logger
        ).decode((String, String).self) {
            entries.append(IssuerWhitelist.Entry(cardPrefix: prefix, issuerID: issuer))
        }
        return (version, entries)
    }

    /// The CRC-32 a file written with the `CRC32 XXXXXXXX` trailer states (its last 9 bytes are
    /// the 8 hex digits and the line feed), for the logs of files made and taken.
    static func trailerCRC(_ file: [UInt8]) -> String {
        String(decoding: file.suffix(9).prefix(8), as: UTF8.self)
    }
}
