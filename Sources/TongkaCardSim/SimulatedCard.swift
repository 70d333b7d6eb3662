import TongkaCardCrypto
import TongkaCardTerminal

/// Product settings for a new simulated card.
public struct SimulatedCardOptions: Sendable, Hashable {
    /// Product maximum balance in fen (stored in the card file); a load beyond it answers 6A84.
    public var maxBalance: UInt32
    /// Purse algorithm of the card batch (keys are diversified with it).
    public var purseAlgorithm: KeyAlgorithm
    /// Key-set version of DLK, DPK, DTK and DAMK on this card.
    public var keyVersion: UInt8
    /// Key index the card accepts in INITIALIZE commands (others answer 9403).
    public var keyIndex: UInt8
    /// 0015 byte 9, application version.
    public var applicationVersion: UInt8
    /// 0015 bytes 28..29, issuer-defined.
    public var issuerDefined: [UInt8]

    /// Defaults: 1,000 yuan maximum, 3DES, key version 1, key index 1, application version 1.
    public init(
        maxBalance: UInt32 = 100_000, purseAlgorithm: KeyAlgorithm = .tripleDES, keyVersion: UInt8 = 1,
        keyIndex: UInt8 = 1, applicationVersion: UInt8 = 1, issuerDefined: [UInt8] = [0x00, 0x00]
    ) {
        self.maxBalance = maxBalance
        self.purseAlgorithm = purseAlgorithm
        self.keyVersion = keyVersion
        self.keyIndex = keyIndex
        self.applicationVersion = applicationVersion
        self.issuerDefined = issuerDefined
    }
}

/// A read-only view of a card file without its keys (for tests, demos and the counter).
public struct SimulatedCardSnapshot: Sendable, Hashable {
    /// Issuer id and serial.
    public let card: CardIdentity
    /// Purse balance, fen.
    public let balance: UInt32
    /// Product maximum balance, fen.
    public let maxBalance: UInt32
    /// Online (load) serial: the serial the next load will use.
    public let onlineSerial: UInt16
    /// Offline (purchase) serial: the serial the next purchase will use.
    public let offlineSerial: UInt16
    /// Application status.
    public let status: ApplicationStatus
    /// Transaction log, newest first.
    public let transactionLog: [PurseTransactionRecord]
    /// Card type 1-5.
    public let cardType: UInt8
    /// Interconnection card.
    public let interconnection: Bool
    /// Purse algorithm.
    public let purseAlgorithm: KeyAlgorithm
    /// Algorithm id the card reports.
    public let algorithmID: UInt8
    /// Key-set version.
    public let keyVersion: UInt8
}

/// Creating and inspecting simulated card files.
public enum SimulatedCard {
    /// Personalises a new card file at `path` (mode 0600; an existing file is an error): 0015/0017
    /// from `stock`, balance 0, serials 0, and DLK/DPK/DTK/DAMK diversified by `keyStore` for this
    /// card. Only the diversified card keys are written; master keys never reach the card.
    /// Returns the card's identity.
    @discardableResult
    public static func create(
        at path: String, from stock: StockLine, keyStore: any CardKeyStore,
        options: SimulatedCardOptions = SimulatedCardOptions()
    ) throws(CardSimError) -> CardIdentity {
        guard options.issuerDefined.count == 2 else {
            throw .invalidStockLine(field: "issuerDefined", reason: "must be 2 bytes")
        }
        guard let algorithmID = keyStore.configuration.algorithmID(for: options.purseAlgorithm) else {
            throw .crypto(
                .invalidValue(field: "purse algorithm", reason: "no algorithm id is configured for \(options.purseAlgorithm)"))
        }
        func derive(_ name: String) throws(CardSimError) -> SecretKey {
            do {
                return try keyStore.deriveCardKey(
                    KeyReference(
                        name: name, version: options.keyVersion,
                        algorithm: options.purseAlgorithm), for: stock.card)
            } catch {
                throw .crypto(error)
            }
        }
        guard let from = BCD.encode(digits: stock.validFrom, count: 4), let to = BCD.encode(digits: stock.validTo, count: 4)
        else {
            throw .invalidStockLine(field: "validFrom/validTo", reason: "must be YYYYMMDD")
        }
        let state = CardState(
            identity: stock.card, applicationType: 0x02, applicationVersion: options.applicationVersion,
            validFrom: from, validTo: to, issuerDefined: options.issuerDefined, cardType: stock.cardType,
            interconnection: stock.interconnection, balance: 0, maxBalance: options.maxBalance,
            onlineSerial: 0, offlineSerial: 0, algorithm: options.purseAlgorithm, algorithmID: algorithmID,
            keyVersion: options.keyVersion, keyIndex: options.keyIndex,
            loadKey: try derive(KeyReference.loadKeyName), purchaseKey: try derive(KeyReference.purchaseKeyName),
            tacKey: try derive(KeyReference.tacKeyName), maintenanceKey: try derive(KeyReference.maintenanceKeyName),
            status: .active, log: [])
        try CardFile.write(state, to: path, overwrite: false)
        return stock.card
    }

    /// Reads a card file and returns its non-secret state.
    public static func snapshot(at path: String) throws(CardSimError) -> SimulatedCardSnapshot {
        let state = try CardFile.read(path)
        return SimulatedCardSnapshot(
            card: state.identity, balance: state.balance, maxBalance: state.maxBalance,
            onlineSerial: state.onlineSerial, offlineSerial: state.offlineSerial,
            status: state.status, transactionLog: state.log, cardType: state.cardType,
            interconnection: state.interconnection, purseAlgorithm: state.algorithm,
            algorithmID: state.algorithmID, keyVersion: state.keyVersion)
    }

    /// Test and demo helper: sets the balance and serials of an existing card file directly (as a
    /// personalisation machine could), e.g. to reach the 4-byte limit or a serial of FFFF.
    /// `maxBalance` must be at least `balance`.
    public static func adjust(
        at path: String, balance: UInt32? = nil, maxBalance: UInt32? = nil,
        onlineSerial: UInt16? = nil, offlineSerial: UInt16? = nil
    ) throws(CardSimError) {
        var state = try CardFile.read(path)
        if let maxBalance { state.maxBalance = maxBalance }
        if let balance { state.balance = balance }
        if let onlineSerial { state.onlineSerial = onlineSerial }
        if let offlineSerial { state.offlineSerial = offlineSerial }
        guard state.balance <= state.maxBalance else {
            throw .invalidCardFile(path: path, field: "balance", reason: "exceeds maxBalance")
        }
        try CardFile.write(state, to: path, overwrite: true)
    }
}

/// One-shot faults for testing how terminals and hosts cope with a bad contact.
public enum SimulatedFault: Sendable, Hashable {
    /// The next command with this INS is processed (and committed) but its response is lost.
    case loseResponse(ins: UInt8)
    /// The next command with this INS never reaches the card.
    case dropCommand(ins: UInt8)
}

/// A `CardReader` over a card file. `connect` reads the file (a cold reset: card RAM is empty),
/// each state-changing command is committed atomically to the file before its response is
/// returned, `disconnect` drops card RAM. Commands are serialised by the actor; two readers on the
/// same file in one process or several processes are not coordinated (one card, one reader).
public actor SimulatedCardReader: CardReader {
    /// Path of the card file.
    public let path: String
    private var engine: PurseCardEngine?
    private var random: any RandomNumberGenerator & Sendable
    private var faults: [SimulatedFault] = []

    /// A reader for the card file at `path`. `random` feeds the card's random numbers and
    /// challenges (pass a seeded generator for reproducible tests); `faults` are armed from the start.
    public init(
        cardFile path: String, random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        faults: [SimulatedFault] = []
    ) {
        self.path = path
        self.random = random
        self.faults = faults
    }

    /// ATR of the simulated card: `3B 08` + "TONGKASM" (no interface bytes, T=0).
    public static let atr: [UInt8] = [0x3B, 0x08] + Array("TONGKASM".utf8)

    /// Reads the card file (cold reset) and returns `SimulatedCardReader.atr`.
    public func connect() async throws -> [UInt8] {
        engine = PurseCardEngine(state: try CardFile.read(path))
        return SimulatedCardReader.atr
    }

    /// Processes one command; commits a state change to the file before returning the response.
    public func transmit(_ command: [UInt8]) async throws -> APDUResponse {
        guard var current = engine else { throw CardSimError.notConnected }
        let ins = command.count > 1 ? command[1] : 0
        if let index = faults.firstIndex(of: .dropCommand(ins: ins)) {
            faults.remove(at: index)
            throw CardSimError.commandLost
        }
        let (response, changed) = current.process(command, random: &random)
        if changed {
            do {
                try CardFile.write(current.state, to: path, overwrite: true)
            } catch {
                // The commit failed: the card "tore". Drop RAM and state; the next connect rereads the file.
                engine = nil
                throw error
            }
        }
        engine = current
        if let index = faults.firstIndex(of: .loseResponse(ins: ins)) {
            faults.remove(at: index)
            throw CardSimError.responseLost
        }
        return response
    }

    /// Drops card RAM (open sessions, challenge).
    public func disconnect() async {
        engine = nil
    }

    /// Arms a one-shot fault.
    public func inject(_ fault: SimulatedFault) {
        faults.append(fault)
    }
}

/// A `CardReader` over a software card held in memory: read from its card file once, never
/// written back. For load generators that run thousands of card transactions a second, where a
/// durable file commit per command (``SimulatedCardReader``) would measure the disk rather than
/// the host. A power cycle (`connect`) drops card RAM but keeps the card's state.
public actor MemoryCardReader: CardReader {
    private var engine: PurseCardEngine
    private var connected = false
    private var random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()

    /// Reads the card file at `path`.
    public init(cardFile path: String) throws(CardSimError) {
        engine = PurseCardEngine(state: try CardFile.read(path))
    }

    public func connect() async throws -> [UInt8] {
        engine = PurseCardEngine(state: engine.state)
        connected = true
        return SimulatedCardReader.atr
    }

    public func transmit(_ command: [UInt8]) async throws -> APDUResponse {
        guard connected else { throw CardSimError.notConnected }
        return engine.process(command, random: &random).response
    }

    public func disconnect() async {
        connected = false
    }

    /// The card's purse balance now, fen.
    public var balance: UInt32 { engine.state.balance }
}
