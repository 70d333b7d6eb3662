import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    // MARK: Stock

    func getStockLevels(_ input: Operations.GetStockLevels.Input) async throws -> Operations.GetStockLevels.Output {
        let levels = try await stock.stockLevels(
            hallCode: input.query.hall, productCode: input.query.product, actor: try scope.actor())
        return .ok(
            .init(
                body: .json(
                    .init(
                        levels: levels.map {
                            .init(hall: $0.hallCode, product: $0.productCode, productName: $0.productName, inStock: $0.inStock)
                        }))))
    }

    func listStockBatches(_ input: Operations.ListStockBatches.Input) async throws -> Operations.ListStockBatches.Output {
        let page = try await stock.listBatches(
            limit: try Page<StockBatch>.limit(input.query.limit), cursor: try input.query.cursor.map { try PageCursor(token: $0) }
        )
        return .ok(.init(body: .json(.init(next: page.next?.token, batches: page.items.map(map)))))
    }

    func importStock(_ input: Operations.ImportStock.Input) async throws -> Operations.ImportStock.Output {
        guard case .csv(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let batch = try await stock.importStock(
            productCode: input.query.product, hallCode: input.query.hall, fileName: input.query.fileName, body: body,
            today: today, origin: scope.origin)
        return .created(.init(body: .json(map(batch))))
    }

    func allocateStock(_ input: Operations.AllocateStock.Input) async throws -> Operations.AllocateStock.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let moved = try await stock.allocate(
            productCode: body.product, toHallCode: body.toHall, fromHallCode: body.fromHall, quantity: body.quantity,
            origin: scope.origin)
        return .ok(
            .init(
                body: .json(
                    .init(
                        product: moved.productCode, toHall: moved.toHallCode, fromHall: moved.fromHallCode, moved: moved.moved,
                        firstCardNumber: moved.firstCardNumber, lastCardNumber: moved.lastCardNumber))))
    }

    // MARK: Mapping

    func map(_ batch: StockBatch) -> Components.Schemas.StockBatch {
        .init(
            id: batch.id.rawValue, product: batch.productCode, hall: batch.hallCode, cards: batch.cards,
            fileName: batch.fileName, importedAt: batch.importedAt, importedBy: batch.importedBy,
            firstCardNumber: batch.firstCardNumber, lastCardNumber: batch.lastCardNumber)
    }
}
