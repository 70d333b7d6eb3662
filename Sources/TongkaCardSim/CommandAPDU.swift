import TongkaCardTerminal

/// A parsed short command APDU (ISO 7816-4 cases 1-4; extended length is not supported).
struct CommandAPDU {
    let cla: UInt8
    let ins: UInt8
    let p1: UInt8
    let p2: UInt8
    let data: [UInt8]
    /// Le as sent (0 means 256); nil when absent.
    let le: Int?

    /// Nil when the length bytes are inconsistent (the card answers 6700).
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 4 else { return nil }
        cla = bytes[0]; ins = bytes[1]; p1 = bytes[2]; p2 = bytes[3]
        switch bytes.count {
        case 4:
            data = []; le = nil
        case 5:
            data = []; le = Int(bytes[4])
        default:
            let lc = Int(bytes[4])
            guard lc > 0 else { return nil }
            if bytes.count == 5 + lc {
                data = Array(bytes[5...]); le = nil
            } else if bytes.count == 6 + lc {
                data = Array(bytes[5..<(5 + lc)]); le = Int(bytes[5 + lc])
            } else {
                return nil
            }
        }
    }
}
