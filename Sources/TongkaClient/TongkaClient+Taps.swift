import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain

/// Validators' records: the validator's upload, and staff reviewing what they raised.
extension TongkaClient {
    public func uploadTaps(_ records: [Components.Schemas.TapRecord]) async throws -> Components.Schemas.TapUploadResult {
        switch try await call({ try await api.uploadTaps(body: .json(.init(records: records))) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// The same upload in the binary form (docs/tap-upload-format.md), what validators send.
    public func uploadTaps(binary records: [TapRecord]) async throws -> Components.Schemas.TapUploadResult {
        try await uploadTaps(batch: try TapBatchFile.encode(records))
    }

    /// A binary batch as given (tests send damaged ones), answered in the binary form too
    /// (docs/tap-upload-format.md section 5) and read into the same results as the JSON answer.
    public func uploadTaps(batch: [UInt8]) async throws -> Components.Schemas.TapUploadResult {
        let answer = try await call({
            try await api.uploadTaps(headers: .init(accept: [.init(contentType: .binary)]), body: .binary(HTTPBody(batch)))
        })
        switch answer {
        case .ok(let ok):
            // 8 bytes a record and 12 more: 8,012 bytes for the largest batch.
            let bytes = try await [UInt8](collecting: try ok.body.binary, upTo: 64 * 1024)
            return .init(
                results: try TapAnswerFile.decode(bytes).map { answer in
                    .init(
                        terminalSerial: answer.terminalSerial, outcome: .init(rawValue: answer.outcome.rawValue)!,
                        reason: answer.rejection.flatMap { .init(rawValue: $0.rawValue) },
                        exceptions: answer.exceptions.map { .init(rawValue: $0.rawValue)! }, posted: answer.posted)
                })
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func tapExceptions(all: Bool, limit: Int?) async throws -> Components.Schemas.TapExceptionList {
        switch try await call({ try await api.listTapExceptions(query: .init(all: all, limit: limit)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func resolveTapException(_ id: Int64, resolution: String) async throws -> Components.Schemas.TapException {
        switch try await call({
            try await api.resolveTapException(path: .init(exceptionId: id), body: .json(.init(resolution: resolution)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}

/// Interconnection clearing files.
extension TongkaClient {
    public func exportClearing(day: String) async throws -> [UInt8] {
        switch try await call({ try await api.exportClearing(query: .init(day: day)) }) {
        case .ok(let ok): return try await [UInt8](collecting: try ok.body.plainText, upTo: 1024 * 1024 * 1024)
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func importClearing(file: [UInt8]) async throws -> Components.Schemas.ClearingImport {
        switch try await call({ try await api.importClearing(body: .plainText(HTTPBody(file))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}

extension TapRecord {
    /// A record in the API's JSON form (a validator's outbox keeps them so, readable by a
    /// technician) as the domain's, for the binary upload.
    public init(_ record: Components.Schemas.TapRecord) {
        self.init(
            card: CardNumber(trusted: record.cardNumber), issuerID: record.issuerId, cardType: record.cardType,
            offlineSerial: record.offlineSerial, amount: Money(fen: record.amountFen),
            balanceBefore: Money(fen: record.balanceBeforeFen), balanceAfter: Money(fen: record.balanceAfterFen),
            transactionType: record.transactionType, terminalNumber: record.terminalNumber, terminalSerial: record.terminalSerial,
            dateTime: record.dateTime, tac: record.tac, mode: TransportMode(rawValue: record.mode.rawValue) ?? .bus,
            line: record.line, station: record.station)
    }
}
