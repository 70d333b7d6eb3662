import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import TongkaDomain

/// Card products: defining them and reading them back.
public struct ProductStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    static let productColumns = """
        product_id, code, name, card_type, deposit_fen, card_cost_fen, replacement_fee_fen, transport_modes,
        interconnection, allows_anonymous, allows_registered, max_balance_fen, active,
        refund_fee_kind, refund_fee_fen, refund_fee_basis_points, refund_fee_threshold_fen
        """
    typealias ProductRow = (
        Int64, String, String, Int16, Int64, Int64, Int64, [String], Bool, Bool, Bool, Int64, Bool, String, Int64, Int32, Int64
    )

    static func product(_ row: ProductRow) throws -> Product {
        let definition = try ProductDefinition(
            code: row.1, name: row.2, cardType: try Stored.value(Int(row.3), as: CardType.self),
            deposit: Money(fen: row.4), cardCost: Money(fen: row.5), replacementFee: Money(fen: row.6),
            transportModes: try Stored.values(row.7, as: TransportMode.self), interconnection: row.8,
            allowsAnonymous: row.9, allowsRegistered: row.10, maximumBalance: Money(fen: row.11),
            refundFee: try RefundFeeRule(
                kind: row.13, fee: Money(fen: row.14), basisPoints: Int(row.15), threshold: Money(fen: row.16)))
        return Product(id: ProductID(row.0), definition: definition, active: row.12)
    }

    // MARK: Products

    public func createProduct(_ definition: ProductDefinition, origin: RequestOrigin) async throws -> Product {
        let actor = try origin.requireActor()
        return try await database.transaction { connection in
            let row = try await connection.one(
                """
                INSERT INTO card_products (code, name, card_type, deposit_fen, card_cost_fen, replacement_fee_fen,
                    transport_modes, interconnection, allows_anonymous, allows_registered, max_balance_fen, created_by,
                    refund_fee_kind, refund_fee_fen, refund_fee_basis_points, refund_fee_threshold_fen)
                VALUES (\(definition.code), \(definition.name), \(Int16(definition.cardType.rawValue)),
                    \(definition.deposit.fen), \(definition.cardCost.fen), \(definition.replacementFee.fen),
                    \(definition.transportModes.map(\.rawValue)), \(definition.interconnection),
                    \(definition.allowsAnonymous), \(definition.allowsRegistered), \(definition.maximumBalance.fen),
                    \(actor.clerkID.rawValue), \(definition.refundFee.kind), \(definition.refundFee.storedFee.fen),
                    \(Int32(definition.refundFee.storedBasisPoints)), \(definition.refundFee.storedThreshold.fen))
                RETURNING \(unescaped: Self.productColumns)
                """, as: ProductRow.self, logger: logger)
            let product = try Self.product(row)
            try await Audit.record(
                connection, origin: origin, action: "product.create", subject: "product:\(product.id)",
                details: [
                    "code": definition.code, "deposit_fen": "\(definition.deposit.fen)",
                    "card_cost_fen": "\(definition.cardCost.fen)",
                ], logger: logger)
            return product
        }
    }

    public func listProducts() async throws -> [Product] {
        try await database.read { connection in
            try await connection.all(
                "SELECT \(unescaped: Self.productColumns) FROM card_products ORDER BY code", as: ProductRow.self,
                logger: logger
            ).map(Self.product)
        }
    }

    public func product(code rawCode: String) async throws -> Product {
        let code = try Validate.productCode(rawCode)
        guard
            let row = try await database.read({ connection in
                try await connection.first(
                    "SELECT \(unescaped: Self.productColumns) FROM card_products WHERE code = \(code)", as: ProductRow.self,
                    logger: logger)
            })
        else { throw TongkaError(.productNotFound, detail: code) }
        return try Self.product(row)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
