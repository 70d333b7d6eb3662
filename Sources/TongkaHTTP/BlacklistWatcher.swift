import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TongkaPostgres

/// The newest blacklist version, learnt from PostgreSQL `LISTEN tongka_blacklist` (the log's
/// trigger notifies at commit), and the long-polling requests waiting for a newer one. No polling
/// loop: the one loop here reconnects after a lost connection, reading the head again each time.
///
/// While the listener is connected its head answers validators' downloads without a query
/// (``knownHead``). It lags a commit only by the notification's delivery, a few milliseconds;
/// a blacklist change made through this server calls ``committed(head:)`` with the head read
/// after its commit, so a request that follows it on this server always sees it.
actor BlacklistWatcher: Service {
    private let client: PostgresClient
    private let logger: Logger
    private var head: UInt64 = 0
    /// True between reading the head after `LISTEN` and losing the connection.
    private var listening = false
    private var waiters: [UUID: (after: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Waits until a version newer than `version` is committed, or `timeout` passes, or the task
    /// is cancelled; returns the newest version known then.
    func wait(after version: UInt64, timeout: Duration) async -> UInt64 {
        if head > version { return head }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.release(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[id] = (version, continuation)
            }
        } onCancel: {
            Task { await self.release(id) }
        }
        timer.cancel()
        return head
    }

    /// The newest version, when the listener is connected; nil when it is not and the caller must
    /// read the head from the database.
    var knownHead: UInt64? { listening ? head : nil }

    /// A change committed through this server: `head` was read after its commit.
    func committed(head version: UInt64) { advance(to: version) }

    private func release(_ id: UUID) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }

    private func advance(to version: UInt64) {
        guard version > head else { return }
        head = version
        for (id, waiter) in waiters where waiter.after < version {
            waiters.removeValue(forKey: id)
            waiter.continuation.resume()
        }
    }

    func run() async throws {
        while !Task.isCancelledOrShuttingDown {
            do {
                try await cancelWhenGracefulShutdown { try await self.listen() }
                listening = false
            } catch is CancellationError {
                listening = false
                break
            } catch {
                listening = false
                if Task.isCancelledOrShuttingDown { break }
                logger.warning(
                    "blacklist listener lost its connection; reconnecting", metadata: ["error": "\(LogSafe.describe(error))"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        for (id, _) in waiters { release(id) }
    }

    private func startListening() { listening = true }

    private func listen() async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: "tongka_blacklist") { notifications in
                // Read after LISTEN is in place, so no commit falls between the two.
                let current =
                    try await connection.query(
                        "SELECT version FROM blacklist_head", logger: self.logger
                    ).collect().first?.decode(Int64.self) ?? 0
                self.advance(to: UInt64(current))
                self.startListening()
                for try await notification in notifications {
                    if let version = UInt64(notification.payload) { self.advance(to: version) }
                }
            }
        }
    }
}
