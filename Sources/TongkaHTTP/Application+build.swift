import Crypto
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import OpenAPIHummingbird
import PostgresNIO
import Prometheus
import ServiceLifecycle
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// The process-wide metrics registry, bootstrapped once.
public enum Observability {
    public static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    public static func bootstrap() { _ = bootstrapped }
}

/// Builds the whole application: database client, stores, routes, middleware and background
/// services. The PostgreSQL client runs as one of the application's services.
///
/// The caller checks that the database is at this build's migrations before starting it (`serve`
/// does; `/ready` reports it).
///
/// - Parameters:
///   - onServerRunning: told the bound port once listening (port 0 picks a free one).
public func buildApplication(
    settings: ServerSettings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    Observability.bootstrap()
    // The card key store is loaded once at start: a missing or malformed key file stops the server
    // here rather than at the first card operation. Only key names and versions are logged.
    var purseHost: PurseHost?
    if let keysFile = settings.cardKeysFile {
        do {
            let store = try MasterKeyStore.load(fromFile: keysFile)
            logger.notice(
                "card keys loaded", metadata: ["keys": "\(store.keyReferences.map(\.description).joined(separator: ", "))"])
            purseHost = PurseHost(keyStore: store)
        } catch {
            throw ServerSettings.Problem(key: "card.keys.file", reason: "\(error)")
        }
    }
    var clientConfiguration = try DatabaseURL.configuration(settings.databaseURL)
    clientConfiguration.options.maximumConnections = settings.databasePoolSize
    let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
    let database = Database(client: client, settings: try settings.storeSettings(), logger: logger)
    let migrator = try Migrator.bundled()
    let watcher = BlacklistWatcher(client: client, logger: logger)
    var signingKey: Curve25519.Signing.PrivateKey?
    if let seed = settings.blacklistSigningKey {
        signingKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    } else {
        logger.warning("no blacklist signing key (TONGKA_BLACKLIST_SIGNING_KEY): validators cannot download the list")
    }
    let publisher = BlacklistPublisher(
        store: BlacklistStore(database: database), signingKey: signingKey, issuerID: settings.issuer.issuerID,
        timeZone: settings.timeZone, maximumDeltaChanges: settings.blacklistDeltaMaximum, watcher: watcher)
    let handler = APIHandler(
        database: database, migrator: migrator, metrics: Observability.registry, now: now,
        loginThrottle: LoginThrottle(limits: settings.loginLimits),
        hashSlots: HashSlots(limit: settings.loginLimits.concurrentHashes), purseHost: purseHost, blacklist: publisher,
        blacklistApprovalSize: settings.blacklistApprovalSize, validatorStaleHours: settings.validatorStaleHours,
        maximumFare: Money(fen: Int64(settings.tapMaximumFareFen)),
        operatorPlace: (settings.operatorProvince, settings.operatorCity))

    // The document is read and its schemas compiled once, here; one it cannot enforce stops the start.
    let contract = try ContractValidator.bundled()

    let router = Router(context: TongkaRequestContext.self)
    // The scope (request id, language) wraps everything, so errors are reported in the caller's language.
    router.add(middleware: ScopeMiddleware(jsonBodyLimit: settings.jsonBodyLimit, importBodyLimit: settings.importBodyLimit))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MetricsMiddleware())
    // Innermost, so metrics count the 405 it makes of the router's 404.
    router.add(middleware: MethodNotAllowedMiddleware(contract: contract))
    let access = AccessMiddleware(
        sessions: handler.sessions, validators: handler.validators, validatorTokens: handler.validatorTokens, now: now,
        metricsTokenHash: settings.metricsToken.map(SessionToken.hash))
    router.add(middleware: HeaderSpellingMiddleware())
    // Validators' plain downloads, ahead of the generated route (which takes every other shape).
    // It checks a validator's token only: the access table must say the same.
    precondition(AccessPolicy.table["getBlacklist"] == .validator, "ValidatorListFastPath serves validators only")
    router.add(middleware: ValidatorListFastPath(handler: handler, access: access))
    // Access first: callers who are not logged in or not allowed learn only that; then the contract.
    try handler.registerHandlers(
        on: router,
        middlewares: [
            access, ContractMiddleware(contract: contract, bodyLimit: max(settings.jsonBodyLimit, settings.importBodyLimit)),
        ])

    // The rider's self-service page: public, like the open loss-report operations it posts to.
    try SelfServicePage.bundled(timeZone: settings.timeZone).register(on: router)

    let app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "tongka"),
        services: [
            client, AuditSealer(audit: handler.audit, interval: settings.auditSealInterval, logger: logger),
            PeriodicJob.idempotencyPruner(IdempotencyStore(database: database), now: now, logger: logger),
            PeriodicJob.orderExpiry(TopupOrderStore(database: database), now: now, logger: logger),
            PeriodicJob.replacementSettlement(LossStore(database: database), now: now, logger: logger),
            watcher,
            PeriodicJob.blacklistExpiry(
                BlacklistStore(database: database), publisher: publisher, timeZone: settings.timeZone, now: now,
                logger: logger),
        ],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
    return app
}
