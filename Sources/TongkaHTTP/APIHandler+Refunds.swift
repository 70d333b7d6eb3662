import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Card returns (退卡): the card's MAC1-checked balance decides what is paid; the answer carries
/// the permanent APPLICATION BLOCK for the card, made with the maintenance key for its challenge.
extension APIHandler {
    var refunds: RefundStore { RefundStore(database: database) }

    func refundCard(_ input: Operations.RefundCard.Input) async throws -> Operations.RefundCard.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let evidence = try CardEvidence(
            number: number, issuerHex: body.issuerId, terminalDigits: body.terminalNumber, answerHex: body.initializeAnswer)
        let challenge: [UInt8]
        do { challenge = try Hex.decode(body.challenge, field: "challenge") } catch {
            throw TongkaError(.invalidCardResponse, detail: "challenge")
        }
        try verifyBalanceEvidence(evidence, host: host)
        let (refund, replayed) = try await refunds.refund(
            card: number, cardBalance: Money(fen: Int64(evidence.answer.oldBalance)), approvalID: body.approvalId,
            idempotencyKey: input.headers.idempotencyKey, now: now(), origin: scope.origin)
        if !replayed { await blacklistChanged() }
        let block: [UInt8]
        do {
            block = try host.applicationBlockCommand(
                card: evidence.identity, challenge: challenge, permanent: true, keyVersion: 1)
        } catch {
            throw Self.translate(error, mac: .invalidCardResponse)
        }
        let quote = refund.quote
        return .created(
            .init(
                body: .json(
                    .init(
                        refundId: refund.refundID, cardNumber: refund.cardNumber, cardBalanceFen: quote.cardBalance.fen,
                        backOfficeBalanceFen: quote.backOfficeBalance.fen, depositFen: quote.deposit.fen, feeFen: quote.fee.fen,
                        paidFen: quote.paid.fen, unsettledFen: quote.unsettled.fen, approvalId: refund.approvalID,
                        clerk: refund.clerk, hall: refund.hallCode, shiftId: refund.shiftID.rawValue,
                        transactionId: refund.transactionID?.rawValue, refundedAt: refund.refundedAt,
                        blockCommand: Hex.encode(block), replayed: replayed))))
    }

    func approveRefund(_ input: Operations.ApproveRefund.Input) async throws -> Operations.ApproveRefund.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let approval = try await refunds.approve(card: number, now: now(), origin: scope.origin)
        return .created(
            .init(
                body: .json(
                    .init(
                        approvalId: approval.approvalID, cardNumber: approval.cardNumber, approvedBy: approval.approvedBy,
                        expiresAt: approval.expiresAt))))
    }
}
