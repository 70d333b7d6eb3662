import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import TongkaDomain
import TongkaHTTP
import TongkaPostgres

@main
struct TongkaServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tongka-server",
        abstract: "The Tongka back office: HTTP API, migrations and first-run setup.",
        subcommands: [Serve.self, Migrate.self, Bootstrap.self, Staff.self, Keys.self, Cards.self, ChannelCommand.self, SettleReplacements.self],
        defaultSubcommand: Serve.self)
}

/// Options every subcommand shares. Command-line values win over the environment, which wins
/// over the optional file.
struct ConfigOptions: ParsableArguments {
    @Option(help: "A file of TONGKA_* settings, one KEY=VALUE per line.")
    var config: String?

    @Option(help: "PostgreSQL URL (TONGKA_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Address to listen on (TONGKA_HTTP_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (TONGKA_HTTP_PORT, default 8080).")
    var port: Int?

    @Option(help: "Log level (TONGKA_LOG_LEVEL, default info).")
    var logLevel: String?

    func settings() async throws -> ServerSettings {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if let databaseURL { values["database.url"] = .init(.string(databaseURL), isSecret: true) }
        if let host { values["http.host"] = .init(.string(host), isSecret: false) }
        if let port { values["http.port"] = .init(.int(port), isSecret: false) }
        if let logLevel { values["log.level"] = .init(.string(logLevel), isSecret: false) }
        do {
            return try ServerSettings(reader: try await configReader(file: config, commandLine: values))
        } catch let problem as ServerSettings.Problem {
            throw ValidationError(problem.description)
        }
    }
}

/// The configuration in order of precedence: values from the command line, the environment, then
/// the optional file of TONGKA_* lines.
func configReader(file: String?, commandLine values: [AbsoluteConfigKey: ConfigValue] = [:]) async throws -> ConfigReader {
    var providers: [any ConfigProvider] = [
        InMemoryProvider(name: "command line", values: values),
        EnvironmentVariablesProvider().prefixKeys(with: "tongka"),
    ]
    if let file {
        providers.append(try await EnvironmentVariablesProvider(environmentFilePath: .init(file)).prefixKeys(with: "tongka"))
    }
    return ConfigReader(providers: providers)
}

func makeLogger(_ settings: ServerSettings) -> Logger {
    var logger = Logger(label: "tongka")
    logger.logLevel = settings.logLevel
    return logger
}

/// Runs `body` with a running PostgreSQL client for one-off commands.
func withDatabase<T: Sendable>(
    _ settings: ServerSettings, logger: Logger, _ body: @Sendable (Database) async throws -> T
) async throws -> T {
    // The pool may be asked for a connection a moment before its run loop starts; it waits, but
    // warns. Its background logger only reports errors for these one-off commands.
    var quiet = logger
    quiet.logLevel = max(logger.logLevel, .error)
    let client = PostgresClient(configuration: try DatabaseURL.configuration(settings.databaseURL), backgroundLogger: quiet)
    let database = Database(client: client, settings: try settings.storeSettings(), logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(database)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the API. Refuses to start while migrations are pending or altered.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try await options.settings()
        let logger = makeLogger(settings)
        // Refuse to start unless the database is exactly at this build's migrations, checked on
        // a short-lived connection before anything listens.
        let migrator = try Migrator.bundled()
        // One short-lived connection answers both checks: the schema, and the rights of the role.
        let (status, role) = try await withDatabase(settings, logger: logger) { database in
            (
                try await migrator.status(client: database.client, logger: logger),
                try await DatabaseRole.inspect(client: database.client, logger: logger)
            )
        }
        if let problem = status.problem {
            logger.critical("refusing to start: \(problem)")
            throw MigrationError.notCurrent(problem)
        }
        // The service must not hold the owner's rights: an owner can drop the guard triggers and
        // a superuser can rewrite the audit chain or run programs through COPY.
        if let problem = role.problem {
            if settings.allowOwnerConnection {
                logger.warning("serving with owner rights (TONGKA_DATABASE_ALLOW_OWNER): \(problem)")
            } else {
                logger.critical("refusing to start: \(problem)")
                throw ValidationError(
                    "refusing to serve: \(problem). Connect as a member of tongka_service (README, Configuration), or set TONGKA_DATABASE_ALLOW_OWNER=true for a throwaway database."
                )
            }
        }
        let app = try buildApplication(
            settings: settings, logger: logger,
            onServerRunning: { port in
                logger.notice("tongka-server listening on http://\(settings.host):\(port)")
            })
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations in one transaction, or show where the database stands.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Only report pending and altered migrations; change nothing.")
    var check = false

    func run() async throws {
        var settings = try await options.settings()
        // Migrations run as the schema owner when its URL is configured.
        if let owner = settings.migrationDatabaseURL { settings.databaseURL = owner }
        let logger = makeLogger(settings)
        let migrator = try Migrator.bundled()
        let check = self.check
        try await withDatabase(settings, logger: logger) { database in
            if check {
                let status = try await migrator.status(client: database.client, logger: logger)
                print(status.problem ?? "migrations current (\(status.applied.count) applied)")
                if !status.isCurrent { throw ExitCode(3) }
                return
            }
            let applied = try await migrator.migrate(client: database.client, logger: logger)
            print(
                applied.isEmpty
                    ? "migrations current; nothing to apply"
                    : "applied: \(applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))")
        }
    }
}

struct Bootstrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the first service hall and the first admin; prints a one-time password. Runs once.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "User name of the first admin.")
    var admin = "admin"

    @Option(help: "Display name of the first admin.")
    var adminName = "系统管理员"

    @Option(help: "Code of the first service hall.")
    var hallCode = "HQ"

    @Option(help: "Name of the first service hall.")
    var hallName = "总部服务网点"

    @Option(help: "Also write the one-time password to this file (mode 0600).")
    var passwordFile: String?

    func run() async throws {
        let settings = try await options.settings()
        let logger = makeLogger(settings)
        let (admin, adminName, hallCode, hallName, passwordFile) = (admin, adminName, hallCode, hallName, passwordFile)
        do {
            let result = try await withDatabase(settings, logger: logger) { database in
                try await StaffStore(database: database).bootstrap(
                    adminUsername: admin, adminName: adminName, hallCode: hallCode, hallName: hallName, now: Date())
            }
            if let passwordFile {
                guard
                    FileManager.default.createFile(
                        atPath: passwordFile, contents: Data("\(result.admin.username) \(result.oneTimePassword)\n".utf8),
                        attributes: [.posixPermissions: 0o600])
                else { throw ValidationError("could not write \(passwordFile)") }
            }
            print(
                """
                Bootstrapped hall \(result.hall.code) (\(result.hall.name)) and admin \(result.admin.username).
                One-time password for \(result.admin.username): \(result.oneTimePassword)
                Log in with `tongka-counter login --user \(result.admin.username)`; you will be asked to change it.
                """)
        } catch let error as TongkaError {
            throw ValidationError("\(error.code.rawValue): \(error.message(.en))")
        }
    }
}
