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
