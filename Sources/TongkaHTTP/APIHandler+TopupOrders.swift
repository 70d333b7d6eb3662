import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

/// Online top-up orders: a payment channel posts them, counters and channels read them; a counter
/// loads one through ``authorizeLoad(_:)`` with its `orderId`.
extension APIHandler {
    var topupOrders: TopupOrderStore { TopupOrderStore(database: database) }

    func createTopupOrder(_ input: Operations.CreateTopupOrder.Input) async throws -> Operations.CreateTopupOrder.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let (order, replayed) = try await topupOrders.create(
            card: number, amount: Money(fen: body.amountFen), channelReference: body.channelReference,
            idempotencyKey: input.headers.idempotencyKey, now: now(), origin: scope.origin)
        return .created(.init(body: .json(map(order, replayed: replayed))))
    }

    func listTopupOrders(_ input: Operations.ListTopupOrders.Input) async throws -> Operations.ListTopupOrders.Output {
        let number = try CardNumber(input.query.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let orders = try await topupOrders.orders(card: number, origin: scope.origin)
        return .ok(.init(body: .json(.init(orders: orders.map { map($0, replayed: nil) }))))
    }

    func getTopupOrder(_ input: Operations.GetTopupOrder.Input) async throws -> Operations.GetTopupOrder.Output {
        let order = try await topupOrders.order(TopupOrderID(input.path.orderId), origin: scope.origin)
        return .ok(.init(body: .json(map(order, replayed: nil))))
    }

    func map(_ order: TopupOrderView, replayed: Bool?) -> Components.Schemas.TopupOrder {
        .init(
            orderId: order.orderID.rawValue, cardNumber: order.cardNumber, amountFen: order.amount.fen, channel: order.channel,
            lossReference: order.lossReference, paymentMethod: order.paymentMethod.map(map),
            channelReference: order.channelReference,
            state: Components.Schemas.TopupOrderState(rawValue: order.state.rawValue)!,
            paidTransactionId: order.paidTransactionID.rawValue, createdAt: order.createdAt, expiresAt: order.expiresAt,
            loadId: order.loadID?.rawValue, loadedAt: order.loadedAt, refundTransactionId: order.refundTransactionID?.rawValue,
            refundedAt: order.refundedAt, replayed: replayed)
    }
}
