import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

@Suite("Property: random load/purchase sequences keep the purse consistent")
struct PropertyTests {
    /// Each seed drives 100 random steps; the seed also feeds the card's random numbers, so a
    /// failing seed replays exactly.
    @Test(
        "Balance = credits - debits, every MAC and TAC verifies, serials advance by one per success",
        arguments: [UInt64(1), 2, 3, 20250615])
    func randomSequences(seed: UInt64) async throws {
        let algorithm: KeyAlgorithm = seed % 2 == 0 ? .sm4 : .tripleDES
        let fixture = try SimFixture(algorithm: algorithm, maxBalance: 50_000, seed: seed)
        try await fixture.connect()
        var rng = SplitMix64(seed: seed ^ 0xC0FFEE)
        var credits: UInt64 = 0, debits: UInt64 = 0
        var online: UInt16 = 0, offline: UInt16 = 0
        var terminalSerial: UInt32 = 1_000
        var expectedLog: [(type: UInt8, serial: UInt16, amount: UInt32)] = []
        for step in 0..<100 {
            let balance = UInt32(credits - debits)
            let when = dateTime(1 + step / 60 % 28, step % 60)
            if Bool.random(using: &rng) {
                let amount = UInt32.random(in: 0...20_000, using: &rng)
                let fits = UInt64(balance) + UInt64(amount) <= 50_000
                do {
                    let result = try await fixture.load(amount, at: when)
                    #expect(fits, "step \(step): load beyond the maximum was accepted")
                    #expect(result.oldBalance == balance && result.newBalance == balance + amount)
                    #expect(result.onlineSerial == online)
                    try fixture.host.verifyLoadTAC(result.tac, for: result.load)
                    credits += UInt64(amount)
                    expectedLog.insert((0x02, online, amount), at: 0)
                    online += 1
                } catch PurseTerminalError.balanceLimitExceeded {
                    #expect(!fits, "step \(step): a load within the maximum was refused")
                }
            } else {
                let amount = UInt32.random(in: 0...8_000, using: &rng)
                terminalSerial += 1
                do {
                    let result = try await fixture.purchase(amount, serial: terminalSerial, at: when)
                    #expect(amount <= balance, "step \(step): purchase beyond the balance was accepted")
                    #expect(result.oldBalance == balance && result.newBalance == balance - amount)
                    #expect(result.offlineSerial == offline)
                    try fixture.host.verifyPurchaseTAC(
                        result.tac, card: fixture.card, amount: amount, terminal: terminalNumber,
                        terminalSerial: terminalSerial, dateTime: when, tacKeyVersion: 1,
                        algorithmID: algorithm == .sm4 ? 0x04 : 0x00)
                    debits += UInt64(amount)
                    expectedLog.insert((0x06, offline, amount), at: 0)
                    offline += 1
                } catch PurseTerminalError.insufficientBalance {
                    #expect(amount > balance, "step \(step): an affordable purchase was refused")
                }
            }
            let snapshot = try fixture.snapshot()
            #expect(UInt64(snapshot.balance) == credits - debits, "step \(step)")
            #expect(snapshot.onlineSerial == online && snapshot.offlineSerial == offline, "step \(step)")
        }
        let log = try fixture.snapshot().transactionLog
        let expected = Array(expectedLog.prefix(10))
        #expect(log.count == expected.count)
        for (record, want) in zip(log, expected) {
            #expect(record.transactionType == want.type && record.serial == want.serial && record.amount == want.amount)
        }
        #expect(online > 10 && offline > 10, "the sequence exercised both directions")
    }
}
