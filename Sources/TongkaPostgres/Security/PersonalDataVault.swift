import Crypto
import Foundation
import TongkaDomain

/// Encrypts personal data (identity document numbers, phones) at rest with AES-256-GCM and computes
/// the keyed hash (HMAC-SHA256) used to find a holder by document without decrypting every row.
///
/// Both keys are derived with HKDF from one configured 32-byte secret (`TONGKA_DATA_KEY`), so an
/// operator manages one secret; the ciphertext carries a version byte so the scheme can change.
/// The field name and a binding (the holder's document hash) are the associated data: a phone
/// ciphertext cannot be passed off as a document number, nor one holder's data as another's.
public struct PersonalDataVault: Sendable {
    private let encryptionKey: SymmetricKey
    private let lookupKey: SymmetricKey
    static let version: UInt8 = 1

    public enum Field: String, Sendable {
        case documentNumber = "holder.document_number"
        case phone = "holder.phone"
    }

    /// - Parameter secret: 32 bytes from configuration.
    public init(secret: [UInt8]) throws(TongkaError) {
        guard secret.count == 32 else {
            throw TongkaError(.internalError, detail: "the personal-data key must be 32 bytes")
        }
        let master = SymmetricKey(data: secret)
        encryptionKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("tongka personal data encryption v1".utf8), outputByteCount: 32)
        lookupKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: master, info: Data("tongka personal data lookup v1".utf8), outputByteCount: 32)
    }

    /// A random key for a fresh installation or a test.
    public static func generateSecret() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    public func seal(_ plaintext: String, field: Field, binding: Data = Data()) throws -> Data {
        let box = try AES.GCM.seal(
            Data(plaintext.utf8), using: encryptionKey, authenticating: Self.associatedData(field, binding))
        guard let combined = box.combined else { throw TongkaError(.internalError, detail: "encryption failed") }
        return Data([Self.version]) + combined
    }

    public func open(_ ciphertext: Data, field: Field, binding: Data = Data()) throws -> String {
        guard ciphertext.first == Self.version else { throw TongkaError(.internalError, detail: "unknown ciphertext version") }
        let box = try AES.GCM.SealedBox(combined: Data(ciphertext.dropFirst()))
        let plaintext = try AES.GCM.open(box, using: encryptionKey, authenticating: Self.associatedData(field, binding))
        return String(decoding: plaintext, as: UTF8.self)
    }

    private static func associatedData(_ field: Field, _ binding: Data) -> Data {
        Data(field.rawValue.utf8) + Data([0]) + binding
    }

    /// The lookup hash of a document: equal documents give equal hashes, and without the key the
    /// hash does not reveal the number (resident ID numbers are guessable, so a plain hash would).
    public func lookupHash(_ document: IdentityDocument) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(document.lookupMaterial.utf8), using: lookupKey))
    }
}
