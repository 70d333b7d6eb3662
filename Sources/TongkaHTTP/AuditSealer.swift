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
            do {
                try await audit.seal()
            } catch {
                logger.warning("audit sealing failed; will retry", metadata: ["error": "\(LogSafe.describe(error))"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
