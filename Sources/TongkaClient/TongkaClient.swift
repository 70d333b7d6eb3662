import AsyncHTTPClient
import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
@_exported import TongkaAPI
import TongkaDomain

/// A failure answered by the server (`code`, `message`) or met on the way (`code` =
/// `transport_error`). Codes are the server's stable error codes.
public struct APIFailure: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let message: String
    public let lineErrors: [Components.Schemas.LineError]
    public let lineErrorCount: Int?
    /// The `Retry-After` seconds of a refusal that lifts by itself (login throttling).
    public let retryAfter: Int?

    public init(
        status: Int, code: String, message: String, lineErrors: [Components.Schemas.LineError] = [],
        lineErrorCount: Int? = nil, retryAfter: Int? = nil
    ) {
        self.retryAfter = retryAfter
        self.status = status
        self.code = code
        self.message = message
        self.lineErrors = lineErrors
        self.lineErrorCount = lineErrorCount
    }

    init(status: Int, _ response: Components.Responses._Error) {
        switch response.body {
        case .json(let error):
            self.init(
                status: status, code: error.code, message: error.message, lineErrors: error.lineErrors ?? [],
                lineErrorCount: error.lineErrorCount)
        }
    }

    public var description: String { "\(code): \(message)" }
}

/// The curated client the counter terminal and the tests use: one method per operation, results
/// as the contract's types, every failure as ``APIFailure``.
///
/// Money commands take an idempotency key; on a lost connection the request is sent again with
/// the same key (at most twice), which the server answers with the first result.
public struct TongkaClient: Sendable {
    public let serverURL: URL
    let api: Client

    /// - Parameters:
    ///   - token: the bearer token, if logged in.
    ///   - language: the language of the server's messages.
    ///   - timeout: per request; large stock imports need minutes.
    ///   - httpClient: the connection pool (the process's shared one unless a load generator needs more connections).
    public init(
        serverURL: URL, token: String?, language: Language, timeout: Duration = .seconds(60), httpClient: HTTPClient? = nil
    ) {
        self.serverURL = serverURL
        let transport = AsyncHTTPClientTransport(
            configuration: .init(client: httpClient ?? Self.httpClient, timeout: .init(timeout)))
        api = Client(
            serverURL: serverURL, transport: transport,
            middlewares: [HeadersMiddleware(token: token, language: language), RetryMiddleware()])
    }

    /// One HTTP client for the process. Unlike `HTTPClient.shared`, it gives up on a server that
    /// refuses or does not answer the connection within five seconds, instead of retrying until the
    /// request's deadline: a clerk whose server is down learns it at once. ``RetryMiddleware``
    /// still tries twice more where that is safe. Never shut down: it lives as long as the process.
    static let httpClient = makeHTTPClient()

    /// A pool like the shared one, with room for `connectionsPerHost` connections at once (the
    /// default is 8: many long polls at once need more). The caller shuts it down.
    public static func makeHTTPClient(connectionsPerHost: Int? = nil) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        if let connectionsPerHost { configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    // MARK: Service

    public func health() async throws -> Components.Schemas.Health {
        switch try await call({ try await api.getHealth() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func readiness() async throws -> Components.Schemas.Readiness {
        switch try await call({ try await api.getReady() }) {
        case .ok(let ok): return try ok.body.json
        case .serviceUnavailable(let answer): return try answer.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func metrics() async throws -> String {
        switch try await call({ try await api.getMetrics() }) {
        case .ok(let ok): return try await String(collecting: try ok.body.plainText, upTo: 16 * 1024 * 1024)
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func openAPIDocument() async throws -> String {
        switch try await call({ try await api.getOpenAPIDocument() }) {
        case .ok(let ok): return try await String(collecting: try ok.body.yaml, upTo: 4 * 1024 * 1024)
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Sessions

    public func login(username: String, password: String) async throws -> Components.Schemas.Session {
        switch try await call({ try await api.login(body: .json(.init(username: username, password: password))) }) {
        case .created(let created): return try created.body.json
        case .tooManyRequests(let refused):
            let error = try refused.body.json
            throw APIFailure(status: 429, code: error.code, message: error.message, retryAfter: refused.headers.retryAfter)
        case .serviceUnavailable(let refused):
            let error = try refused.body.json
            throw APIFailure(status: 503, code: error.code, message: error.message, retryAfter: refused.headers.retryAfter)
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func logout() async throws {
        switch try await call({ try await api.logout() }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func me() async throws -> Components.Schemas.Me {
        switch try await call({ try await api.getMe() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func changePassword(current: String, new: String) async throws {
        switch try await call({ try await api.changePassword(body: .json(.init(currentPassword: current, newPassword: new))) }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Halls and clerks

    public func halls() async throws -> [Components.Schemas.Hall] {
        switch try await call({ try await api.listHalls() }) {
        case .ok(let ok): return try ok.body.json.halls
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func createHall(code: String, name: String, address: String?) async throws -> Components.Schemas.Hall {
        switch try await call({ try await api.createHall(body: .json(.init(code: code, name: name, address: address))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func closeHall(_ code: String) async throws -> Components.Schemas.Hall {
        switch try await call({ try await api.closeHall(path: .init(code: code)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func reopenHall(_ code: String) async throws -> Components.Schemas.Hall {
        switch try await call({ try await api.reopenHall(path: .init(code: code)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func clerks(hall: String? = nil) async throws -> [Components.Schemas.Clerk] {
        switch try await call({ try await api.listClerks(query: .init(hall: hall)) }) {
        case .ok(let ok): return try ok.body.json.clerks
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func createClerk(
        username: String, displayName: String, role: Components.Schemas.Role, hall: String?
    ) async throws -> Components.Schemas.ClerkWithPassword {
        let body = Components.Schemas.ClerkInput(username: username, displayName: displayName, role: role, hall: hall)
        switch try await call({ try await api.createClerk(body: .json(body)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func lockClerk(_ username: String) async throws -> Components.Schemas.Clerk {
        switch try await call({ try await api.lockClerk(path: .init(username: username)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func unlockClerk(_ username: String) async throws -> Components.Schemas.Clerk {
        switch try await call({ try await api.unlockClerk(path: .init(username: username)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func resetPassword(_ username: String) async throws -> Components.Schemas.ClerkWithPassword {
        switch try await call({ try await api.resetClerkPassword(path: .init(username: username)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Shifts, ledger, audit

    public func openShift(floatFen: Int64, idempotencyKey: String) async throws -> Components.Schemas.ShiftReport {
        switch try await call({
            try await api.openShift(headers: .init(idempotencyKey: idempotencyKey), body: .json(.init(openingFloatFen: floatFen)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func currentShift() async throws -> Components.Schemas.ShiftReport {
        switch try await call({ try await api.getCurrentShift() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func closeShift(
        countedFen: Int64, note: String?, idempotencyKey: String
    ) async throws -> Components.Schemas.ShiftReport {
        switch try await call({
            try await api.closeShift(
                headers: .init(idempotencyKey: idempotencyKey), body: .json(.init(countedCashFen: countedFen, note: note)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func shift(id: Int64) async throws -> Components.Schemas.ShiftReport {
        switch try await call({ try await api.getShift(path: .init(shiftId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Every shift that matches, following the server's pages.
    public func shifts(
        hall: String? = nil, from: String? = nil, to: String? = nil, differencesOnly: Bool = false, openOnly: Bool = false
    ) async throws -> [Components.Schemas.Shift] {
        var all: [Components.Schemas.Shift] = []
        var cursor: String?
        repeat {
            let page = try await shiftPage(
                hall: hall, from: from, to: to, differencesOnly: differencesOnly, openOnly: openOnly, limit: 1000, cursor: cursor)
            all += page.shifts
            cursor = page.next
        } while cursor != nil
        return all
    }

    /// One page of shifts; `next` names the following page.
    public func shiftPage(
        hall: String? = nil, from: String? = nil, to: String? = nil, differencesOnly: Bool = false, openOnly: Bool = false,
        limit: Int? = nil, cursor: String? = nil
    ) async throws -> Components.Schemas.ShiftList {
        let query = Operations.ListShifts.Input.Query(
            hall: hall, from: from, to: to, differencesOnly: differencesOnly, openOnly: openOnly, limit: limit, cursor: cursor)
        switch try await call({ try await api.listShifts(query: query) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// A supervisor or admin closes another clerk's shift with the counted cash and a reason.
    public func forceCloseShift(
        id: Int64, countedFen: Int64, reason: String, idempotencyKey: String
    ) async throws -> Components.Schemas.ShiftReport {
        switch try await call({
            try await api.forceCloseShift(
                path: .init(shiftId: id), headers: .init(idempotencyKey: idempotencyKey),
                body: .json(.init(countedCashFen: countedFen, reason: reason)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func checkLedger() async throws -> Components.Schemas.LedgerCheck {
        switch try await call({ try await api.checkLedger() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func auditEvents(
        from: String? = nil, to: String? = nil, actor: String? = nil, action: String? = nil, limit: Int? = nil,
        before: Int64? = nil
    ) async throws -> [Components.Schemas.AuditEvent] {
        let query = Operations.ListAuditEvents.Input.Query(
            from: from, to: to, actor: actor, action: action, limit: limit, before: before)
        // One page: the caller asks for `limit` events and pages with `before`.
        switch try await call({ try await api.listAuditEvents(query: query) }) {
        case .ok(let ok): return try ok.body.json.events
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func verifyAudit() async throws -> Components.Schemas.AuditVerification {
        switch try await call({ try await api.verifyAuditChain() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Products and stock

    public func products() async throws -> [Components.Schemas.Product] {
        switch try await call({ try await api.listProducts() }) {
        case .ok(let ok): return try ok.body.json.products
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func createProduct(_ input: Components.Schemas.ProductInput) async throws -> Components.Schemas.Product {
        switch try await call({ try await api.createProduct(body: .json(input)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func stockLevels(hall: String? = nil, product: String? = nil) async throws -> [Components.Schemas.StockLevel] {
        switch try await call({ try await api.getStockLevels(query: .init(hall: hall, product: product)) }) {
        case .ok(let ok): return try ok.body.json.levels
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Every stock batch, newest first, following the server's pages.
    public func stockBatches() async throws -> [Components.Schemas.StockBatch] {
        var all: [Components.Schemas.StockBatch] = []
        var cursor: String?
        repeat {
            let page: Components.Schemas.StockBatchList
            switch try await call({ [cursor] in try await api.listStockBatches(query: .init(limit: 1000, cursor: cursor)) }) {
            case .ok(let ok): page = try ok.body.json
            case .`default`(let status, let error): throw APIFailure(status: status, error)
            }
            all += page.batches
            cursor = page.next
        } while cursor != nil
        return all
    }

    /// Uploads a stock file as it is read: `body` streams the file, so a large batch never sits in
    /// memory on either side.
    public func importStock(
        product: String, hall: String?, fileName: String?, body: HTTPBody
    ) async throws -> Components.Schemas.StockBatch {
        switch try await call({
            try await api.importStock(query: .init(product: product, hall: hall, fileName: fileName), body: .csv(body))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func allocateStock(
        product: String, toHall: String, fromHall: String?, quantity: Int
    ) async throws -> Components.Schemas.StockAllocation {
        let body = Components.Schemas.StockAllocationRequest(
            product: product, toHall: toHall, fromHall: fromHall, quantity: quantity)
        switch try await call({ try await api.allocateStock(body: .json(body)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Holders and cards

    public func registerHolder(_ input: Components.Schemas.HolderInput) async throws -> Components.Schemas.Holder {
        switch try await call({ try await api.registerHolder(body: .json(input)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func findHolder(
        type: Components.Schemas.DocumentType, number: String
    ) async throws -> Components.Schemas.HolderWithCards {
        switch try await call({ try await api.findHolder(body: .json(.init(documentType: type, documentNumber: number))) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func holder(id: Int64) async throws -> Components.Schemas.HolderWithCards {
        switch try await call({ try await api.getHolder(path: .init(holderId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Sells a card. A registered card names its holder by number (`holderID`, within the hall's
    /// reach) or by the presented document (`holderDocument`); non-cash payments need `reference`.
    public func issueCard(
        cardNumber: String, holderID: Int64?, holderDocument: Components.Schemas.DocumentInput? = nil,
        payment: Components.Schemas.PaymentMethod, reference: String? = nil, idempotencyKey: String
    ) async throws -> Components.Schemas.CardIssued {
        let body = Components.Schemas.CardIssueRequest(
            cardNumber: cardNumber, holderId: holderID, holderDocument: holderDocument, paymentMethod: payment,
            paymentReference: reference)
        switch try await call({ try await api.issueCard(headers: .init(idempotencyKey: idempotencyKey), body: .json(body)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func card(_ number: String) async throws -> Components.Schemas.Card {
        switch try await call({ try await api.getCard(path: .init(cardNumber: number)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func issuanceReport(
        from: String, to: String, period: Operations.GetIssuanceReport.Input.Query.PeriodPayload?, groupBy: String?, hall: String?
    ) async throws -> Components.Schemas.IssuanceReport {
        let query = Operations.GetIssuanceReport.Input.Query(from: from, to: to, period: period, groupBy: groupBy, hall: hall)
        switch try await call({ try await api.getIssuanceReport(query: query) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: Plumbing

    /// Runs a generated call and turns transport failures into ``APIFailure``.
    func call<Output>(_ body: () async throws -> Output) async throws -> Output {
        do {
            return try await body()
        } catch let error as ClientError {
            if let failure = error.underlyingError as? APIFailure { throw failure }
            throw APIFailure(
                status: 0, code: "transport_error",
                message: "cannot reach \(serverURL.absoluteString): \(String(describing: error.underlyingError))")
        }
    }
}

/// Adds the bearer token and the language to every request.
struct HeadersMiddleware: ClientMiddleware {
    let token: String?
    let language: Language

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let token { request.headerFields[.authorization] = "Bearer \(token)" }
        request.headerFields[.acceptLanguage] = language == .zh ? "zh-CN" : "en"
        return try await next(request, body, baseURL)
    }
}

/// Sends a request again after a lost connection when that is safe: reads, and money commands
/// (they carry an idempotency key, so the server answers a repeat with the first result).
struct RetryMiddleware: ClientMiddleware {
    /// Commands whose repeat cannot do anything twice: the terminal upsert, and confirming a load
    /// with its TAC or reporting it grey (both answer the same load again).
    static let idempotentByNature: Set<String> = ["registerLoadTerminal", "confirmLoad", "markLoadGrey"]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let safe =
            request.method == .get || request.headerFields[HTTPField.Name("Idempotency-Key")!] != nil
            || Self.idempotentByNature.contains(operationID)
        let repeatable = body.map { $0.iterationBehavior == .multiple } ?? true
        var attempt = 0
        while true {
            do {
                return try await next(request, body, baseURL)
            } catch {
                attempt += 1
                guard safe, repeatable, attempt < 3, !(error is CancellationError) else { throw error }
                try await Task.sleep(for: .milliseconds(300 * attempt))
            }
        }
    }
}
