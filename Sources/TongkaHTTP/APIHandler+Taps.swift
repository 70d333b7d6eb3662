import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Validators' records (taps, issue 10): upload, and the exceptions they raise for review.
extension APIHandler {
    var taps: TapStore { TapStore(database: database) }

    func uploadTaps(_ input: Operations.UploadTaps.Input) async throws -> Operations.UploadTaps.Output {
        let validator = try scope.requireValidator()
        let records: [TapRecord]
        switch input.body {
        case .json(let body):
            guard (1...TapRules.maximumBatch).contains(body.records.count) else {
                throw TongkaError(.invalidTapBatch, detail: "\(body.records.count) records")
            }
            records = body.records.map { record in
                TapRecord(
                    card: CardNumber(trusted: record.cardNumber), issuerID: record.issuerId, cardType: record.cardType,
                    offlineSerial: record.offlineSerial, amount: Money(fen: record.amountFen),
                    balanceBefore: Money(fen: record.balanceBeforeFen), balanceAfter: Money(fen: record.balanceAfterFen),
                    transactionType: record.transactionType, terminalNumber: record.terminalNumber,
                    terminalSerial: record.terminalSerial, dateTime: record.dateTime, tac: record.tac,
                    mode: TransportMode(rawValue: record.mode.rawValue) ?? .bus, line: record.line, station: record.station)
            }
        case .binary(let body):
            // The body limit (the import limit for /v1/taps) was applied by the scope middleware.
            records = try TapBatchFile.decode(try await [UInt8](collecting: body, upTo: .max))
        }
        let versions = tacKeyVersions
        let uploads = records.map { TapUpload(record: $0, tacValid: tacValid($0, versions: versions)) }
        let results = try await taps.ingest(uploads, validator: validator, now: now(), maximumFare: maximumFare)
        if input.headers.accept.first?.contentType == .binary {
            let answers = results.map { result in
                TapAnswer(
                    terminalSerial: result.terminalSerial, outcome: result.outcome, rejection: result.rejection,
                    exceptions: result.exceptions, posted: result.posted)
            }
            return .ok(.init(body: .binary(HTTPBody(TapAnswerFile.encode(answers)))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        results: results.map { result in
                            .init(
                                terminalSerial: result.terminalSerial, outcome: .init(rawValue: result.outcome.rawValue)!,
                                reason: result.rejection.flatMap { .init(rawValue: $0.rawValue) },
                                exceptions: result.exceptions.map { .init(rawValue: $0.rawValue)! }, posted: result.posted)
                        }))))
    }

    /// The TAC key versions the card key file holds (looked up once per upload).
    var tacKeyVersions: Set<UInt8> {
        Set(purseHost?.keyStore.keyReferences.filter { $0.name == KeyReference.tacKeyName }.map(\.version) ?? [])
    }

    /// Whether the TAC of a tap by one of this operator's cards verifies with the card's TAC key
    /// (any of the TAC key `versions`); nil for another issuer's card, which its issuer checks.
    func tacValid(_ tap: TapRecord, versions: Set<UInt8>) -> Bool? {
        guard issuer.cardNumberPrefixes.contains(tap.card.issuerPrefix) else { return nil }
        guard let host = purseHost,
            let card = try? CardIdentity(cardNumber: tap.card.digits, issuerID: Hex.decode(tap.issuerID, field: "issuer id")),
            let terminal = try? TerminalNumber(hex: tap.terminalNumber),
            let dateTime = try? TransactionDateTime(
                yyyymmdd: String(tap.dateTime.prefix(8)), hhmmss: String(tap.dateTime.suffix(6))),
            let tac = try? Hex.decode(tap.tac, field: "TAC"), tap.amount.fen <= Int64(UInt32.max)
        else { return false }
        return versions.contains { version in
            (try? host.verifyPurchaseTAC(
                tac, card: card, amount: UInt32(tap.amount.fen), transactionType: UInt8(clamping: tap.transactionType),
                terminal: terminal, terminalSerial: UInt32(clamping: tap.terminalSerial), dateTime: dateTime,
                tacKeyVersion: version)) != nil
        }
    }

    func listTapExceptions(_ input: Operations.ListTapExceptions.Input) async throws -> Operations.ListTapExceptions.Output {
        let list = try await taps.exceptions(
            includeResolved: input.query.all ?? false, limit: try Page<TapExceptionView>.limit(input.query.limit),
            actor: try scope.actor())
        return .ok(.init(body: .json(.init(exceptions: list.map(map)))))
    }

    func resolveTapException(
        _ input: Operations.ResolveTapException.Input
    ) async throws
        -> Operations.ResolveTapException.Output
    {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let view = try await taps.resolve(
            exception: input.path.exceptionId, resolution: body.resolution, now: now(), origin: scope.origin)
        return .ok(.init(body: .json(map(view))))
    }

    func map(_ view: TapExceptionView) -> Components.Schemas.TapException {
        .init(
            exceptionId: view.exceptionID, kind: .init(rawValue: view.kind.rawValue)!, terminalNumber: view.terminalNumber,
            terminalSerial: view.terminalSerial, tappedAt: view.tappedAt, cardNumber: view.card.masked,
            amountFen: view.amount.fen,
            detail: view.detail, raisedAt: view.raisedAt, resolvedBy: view.resolvedBy, resolvedAt: view.resolvedAt,
            resolution: view.resolution)
    }
}

// MARK: Interconnection clearing

extension APIHandler {
    var clearing: ClearingStore { ClearingStore(database: database) }

    func exportClearing(_ input: Operations.ExportClearing.Input) async throws -> Operations.ExportClearing.Output {
        let day = try CalendarDate(parsing: input.query.day)
        let file = try await clearing.outgoing(day: day, now: now(), origin: scope.origin)
        return .ok(.init(body: .plainText(HTTPBody(file.encoded()))))
    }

    func importClearing(_ input: Operations.ImportClearing.Input) async throws -> Operations.ImportClearing.Output {
        guard case .plainText(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        // The body limit (TONGKA_LIMITS_IMPORT_BYTES) was applied by the scope middleware.
        let file = try ClearingFile.parse(try await [UInt8](collecting: body, upTo: .max))
        let versions = tacKeyVersions
        let result = try await clearing.importIncoming(
            file, tacValid: file.records.map { tacValid($0, versions: versions) == true }, now: now(), origin: scope.origin)
        return .created(
            .init(
                body: .json(
                    .init(
                        records: result.records, stored: result.stored, duplicates: result.duplicates, posted: result.posted,
                        exceptions: result.exceptions))))
    }
}
