import Foundation
import Testing
import TongkaCardCrypto
import TongkaCardTerminal

@testable import TongkaCardSim

/// A reproducible generator (SplitMix64) for card randoms and the property test.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB1_3311_37EB
        return z ^ (z >> 31)
    }
}

func hex(_ text: String) -> [UInt8] {
    (try? Hex.decode(text.replacingOccurrences(of: " ", with: ""), field: "test literal")) ?? []
}

let issuer: [UInt8] = [0x01, 0x02, 0x55, 0x10, 0xFF, 0xFF, 0xFF, 0xFF]
let stockText = "3104820000170907984,01025510FFFFFFFF,20250101,20341231,2,1"
let terminalNumber = (try? TerminalNumber(hex: "000000001234")) ?? { fatalError("literal") }()

func dateTime(_ day: Int = 15, _ second: Int = 0) -> TransactionDateTime {
    let text = String(format: "202506%02d", day)
    let time = String(format: "1200%02d", second % 60)
    return (try? TransactionDateTime(yyyymmdd: text, hhmmss: time)) ?? { fatalError("literal") }()
}

/// One simulated card in a fresh temporary directory with a freshly generated key set.
/// The directory is removed when the fixture is released.
final class SimFixture: Sendable {
    let directory: String
    let path: String
    let store: MasterKeyStore
    let host: PurseHost
    let reader: SimulatedCardReader
    let terminal: PurseTerminal
    let card: CardIdentity

    init(
        algorithm: KeyAlgorithm = .tripleDES, chain: DiversificationChain = .issuerThenCard,
        sm4Rules: SM4PurseRules = .assumedV1, maxBalance: UInt32 = 100_000, seed: UInt64 = 1,
        stock: String = stockText
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-sim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/card.json"
        let content = try MasterKeyStore.generateKeyFile(
            issuerID: issuer, diversification: chain,
            algorithms: [.tripleDES, .sm4], sm4PurseRules: sm4Rules)
        store = try MasterKeyStore.load(keyFileContents: content)
        host = PurseHost(keyStore: store)
        card = try SimulatedCard.create(
            at: path, from: StockLine(line: stock), keyStore: store,
            options: SimulatedCardOptions(maxBalance: maxBalance, purseAlgorithm: algorithm))
        reader = SimulatedCardReader(cardFile: path, random: SplitMix64(seed: seed))
        terminal = PurseTerminal(reader: reader)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func connect() async throws {
        _ = try await reader.connect()
    }

    func send(_ apdu: String) async throws -> APDUResponse {
        try await reader.transmit(hex(apdu))
    }

    func snapshot() throws -> SimulatedCardSnapshot {
        try SimulatedCard.snapshot(at: path)
    }

    func select() async throws -> APDUResponse {
        try await send("00A4040008 A000000632010105 00")
    }

    @discardableResult
    func load(_ amount: UInt32, at when: TransactionDateTime = dateTime()) async throws -> LoadResult {
        try await terminal.load(amount: amount, terminal: terminalNumber, dateTime: when, host: host)
    }

    @discardableResult
    func purchase(_ amount: UInt32, serial: UInt32 = 1, at when: TransactionDateTime = dateTime()) async throws -> PurchaseResult
    {
        try await terminal.purchase(
            amount: amount, terminal: terminalNumber, terminalSerial: serial, dateTime: when,
            securityModule: host)
    }
}

/// The error an async body threw, or nil.
func thrownError(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

func sw(_ word: UInt16) -> String { String(word, radix: 16, uppercase: true) }
