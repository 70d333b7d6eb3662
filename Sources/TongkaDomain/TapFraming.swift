/// The frame the binary tap batch (`TKTP`) and its answer (`TKTA`) share: a 4-byte magic, a
/// version, a reserved 0 byte, a 2-byte count, the records, and the CRC-32 of everything before
/// it, all big-endian (docs/tap-upload-format.md).
enum TapFraming {
    /// The header of `count` records.
    static func header(magic: [UInt8], version: UInt8, count: Int) -> [UInt8] {
        magic + [version, 0, UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
    }

    /// Appends the CRC-32 of `out`.
    static func seal(_ out: inout [UInt8]) {
        let crc = CRC32.checksum(out)
        out += [
            UInt8(truncatingIfNeeded: crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8),
            UInt8(truncatingIfNeeded: crc),
        ]
    }

    /// The count in a checked frame and where its CRC starts; refused through `refuse` (offset,
    /// problem) when the frame is short, of another kind (`kind` names it: "a tap batch (magic
    /// TKTP)") or version, or its CRC does not match.
    static func open(
        _ bytes: [UInt8], magic: [UInt8], version: UInt8, kind: String, refuse: (Int, String) -> TongkaError
    ) throws(TongkaError) -> (count: Int, body: Int) {
        guard bytes.count >= 8 + 4 else { throw refuse(bytes.count, "shorter than a header and a CRC") }
        guard Array(bytes[0..<4]) == magic else { throw refuse(0, "not \(kind)") }
        guard bytes[4] == version else { throw refuse(4, "version \(bytes[4]), this server reads version \(version)") }
        guard bytes[5] == 0 else { throw refuse(5, "the reserved byte is not 0") }
        let body = bytes.count - 4
        let stored = bytes[body..<bytes.count].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard CRC32.checksum(bytes[0..<body]) == stored else { throw refuse(body, "the CRC-32 does not match") }
        return (Int(bytes[6]) << 8 | Int(bytes[7]), body)
    }
}
