import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

/// The blacklist (黑名单): staff change and read it; validators download it signed, long-poll for
/// changes and acknowledge what they applied.
extension APIHandler {
    var blacklistStore: BlacklistStore { BlacklistStore(database: database) }
    var validators: ValidatorStore { ValidatorStore(database: database) }

    // MARK: Validators' side

    func getBlacklist(_ input: Operations.GetBlacklist.Input) async throws -> Operations.GetBlacklist.Output {
        let reply = try await blacklistReply(
            since: input.query.since, wait: input.query.wait, issuer: input.query.issuer,
            ifNoneMatch: input.headers.ifNoneMatch, validator: try scope.requireValidator())
        switch reply {
        case .notModified(let etag):
            return .notModified(.init(headers: .init(eTag: etag)))
        case .list(let signed):
            let headers = Operations.GetBlacklist.Output.Ok.Headers(
                eTag: signed.etag, xTongkaVersion: Int64(signed.list.toVersion), xTongkaDropped: signed.dropped)
            let wantsJSON =
                input.query.format == .json
                || (input.query.format == nil && input.headers.accept.first?.contentType == .json)
            if wantsJSON {
                let list = signed.list
                return .ok(
                    .init(
                        headers: headers,
                        body: .json(
                            .init(
                                kind: list.kind == .full ? .full : .delta, fromVersion: Int64(list.fromVersion),
                                toVersion: Int64(list.toVersion), issuedAt: list.issuedAtUnixSeconds, issuerId: list.issuerID,
                                added: list.added.map(\.digits), removed: list.removed.map(\.digits),
                                signature: Data(signed.signature).base64EncodedString()))))
            }
            return .ok(.init(headers: headers, body: .binary(HTTPBody(signed.bytes))))
        }
    }

    /// What a validator's download gets: the list (delta or full, signed) or "not modified". Shared by
    /// the generated route and ``ValidatorListFastPath``, so both decide alike.
    enum BlacklistReply {
        case notModified(etag: String)
        case list(BlacklistPublisher.Signed)
    }

    func blacklistReply(
        since: Int64?, wait: Int?, issuer: String?, ifNoneMatch: String?, validator: ValidatorIdentity
    ) async throws -> BlacklistReply {
        if let issuer, issuer.uppercased() != self.issuer.issuerID {
            throw TongkaError(.wrongOperator, detail: "this server serves issuer \(self.issuer.issuerID)")
        }
        guard let publisher = blacklist else { throw TongkaError(.blacklistKeyUnavailable) }
        let since = try since.map { value throws(TongkaError) -> UInt64 in
            guard value >= 0 else { throw TongkaError(.invalidVersion, detail: "since is 0 or more") }
            return UInt64(value)
        }
        let wait = wait ?? 0
        guard (0...60).contains(wait) else { throw TongkaError(.invalidVersion, detail: "wait is 0 to 60 seconds") }
        switch try await publisher.answer(since: since, wait: .seconds(wait), validator: validator, now: now()) {
        case .current(let version):
            return .notModified(etag: BlacklistPublisher.etag(version: version))
        case .list(let signed):
            if let ifNoneMatch, ifNoneMatch == signed.etag { return .notModified(etag: signed.etag) }
            return .list(signed)
        }
    }

    func acknowledgeBlacklist(
        _ input: Operations.AcknowledgeBlacklist.Input
    ) async throws
        -> Operations.AcknowledgeBlacklist.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let validator = try scope.requireValidator()
        guard body.version >= 0 else { throw TongkaError(.invalidVersion) }
        try await validators.acknowledge(validator, version: UInt64(body.version), now: now())
        return .noContent(.init())
    }

    func validatorHeartbeat(_ input: Operations.ValidatorHeartbeat.Input) async throws -> Operations.ValidatorHeartbeat.Output {
        try await validators.heartbeat(try scope.requireValidator(), now: now())
        return .noContent(.init())
    }

    /// After a change to the list committed through this server: downloads here see it at once
    /// (``BlacklistPublisher/committed()``); if the head cannot be read now, the notification
    /// brings it a few milliseconds later.
    func blacklistChanged() async {
        try? await blacklist?.committed()
    }

    // MARK: Staff side

    func createBlacklistBatch(
        _ input: Operations.CreateBlacklistBatch.Input
    ) async throws
        -> Operations.CreateBlacklistBatch.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        var requests: [BlacklistRequest] = []
        for change in body.changes {
            guard let action = BlacklistAction(rawValue: change.action.rawValue),
                let reason = BlacklistReason(rawValue: change.reason.rawValue)
            else { throw TongkaError(.invalidBlacklistReason) }
            requests.append(BlacklistRequest(card: try CardNumber(anyIssuer: change.cardNumber), action: action, reason: reason))
        }
        let batch = try await blacklistStore.change(
            requests, note: body.note ?? "", approvalSize: blacklistApprovalSize, now: now(), origin: scope.origin)
        await blacklistChanged()
        return .created(.init(body: .json(map(batch))))
    }

    func listBlacklistBatches(
        _ input: Operations.ListBlacklistBatches.Input
    ) async throws
        -> Operations.ListBlacklistBatches.Output
    {
        let state = input.query.state.flatMap { BlacklistBatchView.State(rawValue: $0.rawValue) }
        let page = try await blacklistStore.batches(
            state: state, before: try input.query.cursor.map { c throws(TongkaError) in try PageCursor(token: c) },
            limit: try Page<BlacklistBatchView>.limit(input.query.limit), actor: try scope.actor())
        return .ok(.init(body: .json(.init(next: page.next?.token, batches: page.items.map(map)))))
    }

    func getBlacklistBatch(_ input: Operations.GetBlacklistBatch.Input) async throws -> Operations.GetBlacklistBatch.Output {
        let (batch, changes) = try await blacklistStore.batch(input.path.batchId, actor: try scope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        batch: map(batch),
                        changes: changes.map {
                            .init(
                                cardNumber: $0.card.masked, action: .init(rawValue: $0.action.rawValue)!,
                                reason: .init(rawValue: $0.reason.rawValue)!)
                        }))))
    }

    func approveBlacklistBatch(
        _ input: Operations.ApproveBlacklistBatch.Input
    ) async throws
        -> Operations.ApproveBlacklistBatch.Output
    {
        let batch = try await blacklistStore.approve(batch: input.path.batchId, now: now(), origin: scope.origin)
        await blacklistChanged()
        return .ok(.init(body: .json(map(batch))))
    }

    func rejectBlacklistBatch(
        _ input: Operations.RejectBlacklistBatch.Input
    ) async throws
        -> Operations.RejectBlacklistBatch.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let batch = try await blacklistStore.reject(
            batch: input.path.batchId, note: body.note ?? "", now: now(), origin: scope.origin)
        return .ok(.init(body: .json(map(batch))))
    }

    func undoBlacklistBatch(_ input: Operations.UndoBlacklistBatch.Input) async throws -> Operations.UndoBlacklistBatch.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let batch = try await blacklistStore.undo(
            batch: input.path.batchId, note: body.note ?? "", approvalSize: blacklistApprovalSize, now: now(),
            origin: scope.origin)
        await blacklistChanged()
        return .created(.init(body: .json(map(batch))))
    }

    func importBlacklist(_ input: Operations.ImportBlacklist.Input) async throws -> Operations.ImportBlacklist.Output {
        guard case .plainText(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        // The body limit (TONGKA_LIMITS_IMPORT_BYTES) was applied by the scope middleware.
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        let file = try BlacklistExchangeFile.parse(bytes)
        let result = try await blacklistStore.importExternal(
            file, issuer: input.query.issuer, approvalSize: blacklistApprovalSize, now: now(), origin: scope.origin)
        await blacklistChanged()
        return .created(
            .init(
                body: .json(
                    .init(
                        issuerId: input.query.issuer.uppercased(), listed: result.listed, added: result.added,
                        removed: result.removed, batch: result.batch.map(map)))))
    }

    func exportBlacklist(_ input: Operations.ExportBlacklist.Input) async throws -> Operations.ExportBlacklist.Output {
        let file = try await blacklistStore.ownListed(actor: try scope.actor())
        return .ok(.init(body: .plainText(HTTPBody(file.encoded()))))
    }

    func listBlacklistEntries(
        _ input: Operations.ListBlacklistEntries.Input
    ) async throws
        -> Operations.ListBlacklistEntries.Output
    {
        let page = try await blacklistStore.entries(
            after: try input.query.cursor.map { c throws(TongkaError) in try PageCursor(token: c) },
            limit: try Page<BlacklistEntryView>.limit(input.query.limit), actor: try scope.actor())
        return .ok(.init(body: .json(.init(next: page.next?.token, entries: page.items.map(map)))))
    }

    func getBlacklistCard(_ input: Operations.GetBlacklistCard.Input) async throws -> Operations.GetBlacklistCard.Output {
        let card = try CardNumber(anyIssuer: input.path.cardNumber)
        let actor = try scope.actor()
        let spread = try await validators.propagation(of: card, actor: actor)
        let (entry, history) = (spread.entry, spread.history)
        return .ok(
            .init(
                body: .json(
                    .init(
                        cardNumber: card.masked, listed: entry != nil, entry: entry.map(map),
                        history: history.map {
                            .init(
                                version: Int64($0.change.version), action: .init(rawValue: $0.change.action.rawValue)!,
                                reason: .init(rawValue: $0.change.reason.rawValue)!, batchId: $0.batchID,
                                changedBy: $0.changedBy, changedAt: $0.changedAt)
                        }, version: spread.version.map { Int64($0) }, changedAt: spread.changedAt,
                        activeValidators: spread.activeValidators, appliedValidators: spread.applied,
                        behindValidators: spread.behindCount, behind: spread.behind.map(map)))))
    }

    func registerValidator(_ input: Operations.RegisterValidator.Input) async throws -> Operations.RegisterValidator.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let publicKey = blacklist?.publicKey else { throw TongkaError(.blacklistKeyUnavailable) }
        let registration = try ValidatorRegistration(
            terminalNumber: body.terminalNumber, psamSerial: body.psamSerial, mode: body.mode.rawValue, line: body.line,
            depot: body.depot, group: body.group)
        let (validator, token) = try await validators.register(registration, now: now(), origin: scope.origin)
        return .created(
            .init(
                body: .json(.init(validator: map(validator), token: token, publicKey: publicKey, issuerId: issuer.issuerID))))
    }

    func listValidators(_ input: Operations.ListValidators.Input) async throws -> Operations.ListValidators.Output {
        let page = try await validators.list(
            after: try input.query.cursor.map { c throws(TongkaError) in try PageCursor(token: c) },
            limit: try Page<ValidatorView>.limit(input.query.limit), actor: try scope.actor())
        return .ok(.init(body: .json(.init(next: page.next?.token, validators: page.items.map(map)))))
    }

    func revokeValidator(_ input: Operations.RevokeValidator.Input) async throws -> Operations.RevokeValidator.Output {
        let validator = try await validators.revoke(terminal: input.path.terminalNumber, now: now(), origin: scope.origin)
        validatorTokens.clear()
        return .ok(.init(body: .json(map(validator))))
    }

    func setValidatorGroup(_ input: Operations.SetValidatorGroup.Input) async throws -> Operations.SetValidatorGroup.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        try await validators.setGroup(input.path.groupCode, maximumEntries: body.maxEntries, origin: scope.origin)
        validatorTokens.clear()
        return .noContent(.init())
    }

    func getValidatorReport(_ input: Operations.GetValidatorReport.Input) async throws -> Operations.GetValidatorReport.Output {
        let hours = input.query.maxAgeHours ?? validatorStaleHours
        let (rows, stale, head) = try await validators.report(
            now: now(), maximumAge: TimeInterval(hours * 3600), actor: try scope.actor())
        let dropped = try await droppedEntries(rows: rows)
        return .ok(
            .init(
                body: .json(
                    .init(
                        headVersion: Int64(head), maxAgeHours: hours,
                        rows: rows.map {
                            .init(
                                group: $0.group, mode: map($0.mode), maxEntries: $0.maximumEntries, active: $0.active,
                                upToDate: $0.upToDate, stale: $0.stale, droppedEntries: dropped[$0.group] ?? 0)
                        }, stale: stale.map(map)))))
    }

    /// Entries each limited group's list leaves out now.
    private func droppedEntries(rows: [ValidatorReportRow]) async throws -> [String: Int] {
        let limited = rows.filter { $0.maximumEntries != nil }
        guard !limited.isEmpty else { return [:] }
        let count = try await blacklistStore.validatorEntryCount(today: CalendarDate(now(), in: database.settings.timeZone))
        var dropped: [String: Int] = [:]
        for row in limited { dropped[row.group] = max(0, count - row.maximumEntries!) }
        return dropped
    }

    // MARK: The issuer whitelist

    var whitelists: IssuerWhitelistStore { IssuerWhitelistStore(database: database) }

    func getIssuerWhitelist(_ input: Operations.GetIssuerWhitelist.Input) async throws -> Operations.GetIssuerWhitelist.Output {
        _ = try scope.requireValidator()
        guard let publisher = blacklist else { throw TongkaError(.blacklistKeyUnavailable) }
        let served = try await whitelists.served()
        let file = served.whitelist.encoded()
        // The file's CRC is part of the tag: the operator's own prefixes (configuration) are in it too.
        let etag = "\"w\(served.version)-\(String(CRC32.checksum(file), radix: 16))\""
        if let match = input.headers.ifNoneMatch, match == etag { return .notModified(.init(headers: .init(eTag: etag))) }
        let signature = try publisher.signature(of: file)
        return .ok(
            .init(
                headers: .init(
                    eTag: etag, xTongkaVersion: served.version, xTongkaSignature: Data(signature).base64EncodedString()),
                body: .plainText(HTTPBody(file))))
    }

    func listIssuerWhitelist(_ input: Operations.ListIssuerWhitelist.Input) async throws -> Operations.ListIssuerWhitelist.Output
    {
        guard BlacklistPolicy.readers.contains(try scope.actor().role) else { throw TongkaError(.forbiddenRole) }
        let served = try await whitelists.served()
        let own = issuer.cardNumberPrefixes
        return .ok(
            .init(
                body: .json(
                    .init(
                        version: served.version, importedAt: served.importedAt, importedBy: served.importedBy,
                        entries: served.whitelist.entries.map {
                            .init(cardPrefix: $0.cardPrefix, issuerId: $0.issuerID, own: own.contains($0.cardPrefix))
                        }))))
    }

    func importIssuerWhitelist(
        _ input: Operations.ImportIssuerWhitelist.Input
    ) async throws
        -> Operations.ImportIssuerWhitelist.Output
    {
        guard case .plainText(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        // The body limit (TONGKA_LIMITS_IMPORT_BYTES) was applied by the scope middleware.
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        let whitelist = try IssuerWhitelist.parse(bytes)
        let result = try await whitelists.importFile(whitelist, now: now(), origin: scope.origin)
        return .created(
            .init(
                body: .json(
                    .init(
                        version: result.version, entries: result.entries, added: result.added, removed: result.removed,
                        changed: result.changed))))
    }

    // MARK: Mapping

    func map(_ batch: BlacklistBatchView) -> Components.Schemas.BlacklistBatch {
        .init(
            batchId: batch.batchID, kind: .init(rawValue: batch.kind) ?? .manual, note: batch.note, size: batch.size,
            state: .init(rawValue: batch.state.rawValue)!, createdBy: batch.createdBy, createdAt: batch.createdAt,
            approvedBy: batch.approvedBy, rejectedBy: batch.rejectedBy, undoesBatch: batch.undoesBatch, undoneBy: batch.undoneBy,
            firstVersion: batch.firstVersion.map { Int64($0) }, lastVersion: batch.lastVersion.map { Int64($0) },
            skipped: batch.skipped)
    }

    func map(_ entry: BlacklistEntryView) -> Components.Schemas.BlacklistEntry {
        .init(
            cardNumber: entry.card.masked, reason: .init(rawValue: entry.reason.rawValue)!, version: Int64(entry.version),
            listedAt: entry.listedAt, validTo: entry.validTo?.description)
    }

    func map(_ validator: ValidatorView) -> Components.Schemas.Validator {
        let registration = validator.registration
        return .init(
            terminalNumber: registration.terminalNumber, psamSerial: registration.psamSerial, mode: map(registration.mode),
            line: registration.line, depot: registration.depot, group: registration.group,
            registeredAt: validator.registeredAt, revoked: validator.revokedAt != nil, revokedAt: validator.revokedAt,
            appliedVersion: validator.appliedVersion.map { Int64($0) }, appliedAt: validator.appliedAt,
            lastSeenAt: validator.lastSeenAt)
    }

}
