import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    var issuer: IssuerProfile { database.settings.issuer }
    var today: CalendarDate { CalendarDate(now(), in: database.settings.timeZone) }

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
        return .created(
            .init(
                body: .json(
                    .init(
                        card: map(issue.card), paidFen: issue.paid.fen, paymentMethod: map(issue.paymentMethod),
                        paymentReference: issue.paymentReference, transactionId: issue.transactionID?.rawValue ?? 0,
                        shiftId: issue.shiftID.rawValue, replayed: replayed))))
    }

    func getCard(_ input: Operations.GetCard.Input) async throws -> Operations.GetCard.Output {
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        return .ok(.init(body: .json(map(try await cards.card(number, origin: scope.origin, now: now())))))
    }

    // MARK: Mapping

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
        case .refunded: .refunded
        case .suspended: .suspended
        case .replaced: .replaced
        }
    }

    func map(_ mode: TransportMode) -> Components.Schemas.TransportMode {
        Components.Schemas.TransportMode(rawValue: mode.rawValue)!
    }

    func map(_ mode: Components.Schemas.TransportMode) -> TransportMode {
        TransportMode(rawValue: mode.rawValue)!
    }
}
