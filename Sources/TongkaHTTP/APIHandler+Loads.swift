import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaCardCrypto
import TongkaDomain
import TongkaPostgres

/// Purse loads (圈存): the host side of the load protocol. The card's MAC1 is checked and MAC2
/// computed here (the key store is the host security module); the store decides the limits,
/// posts the money and stores MAC2 in one transaction.
extension APIHandler {
    var loads: LoadStore { LoadStore(database: database) }

    func requirePurseHost() throws -> PurseHost {
        guard let purseHost else { throw TongkaError(.cardKeysUnavailable) }
        return purseHost
    }

    func registerLoadTerminal(
        _ input: Operations.RegisterLoadTerminal.Input
    ) async throws
        -> Operations.RegisterLoadTerminal.Output
    {
        let terminal = try await loads.terminal(label: input.path.label, origin: scope.origin)
        return .ok(
            .init(
                body: .json(
                    .init(
                        terminalNumber: terminal.terminalNumber, label: terminal.label, hall: terminal.hallCode,
                        lastSerial: terminal.lastSerial))))
    }

    func authorizeLoad(_ input: Operations.AuthorizeLoad.Input) async throws -> Operations.AuthorizeLoad.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let number = try CardNumber(body.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let evidence = try CardEvidence(
            number: number, issuerHex: body.issuerId, terminalDigits: body.terminalNumber, answerHex: body.initializeAnswer)
        guard let amount = UInt32(exactly: body.amountFen) else { throw TongkaError(.amountOutOfRange) }
        // Funded by a payment at the counter or by a pending top-up order, never both or neither.
        let method: PaymentMethod
        switch (body.paymentMethod, body.orderId) {
        case (.some(let payment), nil): method = map(payment)
        case (nil, .some): method = .cash
        default: throw TongkaError(.malformedRequest, detail: "give paymentMethod or orderId")
        }
        let dateTime = try cardDateTime(now())
        let authorization: LoadAuthorization
        do {
            authorization = try host.authorizeLoad(
                card: evidence.identity, amount: amount, terminal: evidence.terminal, dateTime: dateTime,
                response: evidence.answer)
        } catch {
            throw Self.translate(error, mac: .loadMACInvalid)
        }
        let request = VerifiedLoadRequest(
            card: number, issuerID: Hex.encode(evidence.identity.issuerID), amount: Money(fen: body.amountFen),
            paymentMethod: method, paymentReference: body.paymentReference,
            cardBalance: Money(fen: Int64(authorization.oldBalance)), onlineSerial: Int(authorization.onlineSerial),
            cardRandom: evidence.answer.random, keyVersion: Int(authorization.keyVersion),
            algorithmID: Int(authorization.algorithmID), terminalNumber: body.terminalNumber,
            cardTime: dateTime.dateString + dateTime.timeString, mac2: authorization.mac2,
            orderID: body.orderId.map { TopupOrderID($0) })
        let (load, replayed) = try await loads.authorise(
            request, idempotencyKey: input.headers.idempotencyKey, now: now(), origin: scope.origin)
        return .created(.init(body: .json(map(load, replayed: replayed))))
    }

    func listLoads(_ input: Operations.ListLoads.Input) async throws -> Operations.ListLoads.Output {
        let views: [LoadView]
        if let card = input.query.cardNumber {
            views = try await loads.loads(
                card: try CardNumber(card, issuerPrefixes: issuer.cardNumberPrefixes), origin: scope.origin)
        } else {
            views = try await loads.openLoads(origin: scope.origin)
        }
        return .ok(.init(body: .json(.init(loads: views.map { map($0, replayed: nil) }))))
    }

    func getLoad(_ input: Operations.GetLoad.Input) async throws -> Operations.GetLoad.Output {
        .ok(.init(body: .json(map(try await loads.load(LoadID(input.path.loadId), origin: scope.origin), replayed: nil))))
    }

    func confirmLoad(_ input: Operations.ConfirmLoad.Input) async throws -> Operations.ConfirmLoad.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let id = LoadID(input.path.loadId)
        let tac: [UInt8]
        do { tac = try Hex.decode(body.tac, field: "TAC") } catch { throw TongkaError(.invalidCardResponse, detail: "TAC") }
        // The TAC is checked against the load inside the confirming transaction, on the locked row.
        let confirmed = try await loads.confirm(
            id, tac: tac,
            verify: { load in
                do {
                    try host.verifyLoadTAC(tac, for: try authorization(of: load))
                } catch {
                    throw Self.translate(error, mac: .tacInvalid)
                }
            }, now: now(), origin: scope.origin)
        return .ok(.init(body: .json(map(confirmed, replayed: nil))))
    }

    func markLoadGrey(_ input: Operations.MarkLoadGrey.Input) async throws -> Operations.MarkLoadGrey.Output {
        .ok(.init(body: .json(map(try await loads.markGrey(LoadID(input.path.loadId), origin: scope.origin), replayed: nil))))
    }

    func resolveLoad(_ input: Operations.ResolveLoad.Input) async throws -> Operations.ResolveLoad.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let host = try requirePurseHost()
        let id = LoadID(input.path.loadId)
        let load = try await loads.load(id, origin: scope.origin)
        let number = try CardNumber(load.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let evidence = try CardEvidence(
            number: number, issuerHex: body.issuerId, terminalDigits: body.terminalNumber, answerHex: body.initializeAnswer)
        guard Hex.encode(evidence.identity.issuerID) == load.issuerID else { throw TongkaError(.cardMismatch) }
        try verifyBalanceEvidence(evidence, host: host)
        let (resolved, replayed) = try await loads.resolve(
            id, observedSerial: Int(evidence.answer.onlineSerial), observedBalance: Money(fen: Int64(evidence.answer.oldBalance)),
            idempotencyKey: input.headers.idempotencyKey, now: now(), origin: scope.origin)
        return .ok(.init(body: .json(map(resolved, replayed: replayed))))
    }

    // MARK: Helpers

    /// Checks an INITIALIZE FOR LOAD of amount 0: its MAC1 proves the online serial and balance
    /// are the card's. The MAC2 computed alongside is thrown away; it is never sent anywhere.
    func verifyBalanceEvidence(_ evidence: CardEvidence, host: PurseHost) throws {
        do {
            _ = try host.authorizeLoad(
                card: evidence.identity, amount: 0, terminal: evidence.terminal, dateTime: try cardDateTime(now()),
                response: evidence.answer)
        } catch {
            throw Self.translate(error, mac: .loadMACInvalid)
        }
    }

    /// The date-time the host sends with MAC2: now in the operator's time zone.
    func cardDateTime(_ instant: Date) throws -> TransactionDateTime {
        try TransactionDateTime(instant, in: database.settings.timeZone)
    }

    /// Rebuilds what the host authorised from the stored load, to verify its TAC.
    func authorization(of load: LoadView) throws -> LoadAuthorization {
        let card = try CardIdentity(cardNumber: load.cardNumber, issuerID: try Hex.decode(load.issuerID, field: "issuer id"))
        let time = load.cardTime
        return LoadAuthorization(
            card: card, amount: UInt32(load.amount.fen), terminal: try TerminalNumber(hex: load.terminalNumber),
            dateTime: try TransactionDateTime(
                yyyymmdd: String(time.prefix(8)), hhmmss: String(time.suffix(6))),
            oldBalance: UInt32(load.oldBalance.fen), newBalance: UInt32(load.newBalance.fen),
            onlineSerial: UInt16(load.onlineSerial), keyVersion: UInt8(load.keyVersion), algorithmID: UInt8(load.algorithmID),
            mac2: load.mac2)
    }

    /// Card-crypto failures as API errors: a MAC that does not verify gets `mac`; keys the store
    /// does not hold or algorithms it does not run are the server's configuration; the rest is the
    /// card's answer being malformed.
    static func translate(_ error: any Error, mac: ErrorCode) -> any Error {
        guard let crypto = error as? CardCryptoError else { return error }
        switch crypto {
        case .macMismatch: return TongkaError(mac)
        case .issuerMismatch: return TongkaError(.cardMismatch, detail: "the card belongs to another issuer")
        case .keyFile, .fileSystem, .openSSL:
            return TongkaError(.cardKeysUnavailable, detail: crypto.description)
        case .unknownKey, .unknownAlgorithmID, .unsupportedPurseAlgorithm, .invalidValue, .wrongDataLength, .badHex,
            .wrongKeyLength:
            // A key version or algorithm the operator does not have: the card's claim, not the server's fault.
            return TongkaError(.invalidCardResponse, detail: crypto.description)
        }
    }

    func map(_ load: LoadView, replayed: Bool?) -> Components.Schemas.Load {
        .init(
            loadId: load.loadID.rawValue, cardNumber: load.cardNumber,
            state: Components.Schemas.LoadState(rawValue: load.state.rawValue)!, amountFen: load.amount.fen,
            oldBalanceFen: load.oldBalance.fen, newBalanceFen: load.newBalance.fen, onlineSerial: load.onlineSerial,
            terminalNumber: load.terminalNumber, terminalSerial: load.terminalSerial, cardTime: load.cardTime,
            mac2: Hex.encode(load.mac2), paymentMethod: load.paymentMethod.map(map), paymentReference: load.paymentReference,
            clerk: load.clerk, hall: load.hallCode, shiftId: load.shiftID.rawValue, transactionId: load.transactionID.rawValue,
            authorisedAt: load.authorisedAt, confirmedAt: load.confirmedAt, resolution: load.resolution,
            reversalTransactionId: load.reversalTransactionID?.rawValue, orderId: load.orderID?.rawValue, replayed: replayed)
    }
}

/// The card's own answer as sent by a counter, parsed: who the card is, at which terminal, and
/// its INITIALIZE FOR LOAD answer. Shapes are checked here; MACs by the caller.
struct CardEvidence {
    let identity: CardIdentity
    let terminal: TerminalNumber
    let answer: InitializeForLoadResponse

    init(number: CardNumber, issuerHex: String, terminalDigits: String, answerHex: String) throws {
        do {
            identity = try CardIdentity(
                cardNumber: number.digits, issuerID: try Hex.decode(issuerHex.uppercased(), field: "issuer id"))
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "issuer id does not fit the card number")
        }
        do { terminal = try TerminalNumber(hex: terminalDigits) } catch { throw TongkaError(.invalidTerminal) }
        do {
            answer = try InitializeForLoadResponse(data: try Hex.decode(answerHex, field: "INITIALIZE FOR LOAD answer"))
        } catch {
            throw TongkaError(.invalidCardResponse, detail: "INITIALIZE FOR LOAD answer")
        }
    }
}
