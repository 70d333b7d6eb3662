import Foundation

/// How many login attempts are let through to the password check, per client address and per user
/// name, and how many password hashes may run at once. The defaults are written only here.
public struct LoginLimits: Sendable, Equatable {
    /// Attempts per minute from one client address (also the burst).
    public var perAddressPerMinute: Int
    /// Attempts per minute for one user name from addresses it never logged in from (also the burst).
    public var perUserPerMinute: Int
    /// Password hashes running at once for logins; more attempts are refused at once, never queued.
    public var concurrentHashes: Int

    public static let standard = LoginLimits(perAddressPerMinute: 30, perUserPerMinute: 10, concurrentHashes: 2)

    public init(perAddressPerMinute: Int, perUserPerMinute: Int, concurrentHashes: Int) {
        self.perAddressPerMinute = perAddressPerMinute
        self.perUserPerMinute = perUserPerMinute
        self.concurrentHashes = concurrentHashes
    }
}

/// What a throttle says about one attempt.
public enum ThrottleDecision: Sendable, Equatable {
    case allowed
    /// Refused; a token is there again after this many whole seconds (at least 1).
    case refused(retryAfterSeconds: Int)
}

/// A token bucket: holds up to `capacity` attempts, refilled continuously at `perMinute` per minute.
/// A pure value: the caller passes the clock.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let refillPerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Date

    /// A full bucket of `perMinute` tokens that refills at `perMinute` per minute.
    public init(perMinute: Int, now: Date) {
        capacity = Double(max(1, perMinute))
        refillPerSecond = Double(max(1, perMinute)) / 60
        tokens = capacity
        updatedAt = now
    }

    /// The tokens there would be at `now` (a clock that went backwards adds nothing).
    public func tokens(at now: Date) -> Double {
        let elapsed = max(0, now.timeIntervalSince(updatedAt))
        return min(capacity, tokens + elapsed * refillPerSecond)
    }

    /// Whether the bucket has refilled completely: such a bucket can be forgotten.
    public func isFull(at now: Date) -> Bool { tokens(at: now) >= capacity }

    /// Takes one token when there is one.
    public mutating func take(now: Date) -> ThrottleDecision {
        let available = tokens(at: now)
        updatedAt = max(updatedAt, now)
        guard available >= 1 else {
            tokens = available
            return .refused(retryAfterSeconds: max(1, Int(((1 - available) / refillPerSecond).rounded(.up))))
        }
        tokens = available - 1
        return .allowed
    }
}

/// Wrong passwords counted for a lockout: how many in a row, and a lock, if one is set.
public struct FailureCount: Sendable, Equatable {
    public var failures: Int
    public var lockedUntil: Date?

    public init(failures: Int = 0, lockedUntil: Date? = nil) {
        self.failures = failures
        self.lockedUntil = lockedUntil
    }

    public func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }
}

/// The lockout after wrong passwords. Failures are counted per (user, client address) pair, so a
/// guesser at one address locks out only that address: the clerk still logs in from the counter.
/// A second, much higher count per user (from every address) bounds guessing spread over many
/// addresses; its lock keeps out only addresses the user never logged in from successfully.
///
/// Every attempt is counted before the password is checked (``reserve``), so parallel guesses
/// cannot exceed a threshold; the attempt that reaches it sets the lock and starts the count afresh.
public struct LockoutPolicy: Sendable, Equatable {
    /// Wrong passwords in a row from one address that lock that address out for the user.
    public var pairThreshold: Int
    /// Wrong passwords in a row from anywhere that lock the user out of unknown addresses.
    public var userThreshold: Int
    public var duration: TimeInterval

    /// The default of `userThreshold` (`TONGKA_LOCKOUT_USER_THRESHOLD`).
    public static let standardUserThreshold = 50

    public init(pairThreshold: Int, userThreshold: Int, duration: TimeInterval) {
        self.pairThreshold = pairThreshold
        self.userThreshold = userThreshold
        self.duration = duration
    }

    public enum Reservation: Sendable, Equatable {
        /// No attempt now; the lock lifts at `until`.
        case locked(until: Date)
        /// The attempt may check the password; store `pair` and `user`. `failuresInARow` counts this
        /// attempt as failed (it is, unless the password turns out right); `locksOut` when it set a lock.
        case reserved(pair: FailureCount, user: FailureCount, failuresInARow: Int, locksOut: Bool)
    }

    /// Reserves one attempt from an address. `knownAddress`: the user has logged in from it
    /// successfully before, so the per-user lock does not apply there.
    public func reserve(pair: FailureCount, user: FailureCount, knownAddress: Bool, now: Date) -> Reservation {
        if let until = pair.lockedUntil, until > now { return .locked(until: until) }
        if !knownAddress, let until = user.lockedUntil, until > now { return .locked(until: until) }
        var pair = pair.lockedUntil == nil ? pair : FailureCount()
        var user = user
        if let until = user.lockedUntil, until <= now { user = FailureCount() }
        pair.failures += 1
        user.failures += 1
        let failuresInARow = pair.failures
        var locksOut = false
        let lockUntil = now.addingTimeInterval(duration)
        if pair.failures >= pairThreshold {
            pair = FailureCount(failures: 0, lockedUntil: lockUntil)
            locksOut = true
        }
        if user.failures >= userThreshold {
            user = FailureCount(failures: 0, lockedUntil: max(user.lockedUntil ?? lockUntil, lockUntil))
            locksOut = true
        }
        return .reserved(pair: pair, user: user, failuresInARow: failuresInARow, locksOut: locksOut)
    }

    /// After the right password: the address starts afresh and the per-user count too; a per-user
    /// lock still in force stays (it keeps guessers at other addresses out).
    public func afterSuccess(user: FailureCount, now: Date) -> FailureCount {
        FailureCount(failures: 0, lockedUntil: user.isLocked(at: now) ? user.lockedUntil : nil)
    }
}
