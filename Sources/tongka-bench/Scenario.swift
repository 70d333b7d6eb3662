import Foundation
import Synchronization

/// Which sessions the clients work in.
enum ShiftMode: String, CaseIterable, Sendable {
    /// Client `i` is clerk `i`, with a shift of its own: no two clients touch one shift.
    case ownShifts = "own-shifts"
    /// Every client works in clerk 0's session, so all money goes into one shift's drawer.
    case oneShift = "one-shift"

    /// The clerk client `client` acts as.
    func clerk(of client: Int, in state: BenchState) -> BenchState.Clerk {
        switch self {
        case .ownShifts: state.clerks[client]
        case .oneShift: state.clerks[0]
        }
    }
}

/// What a scenario's ``Scenario/prepare(state:mode:clients:operations:http:)`` is given: the
/// run's number (for idempotency keys) and how the clients map to sessions.
struct RunContext: Sendable {
    let run: Int
    let mode: ShiftMode
    let clients: Int
    /// The session of each client.
    let clerks: [BenchState.Clerk]
    let http: BenchHTTP

    /// A key no other operation of any run uses (8 to 100 letters, digits, '-' or '_').
    func idempotencyKey(client: Int, sequence: Int) -> String { "bench-r\(run)-c\(client)-\(sequence)" }
}

/// One kind of operation the benchmark repeats. `prepare` runs before the clock starts (stock,
/// cards, whatever the operations consume) and may record what it used in the state; `perform`
/// is one complete operation as a counter does it, timed by the driver. A new scenario (a top-up:
/// authorise, then confirm) is a type conforming to this and a case of ``ScenarioName``.
protocol Scenario: Sendable {
    /// Prepares for at most `operations` operations of `context.clients` clients.
    static func prepare(state: inout BenchState, context: RunContext, operations: Int) async throws -> Self

    /// One complete operation by client `client` (0-based), its `sequence`-th. Throws
    /// ``OperationRefused`` when the server refuses it, ``BenchFailure`` when the run cannot go on.
    func perform(client: Int, sequence: Int) async throws
}

/// The server answered an operation with an error.
struct OperationRefused: Error {
    let code: String
}

/// Hands out consecutive indexes (cards in stock) to the clients, up to a limit.
final class Supply: Sendable {
    private let next: Mutex<Int>
    let end: Int

    init(first: Int, end: Int) {
        next = Mutex(first)
        self.end = end
    }

    /// The next index, or nil when the supply is used up.
    func take() -> Int? {
        next.withLock { next in
            guard next < end else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// The first index not handed out.
    var position: Int { next.withLock { $0 } }
}

/// A complete card sale, what `tongka-counter card issue NUMBER` does: `POST /v1/cards` for an
/// anonymous card from the hall's stock, paid in cash into the clerk's shift, with an
/// Idempotency-Key.
struct SaleScenario: Scenario {
    let context: RunContext
    let cards: Supply
    let state: BenchState

    static func prepare(state: inout BenchState, context: RunContext, operations: Int) async throws -> SaleScenario {
        try await Stock.ensure(cards: operations, state: &state)
        let cards = Supply(first: state.nextCard, end: state.cardsStocked + 1)
        return SaleScenario(context: context, cards: cards, state: state)
    }

    func perform(client: Int, sequence: Int) async throws {
        guard let card = cards.take() else { throw BenchFailure("the hall's stock ran out; raise --max-rate") }
        let answer = try await context.http.post(
            "/v1/cards", json: #"{"cardNumber":"\#(state.cardNumber(card))","paymentMethod":"cash"}"#,
            token: context.clerks[client].token, idempotencyKey: context.idempotencyKey(client: client, sequence: sequence))
        guard answer.status == 201 else { throw OperationRefused(code: answer.errorCode) }
    }
}

/// The scenarios `run` knows.
enum ScenarioName: String, CaseIterable, Sendable {
    case sale
    case topup

    /// Prepares the scenario and drives it.
    func run(
        state: inout BenchState, context: RunContext, operations: Int, driver: Driver
    ) async throws -> Measurement {
        switch self {
        case .sale:
            let scenario = try await SaleScenario.prepare(state: &state, context: context, operations: operations)
            let measurement = try await driver.drive(scenario)
            state.nextCard = scenario.cards.position
            return measurement
        case .topup:
            let scenario = try await TopupScenario.prepare(state: &state, context: context, operations: operations)
            return try await driver.drive(scenario)
        }
    }
}
