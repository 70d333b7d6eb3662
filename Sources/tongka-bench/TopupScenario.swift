import Foundation
import NIOCore
import Synchronization
import TongkaCardCrypto
import TongkaCardSim
import TongkaCardTerminal

/// What the top-up scenario needs beyond the state file: the operator's card master keys (to
/// personalise each client's software card, as the card factory does), and for the crash test,
/// whether to repeat unanswered requests and where to write each acknowledged top-up.
struct TopupOptions: Sendable {
    var cardKeysFile: String?
    /// Repeat a request that got no answer or a 5xx, with the same key and body, until answered.
    var retryUnanswered = false
    /// Append `KEY LOAD_ID CARD NEW_BALANCE_FEN AUTHORISE_ATTEMPTS CONFIRM_ATTEMPTS REPLAYED` per
    /// confirmed top-up (the client's acknowledgement; REPLAYED: the authorisation that answered was
    /// the stored answer of an earlier attempt).
    var acknowledgedFile: String?
    /// Fen per top-up.
    var amountFen: UInt32 = 100
    /// Cards each client tops up in turn: a counter serves many riders, so the per-card figures
    /// (today's loads, the card's history) stay as small as a real card's.
    var cardsPerClient = 8
}

/// A complete top-up, what `tongka-counter topup 1` does: INITIALIZE FOR LOAD on the client's own
/// software card (held in memory), `POST /v1/loads` (MAC1 checked, money posted, MAC2 answered:
/// one commit), CREDIT FOR LOAD on the card, `POST /v1/loads/{id}/confirmation` with its TAC
/// (the second commit). Each client has its own cards and its own terminal, as counters do.
struct TopupScenario: Scenario {
    static let options = Mutex(TopupOptions())

    struct ClientCard: Sendable {
        let number: String
        let identity: CardIdentity
        let reader: MemoryCardReader
        let terminal: TerminalNumber
        let token: String
    }

    let context: RunContext
    /// The cards of each client, `cards[client][sequence % cardsPerClient]`.
    let cards: [[ClientCard]]
    let options: TopupOptions
    let acknowledged: AcknowledgementLog?

    /// The product of top-up cards: a maximum balance high enough for a run of ¥1 top-ups.
    static let product = "TOPUP"

    static func prepare(state: inout BenchState, context: RunContext, operations: Int) async throws -> TopupScenario {
        let options = Self.options.withLock { $0 }
        guard let keysFile = options.cardKeysFile else { throw BenchFailure("the topup scenario needs --card-keys FILE") }
        let keys = try MasterKeyStore.load(fromFile: keysFile)
        let admin = try Setup.client(state.server, token: state.adminToken)
        if try await !admin.products().contains(where: { $0.code == product }) {
            _ = try await admin.createProduct(
                .init(
                    code: product, name: "压测充值卡", cardType: 1, depositFen: 0, cardCostFen: 0, transportModes: [.bus],
                    interconnection: true, allowsAnonymous: true, allowsRegistered: true, maxBalanceFen: 1_000_000_000))
        }
        // Cards of their own number range, imported into the hall's stock and sold to the clients.
        let perClient = max(1, options.cardsPerClient)
        let first = 90_000_000 + state.runs * 10_000
        var file = "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid\n"
        for index in first..<(first + context.clients * perClient) {
            file +=
                "\(state.cardNumber(index)),\(state.issuerID),20260101,20361231,1,\(String(format: "%08X", 0x5000_0000 + index))\n"
        }
        _ = try await admin.importStock(product: product, hall: state.hall, fileName: "topup-\(first).csv", body: .init(file))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-bench-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var cards: [[ClientCard]] = []
        for client in 0..<context.clients {
            let clerk = try Setup.client(state.server, token: context.clerks[client].token)
            let terminal = try await clerk.loadTerminal(label: "bench-c\(client)")
            var own: [ClientCard] = []
            for slot in 0..<perClient {
                let number = state.cardNumber(first + client * perClient + slot)
                _ = try await clerk.issueCard(
                    cardNumber: number, holderID: nil, payment: .cash, idempotencyKey: "bench-topup-card-\(number)")
                let path = directory.appendingPathComponent("\(number).card").path
                let stock = try StockLine(
                    cardNumber: number, issuerID: try Hex.decode(state.issuerID, field: "issuer id"), validFrom: "20260101",
                    validTo: "20361231", cardType: 1, interconnection: true)
                try SimulatedCard.create(at: path, from: stock, keyStore: keys, options: .init(maxBalance: 4_000_000_000))
                let reader = try MemoryCardReader(cardFile: path)
                _ = try await reader.connect()
                own.append(
                    ClientCard(
                        number: number, identity: stock.card, reader: reader,
                        terminal: try TerminalNumber(hex: terminal.terminalNumber),
                        token: context.clerks[client].token))
            }
            cards.append(own)
        }
        return TopupScenario(
            context: context, cards: cards, options: options,
            acknowledged: try options.acknowledgedFile.map { try AcknowledgementLog(path: $0) })
    }

    func perform(client: Int, sequence: Int) async throws {
        let card = cards[client][sequence % cards[client].count]
        let purse = PurseTerminal(reader: card.reader)
        let key = context.idempotencyKey(client: client, sequence: sequence)
        let (_, answer) = try await purse.loadAnswer(amount: options.amountFen, terminal: card.terminal)
        let request = """
            {"cardNumber":"\(card.number)","issuerId":"\(Hex.encode(card.identity.issuerID))","amountFen":\(options.amountFen),\
            "paymentMethod":"cash","terminalNumber":"\(card.terminal.description)","initializeAnswer":"\(Hex.encode(answer.bytes))"}
            """
        let (authorised, authoriseAttempts) = try await send(
            "/v1/loads", json: request, token: card.token, key: key, expect: 201)
        let members = Self.members(authorised)
        guard let loadID = (members["loadId"] as? NSNumber)?.int64Value, let mac2 = members["mac2"] as? String,
            let time = members["cardTime"] as? String, let newBalance = (members["newBalanceFen"] as? NSNumber)?.int64Value
        else { throw BenchFailure("authorizeLoad answered without loadId, mac2 or cardTime") }
        let dateTime = try TransactionDateTime(yyyymmdd: String(time.prefix(8)), hhmmss: String(time.suffix(6)))
        let credit = try await card.reader.transmit(
            [0x80, 0x52, 0x00, 0x00, 0x0B] + dateTime.bytes + (try Hex.decode(mac2, field: "MAC2")) + [0x04])
        guard credit.isSuccess, credit.data.count == 4 else {
            throw BenchFailure("the card refused CREDIT FOR LOAD (\(credit)) for load \(loadID)")
        }
        let (_, confirmAttempts) = try await send(
            "/v1/loads/\(loadID)/confirmation", json: #"{"tac":"\#(Hex.encode(credit.data))"}"#, token: card.token, key: nil,
            expect: 200)
        let replayed = members["replayed"] as? Bool ?? false
        acknowledged?.append(
            "\(key) \(loadID) \(card.number) \(newBalance) \(authoriseAttempts) \(confirmAttempts) \(replayed)")
    }

    /// One request; with `retryUnanswered`, repeated (same key, same body) until the server answers
    /// it with something other than a 5xx, for at most three minutes.
    /// Returns the answer's body and how many times the request was sent.
    private func send(
        _ path: String, json: String, token: String, key: String?, expect: Int
    ) async throws -> (body: String, attempts: Int) {
        let deadline = ContinuousClock.now + .seconds(180)
        var attempts = 0
        while true {
            do {
                attempts += 1
                let answer = try await context.http.post(path, json: json, token: token, idempotencyKey: key)
                if answer.status == expect { return (String(buffer: answer.body), attempts) }
                if !options.retryUnanswered || answer.status < 500 { throw OperationRefused(code: answer.errorCode) }
            } catch let refused as OperationRefused {
                throw refused
            } catch {
                if !options.retryUnanswered { throw error }
            }
            guard ContinuousClock.now < deadline else { throw BenchFailure("\(path) unanswered for three minutes") }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The answer's JSON members (the server's encoder may put spaces or newlines anywhere).
    static func members(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }
}

/// Lines appended to a file and flushed at once: what the clients were told, for the crash test
/// to compare with what the database holds.
final class AcknowledgementLog: Sendable {
    private let handle: Mutex<FileHandle>

    init(path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchFailure("cannot write \(path)") }
        handle.seekToEndOfFile()
        self.handle = Mutex(handle)
    }

    func append(_ line: String) {
        handle.withLock { $0.write(Data((line + "\n").utf8)) }
    }
}
