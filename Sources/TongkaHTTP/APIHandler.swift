import Foundation
import Logging
import OpenAPIRuntime
import Prometheus
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Implements the generated `APIProtocol`: decodes nothing itself (the generated code does),
/// checks input through the domain, calls one store use case and maps the result to the contract.
struct APIHandler: APIProtocol {
    let database: Database
    let halls: HallStore
    let staff: StaffStore
    let sessions: SessionStore
    let shifts: ShiftStore
    let ledger: LedgerStore
    let audit: AuditStore
    let products: ProductStore
    let stock: StockStore
    let holders: HolderStore
    let cards: CardStore
    let reports: ReportStore
    let migrator: Migrator
    let metrics: PrometheusCollectorRegistry
    let now: @Sendable () -> Date
    let loginThrottle: LoginThrottle
    let hashSlots: HashSlots
    /// The host security module's role: verifies card MACs and computes MAC2 (nil without a key file).
    let purseHost: PurseHost?
    /// Signs and serves validators' lists (nil without a signing key: those requests answer
    /// `blacklist_key_unavailable`).
    let blacklist: BlacklistPublisher?
    let blacklistApprovalSize: Int
    let validatorStaleHours: Int
    /// No fare is higher: a tap above it is refused (`TONGKA_TAPS_MAXIMUM_FARE_FEN`).
    let maximumFare: Money
    /// The province and city the progress report names (`TONGKA_OPERATOR_PROVINCE`, `TONGKA_OPERATOR_CITY`).
    let operatorPlace: (province: String, city: String)
    /// Validators' tokens seen in the last seconds (cleared by a revocation or a group change).
    let validatorTokens = ValidatorTokenCache(ttl: 10)

    init(
        database: Database, migrator: Migrator, metrics: PrometheusCollectorRegistry, now: @escaping @Sendable () -> Date,
        loginThrottle: LoginThrottle, hashSlots: HashSlots, purseHost: PurseHost? = nil, blacklist: BlacklistPublisher? = nil,
        blacklistApprovalSize: Int = 100, validatorStaleHours: Int = 24, maximumFare: Money = Money(fen: 5_000),
        operatorPlace: (province: String, city: String) = ("", "")
    ) {
        self.maximumFare = maximumFare
        self.operatorPlace = operatorPlace
        self.blacklist = blacklist
        self.blacklistApprovalSize = blacklistApprovalSize
        self.validatorStaleHours = validatorStaleHours
        self.purseHost = purseHost
        self.loginThrottle = loginThrottle
        self.hashSlots = hashSlots
        self.database = database
        halls = HallStore(database: database)
        staff = StaffStore(database: database)
        sessions = SessionStore(database: database)
        shifts = ShiftStore(database: database)
        ledger = LedgerStore(database: database)
        audit = AuditStore(database: database)
        products = ProductStore(database: database)
        stock = StockStore(database: database)
        holders = HolderStore(database: database)
        cards = CardStore(database: database)
        reports = ReportStore(database: database)
        self.migrator = migrator
        self.metrics = metrics
        self.now = now
    }

    var scope: RequestScope { RequestScope.current }

    // MARK: Service

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        do {
            let status = try await migrator.status(database: database)
            if let problem = status.problem {
                return .serviceUnavailable(
                    .init(body: .json(.init(status: .notReady, database: "reachable", migrations: problem))))
            }
            return .ok(.init(body: .json(.init(status: .ready, database: "reachable", migrations: "current"))))
        } catch {
            database.logger.warning("readiness check failed", metadata: ["error": "\(LogSafe.describe(error))"])
            return .serviceUnavailable(
                .init(body: .json(.init(status: .notReady, database: "unreachable", migrations: "unknown"))))
        }
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.emitToBuffer()))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(try APIDocument.yaml()))))
    }

    // MARK: Sessions

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        // Throttled before any password is hashed: first the address, then (unless the user has
        // logged in from this address before) the user name; then a free hashing slot or none.
        let origin = scope.origin
        // Names that cannot exist share one bucket, so junk does not fill memory.
        let username = (try? Validate.username(body.username)) ?? "-"
        try await loginThrottle.admit(address: origin.clientAddress ?? "", now: now())
        let knownAddress = try await sessions.isKnownAddress(username: username, address: origin.clientAddress, now: now())
        if !knownAddress { try await loginThrottle.admit(username: username, now: now()) }
        let result = try await hashSlots.run {
            try await sessions.login(username: body.username, password: body.password, origin: origin, now: now())
        }
        return .created(
            .init(
                body: .json(
                    .init(
                        token: result.token, expiresAt: result.expiresAt, mustChangePassword: result.clerk.mustChangePassword,
                        clerk: map(result.clerk)))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard let session = scope.session else { throw TongkaError(.unauthenticated) }
        try await sessions.logout(session: session.sessionID, origin: scope.origin, now: now())
        return .noContent(.init())
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        guard let session = scope.session else { throw TongkaError(.unauthenticated) }
        let openShift = try? await shifts.current(actor: session.clerk.actor)
        return .ok(
            .init(
                body: .json(
                    .init(
                        clerk: map(session.clerk), sessionExpiresAt: session.expiresAt, openShiftId: openShift?.shift.id.rawValue)
                )))
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let session = scope.session else { throw TongkaError(.unauthenticated) }
        try await sessions.changePassword(
            current: body.currentPassword, new: body.newPassword, session: session.sessionID, origin: scope.origin, now: now())
        return .noContent(.init())
    }

    // MARK: Halls and clerks

    func listHalls(_ input: Operations.ListHalls.Input) async throws -> Operations.ListHalls.Output {
        .ok(.init(body: .json(.init(halls: try await halls.listHalls().map(map)))))
    }

    func createHall(_ input: Operations.CreateHall.Input) async throws -> Operations.CreateHall.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let hall = try await halls.createHall(code: body.code, name: body.name, address: body.address, origin: scope.origin)
        return .created(.init(body: .json(map(hall))))
    }

    func closeHall(_ input: Operations.CloseHall.Input) async throws -> Operations.CloseHall.Output {
        let hall = try await halls.setHallOpen(code: input.path.code, open: false, origin: scope.origin)
        return .ok(.init(body: .json(map(hall))))
    }

    func reopenHall(_ input: Operations.ReopenHall.Input) async throws -> Operations.ReopenHall.Output {
        let hall = try await halls.setHallOpen(code: input.path.code, open: true, origin: scope.origin)
        return .ok(.init(body: .json(map(hall))))
    }

    func listClerks(_ input: Operations.ListClerks.Input) async throws -> Operations.ListClerks.Output {
        let clerks = try await staff.listClerks(hallCode: input.query.hall, actor: try scope.actor())
        return .ok(.init(body: .json(.init(clerks: clerks.map(map)))))
    }

    func createClerk(_ input: Operations.CreateClerk.Input) async throws -> Operations.CreateClerk.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let (clerk, password) = try await staff.createClerk(
            username: body.username, displayName: body.displayName, role: map(body.role), hallCode: body.hall,
            origin: scope.origin, now: now())
        return .created(.init(body: .json(.init(clerk: map(clerk), oneTimePassword: password))))
    }

    func lockClerk(_ input: Operations.LockClerk.Input) async throws -> Operations.LockClerk.Output {
        let clerk = try await staff.setDisabled(username: input.path.username, disabled: true, origin: scope.origin, now: now())
        return .ok(.init(body: .json(map(clerk))))
    }

    func unlockClerk(_ input: Operations.UnlockClerk.Input) async throws -> Operations.UnlockClerk.Output {
        let clerk = try await staff.setDisabled(username: input.path.username, disabled: false, origin: scope.origin, now: now())
        return .ok(.init(body: .json(map(clerk))))
    }

    func resetClerkPassword(_ input: Operations.ResetClerkPassword.Input) async throws -> Operations.ResetClerkPassword.Output {
        let (clerk, password) = try await staff.resetPassword(username: input.path.username, origin: scope.origin, now: now())
        return .ok(.init(body: .json(.init(clerk: map(clerk), oneTimePassword: password))))
    }

    // MARK: Mapping

    func map(_ clerk: Clerk) -> Components.Schemas.Clerk {
        let autoLocked = clerk.lockedUntil.map { $0 > now() } ?? false
        return .init(
            id: clerk.id.rawValue, username: clerk.username, displayName: clerk.displayName, role: map(clerk.role),
            hall: clerk.hallCode, mustChangePassword: clerk.mustChangePassword, locked: clerk.disabled || autoLocked,
            disabled: clerk.disabled, lockedUntil: autoLocked ? clerk.lockedUntil : nil, createdAt: clerk.createdAt)
    }

    func map(_ hall: Hall) -> Components.Schemas.Hall {
        .init(
            id: hall.id.rawValue, code: hall.code, name: hall.name, address: hall.address, open: hall.open,
            createdAt: hall.createdAt)
    }

    func map(_ role: Role) -> Components.Schemas.Role {
        switch role {
        case .clerk: .clerk
        case .supervisor: .supervisor
        case .admin: .admin
        case .auditor: .auditor
        case .channel: .channel
        case .hotline: .hotline
        }
    }

    func map(_ role: Components.Schemas.Role) -> Role {
        switch role {
        case .clerk: .clerk
        case .supervisor: .supervisor
        case .admin: .admin
        case .auditor: .auditor
        case .channel: .channel
        case .hotline: .hotline
        }
    }
}
