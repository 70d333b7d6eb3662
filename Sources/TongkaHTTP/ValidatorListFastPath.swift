import Foundation
import HTTPTypes
import Hummingbird
import TongkaDomain

/// Validators' downloads (`GET /v1/blacklist`) in their everyday shape, answered without the
/// generated code: the same access check, the same decision (``APIHandler/blacklistReply``) and the
/// same bytes and headers as the generated route.
///
/// Written by hand because thousands of validators poll this one operation: measured with
/// `Scripts/bench/blacklist.sh`, the OpenAPI runtime's URI decoding of the four query parameters,
/// its `Accept` parsing, the contract check of the parameters and the URI encoding of the answer's
/// headers were about a third of the server's time per download.
///
/// Only a plain request is taken here: each of `since`, `wait`, `issuer` and `format=binary` at
/// most once, spelt canonically (digits without a leading zero, `wait` up to 60, 16 hex digits),
/// no percent-encoding, an `Accept` of nothing, `*/*` or `application/octet-stream`, and at most
/// one `If-None-Match` made of an ETag's characters. Such a request passes the contract by
/// construction. Anything else, the JSON form included, goes on to the generated route with its
/// full checks, so every refusal stays exactly as documented.
struct ValidatorListFastPath: RouterMiddleware {
    typealias Context = TongkaRequestContext
    let handler: APIHandler
    let access: AccessMiddleware

    static let path = "/v1/blacklist"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard request.method == .get, request.uri.path == Self.path, let plain = PlainRequest(request) else {
            return try await next(request, context)
        }
        // As the router does for its routes: metrics and the request log name the route.
        context.coreContext.endpointPath.value = Self.path
        let reply = try await handler.blacklistReply(
            since: plain.since, wait: plain.wait, issuer: plain.issuer, ifNoneMatch: plain.ifNoneMatch,
            validator: try await access.validator(authorization: request.headers[.authorization]))
        switch reply {
        case .notModified(let etag):
            return Response(status: .notModified, headers: [.eTag: etag])
        case .list(let signed):
            let headers: HTTPFields = [
                .eTag: signed.etag, Self.version: String(signed.list.toVersion),
                Self.dropped: String(signed.dropped), .contentType: "application/octet-stream",
            ]
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: signed.bytes)))
        }
    }

    static let version = HTTPField.Name("X-Tongka-Version")!
    static let dropped = HTTPField.Name("X-Tongka-Dropped")!

    /// The parameters of a plain download, or nil when the request is anything else.
    struct PlainRequest {
        var since: Int64?
        var wait: Int?
        var issuer: String?
        var ifNoneMatch: String?

        init?(_ request: Request) {
            let accept = request.headers[values: .accept]
            guard accept.isEmpty || (accept.count == 1 && (accept[0] == "application/octet-stream" || accept[0] == "*/*"))
            else { return nil }
            let tags = request.headers[values: .ifNoneMatch]
            if let tag = tags.first {
                guard tags.count == 1, tag.utf8.count <= 200,
                    tag.utf8.allSatisfy({
                        ASCII.isDigit($0) || ASCII.isLetter($0) || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "%")
                    }),
                    let decoded = tag.removingPercentEncoding
                else { return nil }
                ifNoneMatch = decoded
            }
            guard let query = request.uri.query, !query.isEmpty else { return }
            var formatGiven = false
            for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
                guard let equals = pair.firstIndex(of: "=") else { return nil }
                let (name, value) = (pair[..<equals], pair[pair.index(after: equals)...])
                switch name {
                case "since" where since == nil:
                    guard let number = Self.canonicalNumber(value) else { return nil }
                    since = number
                case "wait" where wait == nil:
                    guard let number = Self.canonicalNumber(value), number <= 60 else { return nil }
                    wait = Int(number)
                case "issuer" where issuer == nil:
                    guard value.utf8.count == 16, value.utf8.allSatisfy(ASCII.isHexDigit) else { return nil }
                    issuer = String(value)
                case "format" where !formatGiven:
                    guard value == "binary" else { return nil }
                    formatGiven = true
                default:
                    return nil
                }
            }
        }

        /// Digits without a leading zero (the contract reads parameters as JSON numbers, which have
        /// none) that fit an Int64.
        static func canonicalNumber(_ text: Substring) -> Int64? {
            guard let first = text.utf8.first, text.utf8.count <= 19, text.utf8.allSatisfy(ASCII.isDigit),
                first != UInt8(ascii: "0") || text.utf8.count == 1
            else { return nil }
            return Int64(text)
        }
    }
}
