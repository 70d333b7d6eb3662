import Foundation
import OpenAPIRuntime
import TongkaAPI

/// The blacklist and validators: staff commands, and the validator's own calls (made with a
/// validator token instead of a staff session).
extension TongkaClient {
    public func changeBlacklist(
        _ changes: [Components.Schemas.BlacklistChangeRequest], note: String?
    ) async throws
        -> Components.Schemas.BlacklistBatch
    {
        switch try await call({ try await api.createBlacklistBatch(body: .json(.init(changes: changes, note: note))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func blacklistBatches(
        state: Operations.ListBlacklistBatches.Input.Query.StatePayload?, cursor: String?, limit: Int?
    ) async throws -> Components.Schemas.BlacklistBatchList {
        switch try await call({
            try await api.listBlacklistBatches(query: .init(state: state, cursor: cursor, limit: limit))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func blacklistBatch(_ id: Int64) async throws -> Components.Schemas.BlacklistBatchDetail {
        switch try await call({ try await api.getBlacklistBatch(path: .init(batchId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func approveBlacklistBatch(_ id: Int64) async throws -> Components.Schemas.BlacklistBatch {
        switch try await call({ try await api.approveBlacklistBatch(path: .init(batchId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func undoBlacklistBatch(_ id: Int64, note: String?) async throws -> Components.Schemas.BlacklistBatch {
        switch try await call({ try await api.undoBlacklistBatch(path: .init(batchId: id), body: .json(.init(note: note))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func rejectBlacklistBatch(_ id: Int64, note: String?) async throws -> Components.Schemas.BlacklistBatch {
        switch try await call({ try await api.rejectBlacklistBatch(path: .init(batchId: id), body: .json(.init(note: note))) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Uploads the national platform's issuer whitelist file.
    public func importIssuerWhitelist(file: [UInt8]) async throws -> Components.Schemas.IssuerWhitelistImport {
        switch try await call({ try await api.importIssuerWhitelist(body: .plainText(HTTPBody(file))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func issuerWhitelist() async throws -> Components.Schemas.IssuerWhitelist {
        switch try await call({ try await api.listIssuerWhitelist() }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Uploads another issuer's exchange file.
    public func importBlacklist(issuer: String, file: [UInt8]) async throws -> Components.Schemas.BlacklistImport {
        switch try await call({
            try await api.importBlacklist(query: .init(issuer: issuer), body: .plainText(HTTPBody(file)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// This operator's list in the exchange format.
    public func exportBlacklist() async throws -> [UInt8] {
        switch try await call({ try await api.exportBlacklist() }) {
        case .ok(let ok): return try await [UInt8](collecting: try ok.body.plainText, upTo: 1024 * 1024 * 1024)
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func blacklistEntries(cursor: String?, limit: Int?) async throws -> Components.Schemas.BlacklistEntryList {
        switch try await call({ try await api.listBlacklistEntries(query: .init(cursor: cursor, limit: limit)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func blacklistCard(_ number: String) async throws -> Components.Schemas.BlacklistCard {
        switch try await call({ try await api.getBlacklistCard(path: .init(cardNumber: number)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func registerValidator(
        _ registration: Components.Schemas.ValidatorRegistration
    ) async throws
        -> Components.Schemas.ValidatorWithToken
    {
        switch try await call({ try await api.registerValidator(body: .json(registration)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func validators(cursor: String?, limit: Int?) async throws -> Components.Schemas.ValidatorList {
        switch try await call({ try await api.listValidators(query: .init(cursor: cursor, limit: limit)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func revokeValidator(_ terminal: String) async throws -> Components.Schemas.Validator {
        switch try await call({ try await api.revokeValidator(path: .init(terminalNumber: terminal)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func setValidatorGroup(_ group: String, maxEntries: Int?) async throws {
        switch try await call({
            try await api.setValidatorGroup(path: .init(groupCode: group), body: .json(.init(maxEntries: maxEntries)))
        }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func validatorReport(maxAgeHours: Int?) async throws -> Components.Schemas.ValidatorReport {
        switch try await call({ try await api.getValidatorReport(query: .init(maxAgeHours: maxAgeHours)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    // MARK: The validator's calls

    /// A download: the list's bytes, version and ETag, or nil when the validator is current (304).
    public struct BlacklistDownload: Sendable {
        public let bytes: [UInt8]
        public let version: Int64
        public let etag: String
        public let dropped: Int
    }

    public func downloadBlacklist(
        since: Int64?, wait: Int?, ifNoneMatch: String? = nil, issuer: String? = nil
    )
        async throws -> BlacklistDownload?
    {
        switch try await call({
            try await api.getBlacklist(
                query: .init(since: since, wait: wait, format: .binary, issuer: issuer),
                headers: .init(ifNoneMatch: ifNoneMatch, accept: [.init(contentType: .binary)]))
        }) {
        case .ok(let ok):
            guard case .binary(let body) = ok.body else {
                throw APIFailure(status: 200, code: "unexpected_body", message: "the server did not send the binary list")
            }
            let bytes = try await [UInt8](collecting: body, upTo: 512 * 1024 * 1024)
            return BlacklistDownload(
                bytes: bytes, version: ok.headers.xTongkaVersion, etag: ok.headers.eTag, dropped: ok.headers.xTongkaDropped ?? 0)
        case .notModified: return nil
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// A whitelist download: the file and its signature (base64), or nil when unchanged (304).
    public struct WhitelistDownload: Sendable {
        public let file: [UInt8]
        public let signature: String
        public let version: Int64
        public let etag: String
    }

    public func downloadWhitelist(ifNoneMatch: String? = nil) async throws -> WhitelistDownload? {
        switch try await call({ try await api.getIssuerWhitelist(headers: .init(ifNoneMatch: ifNoneMatch)) }) {
        case .ok(let ok):
            let file = try await [UInt8](collecting: try ok.body.plainText, upTo: 16 * 1024 * 1024)
            return WhitelistDownload(
                file: file, signature: ok.headers.xTongkaSignature, version: ok.headers.xTongkaVersion, etag: ok.headers.eTag)
        case .notModified: return nil
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func acknowledgeBlacklist(version: Int64) async throws {
        switch try await call({ try await api.acknowledgeBlacklist(body: .json(.init(version: version))) }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func validatorHeartbeat() async throws {
        switch try await call({ try await api.validatorHeartbeat() }) {
        case .noContent: return
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
