import Foundation
import Logging
import ServiceLifecycle
import TongkaDomain
import TongkaPostgres

/// Background housekeeping: `work` once at start and then every `interval`, until shutdown. A
/// failure is logged and retried at the next round.
struct PeriodicJob: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await work()
            } catch {
                logger.warning("\(name) failed; will retry", metadata: ["error": "\(LogSafe.describe(error))"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}

extension PeriodicJob {
    /// Deletes idempotency keys past their retention period, hourly. A key answers its first
    /// result for the whole retention period (30 days by default): far longer than any counter retries.
    static func idempotencyPruner(_ store: IdempotencyStore, now: @escaping @Sendable () -> Date, logger: Logger) -> Self {
        PeriodicJob(name: "idempotency key pruning", interval: .seconds(3600), logger: logger) {
            let purged = try await store.purgeIdempotencyKeys(now: now())
            if purged > 0 { logger.info("expired idempotency keys deleted", metadata: ["count": "\(purged)"]) }
        }
    }

    /// Refunds top-up orders nobody loaded in time to their channel, every five minutes
    /// (``TopupOrderStore/refundExpired(now:limit:)``), in batches of 100 until none is left.
    static func orderExpiry(_ store: TopupOrderStore, now: @escaping @Sendable () -> Date, logger: Logger) -> Self {
        PeriodicJob(name: "order expiry", interval: .seconds(300), logger: logger) {
            while try await store.refundExpired(now: now()) == 100 {}
        }
    }

    /// Settles replacements past their waiting period (``LossStore/settleDue(now:limit:)``), every
    /// ten minutes, 100 at a time until none is due.
    static func replacementSettlement(_ store: LossStore, now: @escaping @Sendable () -> Date, logger: Logger) -> Self {
        PeriodicJob(name: "replacement settlement", interval: .seconds(600), logger: logger) {
            while try await store.settleDue(now: now()) == 100 {}
        }
    }

    /// Takes cards past their valid-to date off validators' lists, hourly, in the operator's time
    /// zone (``BlacklistStore/expire(today:now:limit:)``), in batches of 10,000 until none is left.
    static func blacklistExpiry(
        _ store: BlacklistStore, publisher: BlacklistPublisher, timeZone: TimeZone, now: @escaping @Sendable () -> Date,
        logger: Logger
    ) -> Self {
        PeriodicJob(name: "blacklist expiry", interval: .seconds(3600), logger: logger) {
            var expired = 0
            repeat {
                expired = try await store.expire(today: CalendarDate(now(), in: timeZone), now: now())
                if expired > 0 { try await publisher.committed() }
            } while expired == 10_000
        }
    }
}
