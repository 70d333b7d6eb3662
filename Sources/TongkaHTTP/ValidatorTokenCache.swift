import Foundation
import Synchronization
import TongkaPostgres

/// Validators' tokens recently seen, for `ttl`: a validator polling every few seconds would
/// otherwise cost a database query per request before its list. A revocation or a group change on
/// this server clears it at once; on another server of the same database it takes effect within
/// `ttl`. Only successful lookups are kept (unknown and revoked tokens always ask the database).
///
/// Requests with the same token that miss at the same time share one lookup: without that, a
/// burst of requests of one validator (or many validators sharing a token after a restart) all
/// went to the database, and each slow lookup let more requests pile up behind it.
final class ValidatorTokenCache: Sendable {
    private struct State {
        var entries: [Data: (identity: ValidatorIdentity, until: Date)] = [:]
        var inFlight: [Data: (generation: Int, task: Task<ValidatorIdentity, any Error>)] = [:]
        /// Moves on with every `clear()`: a lookup that started before a revocation does not keep
        /// its answer.
        var generation = 0
    }

    private let ttl: TimeInterval
    private let state = Mutex(State())

    init(ttl: TimeInterval) { self.ttl = ttl }

    func identity(
        token: String, now: Date, lookUp: @escaping @Sendable () async throws -> ValidatorIdentity
    ) async throws -> ValidatorIdentity {
        let key = SessionToken.hash(token)
        enum Step {
            case hit(ValidatorIdentity)
            case join(Task<ValidatorIdentity, any Error>)
        }
        let step = state.withLock { state -> Step in
            if let hit = state.entries[key], hit.until > now { return .hit(hit.identity) }
            if let running = state.inFlight[key] { return .join(running.task) }
            let generation = state.generation
            let task = Task { [ttl] in
                defer { self.finished(key, generation: generation) }
                let identity = try await lookUp()
                self.state.withLock { state in
                    guard state.generation == generation else { return }
                    // Bounded: a server serves some thousands of validators; start over beyond that.
                    if state.entries.count >= 100_000 { state.entries.removeAll() }
                    state.entries[key] = (identity, now.addingTimeInterval(ttl))
                }
                return identity
            }
            state.inFlight[key] = (generation, task)
            return .join(task)
        }
        switch step {
        case .hit(let identity): return identity
        case .join(let task): return try await task.value
        }
    }

    private func finished(_ key: Data, generation: Int) {
        state.withLock { state in
            if state.inFlight[key]?.generation == generation { state.inFlight[key] = nil }
        }
    }

    func clear() {
        state.withLock { state in
            state.entries.removeAll()
            // Lookups under way finish for their callers, but neither stays nor is joined.
            state.inFlight.removeAll()
            state.generation += 1
        }
    }
}
