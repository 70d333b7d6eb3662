import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The measured requests: plain AsyncHTTPClient with prepared JSON bodies, so that the load
/// generator, which shares the machine with the server and PostgreSQL, spends as little CPU per
/// request as it can. One connection per client (HTTP/1.1 keep-alive), on one event loop thread.
final class BenchHTTP: Sendable {
    let server: String
    private let group: MultiThreadedEventLoopGroup
    private let client: HTTPClient

    init(server: String, connections: Int, threads: Int = 1) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connections))
        configuration.timeout.connect = .seconds(5)
        client = HTTPClient(eventLoopGroup: group, configuration: configuration)
    }

    /// An answer: the status and the body's bytes.
    struct Answer {
        let status: Int
        let body: ByteBuffer

        /// The server's error `code`, for counting refusals by kind.
        var errorCode: String {
            let text = String(buffer: body)
            guard let range = text.range(of: #""code":""#) else { return "http_\(status)" }
            return String(text[range.upperBound...].prefix { $0 != "\"" })
        }
    }

    /// POSTs a JSON body with the bearer token and, for money commands, an idempotency key.
    func post(_ path: String, json: String, token: String, idempotencyKey: String?) async throws -> Answer {
        var request = HTTPClientRequest(url: server + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        request.body = .bytes(ByteBuffer(string: json))
        let response = try await client.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), body: body)
    }

    func shutdown() async {
        try? await client.shutdown()
        try? await group.shutdownGracefully()
    }
}
