import COpenSSL

/// Key bytes owned by one heap buffer that is wiped with `OPENSSL_cleanse` when the last
/// reference goes away.
///
/// Swift arrays may be copied behind our back (copy-on-write, reallocation), so key bytes live
/// here instead; the initialisers that take an array wipe that array's storage after copying.
/// The type never prints its bytes: `description`, `debugDescription` and its mirror show
/// `<redacted>`. It is immutable after `init`, which is why sharing it across tasks is safe.
public final class SecretKey: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let pointer: UnsafeMutableRawPointer
    /// Number of key bytes.
    public let count: Int

    /// Copies `bytes` into the key buffer, then wipes the caller's array storage.
    public init(wiping bytes: inout [UInt8]) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        bytes.withUnsafeMutableBytes { source in
            if let base = source.baseAddress, !source.isEmpty {
                pointer.copyMemory(from: base, byteCount: source.count)
                OPENSSL_cleanse(base, source.count)
            }
        }
        bytes.removeAll()
    }

    /// Copies `bytes` (for non-secret or test inputs; prefer `init(wiping:)` for real key material).
    public convenience init(bytes: [UInt8]) {
        var copy = bytes
        self.init(wiping: &copy)
    }

    /// Parses a key written as hex; `field` names it in errors (the text is never echoed).
    public convenience init(hex: String, field: String = "key") throws(CardCryptoError) {
        var bytes = try Hex.decode(hex, field: field)
        self.init(wiping: &bytes)
    }

    /// A fresh key of `count` random bytes from OpenSSL's CSPRNG (`RAND_bytes`).
    public static func random(count: Int) throws(CardCryptoError) -> SecretKey {
        guard count > 0 else { throw .wrongKeyLength(expected: [16], actual: count) }
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBytes { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1
        }
        guard ok else {
            SecretKey.wipe(&bytes)
            throw .openSSL(operation: "RAND_bytes")
        }
        return SecretKey(wiping: &bytes)
    }

    deinit {
        OPENSSL_cleanse(pointer, max(count, 1))
        pointer.deallocate()
    }

    /// Gives `body` read access to the key bytes. Do not copy them out of the closure: this is
    /// the one way to the bytes, kept for cipher calls, key stores and card personalisation.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Constant-time comparison of two keys (length first, then `CRYPTO_memcmp`).
    public func constantTimeEquals(_ other: SecretKey) -> Bool {
        guard count == other.count else { return false }
        guard count > 0 else { return true }
        return other.withUnsafeBytes { otherBytes in
            CRYPTO_memcmp(pointer, otherBytes.baseAddress, count) == 0
        }
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
    /// A mirror with no children, so `dump` and reflection show nothing of the bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }

    // MARK: internal helpers

    /// The key's bytes as an array, for internal composition (e.g. K||K||K); callers must wipe it.
    func copyBytes() -> [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// A new key made of bytes `range` of this one.
    func slice(_ range: Range<Int>) -> SecretKey {
        var bytes = withUnsafeBytes { Array($0[range]) }
        return SecretKey(wiping: &bytes)
    }
}

extension SecretKey {
    /// Overwrites an array's storage with zeros via `OPENSSL_cleanse` (best effort: Swift may
    /// have made copies earlier). Use it on intermediate arrays that held key material.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty {
                OPENSSL_cleanse(base, buffer.count)
            }
        }
    }
}
