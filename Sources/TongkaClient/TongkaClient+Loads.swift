import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Purse loads (圈存): the host side a counter terminal talks to.
extension TongkaClient {
    public func loadTerminal(label: String) async throws -> Components.Schemas.LoadTerminal {
        switch try await call({ try await api.registerLoadTerminal(path: .init(label: label)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func authorizeLoad(
        _ request: Components.Schemas.LoadRequest, idempotencyKey: String
    ) async throws -> Components.Schemas.Load {
        switch try await call({
            try await api.authorizeLoad(headers: .init(idempotencyKey: idempotencyKey), body: .json(request))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func confirmLoad(id: Int64, tac: String) async throws -> Components.Schemas.Load {
        switch try await call({ try await api.confirmLoad(path: .init(loadId: id), body: .json(.init(tac: tac))) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func markLoadGrey(id: Int64) async throws -> Components.Schemas.Load {
        switch try await call({ try await api.markLoadGrey(path: .init(loadId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func resolveLoad(
        id: Int64, evidence: Components.Schemas.LoadEvidence, idempotencyKey: String
    ) async throws -> Components.Schemas.Load {
        switch try await call({
            try await api.resolveLoad(
                path: .init(loadId: id), headers: .init(idempotencyKey: idempotencyKey), body: .json(evidence))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func load(id: Int64) async throws -> Components.Schemas.Load {
        switch try await call({ try await api.getLoad(path: .init(loadId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// Undecided loads of the caller's hall, or every load of `cardNumber`.
    public func loads(cardNumber: String? = nil) async throws -> [Components.Schemas.Load] {
        switch try await call({ try await api.listLoads(query: .init(cardNumber: cardNumber)) }) {
        case .ok(let ok): return try ok.body.json.loads
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}

/// Voids (撤销) of confirmed loads, in two steps around the card's DEBIT FOR PURCHASE.
extension TongkaClient {
    public func voidLoad(
        id: Int64, request: Components.Schemas.LoadVoidRequest
    ) async throws
        -> Components.Schemas.LoadVoidAuthorization
    {
        switch try await call({ try await api.voidLoad(path: .init(loadId: id), body: .json(request)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func confirmLoadVoid(
        id: Int64, mac2: String, tac: String, idempotencyKey: String
    ) async throws
        -> Components.Schemas.Load
    {
        switch try await call({
            try await api.confirmLoadVoid(
                path: .init(loadId: id), headers: .init(idempotencyKey: idempotencyKey), body: .json(.init(mac2: mac2, tac: tac)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}

/// Card returns (退卡) and their approvals.
extension TongkaClient {
    public func refundCard(
        _ cardNumber: String, request: Components.Schemas.CardRefundRequest, idempotencyKey: String
    ) async throws -> Components.Schemas.CardRefund {
        switch try await call({
            try await api.refundCard(
                path: .init(cardNumber: cardNumber), headers: .init(idempotencyKey: idempotencyKey), body: .json(request))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func approveRefund(cardNumber: String) async throws -> Components.Schemas.RefundApproval {
        switch try await call({ try await api.approveRefund(body: .json(.init(cardNumber: cardNumber))) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
