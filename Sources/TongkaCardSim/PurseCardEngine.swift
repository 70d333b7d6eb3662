import TongkaCardCrypto
import TongkaCardTerminal

/// The card's command processor: persistent state (`CardState`) plus card RAM (selection, the open
/// load or purchase session, the last challenge). RAM is lost on every reset (`connect`).
///
/// The card-side byte layouts are assembled here from the card's own state, independently of
/// `PurseLayouts` on the host side, so that the round-trip tests cross-check the two.
struct PurseCardEngine {
    private struct LoadSession {
        let amount: UInt32
        let terminal: [UInt8]
        let serial: UInt16
        let sessionKey: SecretKey
    }

    private struct PurchaseSession {
        let amount: UInt32
        let terminal: [UInt8]
        let serial: UInt16
        let random: [UInt8]
    }

    private enum Session {
        case load(LoadSession)
        case purchase(PurchaseSession)
    }

    private(set) var state: CardState
    private var selected = false
    private var session: Session?
    private var challenge: [UInt8]?

    init(state: CardState) {
        self.state = state
    }

    /// Processes one command. `changed` is true when persistent state changed (the caller must
    /// commit it before the response leaves the card, as a real card commits before answering).
    mutating func process<R: RandomNumberGenerator>(_ bytes: [UInt8], random: inout R) -> (response: APDUResponse, changed: Bool)
    {
        // A challenge and an open session are each good for the very next command only.
        let lastChallenge = challenge
        challenge = nil
        let openSession = session
        session = nil

        guard let command = CommandAPDU(bytes) else { return (sw(StatusWord.wrongLength), false) }
        if state.status == .permanentlyBlocked {
            return (sw(StatusWord.permanentlyBlocked), false)
        }
        let expectedCLA: [UInt8: UInt8] = [
            0xA4: 0x00, 0x84: 0x00, 0xB0: 0x00, 0xB2: 0x00, 0x5C: 0x80,
            0x50: 0x80, 0x52: 0x80, 0x54: 0x80, 0x5A: 0x80, 0x1E: 0x84, 0x18: 0x84,
        ]
        guard let cla = expectedCLA[command.ins] else { return (sw(StatusWord.insNotSupported), false) }
        guard cla == command.cla else { return (sw(StatusWord.claNotSupported), false) }

        switch command.ins {
        case 0xA4: return (select(command), false)
        case 0x84: return (getChallenge(command, random: &random), false)
        default: break
        }
        guard selected else { return (sw(StatusWord.conditionsNotSatisfied), false) }
        switch command.ins {
        case 0xB0: return (readBinary(command), false)
        case 0xB2: return (readRecord(command), false)
        case 0x1E, 0x18: return maintenance(command, challenge: lastChallenge)
        default: break
        }
        // Purse commands refuse a temporarily blocked application.
        if state.status == .temporarilyBlocked { return (sw(StatusWord.applicationBlocked), false) }
        switch command.ins {
        case 0x5C: return (getBalance(command), false)
        case 0x50: return (initialize(command, random: &random), false)
        case 0x52: return creditForLoad(command, session: openSession)
        case 0x54: return debitForPurchase(command, session: openSession)
        case 0x5A: return (transactionProve(command), false)
        default: return (sw(StatusWord.insNotSupported), false)
        }
    }

    // MARK: selection and files

    private mutating func select(_ c: CommandAPDU) -> APDUResponse {
        selected = false
        guard c.p1 == 0x04, c.p2 == 0x00 else { return sw(StatusWord.incorrectP1P2) }
        guard !c.data.isEmpty else { return sw(StatusWord.wrongLength) }
        guard c.data == CardState.aid else { return sw(StatusWord.fileNotFound) }
        selected = true
        if state.status == .temporarilyBlocked { return sw(StatusWord.applicationBlocked) }
        // Minimal FCI: 6F { 84 AID, A5 { 9F08 01 02 (application version) } }.
        let fci: [UInt8] = [0x6F, 0x10, 0x84, 0x08] + CardState.aid + [0xA5, 0x04, 0x9F, 0x08, 0x01, 0x02]
        return APDUResponse(data: fci, statusWord: StatusWord.success)
    }

    private func readBinary(_ c: CommandAPDU) -> APDUResponse {
        guard c.data.isEmpty else { return sw(StatusWord.wrongLength) }
        guard c.p1 & 0x80 != 0, c.p1 & 0x60 == 0 else { return sw(StatusWord.commandNotAllowed) }
        let file: [UInt8]
        switch c.p1 & 0x1F {
        case 0x15: file = state.file0015
        case 0x17: file = state.file0017
        default: return sw(StatusWord.fileNotFound)
        }
        let offset = Int(c.p2)
        guard offset <= file.count else { return sw(StatusWord.wrongOffset) }
        let remaining = file.count - offset
        let wanted = (c.le == nil || c.le == 0) ? remaining : (c.le ?? 0)
        guard wanted <= remaining else { return sw(0x6C00 | UInt16(remaining)) }
        return APDUResponse(data: Array(file[offset..<offset + wanted]), statusWord: StatusWord.success)
    }

    private func readRecord(_ c: CommandAPDU) -> APDUResponse {
        guard c.data.isEmpty else { return sw(StatusWord.wrongLength) }
        guard c.p2 & 0x07 == 0x04, c.p1 >= 1 else { return sw(StatusWord.incorrectP1P2) }
        guard c.p2 >> 3 == 0x18 else { return sw(StatusWord.fileNotFound) }
        if let le = c.le, le != 0, le != 23 { return sw(0x6C17) }
        let index = Int(c.p1) - 1
        guard index < state.log.count else { return sw(StatusWord.recordNotFound) }
        return APDUResponse(data: state.log[index].bytes, statusWord: StatusWord.success)
    }

    private mutating func getChallenge<R: RandomNumberGenerator>(_ c: CommandAPDU, random: inout R) -> APDUResponse {
        guard c.p1 == 0, c.p2 == 0 else { return sw(StatusWord.incorrectP1P2) }
        guard c.data.isEmpty, let le = c.le, le == 4 || le == 8 else { return sw(StatusWord.wrongLength) }
        let value = randomBytes(le, &random)
        challenge = value
        return APDUResponse(data: value, statusWord: StatusWord.success)
    }

    // MARK: purse

    private func getBalance(_ c: CommandAPDU) -> APDUResponse {
        guard c.p1 == 0x00, c.p2 == 0x02 else { return sw(StatusWord.incorrectP1P2) }
        guard c.data.isEmpty, let le = c.le, le == 4 || le == 0 else { return sw(StatusWord.wrongLength) }
        return APDUResponse(data: be32(state.balance), statusWord: StatusWord.success)
    }

    private mutating func initialize<R: RandomNumberGenerator>(_ c: CommandAPDU, random: inout R) -> APDUResponse {
        guard c.p1 == 0x00 || c.p1 == 0x01, c.p2 == 0x02 else { return sw(StatusWord.incorrectP1P2) }
        guard c.data.count == 0x0B else { return sw(StatusWord.wrongLength) }
        guard c.data[0] == state.keyIndex else { return sw(StatusWord.keyIndexNotSupported) }
        let amount = c.data[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let terminal = Array(c.data[5..<11])
        let cardRandom = randomBytes(4, &random)
        if c.p1 == 0x00 {
            // Load: refuse what would pass the product maximum (and so the 4-byte purse).
            guard UInt64(state.balance) + UInt64(amount) <= UInt64(state.maxBalance) else {
                return sw(StatusWord.balanceLimitExceeded)
            }
            guard state.onlineSerial < UInt16.max else { return sw(StatusWord.serialExhausted) }
            let serial = state.onlineSerial
            do {
                let sessionKey = try PurseCrypto.sessionKey(
                    cardKey: state.loadKey, algorithm: state.algorithm,
                    input: cardRandom + be16(serial) + [0x80, 0x00])
                let mac1 = try PurseCrypto.mac(
                    be32(state.balance) + be32(amount) + [0x02] + terminal,
                    key: sessionKey, algorithm: state.algorithm)
                session = .load(LoadSession(amount: amount, terminal: terminal, serial: serial, sessionKey: sessionKey))
                let data = be32(state.balance) + be16(serial) + [state.keyVersion, state.algorithmID] + cardRandom + mac1
                return APDUResponse(data: data, statusWord: StatusWord.success)
            } catch {
                return sw(0x6F00)
            }
        } else {
            guard amount <= state.balance else { return sw(StatusWord.insufficientBalance) }
            guard state.offlineSerial < UInt16.max else { return sw(StatusWord.serialExhausted) }
            let serial = state.offlineSerial
            session = .purchase(PurchaseSession(amount: amount, terminal: terminal, serial: serial, random: cardRandom))
            // Overdraft limit is reported as 000000: the simulator has no overdraft.
            let data = be32(state.balance) + be16(serial) + [0, 0, 0] + [state.keyVersion, state.algorithmID] + cardRandom
            return APDUResponse(data: data, statusWord: StatusWord.success)
        }
    }

    private mutating func creditForLoad(_ c: CommandAPDU, session open: Session?) -> (APDUResponse, Bool) {
        guard c.p1 == 0x00, c.p2 == 0x00 else { return (sw(StatusWord.incorrectP1P2), false) }
        guard c.data.count == 0x0B else { return (sw(StatusWord.wrongLength), false) }
        guard case .load(let load) = open else { return (sw(StatusWord.conditionsNotSatisfied), false) }
        let dateTimeBytes = Array(c.data[0..<7])
        let mac2 = Array(c.data[7..<11])
        guard let dateTime = try? TransactionDateTime(bcd: dateTimeBytes),
            let terminal = try? TerminalNumber(bytes: load.terminal)
        else {
            return (sw(StatusWord.incorrectData), false)
        }
        do {
            let expected = try PurseCrypto.mac(
                be32(load.amount) + [0x02] + load.terminal + dateTimeBytes,
                key: load.sessionKey, algorithm: state.algorithm)
            guard CardMAC.constantTimeEquals(expected, mac2) else { return (sw(StatusWord.macInvalid), false) }
            // Checked again here: the limit must hold at the moment money is added.
            guard UInt64(state.balance) + UInt64(load.amount) <= UInt64(state.maxBalance) else {
                return (sw(StatusWord.balanceLimitExceeded), false)
            }
            let newBalance = state.balance + load.amount
            let tacKey = try PurseCrypto.tacKey(from: state.tacKey, algorithm: state.algorithm)
            let tac = try PurseCrypto.mac(
                be32(newBalance) + be16(load.serial) + be32(load.amount) + [0x02]
                    + load.terminal + dateTimeBytes, key: tacKey, algorithm: state.algorithm)
            let record = try PurseTransactionRecord(
                serial: load.serial, amount: load.amount, transactionType: 0x02,
                terminal: terminal, dateTime: dateTime)
            state.balance = newBalance
            state.onlineSerial = load.serial + 1
            state.appendLog(record)
            state.lastProof = TransactionProof(transactionType: 0x02, serial: load.serial, mac2: nil, tac: tac)
            return (APDUResponse(data: tac, statusWord: StatusWord.success), true)
        } catch {
            return (sw(0x6F00), false)
        }
    }

    private mutating func debitForPurchase(_ c: CommandAPDU, session open: Session?) -> (APDUResponse, Bool) {
        guard c.p1 == 0x01, c.p2 == 0x00 else { return (sw(StatusWord.incorrectP1P2), false) }
        guard c.data.count == 0x0F else { return (sw(StatusWord.wrongLength), false) }
        guard case .purchase(let purchase) = open else { return (sw(StatusWord.conditionsNotSatisfied), false) }
        let terminalSerial = Array(c.data[0..<4])
        let dateTimeBytes = Array(c.data[4..<11])
        let mac1 = Array(c.data[11..<15])
        guard let dateTime = try? TransactionDateTime(bcd: dateTimeBytes),
            let terminal = try? TerminalNumber(bytes: purchase.terminal)
        else {
            return (sw(StatusWord.incorrectData), false)
        }
        do {
            let sessionKey = try PurseCrypto.sessionKey(
                cardKey: state.purchaseKey, algorithm: state.algorithm,
                input: purchase.random + be16(purchase.serial) + Array(terminalSerial[2..<4]))
            let expected = try PurseCrypto.mac(
                be32(purchase.amount) + [0x06] + purchase.terminal + dateTimeBytes,
                key: sessionKey, algorithm: state.algorithm)
            guard CardMAC.constantTimeEquals(expected, mac1) else { return (sw(StatusWord.macInvalid), false) }
            guard purchase.amount <= state.balance else { return (sw(StatusWord.insufficientBalance), false) }
            let tacKey = try PurseCrypto.tacKey(from: state.tacKey, algorithm: state.algorithm)
            let tac = try PurseCrypto.mac(
                be32(purchase.amount) + [0x06] + purchase.terminal + terminalSerial + dateTimeBytes,
                key: tacKey, algorithm: state.algorithm)
            let mac2 = try PurseCrypto.mac(be32(purchase.amount), key: sessionKey, algorithm: state.algorithm)
            let record = try PurseTransactionRecord(
                serial: purchase.serial, amount: purchase.amount, transactionType: 0x06,
                terminal: terminal, dateTime: dateTime)
            state.balance -= purchase.amount
            state.offlineSerial = purchase.serial + 1
            state.appendLog(record)
            state.lastProof = TransactionProof(transactionType: 0x06, serial: purchase.serial, mac2: mac2, tac: tac)
            return (APDUResponse(data: tac + mac2, statusWord: StatusWord.success), true)
        } catch {
            return (sw(0x6F00), false)
        }
    }

    /// GET TRANSACTION PROVE (80 5A 00 type 02 serial): the MAC2 and TAC of the last purchase
    /// (type 06), or the TAC of the last load (type 02), when `serial` is that transaction's
    /// serial; 9406 when the card made no such transaction (it did not debit or credit).
    private func transactionProve(_ c: CommandAPDU) -> APDUResponse {
        guard c.p1 == 0x00, c.p2 == 0x02 || c.p2 == 0x06 else { return sw(StatusWord.incorrectP1P2) }
        guard c.data.count == 2 else { return sw(StatusWord.wrongLength) }
        let serial = UInt16(c.data[0]) << 8 | UInt16(c.data[1])
        guard let proof = state.lastProof, proof.transactionType == c.p2, proof.serial == serial else {
            return sw(StatusWord.macNotAvailable)
        }
        return APDUResponse(data: (proof.mac2 ?? []) + proof.tac, statusWord: StatusWord.success)
    }

    // MARK: maintenance (secure messaging)

    private mutating func maintenance(_ c: CommandAPDU, challenge: [UInt8]?) -> (APDUResponse, Bool) {
        let block = c.ins == 0x1E
        guard c.p1 == 0x00, block ? (c.p2 == 0x00 || c.p2 == 0x01) : c.p2 == 0x00 else {
            return (sw(StatusWord.incorrectP1P2), false)
        }
        guard c.data.count == 4 else { return (sw(StatusWord.wrongLength), false) }
        guard let challenge else { return (sw(StatusWord.conditionsNotSatisfied), false) }
        do {
            let header: [UInt8] = [c.cla, c.ins, c.p1, c.p2, UInt8(c.data.count)]
            let expected = try PurseCrypto.secureMessagingMAC(
                header, maintenanceKey: state.maintenanceKey,
                algorithm: state.algorithm, challenge: challenge)
            guard CardMAC.constantTimeEquals(expected, c.data) else { return (sw(StatusWord.secureMessagingMACWrong), false) }
        } catch {
            return (sw(0x6F00), false)
        }
        let newStatus: ApplicationStatus = block ? (c.p2 == 0x01 ? .permanentlyBlocked : .temporarilyBlocked) : .active
        let changed = newStatus != state.status
        state.status = newStatus
        return (sw(StatusWord.success), changed)
    }

    // MARK: helpers

    private func sw(_ word: UInt16) -> APDUResponse { APDUResponse(statusWord: word) }
    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    private func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private func randomBytes<R: RandomNumberGenerator>(_ count: Int, _ random: inout R) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
