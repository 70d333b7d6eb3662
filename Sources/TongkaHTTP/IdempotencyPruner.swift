import Foundation
import Logging
import ServiceLifecycle
import TongkaPostgres

/// Deletes idempotency keys past their retention period, hourly and once at start, in the
/// background. A key answers its first result for the whole retention period (30 days by
/// default): far longer than any counter retries.
struct IdempotencyPruner: Service {
    let store: IdempotencyStore
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                let purged = try await store.purgeIdempotencyKeys(now: now())
                if purged > 0 { logger.info("expired idempotency keys deleted", metadata: ["count": "\(purged)"]) }
            } catch {
                logger.warning("idempotency key pruning failed; will retry", metadata: ["error": "\(LogSafe.describe(error))"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
