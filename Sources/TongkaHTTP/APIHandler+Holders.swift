import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    // MARK: Holders

    func registerHolder(_ input: Operations.RegisterHolder.Input) async throws -> Operations.RegisterHolder.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let document = try IdentityDocument(type: map(body.documentType), number: body.documentNumber)
        let phone = try body.phone.flatMap { $0.isEmpty ? nil : try PhoneNumber($0) }
        let holder = try await holders.registerHolder(name: body.name, document: document, phone: phone, origin: scope.origin)
        return .created(.init(body: .json(map(holder))))
    }

    func findHolder(_ input: Operations.FindHolder.Input) async throws -> Operations.FindHolder.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let document = try IdentityDocument(type: map(body.documentType), number: body.documentNumber)
        let (holder, holderCards) = try await holders.findHolder(document: document, origin: scope.origin, now: now())
        return .ok(.init(body: .json(.init(holder: map(holder), cards: holderCards.map(map)))))
    }

    func getHolder(_ input: Operations.GetHolder.Input) async throws -> Operations.GetHolder.Output {
        let (holder, holderCards) = try await holders.holder(id: HolderID(input.path.holderId), origin: scope.origin, now: now())
        return .ok(.init(body: .json(.init(holder: map(holder), cards: holderCards.map(map)))))
    }

    // MARK: Mapping

    func map(_ holder: HolderView) -> Components.Schemas.Holder {
        .init(
            id: holder.id.rawValue, name: holder.name, documentType: map(holder.documentType),
            documentNumberMasked: holder.documentNumberMasked, phoneMasked: holder.phoneMasked,
            registeredAt: holder.registeredAt, registeredHall: holder.registeredHallCode)
    }

    func map(_ type: DocumentType) -> Components.Schemas.DocumentType {
        Components.Schemas.DocumentType(rawValue: type.rawValue)!
    }

    func map(_ type: Components.Schemas.DocumentType) -> DocumentType {
        DocumentType(rawValue: type.rawValue)!
    }
}
