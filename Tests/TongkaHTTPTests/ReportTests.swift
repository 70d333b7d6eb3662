import Foundation
import OpenAPIRuntime
import Testing
import TongkaClient
import TongkaDomain
import TongkaTestSupport

@Suite(.timeLimit(.minutes(5))) struct IssuanceReportTests {
    @Test func issuedCardsAreCountedByHallProductTypeAndMode() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.admin.createProduct(Cards.student)
            _ = try await fixture.admin.importStock(
                product: "STU", hall: "HQ", fileName: nil, body: Cards.body(Cards.file(first: 50, count: 2, cardType: 2)))
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-report-1")
            _ = try await fixture.otherClerk.openShift(floatFen: 0, idempotencyKey: "open-report-2")
            for serial in 1...3 {
                _ = try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(serial), holderID: nil, payment: .cash, idempotencyKey: "report-\(serial)")
            }
            let holder = try await fixture.otherClerk.registerHolder(
                .init(name: "学生", documentType: .passport, documentNumber: "E99887766", phone: nil))
            _ = try await fixture.otherClerk.issueCard(
                cardNumber: Cards.number(50), holderID: holder.id, payment: .cash, idempotencyKey: "report-stu")

            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!)
            let month = String(today.description.prefix(7))
            let byHall = try await fixture.auditor.issuanceReport(
                from: today.startOfMonth.description, to: today.description, period: .month, groupBy: "hall,product", hall: nil)
            #expect(
                byHall.rows.map { "\($0.period) \($0.hall ?? "") \($0.product ?? "") \($0.cards)" } == [
                    "\(month) CS01 STD 3", "\(month) HQ STU 1",
                ])
            #expect(byHall.totalCards == 4)
            #expect(byHall.modesCovered == [.bus, .metro, .ferry])
            #expect(byHall.timeZone == "Asia/Shanghai")

            let byMode = try await fixture.admin.issuanceReport(
                from: today.description, to: today.description, period: .day, groupBy: "mode", hall: nil)
            #expect(byMode.rows.map { "\($0.mode?.rawValue ?? "") \($0.cards)" } == ["bus 4", "metro 4", "ferry 3"])
            #expect(byMode.rows.allSatisfy { $0.period == today.description })
            #expect(byMode.totalCards == 4)

            let byType = try await fixture.auditor.issuanceReport(
                from: today.description, to: today.description, period: .all, groupBy: "cardType", hall: nil)
            #expect(byType.rows.map { "\($0.period) \($0.cardType ?? 0) \($0.cards)" } == ["all 1 3", "all 2 1"])

            // A supervisor sees their own hall only.
            let own = try await fixture.supervisor.issuanceReport(
                from: today.description, to: today.description, period: .month, groupBy: "hall", hall: nil)
            #expect(own.rows.map(\.hall) == ["CS01"])
            #expect(own.totalCards == 3)
            await expectFailure(.forbiddenHall) {
                try await fixture.supervisor.issuanceReport(
                    from: today.description, to: today.description, period: nil, groupBy: nil, hall: "HQ")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.clerk.issuanceReport(
                    from: today.description, to: today.description, period: nil, groupBy: nil, hall: nil)
            }
            // Nothing before the cards were issued.
            let earlier = try await fixture.auditor.issuanceReport(
                from: "2020-01-01", to: "2020-12-31", period: .month, groupBy: nil, hall: nil)
            #expect(earlier.rows.isEmpty)
            #expect(earlier.totalCards == 0)
            #expect(earlier.modesCovered.isEmpty)
        }
    }

    @Test func reportRangesAndDimensionsAreChecked() async throws {
        try await withFixture { fixture in
            await expectFailure(.invalidDateRange) {
                try await fixture.auditor.issuanceReport(
                    from: "2026-11-02", to: "2026-11-01", period: nil, groupBy: nil, hall: nil)
            }
            await expectFailure(.invalidDateRange) {
                try await fixture.auditor.issuanceReport(
                    from: "2010-01-01", to: "2026-11-01", period: .day, groupBy: nil, hall: nil)
            }
            await expectFailure(.invalidDate) {
                try await fixture.auditor.issuanceReport(
                    from: "2026-02-30", to: "2026-03-01", period: nil, groupBy: nil, hall: nil)
            }
            await expectFailure(.malformedRequest) {
                try await fixture.auditor.issuanceReport(
                    from: "2026-02-01", to: "2026-03-01", period: nil, groupBy: "hall,colour", hall: nil)
            }
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct BadInputTests {
    @Test func malformedJSONAndWrongTypesAreRefusedAndChangeNothing() async throws {
        try await withFixture { fixture in
            let token = try await fixture.server.token(username: "admin")
            let broken = try await fixture.server.raw(
                .POST, "/v1/halls", token: token, body: Data(#"{"code": "CS05", "name": "#.utf8))
            #expect(broken.status == 400)
            #expect(broken.code == "malformed_request")
            let wrongType = try await fixture.server.raw(
                .POST, "/v1/halls", token: token, body: Data(#"{"code": 5, "name": "x"}"#.utf8))
            #expect(wrongType.status == 400)
            #expect(wrongType.code == "malformed_request")
            #expect(wrongType.message?.contains("code") == true)
            let missing = try await fixture.server.raw(.POST, "/v1/halls", token: token, body: Data(#"{"code": "CS05"}"#.utf8))
            #expect(missing.code == "malformed_request")
            let text = try await fixture.server.raw(
                .POST, "/v1/halls", token: token, body: Data("code=CS05".utf8), contentType: "text/plain")
            #expect(text.status == 415)
            let empty = try await fixture.server.raw(.POST, "/v1/halls", token: token)
            #expect(empty.status == 400)
            await expectFailure(.malformedRequest) {
                throw APIFailure(status: broken.status, code: broken.code ?? "", message: "")
            }
            #expect(try await fixture.admin.halls().count == 2)
        }
    }

    @Test func oversizedBodiesAreRefusedWithBodyTooLarge() async throws {
        try await withFixture(configure: { $0.importBodyLimit = 4096 }) { fixture in
            let token = try await fixture.server.token(username: "admin")
            let huge = Data(("{\"code\": \"CS05\", \"name\": \"" + String(repeating: "长", count: 30_000) + "\"}").utf8)
            let refused = try await fixture.server.raw(.POST, "/v1/halls", token: token, body: huge)
            #expect(refused.status == 413)
            #expect(refused.code == "body_too_large")
            _ = try await fixture.admin.createProduct(Cards.standard)
            await expectFailure(.bodyTooLarge) {
                try await fixture.admin.importStock(
                    product: "STD", hall: nil, fileName: nil, body: Cards.body(Cards.file(count: 100)))
            }
            // Streamed without a length, the limit still holds.
            let chunks = AsyncStream<ArraySlice<UInt8>> { continuation in
                for _ in 0..<10 { continuation.yield(ArraySlice(Cards.file(count: 20).utf8)) }
                continuation.finish()
            }
            await expectFailure(.bodyTooLarge) {
                try await fixture.admin.importStock(
                    product: "STD", hall: nil, fileName: nil, body: HTTPBody(chunks, length: .unknown))
            }
            #expect(try await fixture.auditor.stockLevels().isEmpty)
        }
    }

    @Test func theStoreRejectsWhatTheDatabaseAlsoForbids() async throws {
        try await withFixture { fixture in
            // An internal failure (here a broken schema) answers internal_error without details.
            let logger = fixture.server.database.logger
            try await fixture.server.database.transaction { connection in
                try await connection.query("ALTER TABLE service_halls RENAME TO service_halls_gone", logger: logger)
            }
            let failure = await expectFailure(.internalError) { try await fixture.admin.halls() }
            #expect(failure?.message.contains("service_halls") == false)
        }
    }
}
