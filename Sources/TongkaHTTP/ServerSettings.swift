import Configuration
import Foundation
import Logging
import TongkaDomain
import TongkaPostgres

/// Everything the server reads from configuration. Keys are dotted (`http.port`); in the
/// environment and the optional file they are `TONGKA_` plus the key in upper case with `_`
/// (`TONGKA_HTTP_PORT`). The README's configuration table lists them all.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var databaseURL: String
    public var databasePoolSize: Int
    /// How long a request waits for a database connection before `service_unavailable`.
    public var databaseWait: Duration
    public var issuer: IssuerProfile
    public var timeZone: TimeZone
    public var dataKey: [UInt8]
    public var passwordHasher: PasswordHasher
    public var sessionLifetime: Duration
    public var lockoutThreshold: Int
    public var lockoutDuration: Duration
    /// Wrong passwords in a row from every address that lock the clerk out of unknown addresses.
    public var lockoutUserThreshold: Int
    /// Login throttles and the bound on concurrent password hashes.
    public var loginLimits: LoginLimits
    public var jsonBodyLimit: Int
    public var importBodyLimit: Int
    public var metricsToken: String?
    public var logLevel: Logger.Level
    public var auditSealInterval: Duration
    /// The card master key file (docs/card-crypto.md), loaded and checked at start when set.
    public var cardKeysFile: String?
    /// The largest cash float a shift may open with.
    public var maximumFloat: Money = ShiftPolicy.defaultMaximumFloat
    /// Holder lookups one member of staff may make per hour.
    public var holderLookupsPerHour: Int = StoreSettings.defaultHolderLookupsPerHour
    /// How long idempotency keys are kept.
    public var idempotencyRetention: Duration = StoreSettings.defaultIdempotencyRetention
    /// Whole-yuan top-ups and the per-card daily top-up limit.
    public var loadLimits = LoadLimits()
    /// How long a top-up order waits for its card (`TONGKA_ORDER_EXPIRY_HOURS`).
    public var orderSettings = TopupOrderSettings()
    /// Card returns above `limit` need a supervisor's approval.
    public var refundApproval = RefundApprovalRule()
    /// Loss reports and replacements (`TONGKA_LOSS_*`).
    public var loss = LossSettings()
    /// The Ed25519 seed (32 bytes) validators' lists are signed with (`TONGKA_BLACKLIST_SIGNING_KEY`).
    public var blacklistSigningKey: [UInt8]?
    /// Blacklist batches larger than this wait for a second admin.
    public var blacklistApprovalSize = 100
    /// A validator further behind than this many changes gets the full list.
    public var blacklistDeltaMaximum = 100_000
    /// A validator not seen, or behind, for longer than this is stale (`report validators`).
    public var validatorStaleHours = 24
    /// No fare is higher, in fen: a tap above it is refused (`TONGKA_TAPS_MAXIMUM_FARE_FEN`).
    public var tapMaximumFareFen = 5_000
    /// The province and city the ministry's progress report names.
    public var operatorProvince = ""
    public var operatorCity = ""
    /// The schema owner's URL for `migrate` (the service itself connects with `databaseURL`, a
    /// role with only the grants it needs). Nil: `migrate` uses `databaseURL`.
    public var migrationDatabaseURL: String?
    /// Lets `serve` run connected as a superuser or the schema owner (never in production).
    public var allowOwnerConnection = false

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databaseURL: String, databasePoolSize: Int = 10,
        issuer: IssuerProfile, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!, dataKey: [UInt8],
        passwordHasher: PasswordHasher = .production, sessionLifetime: Duration = .seconds(12 * 3600),
        lockoutThreshold: Int = 5, lockoutDuration: Duration = .seconds(15 * 60), jsonBodyLimit: Int = 64 * 1024,
        importBodyLimit: Int = 128 * 1024 * 1024, metricsToken: String? = nil, logLevel: Logger.Level = .info,
        auditSealInterval: Duration = .seconds(5), cardKeysFile: String? = nil,
        databaseWait: Duration = .seconds(5), lockoutUserThreshold: Int = LockoutPolicy.standardUserThreshold,
        loginLimits: LoginLimits = .standard
    ) {
        self.lockoutUserThreshold = lockoutUserThreshold
        self.loginLimits = loginLimits
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.issuer = issuer
        self.timeZone = timeZone
        self.dataKey = dataKey
        self.passwordHasher = passwordHasher
        self.sessionLifetime = sessionLifetime
        self.lockoutThreshold = lockoutThreshold
        self.lockoutDuration = lockoutDuration
        self.jsonBodyLimit = jsonBodyLimit
        self.importBodyLimit = importBodyLimit
        self.metricsToken = metricsToken
        self.logLevel = logLevel
        self.auditSealInterval = auditSealInterval
        self.cardKeysFile = cardKeysFile
        self.databaseWait = databaseWait
    }

    /// A configuration problem named by its key, never its (possibly secret) value.
    public struct Problem: Error, CustomStringConvertible {
        public let key: String
        public let reason: String
        public var description: String {
            "configuration \(key) (TONGKA_\(key.uppercased().replacingOccurrences(of: ".", with: "_"))): \(reason)"
        }
    }

    /// Reads settings; secrets (`database.url`, `data.key`, `metrics.token`) are marked secret so
    /// swift-configuration never logs them.
    public init(reader: ConfigReader) throws {
        func require(_ key: String, secret: Bool = false) throws -> String {
            guard let value = reader.string(forKey: ConfigKey(key), isSecret: secret), !value.isEmpty else {
                throw Problem(key: key, reason: "missing")
            }
            return value
        }
        func positive(_ key: String, default value: Int) throws -> Int {
            let number = reader.int(forKey: ConfigKey(key), default: value)
            guard number > 0 else { throw Problem(key: key, reason: "must be a positive whole number") }
            return number
        }
        let databaseURL = try require("database.url", secret: true)
        let issuer = try Self.issuer(reader: reader)
        let zoneName = reader.string(forKey: "timezone", default: "Asia/Shanghai")
        guard let zone = TimeZone(identifier: zoneName) else { throw Problem(key: "timezone", reason: "unknown time zone") }
        guard let key = Data(base64Encoded: try require("data.key", secret: true)), key.count == 32 else {
            throw Problem(key: "data.key", reason: "must be 32 bytes in base64 (openssl rand -base64 32)")
        }
        let cost = reader.int(forKey: "password.cost", default: 15)
        guard (10...20).contains(cost) else { throw Problem(key: "password.cost", reason: "log2 of scrypt N, 10-20") }
        let levelName = reader.string(forKey: "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelName) else {
            throw Problem(key: "log.level", reason: "trace, debug, info, notice, warning, error or critical")
        }
        let pairThreshold = try positive("lockout.threshold", default: 5)
        let userThreshold = try positive("lockout.user.threshold", default: LockoutPolicy.standardUserThreshold)
        guard userThreshold >= pairThreshold else {
            throw Problem(key: "lockout.user.threshold", reason: "must not be below lockout.threshold")
        }
        let limits = LoginLimits(
            perAddressPerMinute: try positive("login.address.per.minute", default: LoginLimits.standard.perAddressPerMinute),
            perUserPerMinute: try positive("login.user.per.minute", default: LoginLimits.standard.perUserPerMinute),
            concurrentHashes: try positive("login.hash.concurrency", default: LoginLimits.standard.concurrentHashes))
        let port = reader.int(forKey: "http.port", default: 8080)
        guard (0...65535).contains(port) else { throw Problem(key: "http.port", reason: "0-65535") }
        let floatFen = reader.int(forKey: "shift.max.float.fen", default: Int(ShiftPolicy.defaultMaximumFloat.fen))
        guard (0...100_000_000).contains(floatFen) else {
            throw Problem(key: "shift.max.float.fen", reason: "0 to 100000000 fen (¥1,000,000)")
        }
        let lookups = try positive("holder.lookups.per.hour", default: StoreSettings.defaultHolderLookupsPerHour)
        let retentionDays = try positive(
            "idempotency.retention.days", default: Int(StoreSettings.defaultIdempotencyRetention.components.seconds / 86_400))
        self.init(
            host: reader.string(forKey: "http.host", default: "127.0.0.1"), port: port, databaseURL: databaseURL,
            databasePoolSize: try positive("database.pool", default: 10), issuer: issuer, timeZone: zone,
            dataKey: Array(key), passwordHasher: PasswordHasher(logN: cost),
            sessionLifetime: .seconds(try positive("session.minutes", default: 720) * 60),
            lockoutThreshold: pairThreshold,
            lockoutDuration: .seconds(try positive("lockout.minutes", default: 15) * 60),
            jsonBodyLimit: try positive("limits.json.bytes", default: 64 * 1024),
            importBodyLimit: try positive("limits.import.bytes", default: 128 * 1024 * 1024),
            metricsToken: reader.string(forKey: "metrics.token", isSecret: true), logLevel: level,
            auditSealInterval: .seconds(try positive("audit.seal.seconds", default: 5)),
            cardKeysFile: reader.string(forKey: "card.keys.file"),
            databaseWait: .seconds(try positive("database.wait.seconds", default: 5)),
            lockoutUserThreshold: userThreshold, loginLimits: limits)
        migrationDatabaseURL = reader.string(forKey: "migration.database.url", isSecret: true)
        allowOwnerConnection = reader.bool(forKey: "database.allow.owner", default: false)
        maximumFloat = Money(fen: Int64(floatFen))
        holderLookupsPerHour = lookups
        idempotencyRetention = .seconds(retentionDays * 86_400)
        let dailyLoad = reader.int(forKey: "load.daily.limit.fen", default: Int(LoadLimits().dailyLimit.fen))
        guard (100...100_000_000).contains(dailyLoad) else {
            throw Problem(key: "load.daily.limit.fen", reason: "100 to 100000000 fen")
        }
        loadLimits = LoadLimits(
            wholeYuanOnly: reader.bool(forKey: "load.whole.yuan", default: true), dailyLimit: Money(fen: Int64(dailyLoad)))
        let expiryHours = reader.int(forKey: "order.expiry.hours", default: TopupOrderSettings.defaultExpiryHours)
        guard (1...8_760).contains(expiryHours) else { throw Problem(key: "order.expiry.hours", reason: "1 to 8760 hours") }
        orderSettings = TopupOrderSettings(expiry: .seconds(expiryHours * 3600))
        let approvalFen = reader.int(forKey: "refund.approval.fen", default: Int(RefundApprovalRule().limit.fen))
        guard (0...100_000_000).contains(approvalFen) else {
            throw Problem(key: "refund.approval.fen", reason: "0 to 100000000 fen")
        }
        refundApproval = RefundApprovalRule(limit: Money(fen: Int64(approvalFen)))
        if let seed = reader.string(forKey: "blacklist.signing.key", isSecret: true) {
            guard let bytes = Data(base64Encoded: seed), bytes.count == 32 else {
                throw Problem(key: "blacklist.signing.key", reason: "must be 32 bytes in base64 (openssl rand -base64 32)")
            }
            blacklistSigningKey = Array(bytes)
        }
        blacklistApprovalSize = try positive("blacklist.approval.size", default: 100)
        blacklistDeltaMaximum = try positive("blacklist.delta.max.changes", default: 100_000)
        validatorStaleHours = try positive("validator.stale.hours", default: 24)
        guard validatorStaleHours <= 8_760 else { throw Problem(key: "validator.stale.hours", reason: "1 to 8760 hours") }
        tapMaximumFareFen = try positive("taps.maximum.fare.fen", default: 5_000)
        let defaults = LossSettings()
        let reclaimDays = try positive("loss.reclaim.days", default: 15)
        let settlementDays = try positive("loss.settlement.days", default: 7)
        let holdbackFen = reader.int(forKey: "loss.holdback.fen", default: Int(defaults.holdback.fen))
        guard (0...100_000_000).contains(holdbackFen) else {
            throw Problem(key: "loss.holdback.fen", reason: "0 to 100000000 fen")
        }
        guard reclaimDays <= 365, settlementDays <= 365 else {
            throw Problem(key: "loss.reclaim.days / loss.settlement.days", reason: "1 to 365 days")
        }
        let answerMilliseconds = reader.int(forKey: "loss.answer.ms", default: 150)
        guard (0...5_000).contains(answerMilliseconds) else { throw Problem(key: "loss.answer.ms", reason: "0 to 5000") }
        loss = LossSettings(
            reclaimWindow: .seconds(reclaimDays * 86_400), holdback: Money(fen: Int64(holdbackFen)),
            waitingPeriod: .seconds(settlementDays * 86_400),
            attemptsPerAddressPerHour: try positive("loss.address.per.hour", default: defaults.attemptsPerAddressPerHour),
            attemptsPerCardPerDay: try positive("loss.card.per.day", default: defaults.attemptsPerCardPerDay),
            answerFloor: .milliseconds(answerMilliseconds))
        operatorProvince = reader.string(forKey: "operator.province") ?? ""
        operatorCity = reader.string(forKey: "operator.city") ?? ""
        guard operatorProvince.count <= 20, operatorCity.count <= 20 else {
            throw Problem(key: "operator.city", reason: "a province or city name is at most 20 characters")
        }
        guard tapMaximumFareFen <= 1_000_000 else { throw Problem(key: "taps.maximum.fare.fen", reason: "1 to 1000000 fen") }
    }

    /// The operator's issuer profile (`issuer.prefixes`, `issuer.id`): read alone by tools that
    /// need no database, such as the card factory's personalisation.
    public static func issuer(reader: ConfigReader) throws -> IssuerProfile {
        func require(_ key: String) throws -> String {
            guard let value = reader.string(forKey: ConfigKey(key)), !value.isEmpty else {
                throw Problem(key: key, reason: "missing")
            }
            return value
        }
        let prefixes = Set(try require("issuer.prefixes").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        do {
            return try IssuerProfile(cardNumberPrefixes: prefixes, issuerID: try require("issuer.id"))
        } catch let error as TongkaError {
            throw Problem(key: "issuer.prefixes / issuer.id", reason: error.message(.en))
        }
    }

    /// What the stores need.
    public func storeSettings() throws -> StoreSettings {
        var settings = StoreSettings(
            issuer: issuer, timeZone: timeZone, sessionLifetime: sessionLifetime, lockoutThreshold: lockoutThreshold,
            lockoutDuration: lockoutDuration, passwordHasher: passwordHasher,
            personalData: try PersonalDataVault(secret: dataKey), connectionWait: databaseWait,
            lockoutUserThreshold: lockoutUserThreshold, shiftPolicy: ShiftPolicy(maximumFloat: maximumFloat),
            holderLookupsPerHour: holderLookupsPerHour, idempotencyRetention: idempotencyRetention, loadLimits: loadLimits,
            orderSettings: orderSettings)
        settings.refundApproval = refundApproval
        settings.loss = loss
        return settings
    }
}
