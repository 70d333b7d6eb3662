import Foundation
import Logging
import ServiceLifecycle
import TongkaPostgres

/// Refunds top-up orders nobody loaded in time to their channel, every `interval` and once at
/// start, in the background (``TopupOrderStore/refundExpired(now:limit:)``).
struct OrderExpiry: Service {
    let store: TopupOrderStore
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                // Batches of 100 until none is left, so a backlog drains in one round.
                while try await store.refundExpired(now: now()) == 100 {}
            } catch {
                logger.warning("order expiry failed; will retry", metadata: ["error": "\(LogSafe.describe(error))"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
