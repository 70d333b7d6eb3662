import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

@Suite("GET TRANSACTION PROVE: a lost answer asked for again by the transaction's serial")
struct TransactionProveTests {
    @Test("After a purchase the card gives its MAC2 and TAC again, also after a reset; another serial gets 9406")
    func purchaseProofSurvivesAReset() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(2_000)
        #expect(try await fixture.terminal.purchaseProof(offlineSerial: 0) == nil)
        let purchase = try await fixture.purchase(150, serial: 7)
        try await fixture.connect()
        let proof = try #require(try await fixture.terminal.purchaseProof(offlineSerial: purchase.offlineSerial))
        #expect(proof.tac == purchase.tac && proof.mac2 == purchase.mac2)
        #expect(try await fixture.terminal.purchaseProof(offlineSerial: purchase.offlineSerial + 1) == nil)
        // Nothing changed on the card by asking.
        #expect(try fixture.snapshot().balance == 1_850 && (try fixture.snapshot().offlineSerial) == 1)
    }

    @Test("A lost DEBIT answer: the card debited, and its proof is what the answer would have been")
    func lostDebitAnswerIsRecoveredFromTheCard() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        try await fixture.load(1_000)
        let (_, answer) = try await fixture.terminal.purchaseAnswer(amount: 300, terminal: terminalNumber)
        await fixture.reader.inject(.loseResponse(ins: 0x54))
        let authorization = try fixture.host.authorizePurchase(
            card: fixture.card, amount: 300, terminal: terminalNumber, terminalSerial: 9, dateTime: dateTime(),
            response: answer)
        let lost = await thrownError {
            _ = try await fixture.terminal.debitForPurchase(terminalSerial: 9, dateTime: dateTime(), mac1: authorization.mac1)
        }
        #expect(lost != nil)
        try await fixture.connect()
        let proof = try #require(try await fixture.terminal.purchaseProof(offlineSerial: answer.offlineSerial))
        try fixture.host.verifyPurchaseMAC2(proof.mac2, for: authorization)
        #expect(try fixture.snapshot().balance == 700)
    }

    @Test("The command is checked: P2 other than 02 or 06, or data other than two bytes, is refused")
    func malformedCommandsAreRefused() async throws {
        let fixture = try SimFixture()
        try await fixture.connect()
        _ = try await fixture.select()
        #expect(try await fixture.send("805A000302000008").statusWord == StatusWord.incorrectP1P2)
        #expect(try await fixture.send("805A00060100 08").statusWord == StatusWord.wrongLength)
        #expect(try await fixture.send("805A0002020000 08").statusWord == StatusWord.macNotAvailable)
    }
}
