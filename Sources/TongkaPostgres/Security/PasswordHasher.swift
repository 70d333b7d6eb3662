import Crypto
import CryptoExtras
import Foundation
import NIOPosix

/// Hashes and verifies staff passwords with scrypt (swift-crypto's CryptoExtras).
///
/// Stored form: `scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>`, so the cost can be raised
/// later and old hashes still verify. The work runs on NIO's blocking thread pool: a 100 ms KDF on
/// a cooperative thread would stall every other request on a 2-core machine.
public struct PasswordHasher: Sendable {
    /// log2 of scrypt's N. 15 (32 MiB, about 0.1 s here) in production; tests configure less.
    public let logN: Int
    public let blockSize: Int
    public let parallelism: Int

    public static let production = PasswordHasher(logN: 15)

    public init(logN: Int, blockSize: Int = 8, parallelism: Int = 1) {
        self.logN = logN
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    public func hash(_ password: String) async throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let (logN, r, p) = (self.logN, blockSize, parallelism)
        let saltCopy = salt
        let derived = try await NIOThreadPool.singleton.runIfActive {
            try Self.derive(password, salt: saltCopy, logN: logN, r: r, p: p)
        }
        return "scrypt$\(logN)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` matches `stored`. Malformed stored hashes never match.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]),
            let p = Int(parts[3]), (1...20).contains(logN), (1...32).contains(r), (1...16).contains(p),
            let salt = Data(base64Encoded: parts[4]), (8...64).contains(salt.count),
            let expected = Data(base64Encoded: parts[5]), expected.count == 32
        else {
            // Malformed or out-of-range parameters never match, and never reach the KDF (impossible
            // parameters would trap inside it).
            return false
        }
        let derived = try await NIOThreadPool.singleton.runIfActive {
            try Self.derive(password, salt: [UInt8](salt), logN: logN, r: r, p: p)
        }
        // Constant-time comparison through HMAC equality is not needed for a KDF output; still,
        // compare every byte so timing says nothing about where a mismatch is.
        guard derived.count == expected.count else { return false }
        return zip(derived, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Hashes a throwaway password so that a login for an unknown user takes as long as one for a
    /// known user.
    public func burn() async {
        let zeros = Data(count: 32).base64EncodedString()
        _ = try? await verify("x", against: "scrypt$\(logN)$\(blockSize)$\(parallelism)$AAAAAAAAAAAAAAAAAAAAAA==$\(zeros)")
    }

    private static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN, blockSize: r,
            parallelism: p)
        return key.withUnsafeBytes { Array($0) }
    }
}
