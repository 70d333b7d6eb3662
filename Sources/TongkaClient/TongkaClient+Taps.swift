import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Validators' records: the validator's upload, and staff reviewing what they raised.
extension TongkaClient {
    public func uploadTaps(_ records: [Components.Schemas.TapRecord]) async throws -> Components.Schemas.TapUploadResult {
        switch try await call({ try await api.uploadTaps(body: .json(.init(records: records))) }) {
        case .ok(let ok): return try ok.body.json
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
