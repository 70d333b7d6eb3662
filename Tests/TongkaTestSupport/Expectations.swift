import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TongkaClient
import TongkaDomain
import TongkaHTTP

/// Runs `body`, which must fail with the API error `code` (and `status`, when given). Every error
/// code has at least one test that calls this with it (see ErrorCodeCoverageTests).
@discardableResult
public func expectFailure<T>(
    _ code: ErrorCode, status: Int? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async -> APIFailure? {
    do {
        _ = try await body()
        Issue.record("expected \(code.rawValue), but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let failure as APIFailure {
        #expect(failure.code == code.rawValue, "got \(failure.code): \(failure.message)", sourceLocation: sourceLocation)
        #expect(failure.status == (status ?? code.httpStatus), sourceLocation: sourceLocation)
        return failure
    } catch let failure as TongkaError {
        #expect(failure.code == code, "got \(failure.code.rawValue)", sourceLocation: sourceLocation)
        return APIFailure(status: failure.code.httpStatus, code: failure.code.rawValue, message: failure.message(.en))
    } catch {
        Issue.record("expected \(code.rawValue), got \(String(reflecting: error))", sourceLocation: sourceLocation)
        return nil
    }
}

/// An HTTP answer read raw, for requests the typed client cannot send (malformed JSON, wrong
/// content types, missing headers).
public struct RawResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: Data

    /// The `code` of an error body.
    public var code: String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["code"] as? String
    }

    public var message: String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["message"] as? String
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

extension TestServer {
    /// Sends one request with exactly these bytes and headers.
    public func raw(
        _ method: HTTPMethod, _ path: String, token: String? = nil, headers: [(String, String)] = [],
        body: Data? = nil, contentType: String? = "application/json"
    ) async throws -> RawResponse {
        var request = HTTPClientRequest(url: url.absoluteString + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType, body != nil { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return RawResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// Logs in and returns the raw token.
    public func token(username: String, password: String = TestServer.defaultPassword) async throws -> String {
        try await anonymous().login(username: username, password: password).token
    }
}

/// The usual cast of a test: the admin, a second hall CS01 with a clerk and a supervisor, an
/// auditor, and a clerk of the HQ hall.
public struct Fixture: Sendable {
    public let server: TestServer
    public let admin: TongkaClient
    public let clerk: TongkaClient
    public let supervisor: TongkaClient
    public let auditor: TongkaClient
    /// A clerk of another hall (HQ), for cross-hall checks.
    public let otherClerk: TongkaClient

    public static func make(_ server: TestServer) async throws -> Fixture {
        let admin = try await server.bootstrapAdmin()
        _ = try await admin.createHall(code: "CS01", name: "五一广场服务网点", address: "长沙市芙蓉区")
        async let clerk = server.createStaff(admin: admin, username: "zhangsan", role: .clerk, hall: "CS01")
        async let supervisor = server.createStaff(admin: admin, username: "lisi", role: .supervisor, hall: "CS01")
        async let auditor = server.createStaff(admin: admin, username: "wang", role: .auditor, hall: nil)
        async let other = server.createStaff(admin: admin, username: "zhao", role: .clerk, hall: "HQ")
        return Fixture(
            server: server, admin: admin, clerk: try await clerk, supervisor: try await supervisor,
            auditor: try await auditor, otherClerk: try await other)
    }
}

/// Runs `body` with a live server and the usual cast.
public func withFixture<T: Sendable>(
    configure: (inout ServerSettings) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
    _ body: (Fixture) async throws -> T
) async throws -> T {
    try await withTestServer(configure: configure, now: now) { server in
        try await body(try await Fixture.make(server))
    }
}

/// A clock a test can move forward: the server reads it for every decision about time.
public final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    public init() {}

    public var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return Date().addingTimeInterval(offset)
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        offset += seconds
        lock.unlock()
    }
}

/// The result of an async throwing call, for racing calls side by side.
public func outcome<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
