import Foundation
import HTTPTypes
import OpenAPIRuntime
import TongkaDomain
import TongkaPostgres

/// Authenticates the bearer token and applies ``AccessPolicy`` before any handler runs; puts the
/// session into the request scope for the handlers.
struct AccessMiddleware: ServerMiddleware {
    let sessions: SessionStore
    let validators: ValidatorStore
    let validatorTokens: ValidatorTokenCache
    let now: @Sendable () -> Date
    /// A separate token Prometheus may scrape `/metrics` with (from configuration), if any.
    let metricsTokenHash: Data?

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let access = AccessPolicy.table[operationID] else { throw TongkaError(.forbiddenRole) }
        if access == .open { return try await next(request, body, metadata) }

        if access == .validator {
            var scope = RequestScope.current
            scope.validator = try await validator(authorization: request.headerFields[.authorization])
            return try await RequestScope.$current.withValue(scope) {
                try await next(request, body, metadata)
            }
        }
        let token = try Self.bearerToken(request.headerFields[.authorization])
        if operationID == "getMetrics", let metricsTokenHash, SessionToken.hash(token) == metricsTokenHash {
            return try await next(request, body, metadata)
        }
        let session = try await sessions.authenticate(token: token, now: now())
        if case .roles(let roles) = access {
            if session.clerk.mustChangePassword { throw TongkaError(.passwordChangeRequired) }
            guard roles.contains(session.clerk.role) else { throw TongkaError(.forbiddenRole) }
        }
        if AccessPolicy.moneyCommands.contains(operationID) {
            _ = try Validate.idempotencyKey(request.headerFields[HTTPField.Name("Idempotency-Key")!])
        }
        var scope = RequestScope.current
        scope.session = session
        return try await RequestScope.$current.withValue(scope) {
            try await next(request, body, metadata)
        }
    }

    /// The validator an `Authorization: Bearer tv_...` header names (from the token cache when seen
    /// lately). Also used by ``ValidatorListFastPath``.
    func validator(authorization: String?) async throws -> ValidatorIdentity {
        let token = try Self.bearerToken(authorization)
        return try await validatorTokens.identity(token: token, now: now()) { [validators] in
            try await validators.authenticate(token: token)
        }
    }

    static func bearerToken(_ header: String?) throws(TongkaError) -> String {
        guard let header, header.lowercased().hasPrefix("bearer ") else { throw TongkaError(.unauthenticated) }
        return String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
    }
}
