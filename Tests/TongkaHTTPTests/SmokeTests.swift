import Foundation
import Testing
import TongkaClient
import TongkaTestSupport

@Suite struct SmokeTests {
    @Test func healthAnswersWithoutAToken() async throws {
        try await withTestServer { server in
            let health = try await server.anonymous().health()
            #expect(health.status == "ok")
        }
    }
}
