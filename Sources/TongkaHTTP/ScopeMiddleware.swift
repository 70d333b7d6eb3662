import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TongkaDomain

/// Sets up the request scope (id, address, language), enforces body size limits and writes one
/// access-log line per request. The line names the route pattern, never the concrete path: paths
/// can hold card numbers, which must not reach logs.
struct ScopeMiddleware: RouterMiddleware {
    typealias Context = TongkaRequestContext
    let jsonBodyLimit: Int
    let importBodyLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        let requestID =
            request.headers[.init("X-Request-ID")!].flatMap { Self.isSafeRequestID($0) ? $0 : nil }
            ?? UUID().uuidString.lowercased()
        let scope = RequestScope(
            requestID: requestID, clientAddress: context.remoteAddress?.ipAddress,
            language: Language(localeOrHeader: request.headers[.acceptLanguage]), session: nil)
        let started = ContinuousClock.now
        return try await RequestScope.$current.withValue(scope) {
            var request = request
            // File uploads (stock files, blacklist exchange files) and validators' batches of up to
            // 1,000 records (about 400 kB) get the import limit.
            let upload = [
                "/v1/stock/batches", "/v1/blacklist/imports", "/v1/whitelist/imports", "/v1/taps", "/v1/clearing/incoming",
            ].contains(
                request.uri.path)
            let limit = upload && request.method == .post ? importBodyLimit : jsonBodyLimit
            if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
                return ErrorMiddleware<Context>.response(
                    TongkaError(.bodyTooLarge, detail: "limit \(limit) bytes"), language: scope.language)
            }
            request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
            var response = try await next(request, context)
            response.headers[.init("X-Request-ID")!] = requestID
            let elapsed = ContinuousClock.now - started
            context.logger.info(
                "request",
                metadata: [
                    "request": "\(requestID)", "method": "\(request.method.rawValue)",
                    "route": "\(context.endpointPath ?? "-")", "status": "\(response.status.code)",
                    "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                ])
            return response
        }
    }

    static func isSafeRequestID(_ value: String) -> Bool {
        (1...64).contains(value.count)
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// A request body that fails with `body_too_large` once more than `limit` bytes have arrived,
/// for bodies sent without a Content-Length.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit { throw TongkaError(.bodyTooLarge, detail: "limit \(limit) bytes") }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), limit: limit)
    }
}
