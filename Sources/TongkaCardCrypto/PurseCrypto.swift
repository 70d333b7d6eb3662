/// How the purse session rules treat SM4 keys. The 3DES rules are public (domain.md section 4);
/// the SM4 ones are not, so the host refuses SM4 purse sessions unless this says otherwise.
public enum SM4PurseRules: String, Sendable, Hashable, CaseIterable {
    /// Refuse SM4 purse sessions with `CardCryptoError.unsupportedPurseAlgorithm` (default).
    case refuse = "refuse"
    /// Use the rules assumed in `PurseCrypto` (16-byte session key, SM4 CBC-MAC). Not confirmed
    /// publicly: a wrong assumption fails closed (MAC1 does not verify, no MAC2 is issued).
    case assumedV1 = "assumed-v1"
}

/// Algorithm-level purse primitives: session key, 4-byte MAC, TAC key and secure-messaging MAC,
/// for 3DES (public PBOC rules) and SM4 (assumed rules, see each function). They take already
/// assembled data; the byte layouts of each message are in `PurseLayouts`.
public enum PurseCrypto {
    /// Session key from a card key and the 8-byte session input (`PurseLayouts.*SessionInput`).
    /// - 3DES: `SES = 3DES(DK, input)`, an 8-byte single-DES key (public PBOC rule).
    /// - SM4 (assumed): `SES = SM4(DK, input || 80 00 00 00 00 00 00 00)`, a 16-byte key; the
    ///   input is padded to one SM4 block with ISO 9797-1 padding method 2.
    public static func sessionKey(
        cardKey: SecretKey, algorithm: KeyAlgorithm, input: [UInt8]
    ) throws(CardCryptoError) -> SecretKey {
        guard input.count == 8 else {
            throw .wrongDataLength(field: "session key input", expected: "8", actual: input.count)
        }
        var key: [UInt8]
        switch algorithm {
        case .tripleDES:
            key = try CardCipher.tripleDESEncrypt(input, key: cardKey)
        case .sm4:
            key = try CardCipher.sm4Encrypt(CardMAC.pad(input, blockSize: 16), key: cardKey)
        }
        return SecretKey(wiping: &key)
    }

    /// The 4-byte purse MAC (MAC1, MAC2, TAC) under a session key or TAC key.
    /// - 3DES: `CardMAC.pboc` (single DES, 8-byte key, IV zero).
    /// - SM4 (assumed): leftmost 4 bytes of `CardMAC.sm4CBCMAC` (16-byte key, IV zero).
    public static func mac(_ data: [UInt8], key: SecretKey, algorithm: KeyAlgorithm) throws(CardCryptoError) -> [UInt8] {
        switch algorithm {
        case .tripleDES:
            return try CardMAC.pboc(data, key: key)
        case .sm4:
            return Array(try CardMAC.sm4CBCMAC(data, key: key).prefix(4))
        }
    }

    /// The TAC key from the card's diversified TAC key DTK.
    /// - 3DES: `DTK_L xor DTK_R`, an 8-byte single-DES key (public PBOC rule).
    /// - SM4 (assumed): DTK itself (SM4 needs 16 bytes, so there is nothing to fold).
    public static func tacKey(from dtk: SecretKey, algorithm: KeyAlgorithm) throws(CardCryptoError) -> SecretKey {
        guard dtk.count == 16 else { throw .wrongKeyLength(expected: [16], actual: dtk.count) }
        switch algorithm {
        case .tripleDES:
            var folded = dtk.withUnsafeBytes { raw in (0..<8).map { raw[$0] ^ raw[$0 + 8] } }
            return SecretKey(wiping: &folded)
        case .sm4:
            var bytes = dtk.copyBytes()
            return SecretKey(wiping: &bytes)
        }
    }

    /// The 4-byte secure-messaging MAC of a maintenance command (APPLICATION BLOCK / UNBLOCK),
    /// with the card's diversified application maintenance key DAMK and the card challenge.
    /// - 3DES (common PBOC layout): leftmost 4 bytes of the ISO 9797-1 algorithm 3 (retail) MAC
    ///   with the 16-byte DAMK, IV = challenge padded with `00` to 8 bytes.
    /// - SM4 (assumed): leftmost 4 bytes of the SM4 CBC-MAC, IV = challenge padded with `00` to 16.
    /// `data` is `PurseLayouts.secureMessagingData`; `challenge` is the 4 (or 8) bytes of GET CHALLENGE.
    public static func secureMessagingMAC(
        _ data: [UInt8], maintenanceKey: SecretKey, algorithm: KeyAlgorithm,
        challenge: [UInt8]
    ) throws(CardCryptoError) -> [UInt8] {
        guard challenge.count == 4 || challenge.count == 8 else {
            throw .wrongDataLength(field: "card challenge", expected: "4 or 8", actual: challenge.count)
        }
        switch algorithm {
        case .tripleDES:
            let iv = challenge + [UInt8](repeating: 0, count: 8 - challenge.count)
            return Array(try CardMAC.retail(data, key: maintenanceKey, initialVector: iv).prefix(4))
        case .sm4:
            let iv = challenge + [UInt8](repeating: 0, count: 16 - challenge.count)
            return Array(try CardMAC.sm4CBCMAC(data, key: maintenanceKey, initialVector: iv).prefix(4))
        }
    }
}

/// The byte layouts of every purse message, in one place (domain.md section 4). Amounts are 4-byte
/// big-endian fen, serials 2-byte big-endian, terminal 6 bytes, date-time 7 BCD bytes.
public enum PurseLayouts {
    /// `random(4) || onlineSerial(2) || 80 00` (load session key input).
    public static func loadSessionInput(random: [UInt8], onlineSerial: UInt16) throws(CardCryptoError) -> [UInt8] {
        try check(random, "card random", 4)
        return random + BigEndian.bytes(onlineSerial) + [0x80, 0x00]
    }

    /// `oldBalance(4) || amount(4) || 02 || terminal(6)` (load MAC1 data).
    public static func loadMAC1Data(oldBalance: UInt32, amount: UInt32, terminal: TerminalNumber) -> [UInt8] {
        BigEndian.bytes(oldBalance) + BigEndian.bytes(amount) + [TransactionType.load] + terminal.bytes
    }

    /// `amount(4) || 02 || terminal(6) || date(4) || time(3)` (load MAC2 data).
    public static func loadMAC2Data(amount: UInt32, terminal: TerminalNumber, dateTime: TransactionDateTime) -> [UInt8] {
        BigEndian.bytes(amount) + [TransactionType.load] + terminal.bytes + dateTime.bytes
    }

    /// Load TAC data — LAYOUT NOT CONFIRMED PUBLICLY (domain.md gives it as the common one):
    /// `newBalance(4) || onlineSerial(2) || amount(4) || 02 || terminal(6) || date(4) || time(3)`,
    /// where onlineSerial is the serial before the load (the one INITIALIZE FOR LOAD returned).
    /// Kept in this one function so a confirmed layout is a one-place change.
    public static func loadTACData(
        newBalance: UInt32, onlineSerial: UInt16, amount: UInt32,
        terminal: TerminalNumber, dateTime: TransactionDateTime
    ) -> [UInt8] {
        BigEndian.bytes(newBalance) + BigEndian.bytes(onlineSerial) + BigEndian.bytes(amount)
            + [TransactionType.load] + terminal.bytes + dateTime.bytes
    }

    /// `random(4) || offlineSerial(2) || terminalSerial bytes 2..3` (purchase session key input;
    /// the two low-order bytes of the 4-byte terminal transaction serial).
    public static func purchaseSessionInput(
        random: [UInt8], offlineSerial: UInt16, terminalSerial: UInt32
    ) throws(CardCryptoError) -> [UInt8] {
        try check(random, "card random", 4)
        return random + BigEndian.bytes(offlineSerial) + Array(BigEndian.bytes(terminalSerial)[2..<4])
    }

    /// `amount(4) || type(1) || terminal(6) || date(4) || time(3)` (purchase MAC1 data).
    public static func purchaseMAC1Data(
        amount: UInt32, transactionType: UInt8, terminal: TerminalNumber,
        dateTime: TransactionDateTime
    ) -> [UInt8] {
        BigEndian.bytes(amount) + [transactionType] + terminal.bytes + dateTime.bytes
    }

    /// `amount(4)` (purchase MAC2 data).
    public static func purchaseMAC2Data(amount: UInt32) -> [UInt8] {
        BigEndian.bytes(amount)
    }

    /// `amount(4) || type(1) || terminal(6) || terminalSerial(4) || date(4) || time(3)` (purchase TAC data).
    public static func purchaseTACData(
        amount: UInt32, transactionType: UInt8, terminal: TerminalNumber,
        terminalSerial: UInt32, dateTime: TransactionDateTime
    ) -> [UInt8] {
        BigEndian.bytes(amount) + [transactionType] + terminal.bytes + BigEndian.bytes(terminalSerial) + dateTime.bytes
    }

    /// Secure-messaging MAC input: the command header `CLA INS P1 P2 Lc` (Lc counting the 4 MAC
    /// bytes) followed by the command data without the MAC. For APPLICATION BLOCK that is
    /// `84 1E 00 P2 04`, for APPLICATION UNBLOCK `84 18 00 00 04`.
    public static func secureMessagingData(
        cla: UInt8, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = []
    ) throws(CardCryptoError) -> [UInt8] {
        guard data.count + 4 <= 255 else {
            throw .wrongDataLength(field: "secure messaging data", expected: "at most 251", actual: data.count)
        }
        return [cla, ins, p1, p2, UInt8(data.count + 4)] + data
    }

    static func check(_ bytes: [UInt8], _ field: String, _ count: Int) throws(CardCryptoError) {
        guard bytes.count == count else {
            throw .wrongDataLength(field: field, expected: "\(count)", actual: bytes.count)
        }
    }
}
