import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Loss reports (挂失), reclaims (解挂), replacements (补卡) and the permanent block of old cards.
/// Rules: `LossPolicy`; SQL: `LossStore`.
extension APIHandler {
    var losses: LossStore { LossStore(database: database) }

    func reportLoss(_ input: Operations.ReportLoss.Input) async throws -> Operations.ReportLoss.Output {
        let started = ContinuousClock.now
        // Every self-service answer, accepted or refused, waits until the same floor has passed,
        // so its timing does not tell whether the card exists or whose it is.
        do {
            guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
            let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
            let document = try IdentityDocument(type: map(body.documentType), number: body.documentNumber)
            let (report, existing) = try await losses.selfReport(
                card: number, document: document, now: now(), origin: scope.origin)
            if !existing { await blacklistChanged() }
            try await answerFloor(started)
            return .created(.init(body: .json(map(report, staff: false, existing: existing, replayed: nil))))
        } catch {
            try? await answerFloor(started)
            throw error
        }
    }

    func getLossReport(_ input: Operations.GetLossReport.Input) async throws -> Operations.GetLossReport.Output {
        let started = ContinuousClock.now
        do {
            let reference = try LossReference(input.path.reference)
            let document = try IdentityDocument(
                type: map(input.headers.xTongkaDocumentType), number: input.headers.xTongkaDocumentNumber)
            let detail = try await losses.detail(reference: reference, document: document, now: now(), origin: scope.origin)
            try await answerFloor(started)
            return .ok(.init(headers: .init(cacheControl: "no-store"), body: .json(map(detail, staff: false))))
        } catch {
            try? await answerFloor(started)
            throw error
        }
    }

    /// Sleeps until the self-service answer floor (`TONGKA_LOSS_ANSWER_MS`) has passed since `started`.
    func answerFloor(_ started: ContinuousClock.Instant) async throws {
        let floor = database.settings.loss.answerFloor
        let elapsed = ContinuousClock.now - started
        if elapsed < floor { try await Task.sleep(for: floor - elapsed) }
    }

    func reportCardLoss(_ input: Operations.ReportCardLoss.Input) async throws -> Operations.ReportCardLoss.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let document = try document(type: body.documentType, number: body.documentNumber)
        let (report, existing) = try await losses.report(card: number, document: document, now: now(), origin: scope.origin)
        if !existing { await blacklistChanged() }
        return .created(.init(body: .json(map(report, staff: true, existing: existing, replayed: nil))))
    }

    func getCardLossReport(_ input: Operations.GetCardLossReport.Input) async throws -> Operations.GetCardLossReport.Output {
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let detail = try await losses.detail(card: number, origin: scope.origin)
        return .ok(.init(body: .json(map(detail, staff: true))))
    }

    func reclaimCard(_ input: Operations.ReclaimCard.Input) async throws -> Operations.ReclaimCard.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let document = try document(type: body.documentType, number: body.documentNumber)
        let challenge = try Self.challenge(body.challenge)
        let identity = try cardIdentity(number)
        let report = try await losses.reclaim(card: number, document: document, now: now(), origin: scope.origin)
        await blacklistChanged()
        let unblock: [UInt8]
        do {
            unblock = try host.applicationUnblockCommand(card: identity, challenge: challenge, keyVersion: 1)
        } catch {
            throw Self.translate(error, mac: .invalidCardResponse)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        report: map(report, staff: true, existing: nil, replayed: nil), unblockCommand: Hex.encode(unblock)))))
    }

    func replaceCard(_ input: Operations.ReplaceCard.Input) async throws -> Operations.ReplaceCard.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let old = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let new = try CardNumber(body.newCardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let document = try document(type: body.documentType, number: body.documentNumber)
        let (report, replayed) = try await losses.replace(
            oldCard: old, newCard: new, document: document, idempotencyKey: input.headers.idempotencyKey, today: today,
            now: now(), origin: scope.origin)
        return .created(.init(body: .json(map(report, staff: true, existing: nil, replayed: replayed))))
    }

    func blockCard(_ input: Operations.BlockCard.Input) async throws -> Operations.BlockCard.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let challenge = try Self.challenge(body.challenge)
        let identity = try cardIdentity(number)
        try await losses.requirePermanentBlock(card: number, now: now(), origin: scope.origin)
        let block: [UInt8]
        do {
            block = try host.applicationBlockCommand(card: identity, challenge: challenge, permanent: true, keyVersion: 1)
        } catch {
            throw Self.translate(error, mac: .invalidCardResponse)
        }
        return .ok(.init(body: .json(.init(cardNumber: number.masked, blockCommand: Hex.encode(block)))))
    }

    // MARK: Helpers

    /// The holder's document, which these operations cannot go without (`document_required`).
    func document(type: Components.Schemas.DocumentType?, number: String?) throws -> IdentityDocument {
        guard let type, let number, !number.isEmpty else { throw TongkaError(.documentRequired) }
        return try IdentityDocument(type: map(type), number: number)
    }

    static func challenge(_ hex: String) throws -> [UInt8] {
        do { return try Hex.decode(hex.uppercased(), field: "challenge") } catch {
            throw TongkaError(.invalidCardResponse, detail: "challenge")
        }
    }

    /// This operator's card's identity for secure messaging: its number and the operator's issuer id.
    func cardIdentity(_ number: CardNumber) throws -> CardIdentity {
        do {
            return try CardIdentity(cardNumber: number.digits, issuerID: try Hex.decode(issuer.issuerID, field: "issuer id"))
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "issuer id does not fit the card number")
        }
    }

    // MARK: Mapping

    /// Riders see masked card numbers only; staff see the new card's number (the counter loads it).
    func map(_ report: LossReportView, staff: Bool, existing: Bool?, replayed: Bool?) -> Components.Schemas.LossReport {
        .init(
            reference: report.reference, cardNumber: CardNumber.mask(report.cardNumber),
            channel: .init(rawValue: report.channel.rawValue)!, state: .init(rawValue: report.state.rawValue)!,
            reportedAt: report.reportedAt, balanceAtReportFen: report.balanceAtReport.fen,
            listedVersion: Int64(report.listedVersion), reclaimDeadline: report.reclaimDeadline,
            reclaimedAt: report.reclaimedAt, replacement: report.replacement.map { map($0, staff: staff) }, existing: existing,
            replayed: replayed)
    }

    func map(_ replacement: ReplacementView, staff: Bool) -> Components.Schemas.Replacement {
        let quote = replacement.quote
        return .init(
            replacementId: replacement.replacementID, oldCardNumber: CardNumber.mask(replacement.oldCard),
            newCardNumber: staff ? replacement.newCard : CardNumber.mask(replacement.newCard),
            balanceAtReportFen: quote.balanceAtReport.fen, purseAtReplacementFen: quote.purseAtReplacement.fen,
            holdbackFen: quote.holdback.fen, provisionalFen: quote.provisional.fen,
            provisionalOrderId: replacement.provisionalOrderID?.rawValue, feeFen: quote.fee.fen, depositFen: quote.deposit.fen,
            replacedAt: replacement.replacedAt, settleAfter: quote.settleAfter, settledAt: replacement.settledAt,
            remainderFen: replacement.remainder?.fen, remainderOrderId: replacement.remainderOrderID?.rawValue)
    }

    func map(_ detail: LossReportDetail, staff: Bool) -> Components.Schemas.LossReportDetail {
        .init(
            report: map(detail.report, staff: staff, existing: nil, replayed: nil),
            tapsAfter: detail.tapsAfter.map {
                .init(
                    tappedAt: $0.tappedAt, amountFen: $0.amount.fen, mode: map($0.mode), line: $0.line, station: $0.station,
                    receivedAt: $0.receivedAt)
            }, tapsAfterCount: detail.tapsAfterCount, spentAfterFen: detail.spentAfter.fen,
            propagation: .init(
                applied: detail.propagation.applied, active: detail.propagation.active, percent: detail.propagation.percent,
                sentence: detail.propagation.sentence(scope.language)))
    }
}
