import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Runs a money command at most once per (clerk, operation, idempotency key): a key names one
/// command of one operation, and is kept for the retention period (``purge(before:batch:connection:logger:)``).
///
/// The key row is inserted first, inside the command's transaction. A concurrent request with the
/// same key blocks on the primary key until the first commits (then it reads the stored result)
/// or rolls back (then it proceeds): the database, not a check-then-act in Swift, decides.
enum Idempotency {
    /// The outcome of an idempotent command: its result and whether it was replayed.
    struct Outcome<Result: Sendable>: Sendable {
        let result: Result
        let replayed: Bool
    }

    /// A command's claim on its key: who, which operation, and the digest of the request.
    struct Claim: Sendable {
        let clerk: ClerkID
        let key: String
        let operation: String
        let requestHash: Data

        init<Request: Encodable>(actor: StaffActor, key: String, operation: String, request: Request) throws {
            clerk = actor.clerkID
            self.key = try Validate.idempotencyKey(key)
            self.operation = operation
            requestHash = try Idempotency.requestDigest(operation: operation, request: request)
        }

        /// The row's key as `$1` (clerk), `$2` (operation), `$3` (key).
        func keyBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(clerk.rawValue)
            bindings.append(operation)
            bindings.append(key)
            return bindings
        }

        /// Appends the four values of ``Idempotency/claimSQL(firstParameter:)``, in its order.
        func appendBindings(to bindings: inout PostgresBindings) throws {
            bindings.append(clerk.rawValue)
            bindings.append(key)
            bindings.append(operation)
            try bindings.append(requestHash)
        }
    }

    /// The INSERT that claims a key, its values in parameters `$first` to `$first + 3`. It returns a
    /// row only when the key is new; a use case that reads its facts in the same statement embeds
    /// it as the CTE `claim` and makes its writes depend on `EXISTS (SELECT 1 FROM claim)`.
    static func claimSQL(firstParameter p: Int) -> String {
        """
        INSERT INTO idempotency_keys (clerk_id, idempotency_key, operation, request_hash, result)
        VALUES ($\(p)::bigint, $\(p + 1)::text, $\(p + 2)::text, $\(p + 3)::bytea, 'null'::jsonb)
        ON CONFLICT (clerk_id, operation, idempotency_key) DO NOTHING
        RETURNING 1
        """
    }

    struct ClaimStatement: PostgresPreparedStatement {
        static let name = "idempotency.claim"
        static let sql = "WITH claim AS (\(claimSQL(firstParameter: 1))) SELECT EXISTS (SELECT 1 FROM claim)"
        typealias Row = Bool
        let claim: Claim

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            try claim.appendBindings(to: &bindings)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    struct StoredResult: PostgresPreparedStatement {
        static let name = "idempotency.stored"
        static let sql = """
            SELECT request_hash, result::text FROM idempotency_keys
             WHERE clerk_id = $1::bigint AND operation = $2::text AND idempotency_key = $3::text
            """
        typealias Row = (Data, String)
        let claim: Claim

        func makeBindings() throws -> PostgresBindings {
            claim.keyBindings()
        }
        func decodeRow(_ row: PostgresRow) throws -> (Data, String) { try row.decode((Data, String).self) }
    }

    struct StoreResult: PostgresPreparedStatement {
        static let name = "idempotency.store"
        static let sql = """
            UPDATE idempotency_keys SET result = $4::text::jsonb
             WHERE clerk_id = $1::bigint AND operation = $2::text AND idempotency_key = $3::text
            """
        typealias Row = ()
        let claim: Claim
        let resultJSON: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = claim.keyBindings()
            bindings.append(resultJSON)
            return bindings
        }
        func decodeRow(_ row: PostgresRow) throws {}
    }

    static func run<Request: Encodable, Result: Codable & Sendable>(
        _ connection: PostgresConnection, actor: StaffActor, key: String, operation: String, request: Request,
        logger: Logger, body: () async throws -> Result
    ) async throws -> Outcome<Result> {
        let claim = try Claim(actor: actor, key: key, operation: operation, request: request)
        var claimed = false
        for try await row in try await connection.execute(ClaimStatement(claim: claim), logger: logger) { claimed = row }
        guard claimed else {
            return Outcome(result: try await replay(claim, connection: connection, logger: logger), replayed: true)
        }
        let result = try await body()
        try await store(result, for: claim, connection: connection, logger: logger)
        return Outcome(result: result, replayed: false)
    }

    /// The first result of a key that was claimed before (its claim found the key taken), or
    /// `idempotency_key_reused` when that request had another body.
    static func replay<Result: Decodable>(
        _ claim: Claim, as type: Result.Type = Result.self, connection: PostgresConnection, logger: Logger
    ) async throws -> Result {
        var stored: (Data, String)?
        for try await row in try await connection.execute(StoredResult(claim: claim), logger: logger) { stored = row }
        guard let (storedHash, storedResult) = stored else {
            throw TongkaError(.serviceUnavailable, detail: "idempotency record vanished, retry")
        }
        // The key is scoped by operation (primary key), so only the body can differ.
        guard storedHash == claim.requestHash else { throw TongkaError(.idempotencyKeyReused) }
        // The money moved the first time: a stored result this build cannot read is a server
        // failure (500, "outcome unknown" at the counter), never a refusal of the request.
        guard let result = try? JSONDecoder().decode(Result.self, from: Data(storedResult.utf8)) else {
            throw TongkaError(.internalError, detail: "the first result of this idempotency key cannot be read")
        }
        return result
    }

    /// Stores the result of a command that claimed its key, for replays.
    static func store<Result: Encodable>(
        _ result: Result, for claim: Claim, connection: PostgresConnection, logger: Logger
    ) async throws {
        let resultJSON = String(decoding: try JSONEncoder.sorted.encode(result), as: UTF8.self)
        try await connection.run(StoreResult(claim: claim, resultJSON: resultJSON), logger: logger)
    }

    static func requestDigest<Request: Encodable>(operation: String, request: Request) throws -> Data {
        var data = Data(operation.utf8)
        data.append(0)
        data.append(try JSONEncoder.sorted.encode(request))
        return Data(SHA256Digest.of(data))
    }
    /// Rows deleted per statement: a large backlog never holds long locks.
    static let purgeBatch = 10_000

    /// Deletes idempotency records older than `cutoff` (the retention period: 30 days by default),
    /// in bounded batches. Returns how many went.
    static func purge(
        before cutoff: Date, batch: Int = purgeBatch, connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        let rows = try await connection.all(
            """
            WITH old AS (
                SELECT clerk_id, operation, idempotency_key FROM idempotency_keys
                 WHERE created_at < \(cutoff) ORDER BY created_at LIMIT \(batch))
            DELETE FROM idempotency_keys k USING old
             WHERE k.clerk_id = old.clerk_id AND k.operation = old.operation AND k.idempotency_key = old.idempotency_key
            RETURNING 1
            """, as: (Int32.self), logger: logger)
        return rows.count
    }
}

/// Keeps the idempotency records within their retention period (run by a background service).
public struct IdempotencyStore: Sendable {
    let database: Database
    var logger: Logger { database.logger }

    public init(database: Database) { self.database = database }

    /// Deletes idempotency records past the retention period; returns how many went.
    @discardableResult
    public func purgeIdempotencyKeys(now: Date) async throws -> Int {
        let cutoff = now.addingTimeInterval(-database.settings.idempotencyRetention.seconds)
        var total = 0
        while true {
            let purged = try await database.transaction { connection in
                try await Idempotency.purge(before: cutoff, connection: connection, logger: logger)
            }
            total += purged
            if purged < Idempotency.purgeBatch { return total }
        }
    }

}
