import Foundation
import Synchronization
import Testing
import TongkaDomain

@testable import TongkaHTTP
@testable import TongkaPostgres

/// The validators' token cache in front of the database: one look-up per token and `ttl`, shared by
/// requests that miss together, never kept across a revocation.
@Suite struct ValidatorTokenCacheTests {
    let identity = ValidatorIdentity(validatorID: 7, terminalNumber: "123456789012", group: "G", maximumEntries: nil)
    let token = "tv_" + String(repeating: "a", count: 43)
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A look-up that counts its calls and answers after `delay`, or fails with `failure`.
    final class LookUp: Sendable {
        let calls = Mutex(0)
        let answer: ValidatorIdentity
        let delay: Duration
        let failure: TongkaError?
        init(_ answer: ValidatorIdentity, delay: Duration = .zero, failure: TongkaError? = nil) {
            (self.answer, self.delay, self.failure) = (answer, delay, failure)
        }
        var count: Int { calls.withLock { $0 } }
        @Sendable func callAsFunction() async throws -> ValidatorIdentity {
            calls.withLock { $0 += 1 }
            if delay > .zero { try await Task.sleep(for: delay) }
            if let failure { throw failure }
            return answer
        }
    }

    @Test func requestsThatMissTogetherShareOneLookUp() async throws {
        let cache = ValidatorTokenCache(ttl: 10)
        let lookUp = LookUp(identity, delay: .milliseconds(100))
        let (token, start) = (token, start)
        let answers = try await withThrowingTaskGroup(of: ValidatorIdentity.self) { group in
            for _ in 0..<50 { group.addTask { try await cache.identity(token: token, now: start) { try await lookUp() } } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 50)
        #expect(answers.allSatisfy { $0 == identity })
        #expect(lookUp.count == 1)
    }

    @Test func aTokenSeenWithinTheTimeToLiveIsNotLookedUpAgainAndIsAfterIt() async throws {
        let cache = ValidatorTokenCache(ttl: 10)
        let lookUp = LookUp(identity)
        _ = try await cache.identity(token: token, now: start) { try await lookUp() }
        _ = try await cache.identity(token: token, now: start.addingTimeInterval(9)) { try await lookUp() }
        #expect(lookUp.count == 1)
        _ = try await cache.identity(token: token, now: start.addingTimeInterval(10)) { try await lookUp() }
        #expect(lookUp.count == 2)
        // Another token is its own entry.
        _ = try await cache.identity(token: "tv_" + String(repeating: "b", count: 43), now: start) { try await lookUp() }
        #expect(lookUp.count == 3)
    }

    @Test func aRefusedTokenIsAskedAgainEveryTime() async throws {
        let cache = ValidatorTokenCache(ttl: 10)
        let lookUp = LookUp(identity, failure: TongkaError(.validatorRevoked))
        for _ in 0..<3 {
            await #expect(throws: TongkaError.self) {
                _ = try await cache.identity(token: token, now: start) { try await lookUp() }
            }
        }
        #expect(lookUp.count == 3)
    }

    /// Starts a slow look-up, then clears the cache (a revocation on this server) while it runs.
    func lookUpInterruptedByAClear(_ cache: ValidatorTokenCache) async throws -> Task<ValidatorIdentity, any Error> {
        let slow = LookUp(identity, delay: .milliseconds(200))
        let (token, start) = (token, start)
        let first = Task { try await cache.identity(token: token, now: start) { try await slow() } }
        try await Task.sleep(for: .milliseconds(50))
        cache.clear()
        return first
    }

    func looksUpAgain(_ cache: ValidatorTokenCache) async throws -> Bool {
        let later = LookUp(identity)
        _ = try await cache.identity(token: token, now: start.addingTimeInterval(1)) { try await later() }
        return later.count == 1
    }

    @Test func aLookUpUnderWayWhenTheCacheIsClearedIsNotJoined() async throws {
        let cache = ValidatorTokenCache(ttl: 10)
        let first = try await lookUpInterruptedByAClear(cache)
        let joined = LookUp(identity)
        let (token, start) = (token, start)
        let second = Task { try await cache.identity(token: token, now: start) { try await joined() } }
        #expect(try await first.value == identity, "the request that asked still gets its answer")
        _ = try await second.value
        #expect(joined.count == 1, "a request after the clear does not join the look-up from before it")
        #expect(try await !looksUpAgain(cache), "the look-up made after the clear is kept")
    }

    @Test func anAnswerThatArrivesAfterAClearIsNotKept() async throws {
        let cache = ValidatorTokenCache(ttl: 10)
        _ = try await lookUpInterruptedByAClear(cache).value
        #expect(try await looksUpAgain(cache), "the database is asked again")
    }
}
