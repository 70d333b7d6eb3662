/// What the host authorised for one load: the MAC2 it issued and everything needed later to
/// verify the TAC or to resolve the load if it turns grey (MAC2 issued, TAC never seen).
public struct LoadAuthorization: Sendable, Hashable {
    /// The card.
    public let card: CardIdentity
    /// Amount in fen.
    public let amount: UInt32
    /// Terminal number used in MAC1/MAC2.
    public let terminal: TerminalNumber
    /// Date-time sent with MAC2 in CREDIT FOR LOAD.
    public let dateTime: TransactionDateTime
    /// Balance before the load (from INITIALIZE FOR LOAD, authenticated by MAC1).
    public let oldBalance: UInt32
    /// Balance the card will hold once credited.
    public let newBalance: UInt32
    /// Online serial before the load; the card's serial becomes `onlineSerial + 1` when credited.
    public let onlineSerial: UInt16
    /// DLK version the card used.
    public let keyVersion: UInt8
    /// Algorithm id the card reported.
    public let algorithmID: UInt8
    /// The MAC2 to send in CREDIT FOR LOAD.
    public let mac2: [UInt8]

    /// Memberwise; for hosts reached over a network that rebuild the authorisation client-side.
    public init(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime,
        oldBalance: UInt32, newBalance: UInt32, onlineSerial: UInt16, keyVersion: UInt8,
        algorithmID: UInt8, mac2: [UInt8]
    ) {
        self.card = card
        self.amount = amount
        self.terminal = terminal
        self.dateTime = dateTime
        self.oldBalance = oldBalance
        self.newBalance = newBalance
        self.onlineSerial = onlineSerial
        self.keyVersion = keyVersion
        self.algorithmID = algorithmID
        self.mac2 = mac2
    }
}

/// What the purchase security module (PSAM role) computed for one purchase: MAC1 for DEBIT FOR
/// PURCHASE and the MAC2 the card must answer with.
public struct PurchaseAuthorization: Sendable, Hashable {
    /// The card.
    public let card: CardIdentity
    /// Amount in fen.
    public let amount: UInt32
    /// Transaction type (`06` purchase, `09` composite purchase).
    public let transactionType: UInt8
    /// Terminal number.
    public let terminal: TerminalNumber
    /// 4-byte terminal transaction serial (unique per PSAM).
    public let terminalSerial: UInt32
    /// Date-time sent in DEBIT FOR PURCHASE.
    public let dateTime: TransactionDateTime
    /// Balance before the purchase.
    public let oldBalance: UInt32
    /// Offline serial before the purchase.
    public let offlineSerial: UInt16
    /// DPK version the card used.
    public let keyVersion: UInt8
    /// Algorithm id the card reported.
    public let algorithmID: UInt8
    /// MAC1 to send in DEBIT FOR PURCHASE.
    public let mac1: [UInt8]
    /// The MAC2 a genuine card returns (`MAC(SESPK, amount)`); compared in constant time.
    public let expectedMAC2: [UInt8]

    /// Memberwise.
    public init(
        card: CardIdentity, amount: UInt32, transactionType: UInt8, terminal: TerminalNumber,
        terminalSerial: UInt32, dateTime: TransactionDateTime, oldBalance: UInt32, offlineSerial: UInt16,
        keyVersion: UInt8, algorithmID: UInt8, mac1: [UInt8], expectedMAC2: [UInt8]
    ) {
        self.card = card
        self.amount = amount
        self.transactionType = transactionType
        self.terminal = terminal
        self.terminalSerial = terminalSerial
        self.dateTime = dateTime
        self.oldBalance = oldBalance
        self.offlineSerial = offlineSerial
        self.keyVersion = keyVersion
        self.algorithmID = algorithmID
        self.mac1 = mac1
        self.expectedMAC2 = expectedMAC2
    }

    /// Balance after the debit.
    public var newBalance: UInt32 { oldBalance - min(amount, oldBalance) }
}

/// The host side of the purse protocol over a `CardKeyStore`: load (MAC1 check, MAC2, TAC),
/// purchase (MAC1, MAC2 check, TAC) and the secure-messaging MAC of APPLICATION BLOCK/UNBLOCK.
///
/// The purse algorithm follows the algorithm id the card reports (`CardKeyConfiguration`);
/// the key version is the one the card reports. The TAC key (DTK) version defaults to that same
/// version (a card batch is personalised with one key-set version), and can be given explicitly.
public struct PurseHost: Sendable {
    /// The key store (host security module role).
    public let keyStore: any CardKeyStore

    /// A host over `keyStore`.
    public init(keyStore: any CardKeyStore) {
        self.keyStore = keyStore
    }

    // MARK: load

    /// Verifies MAC1 of an INITIALIZE FOR LOAD response and returns MAC2 for CREDIT FOR LOAD.
    ///
    /// `amount` and `terminal` must be the ones the terminal sent to the card: MAC1 covers them,
    /// so a changed amount, terminal, balance or serial fails here with `.macMismatch("load MAC1")`.
    /// A load that would overflow the 4-byte balance throws `.invalidValue` before any MAC2 exists.
    public func authorizeLoad(
        card: CardIdentity, amount: UInt32, terminal: TerminalNumber,
        dateTime: TransactionDateTime,
        response: InitializeForLoadResponse
    ) throws(CardCryptoError) -> LoadAuthorization {
        let algorithm = try keyStore.configuration.purseAlgorithm(forAlgorithmID: response.algorithmID)
        let (newBalance, overflow) = response.oldBalance.addingReportingOverflow(amount)
        guard !overflow else {
            throw .invalidValue(field: "load amount", reason: "balance would exceed the 4-byte purse")
        }
        let key = KeyReference(name: KeyReference.loadKeyName, version: response.keyVersion, algorithm: algorithm)
        let input = try PurseLayouts.loadSessionInput(random: response.random, onlineSerial: response.onlineSerial)
        let macs = try keyStore.purseSessionMACs(
            key: key, card: card, sessionInput: input,
            messages: [
                PurseLayouts.loadMAC1Data(oldBalance: response.oldBalance, amount: amount, terminal: terminal),
                PurseLayouts.loadMAC2Data(amount: amount, terminal: terminal, dateTime: dateTime),
            ])
        guard macs.count == 2, CardMAC.constantTimeEquals(macs[0], response.mac1) else {
            throw .macMismatch(what: "load MAC1")
        }
        return LoadAuthorization(
            card: card, amount: amount, terminal: terminal, dateTime: dateTime,
            oldBalance: response.oldBalance, newBalance: newBalance,
            onlineSerial: response.onlineSerial, keyVersion: response.keyVersion,
            algorithmID: response.algorithmID, mac2: macs[1])
    }

    /// Verifies the TAC that CREDIT FOR LOAD returned (layout: `PurseLayouts.loadTACData`, not
    /// publicly confirmed). `tacKeyVersion` defaults to the load's key version.
    public func verifyLoadTAC(_ tac: [UInt8], for load: LoadAuthorization, tacKeyVersion: UInt8? = nil) throws(CardCryptoError) {
        guard tac.count == 4 else { throw .wrongDataLength(field: "TAC", expected: "4", actual: tac.count) }
        let algorithm = try keyStore.configuration.purseAlgorithm(forAlgorithmID: load.algorithmID)
        let key = KeyReference(name: KeyReference.tacKeyName, version: tacKeyVersion ?? load.keyVersion, algorithm: algorithm)
        let data = PurseLayouts.loadTACData(
            newBalance: load.newBalance, onlineSerial: load.onlineSerial,
            amount: load.amount, terminal: load.terminal, dateTime: load.dateTime)
        let expected = try keyStore.tacMAC(key: key, card: load.card, message: data)
        guard CardMAC.constantTimeEquals(expected, tac) else { throw .macMismatch(what: "load TAC") }
    }

    // MARK: purchase

    /// Computes MAC1 for DEBIT FOR PURCHASE (the PSAM's role) and the MAC2 the card must return.
    /// Refuses (`.invalidValue`) an amount above the balance the card reported.
    public func authorizePurchase(
        card: CardIdentity, amount: UInt32, transactionType: UInt8 = TransactionType.purchase,
        terminal: TerminalNumber, terminalSerial: UInt32, dateTime: TransactionDateTime,
        response: InitializeForPurchaseResponse
    ) throws(CardCryptoError) -> PurchaseAuthorization {
        let algorithm = try keyStore.configuration.purseAlgorithm(forAlgorithmID: response.algorithmID)
        guard amount <= response.balance else {
            throw .invalidValue(field: "purchase amount", reason: "exceeds the card balance")
        }
        let key = KeyReference(name: KeyReference.purchaseKeyName, version: response.keyVersion, algorithm: algorithm)
        let input = try PurseLayouts.purchaseSessionInput(
            random: response.random, offlineSerial: response.offlineSerial,
            terminalSerial: terminalSerial)
        let macs = try keyStore.purseSessionMACs(
            key: key, card: card, sessionInput: input,
            messages: [
                PurseLayouts.purchaseMAC1Data(
                    amount: amount, transactionType: transactionType,
                    terminal: terminal, dateTime: dateTime),
                PurseLayouts.purchaseMAC2Data(amount: amount),
            ])
        guard macs.count == 2 else { throw .openSSL(operation: "purse session MACs") }
        return PurchaseAuthorization(
            card: card, amount: amount, transactionType: transactionType, terminal: terminal,
            terminalSerial: terminalSerial, dateTime: dateTime, oldBalance: response.balance,
            offlineSerial: response.offlineSerial, keyVersion: response.keyVersion,
            algorithmID: response.algorithmID, mac1: macs[0], expectedMAC2: macs[1])
    }

    /// Verifies the card's MAC2 from DEBIT FOR PURCHASE.
    public func verifyPurchaseMAC2(_ mac2: [UInt8], for purchase: PurchaseAuthorization) throws(CardCryptoError) {
        guard mac2.count == 4 else { throw .wrongDataLength(field: "MAC2", expected: "4", actual: mac2.count) }
        guard CardMAC.constantTimeEquals(mac2, purchase.expectedMAC2) else { throw .macMismatch(what: "purchase MAC2") }
    }

    /// Verifies a purchase TAC, e.g. of a record a validator uploaded (domain.md layout:
    /// `PurseLayouts.purchaseTACData`). `algorithmID` selects the algorithm as for a live session.
    public func verifyPurchaseTAC(
        _ tac: [UInt8], card: CardIdentity, amount: UInt32,
        transactionType: UInt8 = TransactionType.purchase, terminal: TerminalNumber,
        terminalSerial: UInt32, dateTime: TransactionDateTime,
        tacKeyVersion: UInt8, algorithmID: UInt8 = 0x00
    ) throws(CardCryptoError) {
        guard tac.count == 4 else { throw .wrongDataLength(field: "TAC", expected: "4", actual: tac.count) }
        let algorithm = try keyStore.configuration.purseAlgorithm(forAlgorithmID: algorithmID)
        let key = KeyReference(name: KeyReference.tacKeyName, version: tacKeyVersion, algorithm: algorithm)
        let data = PurseLayouts.purchaseTACData(
            amount: amount, transactionType: transactionType, terminal: terminal,
            terminalSerial: terminalSerial, dateTime: dateTime)
        let expected = try keyStore.tacMAC(key: key, card: card, message: data)
        guard CardMAC.constantTimeEquals(expected, tac) else { throw .macMismatch(what: "purchase TAC") }
    }

    /// Verifies the TAC of a completed purchase session (key version defaults to the DPK version).
    public func verifyPurchaseTAC(
        _ tac: [UInt8], for purchase: PurchaseAuthorization, tacKeyVersion: UInt8? = nil
    ) throws(CardCryptoError) {
        try verifyPurchaseTAC(
            tac, card: purchase.card, amount: purchase.amount, transactionType: purchase.transactionType,
            terminal: purchase.terminal, terminalSerial: purchase.terminalSerial,
            dateTime: purchase.dateTime, tacKeyVersion: tacKeyVersion ?? purchase.keyVersion,
            algorithmID: purchase.algorithmID)
    }

    // MARK: secure messaging

    /// The complete APPLICATION BLOCK command `84 1E 00 P2 04 MAC(4)`; P2 `00` blocks temporarily
    /// (what a validator does to a blacklisted card), `01` permanently.
    /// MAC: see `PurseCrypto.secureMessagingMAC` over `84 1E 00 P2 04`, IV = challenge || 00...
    public func applicationBlockCommand(
        card: CardIdentity, challenge: [UInt8], permanent: Bool = false,
        keyVersion: UInt8, algorithm: KeyAlgorithm = .tripleDES
    ) throws(CardCryptoError) -> [UInt8] {
        try maintenanceCommand(
            ins: 0x1E, p2: permanent ? 0x01 : 0x00, card: card, challenge: challenge,
            keyVersion: keyVersion, algorithm: algorithm)
    }

    /// The complete APPLICATION UNBLOCK command `84 18 00 00 04 MAC(4)` (lifts a temporary block).
    public func applicationUnblockCommand(
        card: CardIdentity, challenge: [UInt8], keyVersion: UInt8,
        algorithm: KeyAlgorithm = .tripleDES
    ) throws(CardCryptoError) -> [UInt8] {
        try maintenanceCommand(
            ins: 0x18, p2: 0x00, card: card, challenge: challenge, keyVersion: keyVersion, algorithm: algorithm)
    }

    private func maintenanceCommand(
        ins: UInt8, p2: UInt8, card: CardIdentity, challenge: [UInt8],
        keyVersion: UInt8, algorithm: KeyAlgorithm
    ) throws(CardCryptoError) -> [UInt8] {
        if algorithm == .sm4 && keyStore.configuration.sm4PurseRules == .refuse {
            throw .unsupportedPurseAlgorithm(.sm4)
        }
        let header = try PurseLayouts.secureMessagingData(cla: 0x84, ins: ins, p1: 0x00, p2: p2)
        let key = KeyReference(name: KeyReference.maintenanceKeyName, version: keyVersion, algorithm: algorithm)
        let mac = try keyStore.secureMessagingMAC(key: key, card: card, challenge: challenge, message: header)
        return header + mac
    }
}
