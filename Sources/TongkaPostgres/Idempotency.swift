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

    static func run<Request: Encodable, Result: Codable & Sendable>(
        _ connection: PostgresConnection, actor: StaffActor, key: String, operation: String, request: Request,
        logger: Logger, body: () async throws -> Result
    ) async throws -> Outcome<Result> {
        let key = try Validate.idempotencyKey(key)
        let requestHash = try requestDigest(operation: operation, request: request)
        let inserted = try await connection.first(
            """
            INSERT INTO idempotency_keys (clerk_id, idempotency_key, operation, request_hash, result)
            VALUES (\(actor.clerkID.rawValue), \(key), \(operation), \(requestHash), 'null'::jsonb)
            ON CONFLICT (clerk_id, operation, idempotency_key) DO NOTHING
            RETURNING 1
            """, as: (Int.self), logger: logger)
        if inserted == nil {
            guard
                let (storedHash, storedResult) = try await connection.first(
                    """
                    SELECT request_hash, result::text FROM idempotency_keys
                     WHERE clerk_id = \(actor.clerkID.rawValue) AND operation = \(operation) AND idempotency_key = \(key)
                    """, as: (Data, String).self, logger: logger)
            else { throw TongkaError(.serviceUnavailable, detail: "idempotency record vanished, retry") }
            // The key is scoped by operation (primary key), so only the body can differ.
            guard storedHash == requestHash else {
                throw TongkaError(.idempotencyKeyReused)
            }
            // The money moved the first time: a stored result this build cannot read is a server
            // failure (500, "outcome unknown" at the counter), never a refusal of the request.
            guard let result = try? JSONDecoder().decode(Result.self, from: Data(storedResult.utf8)) else {
                throw TongkaError(.internalError, detail: "the first result of this idempotency key cannot be read")
            }
            return Outcome(result: result, replayed: true)
        }
        let result = try await body()
        let resultJSON = String(decoding: try JSONEncoder.sorted.encode(result), as: UTF8.self)
        try await connection.query(
            """
            UPDATE idempotency_keys SET result = \(resultJSON)::jsonb
             WHERE clerk_id = \(actor.clerkID.rawValue) AND operation = \(operation) AND idempotency_key = \(key)
            """, logger: logger)
        return Outcome(result: result, replayed: false)
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
