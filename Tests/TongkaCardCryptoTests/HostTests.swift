import Testing

@testable import TongkaCardCrypto

/// The card's side of a load or purchase computed directly with card keys derived from a store,
/// so host functions can be checked without the simulator module.
private struct CardSide {
    let card: CardIdentity
    let algorithm: KeyAlgorithm
    let dlk: SecretKey, dpk: SecretKey, dtk: SecretKey, damk: SecretKey

    init(store: MasterKeyStore, card: CardIdentity, algorithm: KeyAlgorithm) throws {
        self.card = card
        self.algorithm = algorithm
        func k(_ name: String) throws -> SecretKey {
            try store.deriveCardKey(KeyReference(name: name, version: 1, algorithm: algorithm), for: card)
        }
        dlk = try k("DLK"); dpk = try k("DPK"); dtk = try k("DTK"); damk = try k("DAMK")
    }

    var algorithmID: UInt8 { algorithm == .tripleDES ? 0x00 : 0x04 }

    func initializeForLoad(
        balance: UInt32, serial: UInt16, amount: UInt32, terminal: TerminalNumber,
        random: [UInt8]
    ) throws -> (InitializeForLoadResponse, SecretKey) {
        let session = try PurseCrypto.sessionKey(
            cardKey: dlk, algorithm: algorithm,
            input: random + [UInt8(serial >> 8), UInt8(serial & 0xFF), 0x80, 0x00])
        let mac1 = try PurseCrypto.mac(be32(balance) + be32(amount) + [0x02] + terminal.bytes, key: session, algorithm: algorithm)
        let data = be32(balance) + [UInt8(serial >> 8), UInt8(serial & 0xFF), 0x01, algorithmID] + random + mac1
        return (try InitializeForLoadResponse(data: data), session)
    }

    func loadTAC(
        newBalance: UInt32, serial: UInt16, amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime
    ) throws -> [UInt8] {
        let tacKey = try PurseCrypto.tacKey(from: dtk, algorithm: algorithm)
        return try PurseCrypto.mac(
            be32(newBalance) + [UInt8(serial >> 8), UInt8(serial & 0xFF)] + be32(amount) + [0x02]
                + terminal.bytes + dateTime.bytes, key: tacKey, algorithm: algorithm)
    }

    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
}

private let terminal = (try? TerminalNumber(hex: "112233445566")) ?? { fatalError("literal") }()
private let when = (try? TransactionDateTime(yyyymmdd: "20250615", hhmmss: "093015")) ?? { fatalError("literal") }()

@Suite("Host computations: load, purchase, TAC, secure messaging")
struct HostTests {
    @Test(
        "Load round trip: card MAC1 verifies, host MAC2 is what the card expects, card TAC verifies",
        arguments: [KeyAlgorithm.tripleDES, .sm4], [DiversificationChain.cardOnly, .issuerThenCard])
    func loadRoundTrip(_ algorithm: KeyAlgorithm, _ chain: DiversificationChain) throws {
        let store = try makeStore(chain: chain)
        let card = try testCard()
        let side = try CardSide(store: store, card: card, algorithm: algorithm)
        let (response, session) = try side.initializeForLoad(
            balance: 500, serial: 7, amount: 2_000, terminal: terminal, random: [1, 2, 3, 4])
        let host = PurseHost(keyStore: store)
        let load = try host.authorizeLoad(card: card, amount: 2_000, terminal: terminal, dateTime: when, response: response)
        let expectedMAC2 = try PurseCrypto.mac(
            side.be32(2_000) + [0x02] + terminal.bytes + when.bytes, key: session, algorithm: algorithm)
        #expect(load.mac2 == expectedMAC2)
        #expect(load.oldBalance == 500 && load.newBalance == 2_500 && load.onlineSerial == 7)
        let tac = try side.loadTAC(newBalance: 2_500, serial: 7, amount: 2_000, terminal: terminal, dateTime: when)
        try host.verifyLoadTAC(tac, for: load)
        var bad = tac
        bad[3] ^= 0x01
        #expect(cryptoError { try host.verifyLoadTAC(bad, for: load) } == .macMismatch(what: "load TAC"))
    }

    @Test("Diversified card keys differ per card, per level and per algorithm")
    func diversificationSeparatesCards() throws {
        let a = try testCard("3104820000170907984"), b = try testCard("3104820000170907985")
        let issuerThenCard = try makeStore(chain: .issuerThenCard), cardOnly = try makeStore(chain: .cardOnly)
        let ref = KeyReference(name: "DLK", version: 1, algorithm: .tripleDES)
        let ka = try issuerThenCard.deriveCardKey(ref, for: a)
        #expect(!ka.constantTimeEquals(try issuerThenCard.deriveCardKey(ref, for: b)))
        #expect(!ka.constantTimeEquals(try cardOnly.deriveCardKey(ref, for: a)))
        // The chain is exactly level after level.
        let master = key(String(repeating: "11", count: 8) + String(repeating: "A5", count: 8))
        let manual = try KeyDiversification.diversify(
            KeyDiversification.diversify(master, algorithm: .tripleDES, data: testIssuerID),
            algorithm: .tripleDES, data: a.diversificationData)
        #expect(ka.constantTimeEquals(manual))
        let fixed = DiversificationChain([.fixed(bytes("0102030405060708")), .card])
        let viaFixed = try KeyDiversification.diversify(master, algorithm: .tripleDES, chain: fixed, card: a)
        let manualFixed = try KeyDiversification.diversify(
            KeyDiversification.diversify(master, algorithm: .tripleDES, data: bytes("0102030405060708")),
            algorithm: .tripleDES, data: a.diversificationData)
        #expect(viaFixed.constantTimeEquals(manualFixed))
    }

    @Test("Level names parse and print; unknown names are refused")
    func levelNames() throws {
        #expect(try DiversificationLevel(configName: "issuer") == .issuer)
        #expect(try DiversificationLevel(configName: "card") == .card)
        #expect(try DiversificationLevel(configName: "fixed:0102030405060708").configName == "fixed:0102030405060708")
        #expect(cryptoError { _ = try DiversificationLevel(configName: "city") } != nil)
        #expect(cryptoError { _ = try DiversificationLevel(configName: "fixed:0102") } != nil)
    }

    @Test("A flipped bit in MAC1, balance, serial or random, or another amount or terminal, fails MAC1")
    func loadTamperingIsRefused() throws {
        let store = try makeStore()
        let card = try testCard()
        let side = try CardSide(store: store, card: card, algorithm: .tripleDES)
        let (response, _) = try side.initializeForLoad(
            balance: 100, serial: 3, amount: 1_000, terminal: terminal, random: [9, 8, 7, 6])
        let host = PurseHost(keyStore: store)
        for (index, bit) in [(12, 0x01), (15, 0x80), (0, 0x01), (3, 0x01), (5, 0x01), (8, 0x10)] {
            var data = response.bytes
            data[index] ^= UInt8(bit)
            let tampered = try InitializeForLoadResponse(data: data)
            #expect(
                cryptoError {
                    _ = try host.authorizeLoad(card: card, amount: 1_000, terminal: terminal, dateTime: when, response: tampered)
                }
                    == .macMismatch(what: "load MAC1"), "byte \(index)")
        }
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(card: card, amount: 1_001, terminal: terminal, dateTime: when, response: response)
            }
                == .macMismatch(what: "load MAC1"))
        let otherTerminal = try TerminalNumber(hex: "112233445567")
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(card: card, amount: 1_000, terminal: otherTerminal, dateTime: when, response: response)
            }
                == .macMismatch(what: "load MAC1"))
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(
                    card: try testCard("3104820000170907985"), amount: 1_000, terminal: terminal, dateTime: when,
                    response: response)
            }
                == .macMismatch(what: "load MAC1"))
    }

    @Test("Unknown key version, unknown algorithm id, foreign issuer and disabled SM4 are typed errors")
    func hostRefusals() throws {
        let card = try testCard()
        let side = try CardSide(store: try makeStore(), card: card, algorithm: .tripleDES)
        let (response, _) = try side.initializeForLoad(
            balance: 0, serial: 0, amount: 1, terminal: terminal, random: [0, 0, 0, 0])
        var data = response.bytes
        data[6] = 0x02  // key version 2 is not in the store
        let host = PurseHost(keyStore: try makeStore())
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(
                    card: card, amount: 1, terminal: terminal, dateTime: when, response: try InitializeForLoadResponse(data: data)
                )
            }
                == .unknownKey(KeyReference(name: "DLK", version: 2, algorithm: .tripleDES)))
        data = response.bytes
        data[7] = 0x07
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(
                    card: card, amount: 1, terminal: terminal, dateTime: when, response: try InitializeForLoadResponse(data: data)
                )
            }
                == .unknownAlgorithmID(0x07))
        data[7] = 0x04
        let refusing = PurseHost(keyStore: try makeStore(sm4Rules: .refuse))
        #expect(
            cryptoError {
                _ = try refusing.authorizeLoad(
                    card: card, amount: 1, terminal: terminal, dateTime: when, response: try InitializeForLoadResponse(data: data)
                )
            }
                == .unsupportedPurseAlgorithm(.sm4))
        let foreign = try CardIdentity(cardNumber: "3104820000170907984", issuerID: bytes("01021000FFFFFFFF"))
        #expect(
            cryptoError {
                _ = try host.authorizeLoad(card: foreign, amount: 1, terminal: terminal, dateTime: when, response: response)
            }
                == .issuerMismatch)
    }

    @Test("A load that would overflow the 4-byte balance gets no MAC2")
    func loadOverflowIsRefused() throws {
        let store = try makeStore()
        let card = try testCard()
        let side = try CardSide(store: store, card: card, algorithm: .tripleDES)
        let (response, _) = try side.initializeForLoad(
            balance: UInt32.max - 10, serial: 0, amount: 11, terminal: terminal, random: [1, 1, 1, 1])
        #expect(
            cryptoError {
                _ = try PurseHost(keyStore: store).authorizeLoad(
                    card: card, amount: 11, terminal: terminal, dateTime: when, response: response)
            }
                == .invalidValue(field: "load amount", reason: "balance would exceed the 4-byte purse"))
    }

    @Test("Purchase: MAC1 is the card's, MAC2 and TAC verify, tampering fails", arguments: [KeyAlgorithm.tripleDES, .sm4])
    func purchaseRoundTrip(_ algorithm: KeyAlgorithm) throws {
        let store = try makeStore()
        let card = try testCard()
        let side = try CardSide(store: store, card: card, algorithm: algorithm)
        let random: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
        let response = try InitializeForPurchaseResponse(
            data: side.be32(900) + [0x00, 0x09, 0, 0, 0, 0x01, side.algorithmID] + random)
        let host = PurseHost(keyStore: store)
        let purchase = try host.authorizePurchase(
            card: card, amount: 250, terminal: terminal, terminalSerial: 0x0001_0203,
            dateTime: when, response: response)
        let session = try PurseCrypto.sessionKey(
            cardKey: side.dpk, algorithm: algorithm, input: random + [0x00, 0x09, 0x02, 0x03])
        #expect(
            purchase.mac1
                == (try PurseCrypto.mac(side.be32(250) + [0x06] + terminal.bytes + when.bytes, key: session, algorithm: algorithm))
        )
        let mac2 = try PurseCrypto.mac(side.be32(250), key: session, algorithm: algorithm)
        try host.verifyPurchaseMAC2(mac2, for: purchase)
        let tacKey = try PurseCrypto.tacKey(from: side.dtk, algorithm: algorithm)
        let tac = try PurseCrypto.mac(
            side.be32(250) + [0x06] + terminal.bytes + [0x00, 0x01, 0x02, 0x03] + when.bytes, key: tacKey, algorithm: algorithm)
        try host.verifyPurchaseTAC(tac, for: purchase)
        // The upload path: verify from record fields alone.
        try host.verifyPurchaseTAC(
            tac, card: card, amount: 250, terminal: terminal, terminalSerial: 0x0001_0203,
            dateTime: when, tacKeyVersion: 1, algorithmID: side.algorithmID)
        #expect(
            cryptoError {
                try host.verifyPurchaseTAC(
                    tac, card: card, amount: 251, terminal: terminal, terminalSerial: 0x0001_0203,
                    dateTime: when, tacKeyVersion: 1, algorithmID: side.algorithmID)
            }
                == .macMismatch(what: "purchase TAC"))
        var badMAC2 = mac2
        badMAC2[0] ^= 0x04
        #expect(cryptoError { try host.verifyPurchaseMAC2(badMAC2, for: purchase) } == .macMismatch(what: "purchase MAC2"))
        #expect(
            cryptoError { try host.verifyPurchaseMAC2([1, 2, 3], for: purchase) }
                == .wrongDataLength(field: "MAC2", expected: "4", actual: 3))
        #expect(
            cryptoError {
                _ = try host.authorizePurchase(
                    card: card, amount: 901, terminal: terminal, terminalSerial: 1, dateTime: when, response: response)
            }
                == .invalidValue(field: "purchase amount", reason: "exceeds the card balance"))
    }

    @Test("APPLICATION BLOCK/UNBLOCK carry the retail MAC of the header with IV = challenge || 00000000")
    func secureMessagingLayout() throws {
        let store = try makeStore()
        let card = try testCard()
        let host = PurseHost(keyStore: store)
        let challenge: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        let damk = try store.deriveCardKey(KeyReference(name: "DAMK", version: 1, algorithm: .tripleDES), for: card)
        let block = try host.applicationBlockCommand(card: card, challenge: challenge, keyVersion: 1)
        #expect(Array(block.prefix(5)) == [0x84, 0x1E, 0x00, 0x00, 0x04])
        let expected = try CardMAC.retail([0x84, 0x1E, 0x00, 0x00, 0x04], key: damk, initialVector: challenge + [0, 0, 0, 0])
        #expect(Array(block.suffix(4)) == Array(expected.prefix(4)))
        let permanent = try host.applicationBlockCommand(card: card, challenge: challenge, permanent: true, keyVersion: 1)
        #expect(Array(permanent.prefix(5)) == [0x84, 0x1E, 0x00, 0x01, 0x04])
        let unblock = try host.applicationUnblockCommand(card: card, challenge: challenge, keyVersion: 1)
        #expect(Array(unblock.prefix(5)) == [0x84, 0x18, 0x00, 0x00, 0x04])
        #expect(unblock.suffix(4) != block.suffix(4))
        #expect(
            cryptoError { _ = try host.applicationBlockCommand(card: card, challenge: [1, 2], keyVersion: 1) }
                == .wrongDataLength(field: "card challenge", expected: "4 or 8", actual: 2))
    }
}

@Suite("Grey-load resolution")
struct GreyLoadTests {
    private func pending(serial: UInt16) throws -> LoadAuthorization {
        LoadAuthorization(
            card: try testCard(), amount: 5_000, terminal: terminal, dateTime: when, oldBalance: 100,
            newBalance: 5_100, onlineSerial: serial, keyVersion: 1, algorithmID: 0, mac2: [1, 2, 3, 4])
    }

    @Test("Serial unchanged means not credited; serial + 1 means credited")
    func decidedBySerial() throws {
        let load = try pending(serial: 41)
        #expect(GreyLoadResolver.resolve(load, currentOnlineSerial: 41) == .notCredited)
        #expect(GreyLoadResolver.resolve(load, currentOnlineSerial: 42) == .credited)
    }

    @Test("Serial below the authorised one or far above it without a record is undetermined")
    func undetermined() throws {
        let load = try pending(serial: 41)
        if case .undetermined = GreyLoadResolver.resolve(load, currentOnlineSerial: 40) {
        } else {
            Issue.record("expected undetermined")
        }
        if case .undetermined = GreyLoadResolver.resolve(load, currentOnlineSerial: 44) {
        } else {
            Issue.record("expected undetermined")
        }
        if case .undetermined = GreyLoadResolver.resolve(try pending(serial: UInt16.max), currentOnlineSerial: 0) {
        } else {
            Issue.record("expected undetermined")
        }
    }

    @Test("The card log decides: a matching load record means credited, another load at that serial means not")
    func decidedByRecord() throws {
        let load = try pending(serial: 41)
        let ours = try PurseTransactionRecord(
            serial: 41, amount: 5_000, transactionType: 0x02, terminal: terminal, dateTime: when)
        let other = try PurseTransactionRecord(serial: 41, amount: 700, transactionType: 0x02, terminal: terminal, dateTime: when)
        let purchase = try PurseTransactionRecord(
            serial: 41, amount: 5_000, transactionType: 0x06, terminal: terminal, dateTime: when)
        #expect(GreyLoadResolver.resolve(load, currentOnlineSerial: 44, transactionLog: [purchase, ours]) == .credited)
        #expect(GreyLoadResolver.resolve(load, currentOnlineSerial: 42, transactionLog: [other]) == .notCredited)
        #expect(GreyLoadResolver.resolve(load, transactionLog: [purchase]) == nil)
    }
}
