import Foundation
import TongkaDomain
import TongkaPostgres

/// Per-request facts, set by middleware and read by handlers and the error middleware: the
/// request id, the caller's address, the language of messages and, once authenticated, who it is.
struct RequestScope: Sendable {
    var requestID: String
    var clientAddress: String?
    var language: Language
    var session: AuthenticatedSession?
    /// The validator whose token authenticated the request (validator operations only).
    var validator: ValidatorIdentity?

    @TaskLocal static var current = RequestScope(requestID: "-", clientAddress: nil, language: .en, session: nil)

    /// The audit origin of this request.
    var origin: RequestOrigin {
        RequestOrigin(actor: session?.clerk.actor, requestID: requestID, clientAddress: clientAddress)
    }

    /// The authenticated actor; the access middleware guarantees it for non-public operations.
    func requireValidator() throws(TongkaError) -> ValidatorIdentity {
        guard let validator else { throw TongkaError(.unauthenticated) }
        return validator
    }

    func actor() throws(TongkaError) -> StaffActor {
        guard let session else { throw TongkaError(.unauthenticated) }
        return session.clerk.actor
    }
}
