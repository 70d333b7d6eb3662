import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    // MARK: Products

    func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        .ok(.init(body: .json(.init(products: try await products.listProducts().map(map)))))
    }

    func createProduct(_ input: Operations.CreateProduct.Input) async throws -> Operations.CreateProduct.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let cardType = CardType(rawValue: body.cardType) else {
            throw TongkaError(.invalidProduct, detail: "card type must be 1-5")
        }
        var refundFee = RefundFeeRule.none
        if let rule = body.refundFee { refundFee = try map(rule) }
        let definition = try ProductDefinition(
            code: body.code, name: body.name, cardType: cardType,
            deposit: try Money.counterAmount(fen: body.depositFen, field: "depositFen"),
            cardCost: try Money.counterAmount(fen: body.cardCostFen, field: "cardCostFen"),
            replacementFee: try Money.counterAmount(fen: body.replacementFeeFen ?? 0, field: "replacementFeeFen"),
            transportModes: body.transportModes.map(map), interconnection: body.interconnection,
            allowsAnonymous: body.allowsAnonymous, allowsRegistered: body.allowsRegistered,
            maximumBalance: try Money.counterAmount(fen: body.maxBalanceFen, field: "maxBalanceFen"),
            refundFee: refundFee)
        let product = try await products.createProduct(definition, origin: scope.origin)
        return .created(.init(body: .json(map(product))))
    }

    // MARK: Mapping

    func map(_ product: Product) -> Components.Schemas.Product {
        let definition = product.definition
        return .init(
            id: product.id.rawValue, code: definition.code, name: definition.name, cardType: definition.cardType.rawValue,
            depositFen: definition.deposit.fen, cardCostFen: definition.cardCost.fen,
            replacementFeeFen: definition.replacementFee.fen, transportModes: definition.transportModes.map(map),
            interconnection: definition.interconnection, allowsAnonymous: definition.allowsAnonymous,
            allowsRegistered: definition.allowsRegistered, maxBalanceFen: definition.maximumBalance.fen, active: product.active,
            refundFee: map(definition.refundFee))
    }

    func map(_ rule: Components.Schemas.RefundFeeRule) throws(TongkaError) -> RefundFeeRule {
        try RefundFeeRule(
            kind: rule.kind.rawValue, fee: Money(fen: rule.feeFen ?? 0), basisPoints: rule.basisPoints ?? 0,
            threshold: Money(fen: rule.thresholdFen ?? 0))
    }

    func map(_ rule: RefundFeeRule) -> Components.Schemas.RefundFeeRule {
        .init(
            kind: .init(rawValue: rule.kind)!, feeFen: rule.storedFee.fen, basisPoints: rule.storedBasisPoints,
            thresholdFen: rule.storedThreshold.fen)
    }
}
