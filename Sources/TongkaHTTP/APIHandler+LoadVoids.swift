import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Voids (撤销) of confirmed loads: the server plays the purchase security module (PSAM) for a
/// debit of the load's amount at the load's terminal, and returns the money only once the card's
/// MAC2 and TAC prove the card debited it.
extension APIHandler {
    func voidLoad(_ input: Operations.VoidLoad.Input) async throws -> Operations.VoidLoad.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let id = LoadID(input.path.loadId)
        let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let identity: CardIdentity
        do {
            identity = try CardIdentity(
                cardNumber: number.digits, issuerID: try Hex.decode(body.issuerId.uppercased(), field: "issuer id"))
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "issuer id does not fit the card number")
        }
        let answer: InitializeForPurchaseResponse
        do {
            answer = try InitializeForPurchaseResponse(
                data: try Hex.decode(body.purchaseAnswer, field: "INITIALIZE FOR PURCHASE answer"))
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "INITIALIZE FOR PURCHASE answer")
        }
        let load = try await loads.load(id, origin: scope.origin)
        guard Hex.encode(identity.issuerID) == load.issuerID else { throw TongkaError(.cardMismatch) }
        let dateTime = try cardDateTime(now())
        let amount = UInt32(load.amount.fen)
        let authorization = try await loads.requestVoid(
            id, presentedCard: number, cardAnswer: answer.bytes, cardBalance: Money(fen: Int64(answer.balance)),
            cardTime: dateTime.dateString + dateTime.timeString, now: now(), origin: scope.origin
        ) { terminalNumber, serial in
            do {
                return try host.authorizePurchase(
                    card: identity, amount: amount, terminal: try TerminalNumber(hex: terminalNumber),
                    terminalSerial: UInt32(serial), dateTime: dateTime, response: answer
                ).mac1
            } catch {
                throw Self.translate(error, mac: .purchaseMACInvalid)
            }
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        loadId: id.rawValue, amountFen: load.amount.fen, terminalNumber: authorization.load.terminalNumber,
                        terminalSerial: authorization.terminalSerial, cardTime: authorization.cardTime,
                        mac1: Hex.encode(authorization.mac1)))))
    }

    func confirmLoadVoid(_ input: Operations.ConfirmLoadVoid.Input) async throws -> Operations.ConfirmLoadVoid.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let mac2: [UInt8]
        let tac: [UInt8]
        do {
            mac2 = try Hex.decode(body.mac2, field: "MAC2")
            tac = try Hex.decode(body.tac, field: "TAC")
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "MAC2 or TAC")
        }
        let (load, replayed) = try await loads.confirmVoid(
            LoadID(input.path.loadId), mac2: mac2, tac: tac, idempotencyKey: input.headers.idempotencyKey, now: now(),
            origin: scope.origin
        ) { stored in
            let purchase: PurchaseAuthorization
            do {
                let time = stored.cardTime
                purchase = try host.authorizePurchase(
                    card: try CardIdentity(
                        cardNumber: stored.load.cardNumber, issuerID: try Hex.decode(stored.load.issuerID, field: "issuer id")),
                    amount: UInt32(stored.load.amount.fen), terminal: try TerminalNumber(hex: stored.load.terminalNumber),
                    terminalSerial: UInt32(stored.terminalSerial),
                    dateTime: try TransactionDateTime(yyyymmdd: String(time.prefix(8)), hhmmss: String(time.suffix(6))),
                    response: try InitializeForPurchaseResponse(data: stored.cardAnswer))
            } catch {
                throw Self.translate(error, mac: .purchaseMACInvalid)
            }
            do { try host.verifyPurchaseMAC2(mac2, for: purchase) } catch {
                throw Self.translate(error, mac: .purchaseMACInvalid)
            }
            do { try host.verifyPurchaseTAC(tac, for: purchase, tacKeyVersion: nil) } catch {
                throw Self.translate(error, mac: .tacInvalid)
            }
        }
        return .ok(.init(body: .json(map(load, replayed: replayed))))
    }
}
