import Foundation
import Testing
import TongkaDomain

@Suite struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aFullBucketLetsTheBurstThroughThenRefusesWithTheSecondsToWait() {
        var bucket = TokenBucket(perMinute: 3, now: start)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start) == .allowed)
        // Three a minute: one token every 20 seconds.
        #expect(bucket.take(now: start) == .refused(retryAfterSeconds: 20))
        #expect(bucket.take(now: start.addingTimeInterval(5)) == .refused(retryAfterSeconds: 15))
    }

    @Test func tokensComeBackWithTimeUpToTheCapacity() {
        var bucket = TokenBucket(perMinute: 2, now: start)
        _ = bucket.take(now: start)
        _ = bucket.take(now: start)
        #expect(!bucket.isFull(at: start))
        #expect(bucket.take(now: start.addingTimeInterval(30)) == .allowed)
        #expect(bucket.take(now: start.addingTimeInterval(30)) == .refused(retryAfterSeconds: 30))
        #expect(bucket.isFull(at: start.addingTimeInterval(3600)))
        #expect(bucket.tokens(at: start.addingTimeInterval(3600)) == 2)
    }

    @Test func aClockThatGoesBackwardsAddsNoTokens() {
        var bucket = TokenBucket(perMinute: 1, now: start)
        #expect(bucket.take(now: start) == .allowed)
        #expect(bucket.take(now: start.addingTimeInterval(-600)) == .refused(retryAfterSeconds: 60))
    }

    @Test func theDefaultsAreThirtyPerAddressTenPerUserAndTwoHashes() {
        #expect(LoginLimits.standard == LoginLimits(perAddressPerMinute: 30, perUserPerMinute: 10, concurrentHashes: 2))
    }
}

@Suite struct LockoutPolicyTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = LockoutPolicy(pairThreshold: 5, userThreshold: 50, duration: 900)

    /// Reserves `count` failed attempts from one address, feeding the counts back as the store does.
    func fail(
        _ count: Int, pair: inout FailureCount, user: inout FailureCount, known: Bool = false, now: Date
    ) -> [LockoutPolicy.Reservation] {
        (0..<count).map { _ in
            let reservation = policy.reserve(pair: pair, user: user, knownAddress: known, now: now)
            if case .reserved(let newPair, let newUser, _, _) = reservation {
                pair = newPair
                user = newUser
            }
            return reservation
        }
    }

    @Test func theFifthFailureFromAnAddressLocksThatAddressOnly() {
        var pair = FailureCount()
        var user = FailureCount()
        let results = fail(6, pair: &pair, user: &user, now: start)
        let until = start.addingTimeInterval(900)
        #expect(
            results[3]
                == .reserved(pair: FailureCount(failures: 4), user: FailureCount(failures: 4), failuresInARow: 4, locksOut: false)
        )
        #expect(
            results[4]
                == .reserved(
                    pair: FailureCount(failures: 0, lockedUntil: until), user: FailureCount(failures: 5), failuresInARow: 5,
                    locksOut: true))
        #expect(results[5] == .locked(until: until))
        // Another address has its own count, and the per-user count is far from its threshold.
        #expect(policy.reserve(pair: FailureCount(), user: user, knownAddress: false, now: start) != .locked(until: until))
    }

    @Test func aPairLockLiftsByItselfAndTheCountStartsAfresh() {
        let lock = FailureCount(failures: 0, lockedUntil: start.addingTimeInterval(900))
        let later = start.addingTimeInterval(901)
        #expect(
            policy.reserve(pair: lock, user: FailureCount(), knownAddress: true, now: start) == .locked(until: lock.lockedUntil!))
        #expect(
            policy.reserve(pair: lock, user: FailureCount(), knownAddress: true, now: later)
                == .reserved(pair: FailureCount(failures: 1), user: FailureCount(failures: 1), failuresInARow: 1, locksOut: false)
        )
    }

    @Test func manyFailuresFromManyAddressesLockTheUserOutOfUnknownAddressesButNotKnownOnes() {
        var user = FailureCount()
        for _ in 0..<50 {
            var pair = FailureCount()
            _ = fail(1, pair: &pair, user: &user, now: start)
        }
        let until = start.addingTimeInterval(900)
        #expect(user == FailureCount(failures: 0, lockedUntil: until))
        #expect(policy.reserve(pair: FailureCount(), user: user, knownAddress: false, now: start) == .locked(until: until))
        guard case .reserved = policy.reserve(pair: FailureCount(), user: user, knownAddress: true, now: start) else {
            Issue.record("a known address is kept out by the per-user lock")
            return
        }
        // The right password from the known address keeps the per-user lock for the others.
        #expect(policy.afterSuccess(user: user, now: start) == FailureCount(failures: 0, lockedUntil: until))
        #expect(policy.afterSuccess(user: user, now: until) == FailureCount())
    }
}
