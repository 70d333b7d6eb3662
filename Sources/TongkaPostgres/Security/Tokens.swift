import Crypto
import Foundation

/// Bearer tokens: 32 random bytes, shown once to the client, stored only as their SHA-256.
public enum SessionToken {
    /// A new token, `tk_` followed by 43 base64url characters.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "tk_"
            + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// What the database stores and looks up.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Whether a string has the shape of a token (cheap rejection before any lookup).
    public static func isWellFormed(_ token: String) -> Bool {
        token.count == 46 && token.hasPrefix("tk_")
            && token.dropFirst(3).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// One-time passwords for new clerks and password resets: 14 characters from an alphabet without
/// look-alike characters, so a clerk can type what the admin reads out.
public enum OneTimePassword {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<14).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(body[0..<7]) + "-" + String(body[7...])
    }
}
