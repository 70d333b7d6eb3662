import Foundation
import TongkaDomain

/// How big and how fast the validator blacklist is, measured on a made-up card population: no
/// server, no database, only the domain's encoders and ``BlacklistIndex``. Sizes are compared with
/// the information bound, log2 of the number of ways to pick the listed cards among the issued
/// ones: no encoding of an arbitrary such choice can be shorter on average.
///
/// The population: `issued` cards split evenly over `prefixes`, each prefix issuing one consecutive
/// range of serials (as cards are personalised in batches); `listed` of them chosen at random, every
/// choice as likely. Card numbers have no check digit (``CardNumber``), so any 19 digits under a
/// prefix are well-formed.
enum BlacklistSizeStudy {
    /// The issuer id written into the lists; any well-formed one gives the same sizes.
    static let issuerID = "31045510FFFFFFFF"
    static let issuedAtUnixSeconds: Int64 = 1_796_119_331
    /// The lists are measured with a dummy signature: signing changes no size.
    static let dummySignature = [UInt8](repeating: 0, count: BlacklistList.signatureBytes)
    /// Unissued numbers checked on each side of every prefix's serial range.
    static let unissuedPerSide = 1_000

    /// Runs the study. `changes` scattered changes make the delta: half of them (rounded down)
    /// additions of unlisted issued cards, the rest removals of listed ones. `progress` prints
    /// each step to standard error as it starts.
    static func run(
        issued: Int, listed: Int, changes: Int, prefixes: [String], seed: UInt64, progress: Bool
    ) throws -> BlacklistSizeReport {
        let additions = changes / 2
        let removals = changes - additions
        guard issued > 0, listed >= 0, changes >= 0, listed <= issued, additions <= issued - listed, removals <= listed
        else {
            throw BlacklistSizeStudyError(
                "need 0 ≤ listed ≤ issued, changes / 2 additions among the unlisted and the other half among the listed")
        }
        let prefixValues = try prefixes.map { prefix in
            guard prefix.utf8.count == CardNumber.prefixLength, let value = UInt64(prefix) else {
                throw BlacklistSizeStudyError("prefix \(prefix) is not 8 digits")
            }
            return value
        }.sorted()
        guard !prefixValues.isEmpty, Set(prefixValues).count == prefixValues.count else {
            throw BlacklistSizeStudyError("need at least one prefix, each once")
        }
        func step(_ text: String) {
            if progress { FileHandle.standardError.write(Data("blacklist size study: \(text)\n".utf8)) }
        }
        var generator = SplitMix64(seed: seed)

        step("issuing \(issued) cards")
        let ranges = serialRanges(issued: issued, prefixes: prefixValues)
        let issuedValues = ranges.flatMap { $0 }
        step("choosing \(listed) listed cards")
        var isListed = [Bool](repeating: false, count: issued)
        for position in sample(listed, of: issued, using: &generator) { isListed[position] = true }
        let listedValues = issuedValues.indices.filter { isListed[$0] }.map { issuedValues[$0] }
        let listedCards = listedValues.map { CardNumber(numericValue: $0)! }

        step("choosing \(additions) additions and \(removals) removals")
        let unlistedPositions = issuedValues.indices.filter { !isListed[$0] }
        let addedCards = sample(additions, of: unlistedPositions.count, using: &generator).map {
            CardNumber(numericValue: issuedValues[unlistedPositions[$0]])!
        }
        let removedCards = sample(removals, of: listed, using: &generator).map { listedCards[$0] }

        step("encoding the full list")
        var clock = Stopwatch()
        let full = try BlacklistList(
            kind: .full, fromVersion: 0, toVersion: 1, issuedAtUnixSeconds: issuedAtUnixSeconds, issuerID: issuerID,
            added: listedCards, removed: [])
        let fullBytes = try full.encoded(signature: dummySignature).count
        let fullSeconds = clock.lap()

        step("encoding the delta")
        let delta = try BlacklistList(
            kind: .delta, fromVersion: 1, toVersion: 2, issuedAtUnixSeconds: issuedAtUnixSeconds, issuerID: issuerID,
            added: addedCards, removed: removedCards)
        let deltaBytes = try delta.encoded(signature: dummySignature).count
        let deltaSeconds = clock.lap()

        step("writing the exchange file")
        let exchangeBytes = try BlacklistExchangeFile(numbers: listedCards).encoded().count

        step("building the index")
        clock = Stopwatch()
        let index = try BlacklistIndex(sorted: listedCards)
        let indexSeconds = clock.lap()
        let state = try ValidatorListState(version: 1, issuerID: issuerID, index: index)
        let stateFile = state.serialized()
        clock = Stopwatch()
        let reread = try ValidatorListState(serialized: stateFile)
        let stateReadSeconds = clock.lap()

        step("applying the delta to the index")
        let changeSet = BlacklistChanges(added: delta.added, removed: delta.removed)
        clock = Stopwatch()
        let applied = try index.applying(changeSet)
        let applySeconds = clock.lap()
        let rebuilt = try BlacklistIndex(sorted: changeSet.applied(to: listedCards))

        step("checking every issued card and \(unissuedPerSide * 2 * ranges.count) unissued numbers")
        var wrong = 0
        clock = Stopwatch()
        for (position, value) in issuedValues.enumerated()
        where reread.index.contains(CardNumber(numericValue: value)!) != isListed[position] {
            wrong += 1
        }
        var unissued = 0
        for range in ranges {
            let below = range.lowerBound - UInt64(unissuedPerSide)..<range.lowerBound
            let above = range.upperBound..<range.upperBound + UInt64(unissuedPerSide)
            for value in [below, above].joined() {
                unissued += 1
                if reread.index.contains(CardNumber(numericValue: value)!) { wrong += 1 }
            }
        }
        let sweepSeconds = clock.lap()

        step("checking \(randomChecks) issued cards in random order")
        let probes = (0..<randomChecks).map { _ in issuedValues[Int.random(in: 0..<issued, using: &generator)] }
        clock = Stopwatch()
        let probeCards = probes.map { CardNumber(numericValue: $0)! }
        let cardMakingSeconds = clock.lap()
        var hits = 0
        for card in probeCards where reread.index.contains(card) { hits += 1 }
        let randomCardSeconds = clock.lap()
        var numericHits = 0
        for value in probes where reread.index.contains(numericValue: value) { numericHits += 1 }
        let randomSeconds = clock.lap()
        guard numericHits == hits else { throw BlacklistSizeStudyError("card and numeric checks disagree") }

        return BlacklistSizeReport(
            issued: issued, listed: listed, prefixes: prefixValues.map { String($0) }, seed: seed,
            added: additions, removed: removals, fullBytes: fullBytes, exchangeBytes: exchangeBytes, deltaBytes: deltaBytes,
            indexMemoryBytes: index.memoryBytes, blockSize: index.blockSize, riceParameter: index.riceParameter,
            stateFileBytes: stateFile.count, appliedEqualsRebuilt: applied == rebuilt, checks: issued + unissued,
            wrongAnswers: wrong, randomChecks: randomChecks, randomHits: hits, fullSeconds: fullSeconds,
            deltaSeconds: deltaSeconds, indexSeconds: indexSeconds, stateReadSeconds: stateReadSeconds,
            applySeconds: applySeconds, sweepSeconds: sweepSeconds, cardMakingSeconds: cardMakingSeconds,
            randomCardSeconds: randomCardSeconds, randomSeconds: randomSeconds)
    }

    /// Checks timed in random order, where the sweep over every issued card reads the index in order.
    static let randomChecks = 1_000_000

    /// The issued numeric values: under each prefix, one consecutive range of serials of about
    /// `issued / prefixes.count` cards (the first ranges one longer for the remainder), starting at
    /// a different serial under each prefix.
    static func serialRanges(issued: Int, prefixes: [UInt64]) -> [Range<UInt64>] {
        prefixes.enumerated().map { slot, prefix in
            let count = UInt64(issued / prefixes.count + (slot < issued % prefixes.count ? 1 : 0))
            let first = prefix * 100_000_000_000 + 10_000_000 + UInt64(slot) * 3_000_000
            return first..<first + count
        }
    }

    /// `count` distinct positions of `0..<total`, ascending, every choice as likely (selection
    /// sampling, Knuth's algorithm S: one random number per position).
    static func sample(_ count: Int, of total: Int, using generator: inout SplitMix64) -> [Int] {
        var chosen: [Int] = []
        chosen.reserveCapacity(count)
        var position = 0
        while chosen.count < count {
            if Int.random(in: 0..<(total - position), using: &generator) < count - chosen.count { chosen.append(position) }
            position += 1
        }
        return chosen
    }

    /// log2 of the number of ways to choose `chosen` of `total`, from lgamma.
    static func informationBoundBits(choosing chosen: Int, of total: Int) -> Double {
        let n = Double(total)
        let k = Double(chosen)
        return (lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)) / log(2)
    }
}

/// Why the study could not run.
struct BlacklistSizeStudyError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

/// The figures of one ``BlacklistSizeStudy`` run.
struct BlacklistSizeReport: Sendable {
    /// A full list and the index should stay this close to the information bound.
    static let fullListTargetRatio = 1.15
    static let indexTargetRatio = 1.3
    /// A delta may take this many bytes more than the target ratio allows: its header and signature.
    static let deltaAllowanceBytes = 128.0

    let issued: Int
    let listed: Int
    let prefixes: [String]
    let seed: UInt64
    let added: Int
    let removed: Int
    let fullBytes: Int
    let exchangeBytes: Int
    let deltaBytes: Int
    let indexMemoryBytes: Int
    let blockSize: Int
    let riceParameter: Int
    let stateFileBytes: Int
    let appliedEqualsRebuilt: Bool
    let checks: Int
    let wrongAnswers: Int
    let randomChecks: Int
    let randomHits: Int
    let fullSeconds: Double
    let deltaSeconds: Double
    let indexSeconds: Double
    let stateReadSeconds: Double
    let applySeconds: Double
    let sweepSeconds: Double
    /// Making `randomChecks` card numbers from their numeric values, which the sweep does per check.
    let cardMakingSeconds: Double
    let randomCardSeconds: Double
    let randomSeconds: Double

    var changes: Int { added + removed }
    var fullBoundBytes: Double { BlacklistSizeStudy.informationBoundBits(choosing: listed, of: issued) / 8 }
    var deltaBoundBytes: Double { BlacklistSizeStudy.informationBoundBits(choosing: changes, of: issued) / 8 }
    var deltaTargetBytes: Double { Self.fullListTargetRatio * deltaBoundBytes + Self.deltaAllowanceBytes }

    /// The report for a person, then one `RESULT key=value ...` line.
    var lines: [String] {
        let perListed = { (bytes: Double) in Self.decimals(bytes / Double(max(listed, 1)), 3) }
        let perChange = { (bytes: Double) in Self.decimals(bytes / Double(max(changes, 1)), 3) }
        let fullRatio = Double(fullBytes) / fullBoundBytes
        let deltaRatio = Double(deltaBytes) / deltaBoundBytes
        let indexRatio = Double(indexMemoryBytes) / fullBoundBytes
        func verdict(_ met: Bool) -> String { met ? "met" : "NOT met" }
        func rate(_ count: Int, _ seconds: Double) -> String { Self.decimals(Double(count) / seconds / 1e6, 2) + " M/s" }
        return [
            "blacklist size: \(listed) listed of \(issued) issued under \(prefixes.count) prefixes "
                + "(\(prefixes.joined(separator: ", "))), seed \(seed)",
            "  information bound: \(perListed(fullBoundBytes)) bytes per listed card (\(Int(fullBoundBytes.rounded(.up))) bytes)",
            "  full list (TKBL, 64-byte dummy signature): \(fullBytes) bytes, \(perListed(Double(fullBytes))) per listed card, "
                + "\(Self.decimals(fullRatio, 3)) x bound (target <= \(Self.fullListTargetRatio): \(verdict(fullRatio <= Self.fullListTargetRatio)))",
            "  exchange file (text): \(exchangeBytes) bytes, \(perListed(Double(exchangeBytes))) per listed card; "
                + "raw 8-byte integers: 8.000 per listed card",
            "  delta (\(added) added, \(removed) removed): \(deltaBytes) bytes, \(perChange(Double(deltaBytes))) per changed card; "
                + "bound \(perChange(deltaBoundBytes)) per changed card, \(Self.decimals(deltaRatio, 3)) x bound "
                + "(target <= \(Self.fullListTargetRatio) x bound + \(Int(Self.deltaAllowanceBytes)) = "
                + "\(Int(deltaTargetBytes)) bytes: \(verdict(Double(deltaBytes) <= deltaTargetBytes)))",
            "  index in memory (blocks of \(blockSize), k = \(riceParameter)): \(indexMemoryBytes) bytes, "
                + "\(perListed(Double(indexMemoryBytes))) per listed card, \(Self.decimals(indexRatio, 3)) x bound "
                + "(target <= \(Self.indexTargetRatio): \(verdict(indexRatio <= Self.indexTargetRatio))); "
                + "state file \(stateFileBytes) bytes, \(perListed(Double(stateFileBytes))) per listed card",
            "  checks of every issued card and \(checks - issued) unissued numbers against the index read back from "
                + "its state file: \(checks), wrong answers: \(wrongAnswers)",
            "  delta applied to the index equals the index of the applied list: \(appliedEqualsRebuilt ? "yes" : "NO")",
            "  time: full list build + encode \(Self.milliseconds(fullSeconds)), delta \(Self.milliseconds(deltaSeconds)), "
                + "index build \(Self.milliseconds(indexSeconds)), state file read \(Self.milliseconds(stateReadSeconds)), "
                + "delta applied to the index \(Self.milliseconds(applySeconds))",
            "  check throughput: \(rate(checks, sweepSeconds)) in order, each card number made from its value for the check "
                + "(\(Self.milliseconds(sweepSeconds)) for all; making \(randomChecks) card numbers alone takes "
                + "\(Self.milliseconds(cardMakingSeconds))); in random order \(rate(randomChecks, randomCardSeconds)) from card "
                + "numbers, \(rate(randomChecks, randomSeconds)) from numeric values (\(randomHits) of \(randomChecks) listed)",
            "RESULT scenario=blacklist-size issued=\(issued) listed=\(listed) changes=\(changes) full_bytes=\(fullBytes) "
                + "full_ratio=\(Self.decimals(fullRatio, 4)) delta_bytes=\(deltaBytes) delta_ratio=\(Self.decimals(deltaRatio, 4)) "
                + "index_bytes=\(indexMemoryBytes) index_ratio=\(Self.decimals(indexRatio, 4)) wrong_answers=\(wrongAnswers) "
                + "checks_per_s=\(Int(Double(checks) / sweepSeconds)) random_card_checks_per_s=\(Int(Double(randomChecks) / randomCardSeconds)) "
                + "random_value_checks_per_s=\(Int(Double(randomChecks) / randomSeconds))",
        ]
    }

    private static func decimals(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    private static func milliseconds(_ seconds: Double) -> String { decimals(seconds * 1000, 1) + " ms" }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator whose output depends only on the seed,
/// so a study repeats exactly from run to run (the system generator cannot be seeded).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seconds since it was made or last asked.
private struct Stopwatch {
    private var start = ContinuousClock.now

    mutating func lap() -> Double {
        let now = ContinuousClock.now
        let elapsed = (now - start).components
        start = now
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
