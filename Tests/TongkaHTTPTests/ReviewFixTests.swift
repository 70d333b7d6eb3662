import Foundation
import HTTPTypes
import OpenAPIRuntime
import PostgresNIO
import Testing
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

@testable import TongkaHTTP

/// Behaviours that a security review asked for.
@Suite(.timeLimit(.minutes(5))) struct LockoutRaceTests {
    @Test func parallelWrongGuessesNeverExceedTheThreshold() async throws {
        try await withFixture { fixture in
            let anonymous = fixture.server.anonymous()
            let codes = await withTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await anonymous.login(username: "zhangsan", password: "wrong-guess-\(index)")
                            return "ok"
                        } catch let failure as APIFailure {
                            return failure.code
                        } catch {
                            return "error"
                        }
                    }
                }
                var all: [String] = []
                for await code in group { all.append(code) }
                return all
            }
            // At most five guesses were checked; every other attempt found the account locked.
            #expect(codes.filter { $0 == ErrorCode.invalidCredentials.rawValue }.count == 5)
            #expect(codes.filter { $0 == ErrorCode.accountLocked.rawValue }.count == 15)
            await expectFailure(.accountLocked) {
                try await anonymous.login(username: "zhangsan", password: TestServer.defaultPassword)
            }
        }
    }

    @Test func wrongCurrentPasswordsAtAPasswordChangeCountTowardsTheLock() async throws {
        try await withFixture { fixture in
            for index in 0..<5 {
                await expectFailure(.invalidCredentials) {
                    try await fixture.clerk.changePassword(current: "wrong-current-\(index)", new: "a-new-password-9")
                }
            }
            await expectFailure(.accountLocked) {
                try await fixture.clerk.changePassword(current: TestServer.defaultPassword, new: "a-new-password-9")
            }
            await expectFailure(.accountLocked) {
                try await fixture.server.anonymous().login(username: "zhangsan", password: TestServer.defaultPassword)
            }
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct HolderPrivacyTests {
    @Test func hallStaffReachHoldersByNumberOnlyInTheirOwnHall() async throws {
        try await withFixture { fixture in
            let holder = try await fixture.clerk.registerHolder(
                .init(name: "王小明", documentType: .residentId, documentNumber: "11010519491231002X", phone: nil))
            _ = try await fixture.clerk.holder(id: holder.id)
            _ = try await fixture.supervisor.holder(id: holder.id)
            _ = try await fixture.auditor.holder(id: holder.id)
            await expectFailure(.forbiddenHall) { try await fixture.otherClerk.holder(id: holder.id) }
            // With the document in hand, any hall finds the holder.
            #expect(
                try await fixture.otherClerk.findHolder(type: .residentId, number: "11010519491231002X").holder.id == holder.id)
            // A card sold to the holder in HQ makes the holder HQ's customer too.
            _ = try await fixture.admin.createProduct(Cards.standard)
            _ = try await fixture.admin.importStock(
                product: "STD", hall: "HQ", fileName: nil, body: Cards.body(Cards.file(count: 1)))
            _ = try await fixture.otherClerk.openShift(floatFen: 0, idempotencyKey: "open-privacy-1")
            _ = try await fixture.otherClerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil,
                holderDocument: .init(documentType: .residentId, documentNumber: "11010519491231002X"), payment: .cash,
                idempotencyKey: "issue-privacy")
            #expect(try await fixture.otherClerk.holder(id: holder.id).cards.count == 1)
            // A card lookup shows the holder masked.
            #expect(try await fixture.clerk.card(Cards.number(1)).holderNameMasked == "王*明")
        }
    }

    @Test func encryptedDataMovedToAnotherHolderIsRefusedNotShown() async throws {
        try await withFixture { fixture in
            let first = try await fixture.clerk.registerHolder(
                .init(name: "甲", documentType: .passport, documentNumber: "E11111111", phone: "13811112222"))
            let second = try await fixture.clerk.registerHolder(
                .init(name: "乙", documentType: .passport, documentNumber: "E22222222", phone: nil))
            let logger = fixture.server.database.logger
            try await fixture.server.database.transaction { connection in
                try await connection.query(
                    """
                    UPDATE holders SET phone_ciphertext = (SELECT phone_ciphertext FROM holders WHERE holder_id = \(first.id))
                     WHERE holder_id = \(second.id)
                    """, logger: logger)
            }
            await expectFailure(.internalError) { try await fixture.clerk.holder(id: second.id) }
            try await fixture.server.database.transaction { connection in
                try await connection.query(
                    """
                    UPDATE holders SET phone_ciphertext = NULL,
                           document_ciphertext = (SELECT document_ciphertext FROM holders WHERE holder_id = \(first.id))
                     WHERE holder_id = \(second.id)
                    """, logger: logger)
            }
            await expectFailure(.internalError) { try await fixture.clerk.holder(id: second.id) }
            #expect(try await fixture.clerk.holder(id: first.id).holder.phoneMasked == "138****2222")
        }
    }

    @Test func namesLongerThanTheColumnInCodePointsAreRefusedNotAServerError() async throws {
        try await withFixture { fixture in
            let decomposed = String(repeating: "e\u{301}", count: 51)
            #expect(decomposed.count == 51)
            await expectFailure(.invalidName) {
                try await fixture.clerk.registerHolder(
                    .init(name: decomposed, documentType: .passport, documentNumber: "E33333333", phone: nil))
            }
            await expectFailure(.invalidName) {
                try await fixture.admin.createHall(code: "CS77", name: String(repeating: "🇨🇳", count: 60), address: nil)
            }
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct ExpiryAndReplayTests {
    @Test func aStockCardThatExpiredInTheHallIsNotSold() async throws {
        let clock = TestClock()
        try await withFixture(now: { clock.now }) { fixture in
            try await Cards.stock(fixture)
            // Eleven years on, the stock (valid to 2036-12-31) has expired on the shelf.
            clock.advance(by: 11 * 366 * 86_400)
            let clerk = try await fixture.server.login(username: "zhangsan")
            _ = try await clerk.openShift(floatFen: 0, idempotencyKey: "open-expired-1")
            await expectFailure(.cardExpired) {
                try await clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-expired")
            }
            #expect(try await clerk.currentShift().shift.expectedCashFen == 0)
        }
    }

    @Test func aStoredResultThatCannotBeReadIsAServerErrorNotARefusal() async throws {
        try await withFixture { fixture in
            _ = try await fixture.clerk.openShift(floatFen: 100, idempotencyKey: "open-corrupt-1")
            let logger = fixture.server.database.logger
            try await fixture.server.database.transaction { connection in
                try await connection.query(
                    "UPDATE idempotency_keys SET result = '{\"unexpected\": true}'::jsonb WHERE idempotency_key = 'open-corrupt-1'",
                    logger: logger)
            }
            await expectFailure(.internalError) {
                try await fixture.clerk.openShift(floatFen: 100, idempotencyKey: "open-corrupt-1")
            }
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct LogSafetyTests {
    @Test func theErrorLogNamesTheOperationButNotTheRequest() throws {
        let input = "documentNumber=11010519491231002X phone=13812345678 password=hunter2-secret"
        let error = ServerError(
            operationID: "registerHolder",
            request: HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/v1/cards/3104820000000000001"),
            requestBody: nil, requestMetadata: .init(), operationInput: input, operationOutput: nil,
            causeDescription: "User handler threw an error.", underlyingError: CancellationError(),
            httpStatus: .internalServerError,
            httpHeaderFields: [:], httpBody: nil)
        let logged = ErrorMiddleware<TongkaRequestContext>.logDescription(error)
        #expect(logged.contains("registerHolder"))
        for secret in ["11010519491231002X", "13812345678", "hunter2", "3104820000000000001"] {
            #expect(!logged.contains(secret), "\(logged)")
        }
        #expect(!String(reflecting: error).isEmpty)
    }
}
