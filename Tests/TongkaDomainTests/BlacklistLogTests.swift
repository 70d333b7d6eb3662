import Foundation
import Testing
import TongkaDomain

@Suite struct BlacklistLogTests {
    /// A random log that alternates per card, as the database enforces.
    static func randomLog(changes: Int, cards: Int, seed: UInt64) -> [BlacklistChange] {
        var generator = SplitMix(state: seed)
        var listed = Set<Int>()
        var log: [BlacklistChange] = []
        for version in 1...changes {
            let card = Int(generator.next() % UInt64(cards))
            let action: BlacklistAction = listed.contains(card) ? .remove : .add
            if action == .add { listed.insert(card) } else { listed.remove(card) }
            let number = CardNumber(trusted: "31048200" + String(format: "%011d", card))
            log.append(BlacklistChange(version: UInt64(version), card: number, action: action, reason: .lost))
        }
        return log
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func theFullListAtAnyVersionPlusTheDeltaFromItIsTheNewestFullList() throws {
        for seed in UInt64(1)...40 {
            let log = Self.randomLog(changes: 300, cards: 40, seed: seed)
            let head = BlacklistLog.full(log)
            var generator = SplitMix(state: seed &* 31)
            for _ in 0..<20 {
                let version = Int(generator.next() % 301)
                let atVersion = BlacklistLog.full(log.prefix(version))
                let delta = BlacklistLog.delta(after: log.dropFirst(version))
                #expect(try delta.applied(to: atVersion) == head, "seed \(seed), from v\(version)")
                // Nothing a validator does not need: no addition it holds, no removal it lacks.
                #expect(Set(delta.added).isDisjoint(with: atVersion))
                #expect(Set(delta.removed).isSubset(of: atVersion))
            }
        }
    }

    @Test func aCardListedAndRemovedAgainAfterTheValidatorsVersionIsInNeitherSection() {
        let card = CardNumber(trusted: "3104820000000000001")
        let changes = [
            BlacklistChange(version: 5, card: card, action: .add, reason: .lost),
            BlacklistChange(version: 6, card: card, action: .remove, reason: .lost),
        ]
        #expect(BlacklistLog.delta(after: changes).isEmpty)
    }

    @Test func manualReasonsDependOnWhoseCardItIs() throws {
        let own = CardNumber(trusted: "3104820000000000001")
        let foreign = CardNumber(trusted: "3101000000000000001")
        let isOwn: (CardNumber) -> Bool = { $0.issuerPrefix == "31048200" }
        try BlacklistPolicy.checkManual([.init(card: own, action: .add, reason: .fraud)], isOwnCard: isOwn)
        try BlacklistPolicy.checkManual([.init(card: foreign, action: .add, reason: .external)], isOwnCard: isOwn)
        #expect(throws: TongkaError(.invalidBlacklistReason, detail: "external for this operator's card 3104***********0001")) {
            try BlacklistPolicy.checkManual([.init(card: own, action: .add, reason: .external)], isOwnCard: isOwn)
        }
        #expect(throws: TongkaError.self) {
            try BlacklistPolicy.checkManual([.init(card: foreign, action: .add, reason: .lost)], isOwnCard: isOwn)
        }
        #expect(throws: TongkaError.self) {
            try BlacklistPolicy.checkManual(
                [.init(card: own, action: .add, reason: .lost), .init(card: own, action: .remove, reason: .lost)],
                isOwnCard: isOwn)
        }
    }

    @Test func aGroupTooSmallForTheListKeepsFraudThenLostThenTheNewestAndCountsTheRest() {
        func entry(_ serial: Int, _ reason: BlacklistReason, _ version: UInt64) -> BlacklistTruncation.Entry {
            .init(card: CardNumber(trusted: "31048200" + String(format: "%011d", serial)), reason: reason, version: version)
        }
        let entries = [
            entry(1, .external, 9), entry(2, .lost, 1), entry(3, .fraud, 2), entry(4, .lost, 5), entry(5, .damaged, 8),
        ]
        let (kept, dropped) = BlacklistTruncation.keep(entries, maximum: 3)
        #expect(dropped == 2)
        #expect(kept.map(\.digits) == ["3104820000000000002", "3104820000000000003", "3104820000000000004"])
        #expect(BlacklistTruncation.keep(entries, maximum: nil).dropped == 0)
    }

    @Test func aValidatorIsStaleWhenUnseenOrWhenItLacksAChangeOlderThanTheAge() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let hour: TimeInterval = 3600
        #expect(ValidatorStaleness.isStale(lastSeen: nil, oldestMissingChangeAt: nil, now: now, maximumAge: hour))
        #expect(ValidatorStaleness.isStale(lastSeen: now - 2 * hour, oldestMissingChangeAt: nil, now: now, maximumAge: hour))
        #expect(!ValidatorStaleness.isStale(lastSeen: now - 60, oldestMissingChangeAt: nil, now: now, maximumAge: hour))
        #expect(!ValidatorStaleness.isStale(lastSeen: now - 60, oldestMissingChangeAt: now - 60, now: now, maximumAge: hour))
        #expect(ValidatorStaleness.isStale(lastSeen: now - 60, oldestMissingChangeAt: now - 2 * hour, now: now, maximumAge: hour))
    }
}
