import Foundation
import Testing
import TongkaClient
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

@testable import TongkaHTTP

/// Login throttling and the bound on concurrent password hashes.
@Suite(.timeLimit(.minutes(5))) struct LoginAbuseTests {
    static func limits(address: Int = 100_000, user: Int = 100_000, hashes: Int = 1_000) -> (inout ServerSettings) -> Void {
        { $0.loginLimits = LoginLimits(perAddressPerMinute: address, perUserPerMinute: user, concurrentHashes: hashes) }
    }

    static let loginBody = Data(#"{"username": "nobody", "password": "not-a-password"}"#.utf8)

    @Test func attemptsFromOneAddressBeyondTheLimitGet429WithRetryAfterBeforeAnyCheck() async throws {
        try await withTestServer(configure: Self.limits(address: 3)) { server in
            let anonymous = server.anonymous()
            for _ in 0..<3 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "nobody", password: "not-a-password")
                }
            }
            let refused = await expectFailure(.tooManyAttempts) {
                try await anonymous.login(username: "someone", password: "not-a-password")
            }
            // Three a minute: the next one in about 20 seconds.
            #expect((1...20).contains(refused?.retryAfter ?? 0))
            let raw = try await server.raw(.POST, "/v1/sessions", body: Self.loginBody)
            #expect(raw.status == 429)
            #expect(raw.code == "too_many_attempts")
            #expect(Int(raw.headers.first(name: "Retry-After") ?? "").map { (1...20).contains($0) } == true)
            let chinese = try await server.raw(
                .POST, "/v1/sessions", headers: [("Accept-Language", "zh-CN")], body: Self.loginBody)
            #expect(chinese.message == ErrorCode.tooManyAttempts.message(.zh))
        }
    }

    @Test func aUserNameIsThrottledExceptFromAddressesItLoggedInFrom() async throws {
        try await withFixture(configure: Self.limits(user: 2)) { fixture in
            let anonymous = fixture.server.anonymous()
            // Nobody ever logged in as "nobody" from here: two attempts a minute.
            for _ in 0..<2 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "nobody", password: "not-a-password")
                }
            }
            await expectFailure(.tooManyAttempts) { try await anonymous.login(username: "nobody", password: "not-a-password") }
            // zhangsan logged in from this address (the fixture did): a flood of wrong guesses
            // for the name does not keep zhangsan out of this counter.
            for _ in 0..<4 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "zhangsan", password: "wrong-password")
                }
            }
            _ = try await fixture.server.login(username: "zhangsan")
        }
    }

    @Test func loginsBeyondTheConcurrentHashesAreRefusedAtOnceWithLoginBusy() async throws {
        try await withTestServer(configure: {
            Self.limits(hashes: 1)(&$0)
            $0.passwordHasher = PasswordHasher(logN: 15)
        }) { server in
            let anonymous = server.anonymous()
            let failures = await withTaskGroup(of: APIFailure?.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            _ = try await anonymous.login(username: "nobody\(index)", password: "not-a-password")
                            return nil
                        } catch {
                            return error as? APIFailure
                        }
                    }
                }
                var all: [APIFailure] = []
                for await failure in group { if let failure { all.append(failure) } }
                return all
            }
            #expect(failures.count == 8)
            let busy = failures.filter { $0.code == ErrorCode.loginBusy.rawValue }
            #expect(!busy.isEmpty, "\(failures.map(\.code))")
            #expect(busy.allSatisfy { $0.status == 503 && $0.retryAfter == 1 })
            #expect(
                failures.allSatisfy { [ErrorCode.loginBusy.rawValue, ErrorCode.invalidCredentials.rawValue].contains($0.code) })
        }
    }

    @Test func aFullSetOfHashSlotsRefusesTheNextOneWithoutWaiting() async throws {
        let slots = HashSlots(limit: 1)
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await slots.run {
                enteredContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        await expectFailure(.loginBusy) { try await slots.run { 1 } }
        releaseContinuation.yield()
        try await holder.value
        #expect(try await slots.run { 2 } == 2)
    }
}
