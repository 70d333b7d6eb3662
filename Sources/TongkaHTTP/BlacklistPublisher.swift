import Crypto
import Foundation
import Metrics
import Synchronization
import TongkaDomain
import TongkaPostgres

/// Builds and signs what validators download: a delta from the version they hold, or the full
/// list (docs/blacklist-format.md). Full lists (per version, day and size limit) and deltas (per
/// pair of versions) are cached: validators that start fresh, or synced at the same version, ask
/// for the same bytes.
final class BlacklistPublisher: Sendable {
    /// A list ready to send.
    struct Signed: Sendable {
        let list: BlacklistList
        let bytes: [UInt8]
        let signature: [UInt8]
        /// Entries a group's size limit left out of a full list.
        let dropped: Int
        var etag: String { BlacklistPublisher.etag(version: list.toVersion) }
    }

    enum Answer: Sendable {
        case list(Signed)
        /// The validator holds the newest version.
        case current(version: UInt64)
    }

    let store: BlacklistStore
    let signingKey: Curve25519.Signing.PrivateKey?
    let issuerID: String
    let timeZone: TimeZone
    /// A validator further behind than this many changes gets the full list (the compaction horizon).
    let maximumDeltaChanges: Int
    let watcher: BlacklistWatcher
    private let fullCache = Mutex<[String: Signed]>([:])
    private let deltaCache = Mutex<[String: Signed]>([:])

    init(
        store: BlacklistStore, signingKey: Curve25519.Signing.PrivateKey?, issuerID: String, timeZone: TimeZone,
        maximumDeltaChanges: Int, watcher: BlacklistWatcher
    ) {
        self.store = store
        self.signingKey = signingKey
        self.issuerID = issuerID
        self.timeZone = timeZone
        self.maximumDeltaChanges = maximumDeltaChanges
        self.watcher = watcher
    }

    static func etag(version: UInt64) -> String { "\"v\(version)\"" }

    /// The public half of the signing key, for validators (base64 of 32 bytes).
    var publicKey: String? { signingKey.map { $0.publicKey.rawRepresentation.base64EncodedString() } }

    /// What a validator holding `since` (nil: nothing) should get, waiting up to `wait` for a
    /// newer version when it holds the newest.
    func answer(since: UInt64?, wait: Duration, validator: ValidatorIdentity, now: Date) async throws -> Answer {
        guard signingKey != nil else { throw TongkaError(.blacklistKeyUnavailable) }
        var head: UInt64
        // A validator holding a version newer than the notifications here (learnt from another
        // server) has the database asked, rather than being sent the full list.
        if let known = await watcher.knownHead, since.map({ $0 <= known }) ?? true {
            head = known
        } else {
            head = try await store.head().version
        }
        if let since, since == head, wait > .zero {
            head = max(head, await watcher.wait(after: since, timeout: wait))
            if head == since { head = try await store.head().version }
        }
        if let since, since == head { return .current(version: head) }
        // A group whose hardware holds fewer entries than the list always gets the full list, cut.
        if let since, since > 0, since < head, head - since <= UInt64(maximumDeltaChanges), validator.maximumEntries == nil {
            return .list(try await delta(from: since, to: head, now: now))
        }
        let signed = try await full(head: head, maximumEntries: validator.maximumEntries, now: now)
        Gauge(label: "tongka_blacklist_dropped_entries", dimensions: [("group", validator.group)]).record(signed.dropped)
        return .list(signed)
    }

    /// Called after a blacklist change committed through this server, so the next download here
    /// sees it without waiting for the notification.
    func committed() async throws {
        await watcher.committed(head: try await store.head().version)
    }

    /// The delta from `from` to `to`; validators that synced at the same version share one.
    private func delta(from: UInt64, to: UInt64, now: Date) async throws -> Signed {
        let key = "\(from)-\(to)"
        if let cached = deltaCache.withLock({ $0[key] }) { return cached }
        let changes = BlacklistLog.delta(after: try await store.changes(after: from, through: to))
        let list = try BlacklistList(
            kind: .delta, fromVersion: from, toVersion: to, issuedAtUnixSeconds: Int64(now.timeIntervalSince1970),
            issuerID: issuerID, added: changes.added, removed: changes.removed)
        let signed = try sign(list, dropped: 0)
        deltaCache.withLock { cache in
            // Only deltas to the newest version are asked for again; a few hundred at most.
            cache = cache.filter { $0.value.list.toVersion == to }
            if cache.count >= 256 { cache.removeAll() }
            cache[key] = signed
        }
        return signed
    }

    /// The full list at `head` or newer: from the cache when it holds `head`'s (read before the
    /// entries, so a cached list costs no reading of the whole list), else read and signed.
    private func full(head: UInt64, maximumEntries: Int?, now: Date) async throws -> Signed {
        // The day is part of the key: a card past its valid-to date leaves tomorrow's list.
        let today = CalendarDate(now, in: timeZone)
        func key(_ version: UInt64) -> String { "\(version)/\(today)/\(maximumEntries.map(String.init) ?? "-")" }
        if let cached = fullCache.withLock({ $0[key(head)] }) { return cached }
        let (version, entries) = try await store.validatorEntries(today: today)
        let cacheKey = key(version)
        let (kept, dropped) = BlacklistTruncation.keep(entries, maximum: maximumEntries)
        let list = try BlacklistList(
            kind: .full, fromVersion: 0, toVersion: version, issuedAtUnixSeconds: Int64(now.timeIntervalSince1970),
            issuerID: issuerID, added: kept, removed: [])
        let signed = try sign(list, dropped: dropped)
        fullCache.withLock { cache in
            // Only the newest version's lists are worth keeping.
            cache = cache.filter { $0.key.hasPrefix("\(version)/\(today)/") }
            cache[cacheKey] = signed
        }
        return signed
    }

    /// The Ed25519 signature of `bytes` (the whitelist file) with the blacklist key.
    func signature(of bytes: [UInt8]) throws -> [UInt8] {
        guard let signingKey else { throw TongkaError(.blacklistKeyUnavailable) }
        return Array(try signingKey.signature(for: bytes))
    }

    private func sign(_ list: BlacklistList, dropped: Int) throws -> Signed {
        guard let signingKey else { throw TongkaError(.blacklistKeyUnavailable) }
        let portion = list.signedPortion()
        let signature = Array(try signingKey.signature(for: portion))
        return Signed(
            list: list, bytes: try BlacklistList.assemble(signedPortion: portion, signature: signature), signature: signature,
            dropped: dropped)
    }
}
