import Foundation
import Logging
import PostgresNIO
import TongkaDomain

/// Writes audit events inside the transaction of the change they record, so a change and its
/// audit record commit or vanish together. Details never hold personal data or full card numbers.
enum Audit {
    static func record(
        _ connection: PostgresConnection, origin: RequestOrigin, action: String, subject: String?,
        details: [String: String] = [:], hall: HallID? = nil, logger: Logger
    ) async throws {
        let detailsJSON = String(decoding: try JSONEncoder.sorted.encode(details), as: UTF8.self)
        let actor = origin.actor
        let hallID = hall?.rawValue ?? actor?.hallID?.rawValue
        try await connection.query(
            """
            INSERT INTO audit_events (actor_clerk_id, actor_username, actor_role, hall_id, action, subject, details,
                                      request_id, client_address)
            VALUES (\(actor?.clerkID.rawValue), \(actor?.username), \(actor?.role.rawValue), \(hallID), \(action),
                    \(subject), \(detailsJSON)::jsonb, \(origin.requestID), \(origin.clientAddress))
            """, logger: logger)
    }
}

extension JSONEncoder {
    /// Deterministic output: the idempotency hash and audit details depend on it.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Runs a money command at most once per (clerk, idempotency key).
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
        _ connection: PostgresConnection, actor: Actor, key: String, operation: String, request: Request,
        logger: Logger, body: () async throws -> Result
    ) async throws -> Outcome<Result> {
        let key = try Validate.idempotencyKey(key)
        let requestHash = try requestDigest(operation: operation, request: request)
        let inserted = try await connection.first(
            """
            INSERT INTO idempotency_keys (clerk_id, idempotency_key, operation, request_hash, result)
            VALUES (\(actor.clerkID.rawValue), \(key), \(operation), \(requestHash), 'null'::jsonb)
            ON CONFLICT (clerk_id, idempotency_key) DO NOTHING
            RETURNING 1
            """, as: (Int.self), logger: logger)
        if inserted == nil {
            guard let (storedOperation, storedHash, storedResult) = try await connection.first(
                """
                SELECT operation, request_hash, result::text FROM idempotency_keys
                 WHERE clerk_id = \(actor.clerkID.rawValue) AND idempotency_key = \(key)
                """, as: (String, Data, String).self, logger: logger)
            else { throw TongkaError(.serviceUnavailable, detail: "idempotency record vanished, retry") }
            guard storedOperation == operation, storedHash == requestHash else {
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
             WHERE clerk_id = \(actor.clerkID.rawValue) AND idempotency_key = \(key)
            """, logger: logger)
        return Outcome(result: result, replayed: false)
    }

    static func requestDigest<Request: Encodable>(operation: String, request: Request) throws -> Data {
        var data = Data(operation.utf8)
        data.append(0)
        data.append(try JSONEncoder.sorted.encode(request))
        return Data(SHA256Digest.of(data))
    }
}
