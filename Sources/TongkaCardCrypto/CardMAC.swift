import COpenSSL

/// The MAC algorithms of the PBOC electronic purse (ISO 9797-1 with padding method 2).
public enum CardMAC {
    /// Pads with `80` then `00` up to a multiple of `blockSize`; an aligned input gets a whole
    /// extra block `80 00 .. 00` (ISO 9797-1 padding method 2, as PBOC requires).
    public static func pad(_ data: [UInt8], blockSize: Int = 8) -> [UInt8] {
        var out = data
        out.append(0x80)
        while out.count % blockSize != 0 { out.append(0x00) }
        return out
    }

    /// The 4-byte PBOC MAC: ISO 9797-1 MAC algorithm 1 with single DES (8-byte key), CBC with
    /// `initialVector` (default 8 zero bytes), padding method 2, leftmost 4 bytes of the last block.
    public static func pboc(_ data: [UInt8], key: SecretKey, initialVector: [UInt8]? = nil) throws(CardCryptoError) -> [UInt8] {
        Array(try desCBCMAC(data, key: key, initialVector: initialVector).prefix(4))
    }

    /// The full 8-byte result of ISO 9797-1 MAC algorithm 1 with single DES (see `pboc`).
    public static func desCBCMAC(
        _ data: [UInt8], key: SecretKey, initialVector: [UInt8]? = nil
    ) throws(CardCryptoError) -> [UInt8] {
        guard key.count == 8 else { throw .wrongKeyLength(expected: [8], actual: key.count) }
        let iv = try checkedIV(initialVector, blockSize: 8)
        let tripled = try CardCipher.tripledSingleDESKey(key)
        let context = try ECBContext(.desEDE3, key: tripled, encrypt: true)
        return try cbc(pad(data, blockSize: 8), iv: iv, blockSize: 8) { (block) throws(CardCryptoError) -> [UInt8] in
            try context.update(block)
        }
    }

    /// The 8-byte retail MAC: ISO 9797-1 MAC algorithm 3 with a 16-byte key KL||KR. Single-DES
    /// CBC with KL over all blocks, the last block finished as 3DES(KL,KR,KL); padding method 2;
    /// `initialVector` defaults to 8 zero bytes (PBOC secure messaging passes the card challenge).
    public static func retail(_ data: [UInt8], key: SecretKey, initialVector: [UInt8]? = nil) throws(CardCryptoError) -> [UInt8] {
        guard key.count == 16 else { throw .wrongKeyLength(expected: [16], actual: key.count) }
        let iv = try checkedIV(initialVector, blockSize: 8)
        let left = key.slice(0..<8)
        let single = try ECBContext(.desEDE3, key: try CardCipher.tripledSingleDESKey(left), encrypt: true)
        // DES_KL(DES^-1_KR(DES_KL(x))) is exactly two-key EDE, so the final step is one DES-EDE block.
        let final = try ECBContext(.desEDE, key: key, encrypt: true)
        let blocks = pad(data, blockSize: 8)
        var chain = iv
        var offset = 0
        while offset < blocks.count {
            let block = xor(Array(blocks[offset..<offset + 8]), chain)
            offset += 8
            chain = offset == blocks.count ? try final.update(block) : try single.update(block)
        }
        return chain
    }

    /// CBC-MAC with SM4 (16-byte key and block), padding method 2 to 16 bytes, `initialVector`
    /// default 16 zero bytes; returns the whole last 16-byte block. Used by the SM4 purse rules
    /// assumed in `PurseCrypto` (not publicly confirmed for T-Union).
    public static func sm4CBCMAC(
        _ data: [UInt8], key: SecretKey, initialVector: [UInt8]? = nil
    ) throws(CardCryptoError) -> [UInt8] {
        guard key.count == 16 else { throw .wrongKeyLength(expected: [16], actual: key.count) }
        let iv = try checkedIV(initialVector, blockSize: 16)
        let context = try ECBContext(.sm4, key: key, encrypt: true)
        return try cbc(pad(data, blockSize: 16), iv: iv, blockSize: 16) { (block) throws(CardCryptoError) -> [UInt8] in
            try context.update(block)
        }
    }

    /// Compares two MACs in constant time (for equal lengths); different lengths are unequal.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0
            }
        }
    }

    // MARK: helpers

    static func checkedIV(_ iv: [UInt8]?, blockSize: Int) throws(CardCryptoError) -> [UInt8] {
        guard let iv else { return [UInt8](repeating: 0, count: blockSize) }
        guard iv.count == blockSize else {
            throw .wrongDataLength(field: "initial vector", expected: "\(blockSize)", actual: iv.count)
        }
        return iv
    }

    static func cbc(
        _ padded: [UInt8], iv: [UInt8], blockSize: Int, encrypt: ([UInt8]) throws(CardCryptoError) -> [UInt8]
    ) throws(CardCryptoError) -> [UInt8] {
        var chain = iv
        var offset = 0
        while offset < padded.count {
            chain = try encrypt(xor(Array(padded[offset..<offset + blockSize]), chain))
            offset += blockSize
        }
        return chain
    }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var out = a
        for i in 0..<min(a.count, b.count) { out[i] = a[i] ^ b[i] }
        return out
    }
}
