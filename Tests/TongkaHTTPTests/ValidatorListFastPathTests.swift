import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TongkaDomain
import TongkaTestSupport

@testable import TongkaHTTP

/// Validators' plain downloads are answered by ``ValidatorListFastPath``; every other shape goes on
/// to the generated route. Both must give the same answer.
@Suite(.timeLimit(.minutes(5))) struct ValidatorListFastPathTests {
    static func plain(_ query: String, _ headers: [(HTTPField.Name, String)] = []) -> ValidatorListFastPath.PlainRequest? {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: name, value: value)) }
        let path = ValidatorListFastPath.path + (query.isEmpty ? "" : "?" + query)
        let head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: path, headerFields: fields)
        return ValidatorListFastPath.PlainRequest(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
    }

    @Test func onlyCanonicalParametersAndPlainHeadersTakeTheFastPath() throws {
        let all = try #require(Self.plain("since=42&wait=60&format=binary&issuer=31045510ffffffff"))
        #expect(all.since == 42 && all.wait == 60 && all.issuer == "31045510ffffffff" && all.ifNoneMatch == nil)
        #expect(try #require(Self.plain("")).since == nil)
        #expect(try #require(Self.plain("since=0&wait=0")).since == 0)
        #expect(try #require(Self.plain("since=9223372036854775807")).since == Int64.max)
        #expect(Self.plain("since=1", [(.accept, "application/octet-stream")]) != nil)
        #expect(Self.plain("since=1", [(.accept, "*/*")]) != nil)
        // Both spellings of an ETag name the same list.
        #expect(try #require(Self.plain("since=1", [(.ifNoneMatch, "\"v3\"")])).ifNoneMatch == "\"v3\"")
        #expect(try #require(Self.plain("since=1", [(.ifNoneMatch, "%22v3%22")])).ifNoneMatch == "\"v3\"")

        // Left to the generated route, which refuses or answers each as documented.
        for query in [
            "since=01", "since=-1", "since=+1", "since=1.0", "since=1e3", "since=", "since", "since=%31", "since=1&since=2",
            "since=9223372036854775808", "since=1&", "&since=1", "wait=61", "wait=007", "format=json", "format=BINARY",
            "issuer=31045510FFFFFFF", "issuer=31045510FFFFFFFFF", "issuer=31045510FFFFFFFG", "issuer=31045510%46FFFFFFF",
            "bogus=1", "Since=1",
        ] {
            #expect(Self.plain(query) == nil, "\(query)")
        }
        for headers: [(HTTPField.Name, String)] in [
            [(.accept, "application/json")], [(.accept, "text/html")], [(.accept, "application/octet-stream, */*")],
            [(.accept, "*/*"), (.accept, "*/*")], [(.ifNoneMatch, "\"v3\""), (.ifNoneMatch, "\"v4\"")],
            [(.ifNoneMatch, "W/\"v3\"")], [(.ifNoneMatch, "%zz")], [(.ifNoneMatch, String(repeating: "v", count: 201))],
        ] {
            #expect(Self.plain("since=1", headers) == nil, "\(headers)")
        }
    }

    @Test func aPlainDownloadIsAnsweredExactlyAsTheGeneratedRouteAnswersIt() async throws {
        try await withFixture { fixture in
            let validator = try await TestValidator.register(fixture)
            for serial in 1...3 {
                _ = try await fixture.admin.changeBlacklist(
                    add([String(format: "3101%015d", serial)], reason: .external), note: nil)
            }
            let head = try #require(try await validator.download(since: nil)).toVersion
            // A second Accept value is not plain: the generated route answers, with its full checks.
            let generic = [("Accept", "application/octet-stream, */*")]
            let cases: [(String, [(String, String)])] = [
                ("", []), ("?since=1", []), ("?since=\(head)", []), ("?since=1", [("If-None-Match", "\"v\(head)\"")]),
                ("?since=1", [("If-None-Match", "%22v\(head)%22")]),
                ("?since=2&wait=0&format=binary&issuer=\(TestSettings.issuerID.lowercased())", []),
                ("?since=1", [("Accept", "application/octet-stream")]),
            ]
            for (query, headers) in cases {
                let fast = try await fixture.server.raw(.GET, "/v1/blacklist" + query, token: validator.token, headers: headers)
                let slow = try await fixture.server.raw(
                    .GET, "/v1/blacklist" + query, token: validator.token,
                    headers: headers.filter { $0.0 != "Accept" } + generic)
                #expect(fast.status == slow.status, "\(query) \(headers)")
                #expect([200, 304].contains(fast.status), "\(query) \(headers)")
                for name in ["ETag", "X-Tongka-Version", "X-Tongka-Dropped", "Content-Type", "Content-Length"] {
                    #expect(fast.headers[name] == slow.headers[name], "\(name) of \(query) \(headers)")
                }
                #expect(fast.body == slow.body, "\(query) \(headers)")
            }
            let full = try await fixture.server.raw(.GET, "/v1/blacklist", token: validator.token)
            // As docs/blacklist-format.md spells it, on both routes (the generated code's URI
            // encoding of header values is undone by HeaderSpellingMiddleware).
            #expect(full.headers["ETag"] == ["\"v\(head)\""])
            let viaGenerated = try await fixture.server.raw(.GET, "/v1/blacklist", token: validator.token, headers: generic)
            #expect(viaGenerated.headers["ETag"] == ["\"v\(head)\""])
            let whitelist = try await fixture.server.raw(.GET, "/v1/whitelist", token: validator.token)
            #expect(whitelist.status == 200)
            #expect(whitelist.headers["ETag"].first?.hasPrefix("\"w") == true)
            let signature = try #require(whitelist.headers["X-Tongka-Signature"].first)
            #expect(Data(base64Encoded: signature)?.count == 64, "plain base64: \(signature)")
            let again = try await fixture.server.raw(
                .GET, "/v1/whitelist", token: validator.token, headers: [("If-None-Match", whitelist.headers["ETag"][0])])
            #expect(again.status == 304)
            #expect(full.headers["X-Tongka-Version"] == ["\(head)"])
            let decoded = try BlacklistList.decode(Array(full.body)) { signed, signature in
                validator.publicKey.isValidSignature(signature, for: signed)
            }
            #expect(decoded.added.count == 3)
        }
    }

    @Test func refusalsOnTheFastPathAreTheDocumentedOnes() async throws {
        try await withFixture { fixture in
            let validator = try await TestValidator.register(fixture)
            let bare = try await fixture.server.raw(.GET, "/v1/blacklist?since=1")
            #expect(bare.status == 401 && bare.code == "unauthenticated")
            #expect(bare.headers["WWW-Authenticate"] == ["Bearer"])
            let basic = try await fixture.server.raw(.GET, "/v1/blacklist?since=1", headers: [("Authorization", "Basic eDp5")])
            #expect(basic.code == "unauthenticated")
            let foreign = try await fixture.server.raw(
                .GET, "/v1/blacklist?issuer=3101FFFFFFFFFFFF", token: validator.token)
            #expect(foreign.status == 403 && foreign.code == "wrong_operator")
            // Shapes the fast path passes on keep the generated route's refusals.
            for query in ["since=01", "since=-1", "since=1&since=1", "wait=61", "format=xml", "bogus=1"] {
                let refused = try await fixture.server.raw(.GET, "/v1/blacklist?" + query, token: validator.token)
                #expect(refused.status == 400 && refused.code == "malformed_request", "\(query)")
            }
            let html = try await fixture.server.raw(
                .GET, "/v1/blacklist?since=1", token: validator.token, headers: [("Accept", "text/html")])
            #expect(html.code == "unsupported_media_type")
            let json = try await fixture.server.raw(.GET, "/v1/blacklist?format=json", token: validator.token)
            #expect(json.status == 200 && json.headers["Content-Type"].first?.hasPrefix("application/json") == true)
        }
    }
}
