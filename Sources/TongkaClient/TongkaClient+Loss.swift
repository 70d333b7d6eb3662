import Foundation
import OpenAPIRuntime
import TongkaAPI

/// Loss reports, reclaims, replacements and the permanent block of old cards.
extension TongkaClient {
    /// The rider's own report (no login): the self-service page posts the same request.
    public func reportLossSelfService(
        _ request: Components.Schemas.SelfServiceLossRequest
    ) async throws
        -> Components.Schemas.LossReport
    {
        switch try await call({ try await api.reportLoss(body: .json(request)) }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// The rider's liability statement, with the holder's document in headers (never the URL).
    public func lossReport(
        reference: String, documentType: Components.Schemas.DocumentType, documentNumber: String
    ) async throws -> Components.Schemas.LossReportDetail {
        switch try await call({
            try await api.getLossReport(
                path: .init(reference: reference),
                headers: .init(xTongkaDocumentType: documentType, xTongkaDocumentNumber: documentNumber))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    /// A report taken at the counter or by the hotline.
    public func reportLoss(
        cardNumber: String, documentType: Components.Schemas.DocumentType?, documentNumber: String?
    ) async throws -> Components.Schemas.LossReport {
        switch try await call({
            try await api.reportCardLoss(
                path: .init(cardNumber: cardNumber),
                body: .json(.init(documentType: documentType, documentNumber: documentNumber)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func cardLossReport(cardNumber: String) async throws -> Components.Schemas.LossReportDetail {
        switch try await call({ try await api.getCardLossReport(path: .init(cardNumber: cardNumber)) }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func reclaimCard(
        cardNumber: String, documentType: Components.Schemas.DocumentType?, documentNumber: String?, challenge: String
    ) async throws -> Components.Schemas.CardReclaim {
        switch try await call({
            try await api.reclaimCard(
                path: .init(cardNumber: cardNumber),
                body: .json(.init(documentType: documentType, documentNumber: documentNumber, challenge: challenge)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func replaceCard(
        cardNumber: String, newCardNumber: String, documentType: Components.Schemas.DocumentType?, documentNumber: String?,
        idempotencyKey: String
    ) async throws -> Components.Schemas.LossReport {
        switch try await call({
            try await api.replaceCard(
                path: .init(cardNumber: cardNumber), headers: .init(idempotencyKey: idempotencyKey),
                body: .json(.init(newCardNumber: newCardNumber, documentType: documentType, documentNumber: documentNumber)))
        }) {
        case .created(let created): return try created.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }

    public func blockCard(cardNumber: String, challenge: String) async throws -> Components.Schemas.CardBlock {
        switch try await call({
            try await api.blockCard(path: .init(cardNumber: cardNumber), body: .json(.init(challenge: challenge)))
        }) {
        case .ok(let ok): return try ok.body.json
        case .`default`(let status, let error): throw APIFailure(status: status, error)
        }
    }
}
