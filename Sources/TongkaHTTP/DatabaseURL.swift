import Foundation
import PostgresNIO
import TongkaDomain

/// Parses `postgres://user:password@host:port/database?sslmode=disable` and the Unix-socket form
/// `postgres://user@/database?host=/path/to/socket/dir` into a PostgresNIO configuration.
public enum DatabaseURL {
    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql"
        else { throw ServerSettings.Problem(key: "database.url", reason: "must be a postgres:// URL") }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let user = components.user.map { $0.removingPercentEncoding ?? $0 } ?? "postgres"
        let password = components.password.map { $0.removingPercentEncoding ?? $0 }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let databaseName = database.isEmpty ? nil : database
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            let port = components.port ?? Int(query["port"] ?? "") ?? 5432
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password,
                database: databaseName)
        }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: user, password: password,
            database: databaseName, tls: tls)
    }
}
