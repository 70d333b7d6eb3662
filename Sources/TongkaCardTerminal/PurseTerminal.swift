import TongkaCardCrypto

/// The host a load terminal (counter) talks to: authorises a load (verifies MAC1, returns MAC2)
/// and confirms it with the card's TAC. `PurseHost` is the in-process implementation; a client
/// of the server's API can be another.
public protocol LoadHost: Sendable {
    /// Verifies MAC1 of the card's INITIALIZE FOR LOAD response and returns the authorisation with MAC2.
    func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) async throws -> LoadAuthorization
    /// Verifies the TAC returned by CREDIT FOR LOAD.
    func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws
}

/// The purchase security module a validator uses (the PSAM's role): MAC1, MAC2 and TAC checks.
public protocol PurchaseSecurityModule: Sendable {
    /// Computes MAC1 for DEBIT FOR PURCHASE.
    func authorizePurchase(
        card: CardIdentity, amount: UInt32, transactionType: UInt8, terminal: TerminalNumber,
        terminalSerial: UInt32, dateTime: TransactionDateTime,
        response: InitializeForPurchaseResponse
    ) async throws -> PurchaseAuthorization
    /// Verifies the card's MAC2.
    func verifyPurchaseMAC2(_ mac2: [UInt8], for purchase: PurchaseAuthorization) async throws
    /// Verifies the card's purchase TAC.
    func verifyPurchaseTAC(_ tac: [UInt8], for purchase: PurchaseAuthorization) async throws
}

/// What APPLICATION BLOCK / UNBLOCK ask of the host.
public enum MaintenanceCommand: Sendable, Hashable {
    /// `84 1E 00 00`: temporary block (blacklisted card).
    case temporaryBlock
    /// `84 1E 00 01`: permanent block.
    case permanentBlock
    /// `84 18 00 00`: lift a temporary block.
    case unblock
}

/// The host that builds secure-messaging commands (it holds the maintenance key DAMK).
public protocol CardMaintenanceHost: Sendable {
    /// The complete command APDU (header + MAC) for `command`, for this card and challenge.
    func maintenanceCommand(
        _ command: MaintenanceCommand, card: CardIdentity, challenge: [UInt8],
        keyVersion: UInt8, algorithm: KeyAlgorithm
    ) async throws -> [UInt8]
}

extension PurseHost: LoadHost, PurchaseSecurityModule, CardMaintenanceHost {
    /// `LoadHost`: verifies the TAC with `verifyLoadTAC`.
    public func confirmLoad(_ load: LoadAuthorization, tac: [UInt8]) async throws {
        try verifyLoadTAC(tac, for: load)
    }

    /// `PurchaseSecurityModule`: verifies the TAC with the DPK version as DTK version.
    public func verifyPurchaseTAC(_ tac: [UInt8], for purchase: PurchaseAuthorization) async throws {
        try verifyPurchaseTAC(tac, for: purchase, tacKeyVersion: nil)
    }

    /// `CardMaintenanceHost`: builds APPLICATION BLOCK / UNBLOCK with the DAMK of `keyVersion`.
    public func maintenanceCommand(
        _ command: MaintenanceCommand, card: CardIdentity, challenge: [UInt8],
        keyVersion: UInt8, algorithm: KeyAlgorithm
    ) async throws -> [UInt8] {
        switch command {
        case .temporaryBlock:
            return try applicationBlockCommand(
                card: card, challenge: challenge, permanent: false, keyVersion: keyVersion, algorithm: algorithm)
        case .permanentBlock:
            return try applicationBlockCommand(
                card: card, challenge: challenge, permanent: true, keyVersion: keyVersion, algorithm: algorithm)
        case .unblock:
            return try applicationUnblockCommand(card: card, challenge: challenge, keyVersion: keyVersion, algorithm: algorithm)
        }
    }
}

/// Why a terminal-side flow stopped. Host and reader errors pass through unchanged.
public enum PurseTerminalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The card answered a status word the flow cannot continue from.
    case unexpectedStatus(command: String, statusWord: UInt16)
    /// The response data had the wrong shape.
    case malformedResponse(command: String)
    /// The application is temporarily blocked (6A81).
    case applicationBlocked
    /// The application is permanently blocked (9303).
    case applicationPermanentlyBlocked
    /// The transaction date is outside the card's validity dates.
    case cardNotValid(on: TransactionDateTime)
    /// 9401.
    case insufficientBalance
    /// 6A84: the load would exceed the product maximum.
    case balanceLimitExceeded
    /// The card refused CREDIT FOR LOAD (9302 or another error): the load is certainly not credited.
    case loadNotCredited(LoadAuthorization, statusWord: UInt16)
    /// CREDIT FOR LOAD was sent with MAC2 but no answer came back: the load is grey. Resolve it
    /// with `PurseTerminal.inspectGreyLoad` or `GreyLoadResolver`.
    case greyLoad(LoadAuthorization)
    /// The card credited the load but its TAC did not verify.
    case loadTACRejected(LoadAuthorization, tac: [UInt8])
    /// DEBIT FOR PURCHASE was sent but no answer came back: the card may have debited.
    case purchaseIncomplete(PurchaseAuthorization)
    /// The card debited but its MAC2 or TAC did not verify.
    case purchaseRejected(PurchaseAuthorization, reason: String)
    /// A different card is in the reader than the one expected.
    case cardChanged

    /// A short message for operators.
    public var description: String {
        switch self {
        case let .unexpectedStatus(command, statusWord):
            return "\(command) answered \(Hex.encode([UInt8(statusWord >> 8), UInt8(statusWord & 0xFF)]))"
        case let .malformedResponse(command): return "malformed response to \(command)"
        case .applicationBlocked: return "application temporarily blocked"
        case .applicationPermanentlyBlocked: return "application permanently blocked"
        case let .cardNotValid(date): return "card not valid on \(date.dateString)"
        case .insufficientBalance: return "insufficient balance"
        case .balanceLimitExceeded: return "load would exceed the maximum balance"
        case let .loadNotCredited(load, statusWord):
            return "load of \(load.amount) fen not credited (\(String(statusWord, radix: 16, uppercase: true)))"
        case let .greyLoad(load): return "grey load of \(load.amount) fen at online serial \(load.onlineSerial)"
        case let .loadTACRejected(load, _): return "load of \(load.amount) fen credited but its TAC does not verify"
        case let .purchaseIncomplete(purchase): return "purchase of \(purchase.amount) fen incomplete"
        case let .purchaseRejected(purchase, reason): return "purchase of \(purchase.amount) fen rejected: \(reason)"
        case .cardChanged: return "a different card is in the reader"
        }
    }
}

/// What the terminal read from a card.
public struct PurseCardInfo: Sendable, Hashable {
    /// Issuer id and serial (0015).
    public let card: CardIdentity
    /// 0015 byte 8.
    public let applicationType: UInt8
    /// 0015 byte 9.
    public let applicationVersion: UInt8
    /// 0015 bytes 20..23 as `YYYYMMDD`.
    public let validFrom: String
    /// 0015 bytes 24..27 as `YYYYMMDD`.
    public let validTo: String
    /// 0017 byte 10.
    public let cardType: UInt8
    /// 0017 bytes 8-9 == 0001.
    public let interconnection: Bool
    /// Balance, or nil when the application is blocked.
    public let balance: UInt32?
    /// True when SELECT answered 6A81.
    public let temporarilyBlocked: Bool
}

/// The card's two transaction serials (`PurseTerminal.readSerials`).
public struct PurseSerials: Sendable, Hashable {
    /// Online (load) serial: the serial the next load will use.
    public let online: UInt16
    /// Offline (purchase) serial: the serial the next purchase will use.
    public let offline: UInt16

    /// Serials from their values.
    public init(online: UInt16, offline: UInt16) {
        self.online = online
        self.offline = offline
    }
}

/// Result of a completed load.
public struct LoadResult: Sendable, Hashable {
    /// The authorisation (amount, terminal, date-time, old/new balance, online serial before, MAC2).
    public let load: LoadAuthorization
    /// TAC from CREDIT FOR LOAD (verified by the host).
    public let tac: [UInt8]

    /// Balance before, fen.
    public var oldBalance: UInt32 { load.oldBalance }
    /// Balance after, fen.
    public var newBalance: UInt32 { load.newBalance }
    /// Online serial used by this load (the card's serial is now one more).
    public var onlineSerial: UInt16 { load.onlineSerial }
    /// MAC2 sent to the card.
    public var mac2: [UInt8] { load.mac2 }
}

/// Result of a completed purchase.
public struct PurchaseResult: Sendable, Hashable {
    /// The authorisation (amount, type, terminal, terminal serial, date-time, old balance, offline serial, MAC1).
    public let purchase: PurchaseAuthorization
    /// TAC from DEBIT FOR PURCHASE (verified).
    public let tac: [UInt8]
    /// MAC2 from DEBIT FOR PURCHASE (verified).
    public let mac2: [UInt8]

    /// Balance before, fen.
    public var oldBalance: UInt32 { purchase.oldBalance }
    /// Balance after, fen.
    public var newBalance: UInt32 { purchase.newBalance }
    /// Offline serial used by this purchase.
    public var offlineSerial: UInt16 { purchase.offlineSerial }
}

/// Terminal-side flows over any `CardReader`: read the card, load, purchase, block/unblock and
/// inspect a grey load. The reader must be connected (`reader.connect()`); every flow starts
/// with SELECT, so flows can follow one another on one connection.
public struct PurseTerminal: Sendable {
    /// The reader holding the card.
    public let reader: any CardReader

    /// A terminal over `reader`.
    public init(reader: any CardReader) {
        self.reader = reader
    }

    /// The purse AID `A000000632010105`.
    public static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x06, 0x32, 0x01, 0x01, 0x05]

    /// SELECT, READ BINARY 0015 and 0017, GET BALANCE (skipped when blocked).
    public func readCard() async throws -> PurseCardInfo {
        let blocked = try await select(allowBlocked: true)
        let f15 = try await command("READ BINARY 0015", [0x00, 0xB0, 0x95, 0x00, 0x00])
        let f17 = try await command("READ BINARY 0017", [0x00, 0xB0, 0x97, 0x00, 0x00])
        guard f15.count == 30, f17.count >= 11 else { throw PurseTerminalError.malformedResponse(command: "READ BINARY") }
        let card: CardIdentity
        do {
            card = try CardIdentity(issuerID: Array(f15[0..<8]), applicationSerial: Array(f15[10..<20]))
        } catch {
            throw PurseTerminalError.malformedResponse(command: "READ BINARY 0015")
        }
        var balance: UInt32?
        if !blocked {
            let data = try await command("GET BALANCE", [0x80, 0x5C, 0x00, 0x02, 0x04])
            guard data.count == 4 else { throw PurseTerminalError.malformedResponse(command: "GET BALANCE") }
            balance = data.reduce(0) { $0 << 8 | UInt32($1) }
        }
        return PurseCardInfo(
            card: card, applicationType: f15[8], applicationVersion: f15[9],
            validFrom: Hex.encode(f15[20..<24]), validTo: Hex.encode(f15[24..<28]),
            cardType: f17[10], interconnection: f17[8] == 0x00 && f17[9] == 0x01,
            balance: balance, temporarilyBlocked: blocked)
    }

    /// A full load: SELECT, read 0015, INITIALIZE FOR LOAD, host MAC1 check and MAC2, CREDIT FOR
    /// LOAD, host TAC check. A lost CREDIT response throws `.greyLoad` with the authorisation.
    public func load(
        amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        host: any LoadHost, keyIndex: UInt8 = 1
    ) async throws -> LoadResult {
        let info = try await readCard()
        try checkValidity(info, dateTime)
        if info.temporarilyBlocked { throw PurseTerminalError.applicationBlocked }
        let response = try await initializeForLoad(amount: amount, terminal: terminal, keyIndex: keyIndex)
        let authorization = try await host.authorizeLoad(
            card: info.card, amount: amount, terminal: terminal,
            dateTime: dateTime, response: response)
        let reply: APDUResponse
        do {
            // The host's date-time: MAC2 covers it (a remote host picks its own clock).
            reply = try await reader.transmit(
                [0x80, 0x52, 0x00, 0x00, 0x0B] + authorization.dateTime.bytes + authorization.mac2 + [0x04])
        } catch {
            // MAC2 has left the host and we do not know whether the card used it.
            throw PurseTerminalError.greyLoad(authorization)
        }
        guard reply.isSuccess else { throw PurseTerminalError.loadNotCredited(authorization, statusWord: reply.statusWord) }
        guard reply.data.count == 4 else { throw PurseTerminalError.greyLoad(authorization) }
        do {
            try await host.confirmLoad(authorization, tac: reply.data)
        } catch {
            throw PurseTerminalError.loadTACRejected(authorization, tac: reply.data)
        }
        return LoadResult(load: authorization, tac: reply.data)
    }

    /// A full purchase: SELECT, read 0015, INITIALIZE FOR PURCHASE, MAC1 from the security module,
    /// DEBIT FOR PURCHASE, MAC2 and TAC verification.
    public func purchase(
        amount: UInt32, terminal: TerminalNumber, terminalSerial: UInt32, dateTime: TransactionDateTime,
        securityModule: any PurchaseSecurityModule, transactionType: UInt8 = TransactionType.purchase,
        keyIndex: UInt8 = 1
    ) async throws -> PurchaseResult {
        let info = try await readCard()
        try checkValidity(info, dateTime)
        if info.temporarilyBlocked { throw PurseTerminalError.applicationBlocked }
        let response = try await initializeForPurchase(amount: amount, terminal: terminal, keyIndex: keyIndex)
        let authorization = try await securityModule.authorizePurchase(
            card: info.card, amount: amount, transactionType: transactionType, terminal: terminal,
            terminalSerial: terminalSerial, dateTime: dateTime, response: response)
        let reply: APDUResponse
        do {
            reply = try await reader.transmit(
                [0x80, 0x54, 0x01, 0x00, 0x0F] + be32(terminalSerial) + dateTime.bytes
                    + authorization.mac1 + [0x08])
        } catch {
            throw PurseTerminalError.purchaseIncomplete(authorization)
        }
        guard reply.isSuccess else { throw statusError("DEBIT FOR PURCHASE", reply.statusWord) }
        guard reply.data.count == 8 else { throw PurseTerminalError.malformedResponse(command: "DEBIT FOR PURCHASE") }
        let tac = Array(reply.data[0..<4]), mac2 = Array(reply.data[4..<8])
        do {
            try await securityModule.verifyPurchaseMAC2(mac2, for: authorization)
        } catch {
            throw PurseTerminalError.purchaseRejected(authorization, reason: "MAC2 does not verify")
        }
        do {
            try await securityModule.verifyPurchaseTAC(tac, for: authorization)
        } catch {
            throw PurseTerminalError.purchaseRejected(authorization, reason: "TAC does not verify")
        }
        return PurchaseResult(purchase: authorization, tac: tac, mac2: mac2)
    }

    /// SELECT, GET CHALLENGE, then the secure-messaging command built by `host` (block or unblock).
    public func maintain(
        _ maintenance: MaintenanceCommand, host: any CardMaintenanceHost,
        keyVersion: UInt8 = 1, algorithm: KeyAlgorithm = .tripleDES
    ) async throws {
        let info = try await readCard()
        let challenge = try await command("GET CHALLENGE", [0x00, 0x84, 0x00, 0x00, 0x04])
        let apdu = try await host.maintenanceCommand(
            maintenance, card: info.card, challenge: challenge,
            keyVersion: keyVersion, algorithm: algorithm)
        _ = try await command(maintenance == .unblock ? "APPLICATION UNBLOCK" : "APPLICATION BLOCK", apdu)
    }

    /// SELECT, read 0015, then INITIALIZE FOR LOAD of `amount` at `terminal`, abandoned: no MAC2 is
    /// ever asked for, so nothing changes on the card. With amount 0 the answer is evidence for the
    /// host: its MAC1 authenticates the card's balance and online serial (grey-load decisions).
    public func loadAnswer(
        amount: UInt32 = 0, terminal: TerminalNumber, keyIndex: UInt8 = 1
    ) async throws -> (PurseCardInfo, InitializeForLoadResponse) {
        let info = try await readCard()
        if info.temporarilyBlocked { throw PurseTerminalError.applicationBlocked }
        return (info, try await initializeForLoad(amount: amount, terminal: terminal, keyIndex: keyIndex))
    }

    /// The purse transaction log (file 0018), newest first.
    public func readTransactionLog() async throws -> [PurseTransactionRecord] {
        _ = try await select(allowBlocked: true)
        var records: [PurseTransactionRecord] = []
        for number in UInt8(1)...UInt8(10) {
            let reply = try await reader.transmit([0x00, 0xB2, number, 0xC4, 0x17])
            if reply.statusWord == StatusWord.recordNotFound { break }
            guard reply.isSuccess else { throw statusError("READ RECORD 0018", reply.statusWord) }
            do { records.append(try PurseTransactionRecord(bytes: reply.data)) } catch {
                throw PurseTerminalError.malformedResponse(command: "READ RECORD 0018")
            }
        }
        return records
    }

    /// Looks at the card to resolve a grey load: reads the transaction log and the current online
    /// serial (from an INITIALIZE FOR LOAD of amount 0 that is then abandoned: no MAC2 is ever
    /// issued for it), and applies `GreyLoadResolver`. Throws `.cardChanged` for another card.
    public func inspectGreyLoad(_ load: LoadAuthorization, keyIndex: UInt8 = 1) async throws -> GreyLoadOutcome {
        let info = try await readCard()
        guard info.card == load.card else { throw PurseTerminalError.cardChanged }
        let log = try await readTransactionLog()
        if let decided = GreyLoadResolver.resolve(load, transactionLog: log) {
            return decided
        }
        _ = try await select(allowBlocked: false)
        // An INITIALIZE FOR LOAD of amount 0, never followed by CREDIT: only its serial is used.
        let response = try await initializeForLoad(amount: 0, terminal: load.terminal, keyIndex: keyIndex)
        return GreyLoadResolver.resolve(load, currentOnlineSerial: response.onlineSerial, transactionLog: log)
    }

    /// The card's online and offline serials, read without changing anything on it: INITIALIZE
    /// FOR LOAD and INITIALIZE FOR PURCHASE of amount 0, each abandoned (no MAC2 and no MAC1 is
    /// ever sent, so nothing is credited or debited and neither serial moves), then SELECT again
    /// so that no session is left open. A serial that has reached FFFF (the card answers 9402)
    /// is reported as `UInt16.max`. A blocked card throws `.applicationBlocked` or
    /// `.applicationPermanentlyBlocked`.
    public func readSerials(terminal: TerminalNumber, keyIndex: UInt8 = 1) async throws -> PurseSerials {
        _ = try await select(allowBlocked: false)
        let online: UInt16
        do {
            online = try await initializeForLoad(amount: 0, terminal: terminal, keyIndex: keyIndex).onlineSerial
        } catch PurseTerminalError.unexpectedStatus(_, StatusWord.serialExhausted) {
            online = .max
        }
        let offline: UInt16
        do {
            offline = try await initializeForPurchase(amount: 0, terminal: terminal, keyIndex: keyIndex).offlineSerial
        } catch PurseTerminalError.unexpectedStatus(_, StatusWord.serialExhausted) {
            offline = .max
        }
        _ = try await select(allowBlocked: false)
        return PurseSerials(online: online, offline: offline)
    }

    // MARK: helpers

    /// INITIALIZE FOR LOAD (`80 50 00 02`) and its parsed answer.
    private func initializeForLoad(
        amount: UInt32, terminal: TerminalNumber, keyIndex: UInt8
    ) async throws
        -> InitializeForLoadResponse
    {
        let data = try await command(
            "INITIALIZE FOR LOAD", [0x80, 0x50, 0x00, 0x02, 0x0B, keyIndex] + be32(amount) + terminal.bytes + [0x10])
        do { return try InitializeForLoadResponse(data: data) } catch {
            throw PurseTerminalError.malformedResponse(command: "INITIALIZE FOR LOAD")
        }
    }

    /// INITIALIZE FOR PURCHASE (`80 50 01 02`) and its parsed answer.
    private func initializeForPurchase(
        amount: UInt32, terminal: TerminalNumber, keyIndex: UInt8
    ) async throws
        -> InitializeForPurchaseResponse
    {
        let data = try await command(
            "INITIALIZE FOR PURCHASE", [0x80, 0x50, 0x01, 0x02, 0x0B, keyIndex] + be32(amount) + terminal.bytes + [0x0F])
        do { return try InitializeForPurchaseResponse(data: data) } catch {
            throw PurseTerminalError.malformedResponse(command: "INITIALIZE FOR PURCHASE")
        }
    }

    /// SELECT by AID; returns true when the application is temporarily blocked (6A81).
    private func select(allowBlocked: Bool) async throws -> Bool {
        let reply = try await reader.transmit([0x00, 0xA4, 0x04, 0x00, 0x08] + PurseTerminal.aid + [0x00])
        switch reply.statusWord {
        case StatusWord.success: return false
        case StatusWord.applicationBlocked:
            if allowBlocked { return true }
            throw PurseTerminalError.applicationBlocked
        default: throw statusError("SELECT", reply.statusWord)
        }
    }

    private func command(_ name: String, _ apdu: [UInt8]) async throws -> [UInt8] {
        let reply = try await reader.transmit(apdu)
        guard reply.isSuccess else { throw statusError(name, reply.statusWord) }
        return reply.data
    }

    private func statusError(_ name: String, _ word: UInt16) -> PurseTerminalError {
        switch word {
        case StatusWord.applicationBlocked: return .applicationBlocked
        case StatusWord.permanentlyBlocked: return .applicationPermanentlyBlocked
        case StatusWord.insufficientBalance: return .insufficientBalance
        case StatusWord.balanceLimitExceeded: return .balanceLimitExceeded
        default: return .unexpectedStatus(command: name, statusWord: word)
        }
    }

    private func checkValidity(_ info: PurseCardInfo, _ dateTime: TransactionDateTime) throws {
        guard info.validFrom <= dateTime.dateString, dateTime.dateString <= info.validTo else {
            throw PurseTerminalError.cardNotValid(on: dateTime)
        }
    }

    private func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }
}
