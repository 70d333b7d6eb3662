import Foundation
import Testing
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// The server enforces the constraints the served document states, against a live server.
@Suite(.timeLimit(.minutes(5))) struct ContractAPITests {
    @Test func constraintsOfTheDocumentAreEnforcedOnBodiesQueriesAndPaths() async throws {
        try await withFixture { fixture in
            // maxLength on a body member: a document number longer than 64 characters. The schema
            // names the domain's code (x-error-code), so the contract answers as the domain would.
            let holder = await expectFailure(.invalidDocumentNumber) {
                try await fixture.clerk.findHolder(type: .passport, number: String(repeating: "E", count: 65))
            }
            #expect(holder?.message.hasSuffix("/body/documentNumber: must have at most 64 characters") == true)

            // maximum on a body member: more cards than one allocation may move.
            let allocation = await expectFailure(.malformedRequest) {
                try await fixture.admin.allocateStock(product: "STD", toHall: "CS01", fromHall: nil, quantity: 100_001)
            }
            #expect(allocation?.message.hasSuffix("/body/quantity: must be at most 100000") == true)

            // maxLength counted in characters, not bytes: 500 Chinese characters pass, 501 do not.
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "contract-open-1")
            let close = await expectFailure(.invalidName) {
                try await fixture.clerk.closeShift(
                    countedFen: 0, note: String(repeating: "短", count: 501), idempotencyKey: "contract-close-1")
            }
            #expect(close?.message.hasSuffix("/body/note: must have at most 500 characters") == true)
            let closed = try await fixture.clerk.closeShift(
                countedFen: 0, note: String(repeating: "短", count: 500), idempotencyKey: "contract-close-2")
            #expect(closed.shift.closeNote?.count == 500)

            // maximum on a query parameter.
            let events = await expectFailure(.malformedRequest) { try await fixture.auditor.auditEvents(limit: 5000) }
            #expect(events?.message.hasSuffix("/query/limit: must be at most 1000") == true)
            #expect(try await fixture.auditor.auditEvents(limit: 1000).isEmpty == false)

            // minimum on a path parameter.
            let shift = await expectFailure(.malformedRequest) { try await fixture.clerk.shift(id: 0) }
            #expect(shift?.message.hasSuffix("/path/shiftId: must be at least 1") == true)

            // enum on a query parameter, and a query parameter the operation does not declare.
            let token = try await fixture.server.token(username: "lisi")
            let period = try await fixture.server.raw(
                .GET, "/v1/reports/issuance?from=2026-11-01&to=2026-11-30&period=week", token: token)
            #expect(period.status == 400)
            #expect(period.code == ErrorCode.malformedRequest.rawValue)
            #expect(period.message?.hasSuffix("/query/period: must be one of day, month, all") == true)
            let unknown = try await fixture.server.raw(.GET, "/v1/shifts?differences=true", token: token)
            #expect(unknown.status == 400)
            #expect(unknown.message?.hasSuffix("/query/differences: is not a parameter of this operation") == true)
        }
    }

    @Test func malformedJSONBodiesAreRefusedWithThePlaceOfTheProblem() async throws {
        try await withFixture { fixture in
            let token = try await fixture.server.token(username: "admin")
            let duplicated = try await fixture.server.raw(
                .POST, "/v1/halls", token: token, body: Data(#"{"code": "CS02", "name": "一", "name": "二"}"#.utf8))
            #expect(duplicated.status == 400)
            #expect(duplicated.code == ErrorCode.malformedRequest.rawValue)
            #expect(duplicated.message?.hasSuffix("/body/name: member appears more than once") == true)
            let wrongType = try await fixture.server.raw(
                .POST, "/v1/stock/allocations", token: token,
                body: Data(#"{"product": "STD", "toHall": "CS01", "quantity": "5"}"#.utf8))
            #expect(wrongType.status == 400)
            #expect(wrongType.message?.hasSuffix("/body/quantity: must be an integer") == true)
        }
    }

    @Test func callersWhoAreNotLoggedInLearnThatBeforeAnythingAboutTheContract() async throws {
        try await withTestServer { server in
            let raw = try await server.raw(.POST, "/v1/stock/allocations", body: Data(#"{"quantity": 100001}"#.utf8))
            #expect(raw.status == 401)
            #expect(raw.code == ErrorCode.unauthenticated.rawValue)
        }
    }

    @Test func anUndeclaredMethodOnAKnownPathAnswers405WithAllow() async throws {
        try await withTestServer { server in
            let raw = try await server.raw(.DELETE, "/v1/halls")
            #expect(raw.status == 405)
            #expect(raw.headers.first(name: "Allow") == "GET, POST")
            #expect(raw.code == ErrorCode.methodNotAllowed.rawValue)
            #expect(raw.headers.first(name: "X-Request-ID")?.isEmpty == false)
            await expectFailure(.methodNotAllowed) {
                throw APIFailure(status: raw.status, code: raw.code ?? "", message: raw.message ?? "")
            }
            // Templates with parameters count; the literal segment wins where the router's would.
            let shift = try await server.raw(.PUT, "/v1/shifts/12")
            #expect(shift.status == 405)
            #expect(shift.headers.first(name: "Allow") == "GET")
            let search = try await server.raw(.GET, "/v1/holders/search")
            #expect(search.status == 405)
            #expect(search.headers.first(name: "Allow") == "POST")
            let chinese = try await server.raw(.PATCH, "/v1/me", headers: [("Accept-Language", "zh-CN")])
            #expect(chinese.status == 405)
            #expect(chinese.message?.hasPrefix(ErrorCode.methodNotAllowed.message(.zh)) == true)
            // A path that is not in the document is still 404.
            #expect(try await server.raw(.DELETE, "/v1/no-such-thing").status == 404)
        }
    }
}
