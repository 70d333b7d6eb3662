import Foundation
import Testing
import TongkaClient
import TongkaDomain
import TongkaTestSupport

@testable import TongkaHTTP

@Suite(.timeLimit(.minutes(5))) struct ServiceTests {
    @Test func healthAndReadinessAnswerWithoutAToken() async throws {
        try await withTestServer { server in
            #expect(try await server.anonymous().health().status == "ok")
            let ready = try await server.anonymous().readiness()
            #expect(ready.status == .ready)
            #expect(ready.migrations == "current")
        }
    }

    @Test func readinessNamesAMigrationTheBuildDoesNotKnow() async throws {
        try await withTestServer { server in
            try await server.database.transaction { connection in
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')",
                    logger: server.database.logger)
            }
            let raw = try await server.raw(.GET, "/ready")
            #expect(raw.status == 503)
            #expect(raw.text.contains("not_ready"))
            #expect(raw.text.contains("9999"))
        }
    }

    @Test func lostDatabaseGivesServiceUnavailableAndNotReady() async throws {
        // Without the connection wait the pool would hold each request for a minute while it
        // retries the missing database; with it, requests and readiness answer within a second.
        try await withFixture(configure: { $0.databaseWait = .seconds(1) }) { fixture in
            let url = try #require(URLComponents(string: fixture.server.settings.databaseURL))
            // Drop the server's database under it.
            try await TestDatabases.shared.dropNow(String(url.path.dropFirst()))
            let failure = await expectFailure(.serviceUnavailable) { try await fixture.admin.halls() }
            #expect(failure?.message.contains("no database connection within 1") == true)
            #expect(try await fixture.server.anonymous().readiness().status == .notReady)
        }
    }

    @Test func metricsNeedAnAuditRoleOrTheScrapeToken() async throws {
        try await withFixture(configure: { $0.metricsToken = "scrape-token-for-tests-0123456789" }) { fixture in
            _ = try await fixture.admin.halls()
            let text = try await fixture.auditor.metrics()
            #expect(text.contains("hb_requests") || text.contains("http"))
            await expectFailure(.forbiddenRole) { try await fixture.clerk.metrics() }
            await expectFailure(.unauthenticated) { try await fixture.server.anonymous().metrics() }
            let scraped = try await fixture.server.raw(.GET, "/metrics", token: "scrape-token-for-tests-0123456789")
            #expect(scraped.status == 200)
            let wrong = try await fixture.server.raw(.GET, "/metrics", token: "scrape-token-for-tests-wrong-000000")
            #expect(wrong.status == 401)
        }
    }

    @Test func theOpenAPIDocumentIsServedToLoggedInStaff() async throws {
        try await withFixture { fixture in
            let document = try await fixture.clerk.openAPIDocument()
            #expect(document.hasPrefix("openapi:"))
            #expect(document.contains("operationId: issueCard"))
            await expectFailure(.unauthenticated) { try await fixture.server.anonymous().openAPIDocument() }
        }
    }

    @Test func unknownPathsGetAnErrorBodyWithNotFound() async throws {
        try await withTestServer { server in
            let raw = try await server.raw(.GET, "/v1/no-such-thing")
            #expect(raw.status == 404)
            #expect(raw.code == ErrorCode.notFound.rawValue)
            await expectFailure(.notFound) {
                throw APIFailure(status: raw.status, code: raw.code ?? "", message: raw.message ?? "")
            }
        }
    }

    @Test func everyOperationInTheDocumentHasAnAccessRuleAndNoOtherRulesExist() throws {
        let yaml = String(decoding: try TongkaAPI.APIDocument.yaml(), as: UTF8.self)
        let operations = Set(
            yaml.split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("operationId:") else { return nil }
                return trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces)
            })
        #expect(operations.count > 30)
        #expect(Set(AccessPolicy.table.keys) == operations)
        // Only health checks, login and the rider's rate-limited loss report and its statement are open.
        let open = AccessPolicy.table.filter { $0.value == .open }.map(\.key).sorted()
        #expect(open == ["getHealth", "getLossReport", "getReady", "login", "reportLoss"])
        #expect(AccessPolicy.moneyCommands.isSubset(of: operations))
    }

    @Test func everyResponseCarriesARequestIDAndErrorsAreLocalised() async throws {
        try await withTestServer { server in
            let english = try await server.raw(.GET, "/v1/halls")
            #expect(english.status == 401)
            #expect(english.code == "unauthenticated")
            #expect(english.message == ErrorCode.unauthenticated.message(.en))
            #expect(english.headers.first(name: "X-Request-ID")?.isEmpty == false)
            #expect(english.headers.first(name: "WWW-Authenticate") == "Bearer")
            let chinese = try await server.raw(.GET, "/v1/halls", headers: [("Accept-Language", "zh-CN,zh;q=0.9")])
            #expect(chinese.message == ErrorCode.unauthenticated.message(.zh))
            let echoed = try await server.raw(.GET, "/health", headers: [("X-Request-ID", "counter-42")])
            #expect(echoed.headers.first(name: "X-Request-ID") == "counter-42")
        }
    }
}
