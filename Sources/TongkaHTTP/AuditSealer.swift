import Logging
import ServiceLifecycle
import TongkaPostgres

/// Links new audit events into the hash chain every few seconds, in the background.
struct AuditSealer: Service {
    let audit: AuditStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            await sealNow()
            // Wakes at once on a graceful shutdown, so the server stops without waiting a period.
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
        // Seal what was logged up to the shutdown, unless the shutdown is a hard cancellation.
        if !Task.isCancelled { await sealNow() }
    }

    private func sealNow() async {
        do {
            try await audit.seal()
        } catch {
            logger.warning("audit sealing failed; will retry", metadata: ["error": "\(LogSafe.describe(error))"])
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
