import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

@Suite("Load and purchase cycles on the simulator, verified by the host")
struct PurseFlowTests {
    static let configurations: [(KeyAlgorithm, DiversificationChain)] =
        [(.tripleDES, .issuerThenCard), (.tripleDES, .cardOnly), (.sm4, .issuerThenCard), (.sm4, .cardOnly)]

    @Test(
        "A load credits the card, its MAC1 and TAC verify on the host and the online serial goes up by one",
        arguments: configurations)
    func loadCycle(_ algorithm: KeyAlgorithm, _ chain: DiversificationChain) async throws {
        let fixture = try SimFixture(algorithm: algorithm, chain: chain)
        try await fixture.connect()
        let first = try await fixture.load(5_000)
        #expect(first.oldBalance == 0 && first.newBalance == 5_000 && first.onlineSerial == 0)
        let second = try await fixture.load(1_234, at: dateTime(16))
        #expect(second.oldBalance == 5_000 && second.newBalance == 6_234 && second.onlineSerial == 1)
        try fixture.host.verifyLoadTAC(second.tac, for: second.load)
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 6_234 && snapshot.onlineSerial == 2 && snapshot.offlineSerial == 0)
        #expect(snapshot.purseAlgorithm == algorithm)
        let newest = try #require(snapshot.transactionLog.first)
        #expect(newest.serial == 1 && newest.amount == 1_234 && newest.transactionType == 0x02)
        #expect(newest.terminal == terminalNumber && newest.dateTime == dateTime(16))
    }

    @Test(
        "A purchase debits the card, MAC2 and TAC verify and the offline serial goes up by one",
        arguments: configurations)
    func purchaseCycle(_ algorithm: KeyAlgorithm, _ chain: DiversificationChain) async throws {
        let fixture = try SimFixture(algorithm: algorithm, chain: chain)
        try await fixture.connect()
        try await fixture.load(2_000)
        let purchase = try await fixture.purchase(150, serial: 0x0102_0304)
        #expect(purchase.oldBalance == 2_000 && purchase.newBalance == 1_850 && purchase.offlineSerial == 0)
        // The back office verifies the TAC again from the uploaded record fields alone.
        let record = try #require(try await fixture.terminal.readTransactionLog().first)
        #expect(record.transactionType == 0x06 && record.serial == 0 && record.amount == 150)
        try fixture.host.verifyPurchaseTAC(
            purchase.tac, card: fixture.card, amount: record.amount, terminal: record.terminal,
            terminalSerial: 0x0102_0304, dateTime: record.dateTime, tacKeyVersion: 1,
            algorithmID: algorithm == .sm4 ? 0x04 : 0x00)
        #expect(throws: CardCryptoError.macMismatch(what: "purchase TAC")) {
            try fixture.host.verifyPurchaseTAC(
                purchase.tac, card: fixture.card, amount: record.amount, terminal: record.terminal,
                terminalSerial: 0x0102_0305, dateTime: record.dateTime, tacKeyVersion: 1,
                algorithmID: algorithm == .sm4 ? 0x04 : 0x00)
        }
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 1_850 && snapshot.offlineSerial == 1 && snapshot.onlineSerial == 1)
    }

    @Test("With SM4 purse sessions refused, the host refuses an SM4 card's load and the card is unchanged")
    func sm4RefusedByDefault() async throws {
        let fixture = try SimFixture(algorithm: .sm4, sm4Rules: .refuse)
        try await fixture.connect()
        let error = await thrownError { try await fixture.load(100) }
        #expect(error as? CardCryptoError == .unsupportedPurseAlgorithm(.sm4))
        #expect(try fixture.snapshot().balance == 0)
    }

    @Test("CREDIT with one bit of MAC2 flipped answers 9302 and credits nothing")
    func flippedMAC2() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        let initReply = try await fixture.send("805000020B 01 00000BB8 000000001234 10")
        let response = try InitializeForLoadResponse(data: initReply.data)
        let load = try fixture.host.authorizeLoad(
            card: fixture.card, amount: 3_000, terminal: terminalNumber,
            dateTime: dateTime(), response: response)
        var mac2 = load.mac2
        mac2[2] ^= 0x20
        let reply = try await fixture.reader.transmit([0x80, 0x52, 0x00, 0x00, 0x0B] + dateTime().bytes + mac2 + [0x04])
        #expect(reply.statusWord == 0x9302)
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 0 && snapshot.onlineSerial == 0 && snapshot.transactionLog.isEmpty)
    }

    @Test("CREDIT with another date than the one MAC2 covers answers 9302")
    func changedDateInCredit() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        let response = try InitializeForLoadResponse(data: try await fixture.send("805000020B 01 00000BB8 000000001234 10").data)
        let load = try fixture.host.authorizeLoad(
            card: fixture.card, amount: 3_000, terminal: terminalNumber,
            dateTime: dateTime(), response: response)
        let reply = try await fixture.reader.transmit([0x80, 0x52, 0x00, 0x00, 0x0B] + dateTime(16).bytes + load.mac2 + [0x04])
        #expect(reply.statusWord == 0x9302)
        #expect(try fixture.snapshot().balance == 0)
    }

    @Test(
        "DEBIT with a flipped MAC1, another terminal serial, or a MAC1 for another amount answers 9302 and debits nothing",
        arguments: ["mac1", "terminalSerial", "amount"])
    func debitTampering(_ what: String) async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        _ = try await fixture.select()
        let response = try InitializeForPurchaseResponse(
            data: try await fixture.send("805001020B 01 00000064 000000001234 0F").data)
        let purchase = try fixture.host.authorizePurchase(
            card: fixture.card, amount: what == "amount" ? 101 : 100,
            terminal: terminalNumber, terminalSerial: 7,
            dateTime: dateTime(), response: response)
        var mac1 = purchase.mac1
        if what == "mac1" { mac1[0] ^= 0x01 }
        let serial: [UInt8] = what == "terminalSerial" ? [0, 0, 0, 8] : [0, 0, 0, 7]
        let reply = try await fixture.reader.transmit([0x80, 0x54, 0x01, 0x00, 0x0F] + serial + dateTime().bytes + mac1 + [0x08])
        #expect(reply.statusWord == 0x9302)
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 1_000 && snapshot.offlineSerial == 0)
    }

    @Test("The host refuses the simulator's INITIALIZE response when MAC1, balance, serial, amount or terminal is altered")
    func hostRefusesTamperedResponse() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        let raw = try await fixture.send("805000020B 01 000003E8 000000001234 10").data
        for index in [0, 4, 5, 8, 12, 15] {
            var data = raw
            data[index] ^= 0x01
            #expect(throws: CardCryptoError.macMismatch(what: "load MAC1")) {
                _ = try fixture.host.authorizeLoad(
                    card: fixture.card, amount: 1_000, terminal: terminalNumber,
                    dateTime: dateTime(), response: try InitializeForLoadResponse(data: data))
            }
        }
        let response = try InitializeForLoadResponse(data: raw)
        #expect(throws: CardCryptoError.macMismatch(what: "load MAC1")) {
            _ = try fixture.host.authorizeLoad(
                card: fixture.card, amount: 1_001, terminal: terminalNumber, dateTime: dateTime(), response: response)
        }
        #expect(throws: CardCryptoError.macMismatch(what: "load MAC1")) {
            _ = try fixture.host.authorizeLoad(
                card: fixture.card, amount: 1_000, terminal: try TerminalNumber(hex: "000000001235"),
                dateTime: dateTime(), response: response)
        }
        _ = try fixture.host.authorizeLoad(
            card: fixture.card, amount: 1_000, terminal: terminalNumber, dateTime: dateTime(), response: response)
    }

    @Test("A card from a key set the host does not hold fails MAC1")
    func wrongKeys() async throws {
        let fixture = try SimFixture()
        let otherStore = try MasterKeyStore.load(
            keyFileContents: MasterKeyStore.generateKeyFile(issuerID: issuer, diversification: .issuerThenCard))
        try await fixture.connect()
        let error = await thrownError {
            _ = try await fixture.terminal.load(
                amount: 100, terminal: terminalNumber, dateTime: dateTime(), host: PurseHost(keyStore: otherStore))
        }
        #expect(error as? CardCryptoError == .macMismatch(what: "load MAC1"))
        #expect(try fixture.snapshot().balance == 0)
    }

    @Test("A load above the product maximum answers 6A84; a load up to it is accepted")
    func productMaximum() async throws {
        let fixture = try SimFixture(maxBalance: 10_000)
        try await fixture.connect()
        try await fixture.load(9_000)
        let error = await thrownError { try await fixture.load(1_001) }
        #expect(error as? PurseTerminalError == .balanceLimitExceeded)
        #expect(try fixture.snapshot().balance == 9_000)
        #expect(try fixture.snapshot().onlineSerial == 1)
        try await fixture.load(1_000)
        #expect(try fixture.snapshot().balance == 10_000)
    }

    @Test("The 4-byte purse cannot overflow: a load past 0xFFFFFFFF answers 6A84 and the balance stays")
    func fourByteOverflow() async throws {
        let fixture = try SimFixture()
        try SimulatedCard.adjust(at: fixture.path, balance: UInt32.max - 5, maxBalance: UInt32.max)
        try await fixture.connect()
        let error = await thrownError { try await fixture.load(6) }
        #expect(error as? PurseTerminalError == .balanceLimitExceeded)
        #expect(try fixture.snapshot().balance == UInt32.max - 5)
        let full = try await fixture.load(5)
        #expect(full.newBalance == UInt32.max)
        _ = try await fixture.select()
        #expect(try await fixture.send("805000020B 01 00000001 000000001234 10").statusWord == 0x6A84)
    }

    @Test("A purchase above the balance answers 9401 and changes nothing")
    func insufficientBalance() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(500)
        let error = await thrownError { try await fixture.purchase(501) }
        #expect(error as? PurseTerminalError == .insufficientBalance)
        let snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 500 && snapshot.offlineSerial == 0)
        try await fixture.purchase(500)
        #expect(try fixture.snapshot().balance == 0)
    }

    @Test("Serials only move on success and stop at FFFF with 9402")
    func serialProgression() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        try await fixture.load(1_000)
        _ = await thrownError { try await fixture.load(100_000) }  // refused: no serial change
        try await fixture.purchase(10, serial: 1)
        _ = await thrownError { try await fixture.purchase(1_000_000, serial: 2) }
        try await fixture.purchase(10, serial: 3)
        var snapshot = try fixture.snapshot()
        #expect(snapshot.onlineSerial == 2 && snapshot.offlineSerial == 2)
        #expect(snapshot.transactionLog.map(\.serial) == [1, 0, 1, 0])
        #expect(snapshot.transactionLog.map(\.transactionType) == [0x06, 0x06, 0x02, 0x02])
        try SimulatedCard.adjust(at: fixture.path, onlineSerial: 0xFFFF, offlineSerial: 0xFFFF)
        try await fixture.connect()
        _ = try await fixture.select()
        #expect(try await fixture.send("805000020B 01 00000001 000000001234 10").statusWord == 0x9402)
        #expect(try await fixture.send("805001020B 01 00000001 000000001234 0F").statusWord == 0x9402)
        snapshot = try fixture.snapshot()
        #expect(snapshot.balance == 1_980)
    }

    @Test("Loads and purchases outside the card's validity dates are refused by the terminal")
    func validityDates() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        let late = try TransactionDateTime(yyyymmdd: "20350101", hhmmss: "000000")
        let error = await thrownError { try await fixture.load(100, at: late) }
        #expect(error as? PurseTerminalError == .cardNotValid(on: late))
    }
}

@Suite("Application block and unblock with secure messaging")
struct BlockingTests {
    @Test("A block with a valid MAC blocks: SELECT answers 6A81, loads and purchases are refused, reads still work")
    func blockWithValidMAC() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        try await fixture.terminal.maintain(.temporaryBlock, host: fixture.host)
        #expect(try fixture.snapshot().status == .temporarilyBlocked)
        #expect(try await fixture.select().statusWord == 0x6A81)
        #expect(try await fixture.send("805000020B 01 00000001 000000001234 10").statusWord == 0x6A81)
        #expect(try await fixture.send("805001020B 01 00000001 000000001234 0F").statusWord == 0x6A81)
        #expect(try await fixture.send("805C000204").statusWord == 0x6A81)
        #expect(await thrownError { try await fixture.load(100) } as? PurseTerminalError == .applicationBlocked)
        #expect(await thrownError { try await fixture.purchase(100) } as? PurseTerminalError == .applicationBlocked)
        let info = try await fixture.terminal.readCard()
        #expect(info.temporarilyBlocked && info.balance == nil && info.card == fixture.card)
        // The block survives a power cycle: it is in the card file.
        try await fixture.connect()
        #expect(try await fixture.select().statusWord == 0x6A81)
        #expect(try fixture.snapshot().balance == 1_000)
    }

    @Test("A block with a wrong MAC answers 6988 and does not block")
    func blockWithWrongMAC() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        let challenge = try await fixture.send("0084000004").data
        var command = try fixture.host.applicationBlockCommand(card: fixture.card, challenge: challenge, keyVersion: 1)
        command[command.count - 1] ^= 0x01
        #expect(try await fixture.reader.transmit(command).statusWord == 0x6988)
        #expect(try fixture.snapshot().status == .active)
        // A MAC made for another challenge is wrong too.
        let stale = try fixture.host.applicationBlockCommand(card: fixture.card, challenge: challenge, keyVersion: 1)
        _ = try await fixture.send("0084000004")
        #expect(try await fixture.reader.transmit(stale).statusWord == 0x6988)
        #expect(try fixture.snapshot().status == .active)
        try await fixture.purchase(0)
    }

    @Test("A block without a challenge just before it answers 6985")
    func blockNeedsFreshChallenge() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        let challenge = try await fixture.send("0084000004").data
        _ = try await fixture.send("805C000204")  // uses up the challenge
        let command = try fixture.host.applicationBlockCommand(card: fixture.card, challenge: challenge, keyVersion: 1)
        #expect(try await fixture.reader.transmit(command).statusWord == 0x6985)
        #expect(try fixture.snapshot().status == .active)
    }

    @Test("Unblock with a valid MAC restores loads and purchases; with a wrong MAC it answers 6988")
    func unblockRestores() async throws {
        let fixture = try SimFixture(algorithm: .tripleDES)
        try await fixture.connect()
        try await fixture.load(800)
        try await fixture.terminal.maintain(.temporaryBlock, host: fixture.host)
        _ = try await fixture.select()
        let challenge = try await fixture.send("0084000004").data
        var bad = try fixture.host.applicationUnblockCommand(card: fixture.card, challenge: challenge, keyVersion: 1)
        bad[6] ^= 0x40
        #expect(try await fixture.reader.transmit(bad).statusWord == 0x6988)
        #expect(try fixture.snapshot().status == .temporarilyBlocked)
        try await fixture.terminal.maintain(.unblock, host: fixture.host)
        #expect(try fixture.snapshot().status == .active)
        try await fixture.purchase(300)
        try await fixture.load(200)
        #expect(try fixture.snapshot().balance == 700)
    }

    @Test("Block and unblock work with SM4 maintenance keys under the assumed SM4 rules")
    func sm4Maintenance() async throws {
        let fixture = try SimFixture(algorithm: .sm4)
        try await fixture.connect()
        try await fixture.terminal.maintain(.temporaryBlock, host: fixture.host, algorithm: .sm4)
        #expect(try fixture.snapshot().status == .temporarilyBlocked)
        try await fixture.terminal.maintain(.unblock, host: fixture.host, algorithm: .sm4)
        #expect(try fixture.snapshot().status == .active)
    }

    @Test("A permanent block answers 9303 to every command, unblock included")
    func permanentBlock() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.terminal.maintain(.permanentBlock, host: fixture.host)
        #expect(try fixture.snapshot().status == .permanentlyBlocked)
        #expect(try await fixture.select().statusWord == 0x9303)
        #expect(try await fixture.send("0084000004").statusWord == 0x9303)
        #expect(try await fixture.send("00B0950000").statusWord == 0x9303)
        let error = await thrownError { try await fixture.terminal.maintain(.unblock, host: fixture.host) }
        #expect(error as? PurseTerminalError == .applicationPermanentlyBlocked)
        #expect(try fixture.snapshot().status == .permanentlyBlocked)
    }
}
