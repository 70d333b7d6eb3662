import COpenSSL

/// The three ECB block ciphers this module needs, fetched once from OpenSSL 3's default provider.
///
/// Fetching (`EVP_CIPHER_fetch`) once and reusing the handle avoids OpenSSL 3's implicit fetch on
/// every `EVP_EncryptInit_ex` call. Plain DES is not in the default provider, so single DES is
/// DES-EDE3 keyed with K||K||K (EDE with equal keys is single DES).
enum ECBCipher: Sendable {
    case desEDE3  // 24-byte key; used as single DES with K||K||K
    case desEDE  // 16-byte key, two-key 3DES
    case sm4  // 16-byte key, 16-byte block

    var keyLength: Int {
        switch self {
        case .desEDE3: return 24
        case .desEDE, .sm4: return 16
        }
    }

    var blockSize: Int {
        switch self {
        case .desEDE3, .desEDE: return 8
        case .sm4: return 16
        }
    }

    fileprivate var handle: FetchedCipher {
        switch self {
        case .desEDE3: return FetchedCipher.desEDE3
        case .desEDE: return FetchedCipher.desEDE
        case .sm4: return FetchedCipher.sm4
        }
    }
}

/// An `EVP_CIPHER*` fetched once; OpenSSL documents fetched algorithm objects as shareable between
/// threads (they are reference counted and never mutated by cipher operations).
private final class FetchedCipher: @unchecked Sendable {
    let pointer: OpaquePointer?
    let name: String

    init(_ name: String) {
        self.name = name
        self.pointer = EVP_CIPHER_fetch(nil, name, nil)
    }

    static let desEDE3 = FetchedCipher("DES-EDE3-ECB")
    static let desEDE = FetchedCipher("DES-EDE-ECB")
    static let sm4 = FetchedCipher("SM4-ECB")
}

/// One keyed ECB context with padding off. Blocks are processed one `update` at a time so CBC
/// chaining (for the MACs) can be done in Swift with a single key schedule.
/// `EVP_CIPHER_CTX_free` resets the context, which cleanses the expanded key.
final class ECBContext {
    private let context: OpaquePointer
    let cipher: ECBCipher

    init(_ cipher: ECBCipher, key: SecretKey, encrypt: Bool) throws(CardCryptoError) {
        guard key.count == cipher.keyLength else {
            throw .wrongKeyLength(expected: [cipher.keyLength], actual: key.count)
        }
        guard let evp = cipher.handle.pointer else {
            throw .openSSL(operation: "EVP_CIPHER_fetch \(cipher.handle.name)")
        }
        guard let context = EVP_CIPHER_CTX_new() else {
            throw .openSSL(operation: "EVP_CIPHER_CTX_new")
        }
        self.context = context
        self.cipher = cipher
        let initialised = key.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress else { return false }
            let keyPointer = base.assumingMemoryBound(to: UInt8.self)
            let status =
                encrypt
                ? EVP_EncryptInit_ex(context, evp, nil, keyPointer, nil)
                : EVP_DecryptInit_ex(context, evp, nil, keyPointer, nil)
            return status == 1
        }
        guard initialised, EVP_CIPHER_CTX_set_padding(context, 0) == 1 else {
            throw .openSSL(operation: "EVP cipher init \(cipher.handle.name)")
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Processes whole blocks; `data.count` must be a multiple of the block size (checked by callers).
    func update(_ data: [UInt8]) throws(CardCryptoError) -> [UInt8] {
        if data.isEmpty { return [] }
        var out = [UInt8](repeating: 0, count: data.count + cipher.blockSize)
        var written: Int32 = 0
        let ok = data.withUnsafeBufferPointer { input -> Bool in
            out.withUnsafeMutableBufferPointer { output -> Bool in
                guard let inBase = input.baseAddress, let outBase = output.baseAddress else { return false }
                return EVP_CipherUpdate(context, outBase, &written, inBase, Int32(input.count)) == 1
            }
        }
        guard ok, Int(written) == data.count else {
            throw .openSSL(operation: "EVP_CipherUpdate \(cipher.handle.name)")
        }
        out.removeLast(out.count - Int(written))
        return out
    }
}

/// Block-cipher primitives of the card scheme, ECB with padding off.
///
/// All functions check key and data lengths and throw `CardCryptoError` instead of trapping.
public enum CardCipher {
    /// Two-key 3DES (DES-EDE, key K1||K2) ECB encryption; `data` a non-empty multiple of 8 bytes.
    public static func tripleDESEncrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        try run(.desEDE, data: data, key: key, encrypt: true)
    }

    /// Two-key 3DES ECB decryption.
    public static func tripleDESDecrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        try run(.desEDE, data: data, key: key, encrypt: false)
    }

    /// Single DES ECB encryption with an 8-byte key (computed as DES-EDE3 with K||K||K).
    public static func desEncrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        let tripled = try tripledSingleDESKey(key)
        return try run(.desEDE3, data: data, key: tripled, encrypt: true)
    }

    /// Single DES ECB decryption with an 8-byte key.
    public static func desDecrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        let tripled = try tripledSingleDESKey(key)
        return try run(.desEDE3, data: data, key: tripled, encrypt: false)
    }

    /// SM4 ECB encryption (GB/T 32907); 16-byte key, `data` a non-empty multiple of 16 bytes.
    public static func sm4Encrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        try run(.sm4, data: data, key: key, encrypt: true)
    }

    /// SM4 ECB decryption.
    public static func sm4Decrypt(_ data: [UInt8], key: SecretKey) throws(CardCryptoError) -> [UInt8] {
        try run(.sm4, data: data, key: key, encrypt: false)
    }

    static func run(_ cipher: ECBCipher, data: [UInt8], key: SecretKey, encrypt: Bool) throws(CardCryptoError) -> [UInt8] {
        guard key.count == cipher.keyLength else {
            // Report the caller-visible key length (8 for single DES is checked before tripling).
            throw .wrongKeyLength(expected: [cipher.keyLength], actual: key.count)
        }
        guard !data.isEmpty, data.count % cipher.blockSize == 0 else {
            throw .wrongDataLength(
                field: "cipher input", expected: "a non-empty multiple of \(cipher.blockSize)", actual: data.count)
        }
        let context = try ECBContext(cipher, key: key, encrypt: encrypt)
        return try context.update(data)
    }

    /// K||K||K for an 8-byte single-DES key, as a wiped-on-release `SecretKey`.
    static func tripledSingleDESKey(_ key: SecretKey) throws(CardCryptoError) -> SecretKey {
        guard key.count == 8 else { throw .wrongKeyLength(expected: [8], actual: key.count) }
        var k = key.copyBytes()
        var tripled = k + k + k
        SecretKey.wipe(&k)
        return SecretKey(wiping: &tripled)
    }
}
