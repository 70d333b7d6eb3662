import Foundation
import Synchronization
import TongkaPostgres

/// Validators' tokens recently seen, for `ttl`: a validator polling every few seconds would
/// otherwise cost a database query per request before its list. A revocation or a group change on
/// this server clears it at once; on another server of the same database it takes effect within
/// `ttl`. Only successful lookups are kept (unknown and revoked tokens always ask the database).
final class ValidatorTokenCache: Sendable {
    private let ttl: TimeInterval
    private let entries = Mutex<[Data: (identity: ValidatorIdentity, until: Date)]>([:])

    init(ttl: TimeInterval) { self.ttl = ttl }

    func identity(token: String, now: Date, lookUp: () async throws -> ValidatorIdentity) async throws -> ValidatorIdentity {
        let key = SessionToken.hash(token)
        if let hit = entries.withLock({ $0[key] }), hit.until > now { return hit.identity }
        let identity = try await lookUp()
        entries.withLock { entries in
            // Bounded: a server serves some thousands of validators; start over beyond that.
            if entries.count >= 100_000 { entries.removeAll() }
            entries[key] = (identity, now.addingTimeInterval(ttl))
        }
        return identity
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
