import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import TongkaDomain

/// Checks every request against the document before its handler runs (see ``ContractValidator``).
/// Runs after ``AccessMiddleware``: a caller who is not logged in, or may not call the operation,
/// learns that and nothing about the document's constraints.
///
/// JSON bodies are collected and handed on as a new body of the same bytes; other bodies (the CSV
/// stock import) stream through unchecked. ``ScopeMiddleware`` has bounded each body already, by
/// its operation's limit (validators' batches of 1,000 records take the import limit), so the
/// collection here allows the largest of the limits.
struct ContractMiddleware: ServerMiddleware {
    let contract: ContractValidator
    let bodyLimit: Int

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        try contract.validateParameters(operationID: operationID, request: request, pathParameters: metadata.pathParameters)
        guard let body, contract.takesJSONBody(operationID: operationID, contentType: request.headerFields[.contentType]) else {
            return try await next(request, body, metadata)
        }
        let bytes = try await [UInt8](collecting: body, upTo: bodyLimit)
        // An empty body is left to the generated code, which answers "missing body" for it.
        if !bytes.isEmpty { try contract.validateBody(operationID: operationID, bytes) }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}

/// Answers 405 `method_not_allowed` with an `Allow` header, instead of the router's 404, when
/// the path is one of the document's but the method is not declared for it.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let contract: ContractValidator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = contract.allowedMethods(forPath: request.uri.path), !allowed.isEmpty,
                !allowed.contains(request.method.rawValue)
            else { throw error }
            let allow = allowed.joined(separator: ", ")
            var response = ErrorMiddleware<Context>.response(
                TongkaError(.methodNotAllowed, detail: "allowed: \(allow)"), language: RequestScope.current.language)
            response.headers[.allow] = allow
            return response
        }
    }
}
