import HTTPTypes
import Hummingbird

/// Writes `ETag` and `X-Tongka-Signature` as their documents spell them (`"v42"`, plain base64).
/// The generated code sends every response header URI-encoded, so an entity tag went out as
/// `%22v42%22` and a signature with `%2B` and `%3D` in it: not an entity tag by RFC 9110, and not
/// what docs/blacklist-format.md tells validator vendors. Both values are plain ASCII
/// (`"v<version>"`, `"w<version>-<crc>"`, base64), so decoding gives them back exactly. Requests
/// are unchanged: `If-None-Match` is read in either spelling.
struct HeaderSpellingMiddleware: RouterMiddleware {
    typealias Context = TongkaRequestContext
    static let names: [HTTPField.Name] = [.eTag, HTTPField.Name("X-Tongka-Signature")!]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        for name in Self.names {
            if let value = response.headers[name], value.utf8.contains(UInt8(ascii: "%")),
                let decoded = value.removingPercentEncoding
            {
                response.headers[name] = decoded
            }
        }
        return response
    }
}
