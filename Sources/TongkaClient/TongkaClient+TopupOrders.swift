import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Online top-up orders: posted by payment channels, read and loaded at counters.
extension TongkaClient {
    public func createTopupOrder(
        cardNumber: String, amountFen: Int64, channelReference: String, idempotencyKey: String
    ) async throws -> Components.Schemas.TopupOrder {
        switch try await call({
            try await api.createTopupOrder(
                headers: .init(idempotencyKey: idempotencyKey),
                body: .json(.init(cardNumber: cardNumber, amountFen: amountFen, channelReference: channelReference)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// The orders of a card, newest first (a channel sees its own only).
    public func topupOrders(cardNumber: String) async throws -> [Components.Schemas.TopupOrder] {
        switch try await call({ try await api.listTopupOrders(query: .init(cardNumber: cardNumber)) }) {
        case .ok(let ok): return try ok.body.json.orders
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func topupOrder(id: Int64) async throws -> Components.Schemas.TopupOrder {
        switch try await call({ try await api.getTopupOrder(path: .init(orderId: id)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
