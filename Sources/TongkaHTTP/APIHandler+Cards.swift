import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    var issuer: IssuerProfile { database.settings.issuer }
    var today: CalendarDate { CalendarDate(now(), in: database.settings.timeZone) }

    // MARK: Products

    func listProducts(_ input: Operations.ListProducts.Input) async throws -> Operations.ListProducts.Output {
        .ok(.init(body: .json(.init(products: try await catalog.listProducts().map(map)))))
    }

    func createProduct(_ input: Operations.CreateProduct.Input) async throws -> Operations.CreateProduct.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        guard let cardType = CardType(rawValue: body.cardType) else {
            throw TongkaError(.invalidProduct, detail: "card type must be 1-5")
        }
        let definition = try ProductDefinition(
            code: body.code, name: body.name, cardType: cardType,
            deposit: try Money.counterAmount(fen: body.depositFen, field: "depositFen"),
            cardCost: try Money.counterAmount(fen: body.cardCostFen, field: "cardCostFen"),
            replacementFee: try Money.counterAmount(fen: body.replacementFeeFen ?? 0, field: "replacementFeeFen"),
            transportModes: body.transportModes.map(map), interconnection: body.interconnection,
            allowsAnonymous: body.allowsAnonymous, allowsRegistered: body.allowsRegistered,
            maximumBalance: try Money.counterAmount(fen: body.maxBalanceFen, field: "maxBalanceFen"))
        let product = try await catalog.createProduct(definition, origin: scope.origin)
        return .created(.init(body: .json(map(product))))
    }

    // MARK: Stock

    func getStockLevels(_ input: Operations.GetStockLevels.Input) async throws -> Operations.GetStockLevels.Output {
        let levels = try await catalog.stockLevels(hallCode: input.query.hall, productCode: input.query.product, actor: try scope.actor())
        return .ok(.init(body: .json(.init(levels: levels.map {
            .init(hall: $0.hallCode, product: $0.productCode, productName: $0.productName, inStock: $0.inStock)
        }))))
    }

    func listStockBatches(_ input: Operations.ListStockBatches.Input) async throws -> Operations.ListStockBatches.Output {
        let page = try await catalog.listBatches(
            limit: try Page<StockBatch>.limit(input.query.limit), cursor: try input.query.cursor.map { try PageCursor(token: $0) })
        return .ok(.init(body: .json(.init(next: page.next?.token, batches: page.items.map(map)))))
    }

    func importStock(_ input: Operations.ImportStock.Input) async throws -> Operations.ImportStock.Output {
        guard case .csv(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let batch = try await catalog.importStock(
            productCode: input.query.product, hallCode: input.query.hall, fileName: input.query.fileName, body: body,
            today: today, origin: scope.origin)
        return .created(.init(body: .json(map(batch))))
    }

    func allocateStock(_ input: Operations.AllocateStock.Input) async throws -> Operations.AllocateStock.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let moved = try await catalog.allocate(
            productCode: body.product, toHallCode: body.toHall, fromHallCode: body.fromHall, quantity: body.quantity,
            origin: scope.origin)
        return .ok(.init(body: .json(.init(
            product: moved.productCode, toHall: moved.toHallCode, fromHall: moved.fromHallCode, moved: moved.moved,
            firstCardNumber: moved.firstCardNumber, lastCardNumber: moved.lastCardNumber))))
    }

    // MARK: Holders

    func registerHolder(_ input: Operations.RegisterHolder.Input) async throws -> Operations.RegisterHolder.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let document = try IdentityDocument(type: map(body.documentType), number: body.documentNumber)
        let phone = try body.phone.flatMap { $0.isEmpty ? nil : try PhoneNumber($0) }
        let holder = try await cards.registerHolder(name: body.name, document: document, phone: phone, origin: scope.origin)
        return .created(.init(body: .json(map(holder))))
    }

    func findHolder(_ input: Operations.FindHolder.Input) async throws -> Operations.FindHolder.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let document = try IdentityDocument(type: map(body.documentType), number: body.documentNumber)
        let (holder, holderCards) = try await cards.findHolder(document: document, origin: scope.origin, now: now())
        return .ok(.init(body: .json(.init(holder: map(holder), cards: holderCards.map(map)))))
    }

    func getHolder(_ input: Operations.GetHolder.Input) async throws -> Operations.GetHolder.Output {
        let (holder, holderCards) = try await cards.holder(id: HolderID(input.path.holderId), origin: scope.origin, now: now())
        return .ok(.init(body: .json(.init(holder: map(holder), cards: holderCards.map(map)))))
    }

    // MARK: Cards

    func issueCard(_ input: Operations.IssueCard.Input) async throws -> Operations.IssueCard.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let holder: HolderSelection?
        switch (body.holderId, body.holderDocument) {
        case (nil, nil): holder = nil
        case (let id?, nil): holder = .id(HolderID(id))
        case (nil, let document?):
            holder = .document(try IdentityDocument(type: map(document.documentType), number: document.documentNumber))
        case (.some, .some): throw TongkaError(.malformedRequest, detail: "give holderId or holderDocument, not both")
        }
        let (issue, replayed) = try await cards.issue(
            cardNumber: number, holder: holder, paymentMethod: map(body.paymentMethod), paymentReference: body.paymentReference,
            idempotencyKey: input.headers.idempotencyKey, today: today, origin: scope.origin)
        return .created(.init(body: .json(.init(
            card: map(issue.card), paidFen: issue.paid.fen, paymentMethod: map(issue.paymentMethod),
            paymentReference: issue.paymentReference, transactionId: issue.transactionID?.rawValue ?? 0, shiftId: issue.shiftID.rawValue, replayed: replayed))))
    }

    func getCard(_ input: Operations.GetCard.Input) async throws -> Operations.GetCard.Output {
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        return .ok(.init(body: .json(map(try await cards.card(number, origin: scope.origin, now: now())))))
    }

    // MARK: Reports

    func getIssuanceReport(_ input: Operations.GetIssuanceReport.Input) async throws -> Operations.GetIssuanceReport.Output {
        let query = input.query
        let period: ReportPeriod = switch query.period {
        case .day: .day
        case .month, nil: .month
        case .all: .all
        }
        var dimensions: [IssuanceDimension] = []
        for name in (query.groupBy ?? "hall,product").split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let dimension = IssuanceDimension(rawValue: trimmed) ?? (trimmed == "card_type" ? .cardType : nil) else {
                throw TongkaError(.malformedRequest, detail: "groupBy takes hall, product, cardType, mode")
            }
            if !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        let report = try await reports.issuance(
            from: try CalendarDate(parsing: query.from), to: try CalendarDate(parsing: query.to), period: period,
            groupBy: dimensions, hallCode: query.hall, actor: try scope.actor())
        return .ok(.init(body: .json(.init(
            from: report.from.description, to: report.to.description, period: report.period.rawValue,
            groupBy: report.groupBy.map(\.rawValue), timeZone: report.timeZone,
            rows: report.rows.map { row in
                .init(
                    period: row.period, hall: row.hallCode, hallName: row.hallName, product: row.productCode,
                    productName: row.productName, cardType: row.cardType?.rawValue, mode: row.mode.map(map), cards: row.cards)
            },
            totalCards: report.totalCards, modesCovered: report.modesCovered.map(map)))))
    }

    // MARK: Mapping

    func map(_ product: Product) -> Components.Schemas.Product {
        let definition = product.definition
        return .init(
            id: product.id.rawValue, code: definition.code, name: definition.name, cardType: definition.cardType.rawValue,
            depositFen: definition.deposit.fen, cardCostFen: definition.cardCost.fen,
            replacementFeeFen: definition.replacementFee.fen, transportModes: definition.transportModes.map(map),
            interconnection: definition.interconnection, allowsAnonymous: definition.allowsAnonymous,
            allowsRegistered: definition.allowsRegistered, maxBalanceFen: definition.maximumBalance.fen, active: product.active)
    }

    func map(_ batch: StockBatch) -> Components.Schemas.StockBatch {
        .init(
            id: batch.id.rawValue, product: batch.productCode, hall: batch.hallCode, cards: batch.cards,
            fileName: batch.fileName, importedAt: batch.importedAt, importedBy: batch.importedBy,
            firstCardNumber: batch.firstCardNumber, lastCardNumber: batch.lastCardNumber)
    }

    func map(_ holder: HolderView) -> Components.Schemas.Holder {
        .init(
            id: holder.id.rawValue, name: holder.name, documentType: map(holder.documentType),
            documentNumberMasked: holder.documentNumberMasked, phoneMasked: holder.phoneMasked,
            registeredAt: holder.registeredAt, registeredHall: holder.registeredHallCode)
    }

    func map(_ card: CardView) -> Components.Schemas.Card {
        .init(
            cardNumber: card.cardNumber, status: map(card.status), product: card.productCode, productName: card.productName,
            cardType: card.cardType.rawValue, transportModes: card.transportModes.map(map),
            interconnection: card.interconnection, holderId: card.holderID?.rawValue, holderNameMasked: card.holderNameMasked,
            holderDocumentMasked: card.holderDocumentMasked, issuedAt: card.issuedAt, issuedHall: card.issuedHallCode,
            issuedBy: card.issuedBy, depositFen: card.deposit.fen, cardCostFen: card.cardCost.fen,
            validFrom: card.validFrom.description, validTo: card.validTo.description, balanceFen: card.balance.fen)
    }

    func map(_ status: CardStatus) -> Components.Schemas.CardStatus {
        switch status {
        case .active: .active
        }
    }

    func map(_ mode: TransportMode) -> Components.Schemas.TransportMode {
        Components.Schemas.TransportMode(rawValue: mode.rawValue)!
    }

    func map(_ mode: Components.Schemas.TransportMode) -> TransportMode {
        TransportMode(rawValue: mode.rawValue)!
    }

    func map(_ type: DocumentType) -> Components.Schemas.DocumentType {
        Components.Schemas.DocumentType(rawValue: type.rawValue)!
    }

    func map(_ type: Components.Schemas.DocumentType) -> DocumentType {
        DocumentType(rawValue: type.rawValue)!
    }
}
