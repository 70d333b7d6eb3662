import Logging
import PostgresNIO

/// What the connected role may do beyond the service's grants: `serve` refuses to run as a
/// superuser or as the owner of the schema's tables (README, "Security").
public struct DatabaseRole: Sendable, Equatable {
    public let name: String
    public let superuser: Bool
    /// Tables in `public` this role owns (the migrations' tables, when it is the owner).
    public let ownedTables: Int
    /// Whether it is a member of `tongka_service`, the role the migrations grant to.
    public let serviceMember: Bool

    /// A sentence naming the excess rights, or nil when the role is a plain service role.
    public var problem: String? {
        if superuser { return "the database role \(name) is a superuser" }
        if ownedTables > 0 { return "the database role \(name) owns \(ownedTables) tables (the schema owner)" }
        if !serviceMember { return "the database role \(name) is not a member of tongka_service" }
        return nil
    }

    public static func inspect(client: PostgresClient, logger: Logger) async throws -> DatabaseRole {
        let rows = try await client.query(
            """
            SELECT current_user::text, r.rolsuper,
                   (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user)::int,
                   EXISTS (SELECT 1 FROM pg_roles s WHERE s.rolname = 'tongka_service' AND pg_has_role(current_user, s.oid, 'MEMBER'))
              FROM pg_roles r WHERE r.rolname = current_user
            """, logger: logger)
        for try await (name, superuser, owned, member) in rows.decode((String, Bool, Int32, Bool).self) {
            return DatabaseRole(name: name, superuser: superuser, ownedTables: Int(owned), serviceMember: member)
        }
        return DatabaseRole(name: "?", superuser: false, ownedTables: 0, serviceMember: false)
    }
}
