import Foundation
import Synchronization
import TongkaDomain

/// Throttles login attempts before any password is hashed: one token bucket per client address
/// and one per user name (``TokenBucket``, the policy). Addresses the user has logged in from
/// before skip the per-user bucket, so a flood against a known user name does not keep that user
/// out of their own counter; the per-address bucket still applies to everyone.
///
/// In memory: right for one server process (the buckets restart empty-handed, i.e. full, when the
/// server restarts, and several servers would each allow the full rate). Several servers behind a
/// balancer would need a shared store. Full buckets are forgotten, so memory follows the
/// addresses and names that were refused recently, and is capped at `maximumEntries` per kind.
actor LoginThrottle {
    let limits: LoginLimits
    let maximumEntries: Int
    private var addresses: [String: TokenBucket] = [:]
    private var users: [String: TokenBucket] = [:]

    init(limits: LoginLimits, maximumEntries: Int = 20_000) {
        self.limits = limits
        self.maximumEntries = maximumEntries
    }

    /// Takes one attempt from the address's bucket; throws `too_many_attempts` with the seconds
    /// to wait.
    func admit(address: String, now: Date) throws(TongkaError) {
        try take(&addresses, key: address, perMinute: limits.perAddressPerMinute, now: now)
    }

    /// Takes one attempt from the user name's bucket (skipped by the caller for known addresses).
    func admit(username: String, now: Date) throws(TongkaError) {
        try take(&users, key: username, perMinute: limits.perUserPerMinute, now: now)
    }

    private func take(_ buckets: inout [String: TokenBucket], key: String, perMinute: Int, now: Date) throws(TongkaError) {
        var bucket = buckets[key] ?? TokenBucket(perMinute: perMinute, now: now)
        let decision = bucket.take(now: now)
        buckets[key] = bucket
        if buckets.count > maximumEntries { Self.prune(&buckets, keep: maximumEntries, now: now) }
        if case .refused(let seconds) = decision {
            throw TongkaError(.tooManyAttempts, retryAfter: seconds)
        }
    }

    /// Forgets full buckets; if that is not enough, the fullest ones (the least recently drained).
    static func prune(_ buckets: inout [String: TokenBucket], keep: Int, now: Date) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        guard buckets.count > keep else { return }
        let emptiest = buckets.sorted { $0.value.tokens(at: now) < $1.value.tokens(at: now) }.prefix(keep / 2)
        buckets = Dictionary(uniqueKeysWithValues: emptiest.map { ($0.key, $0.value) })
    }
}

/// Bounds how many logins check a password at once. The hashes run on a small thread pool: queued
/// behind a flood, a real login would wait for every attempt before it. A login that finds every
/// slot taken is refused at once with `login_busy`, never queued.
final class HashSlots: Sendable {
    let limit: Int
    private let inUse = Mutex(0)

    init(limit: Int) { self.limit = max(1, limit) }

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let entered = inUse.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard entered else { throw TongkaError(.loginBusy, retryAfter: 1) }
        defer { inUse.withLock { $0 -= 1 } }
        return try await body()
    }
}
