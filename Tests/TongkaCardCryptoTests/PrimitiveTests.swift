import Testing

@testable import TongkaCardCrypto

@Suite("Hex, ciphers, MACs and key hygiene")
struct PrimitiveTests {
    @Test("Hex decodes either case and encodes upper case")
    func hexRoundTrip() throws {
        #expect(try Hex.decode("0aFf10", field: "x") == [0x0A, 0xFF, 0x10])
        #expect(Hex.encode([0x0A, 0xFF, 0x10]) == "0AFF10")
        #expect(try Hex.decode("", field: "x") == [])
    }

    @Test("Hex refuses odd length and non-hex characters without echoing the text")
    func hexIsStrict() {
        #expect(cryptoError { _ = try Hex.decode("ABC", field: "k") } == .badHex(field: "k", problem: .oddLength(3)))
        #expect(
            cryptoError { _ = try Hex.decode("ABG0F1", field: "k") } == .badHex(field: "k", problem: .invalidCharacter(offset: 2))
        )
        #expect(
            cryptoError { _ = try Hex.decode("0x12", field: "k") } == .badHex(field: "k", problem: .invalidCharacter(offset: 1)))
        let secret = "00112233445566778899AABBCCDDEEFZ"
        let error = cryptoError { _ = try SecretKey(hex: secret, field: "DLK") }
        #expect(error == .badHex(field: "DLK", problem: .invalidCharacter(offset: 31)))
        #expect(error?.description.contains("0011223344") == false)
    }

    @Test("Ciphers refuse wrong key lengths with a typed error")
    func wrongKeyLengths() {
        let block8 = [UInt8](repeating: 0, count: 8), block16 = [UInt8](repeating: 0, count: 16)
        #expect(
            cryptoError { _ = try CardCipher.tripleDESEncrypt(block8, key: key("0011223344556677")) }
                == .wrongKeyLength(expected: [16], actual: 8))
        #expect(
            cryptoError { _ = try CardCipher.desEncrypt(block8, key: key("00112233445566778899AABBCCDDEEFF")) }
                == .wrongKeyLength(expected: [8], actual: 16))
        #expect(
            cryptoError { _ = try CardCipher.sm4Encrypt(block16, key: key("0011223344556677")) }
                == .wrongKeyLength(expected: [16], actual: 8))
        #expect(
            cryptoError { _ = try CardMAC.pboc(block8, key: key("00112233445566778899AABBCCDDEEFF")) }
                == .wrongKeyLength(expected: [8], actual: 16))
        #expect(
            cryptoError { _ = try CardMAC.retail(block8, key: key("0011223344556677")) }
                == .wrongKeyLength(expected: [16], actual: 8))
        #expect(
            cryptoError { _ = try KeyDiversification.diversify(key("00"), algorithm: .sm4, data: block8) }
                == .wrongKeyLength(expected: [16], actual: 1))
    }

    @Test("Ciphers refuse data that is not whole blocks, and wrong IV lengths")
    func wrongDataLengths() {
        let k16 = key("00112233445566778899AABBCCDDEEFF")
        #expect(
            cryptoError { _ = try CardCipher.tripleDESEncrypt([1, 2, 3, 4, 5, 6, 7], key: k16) }
                == .wrongDataLength(field: "cipher input", expected: "a non-empty multiple of 8", actual: 7))
        #expect(cryptoError { _ = try CardCipher.tripleDESEncrypt([], key: k16) } != nil)
        #expect(
            cryptoError { _ = try CardCipher.sm4Encrypt([UInt8](repeating: 0, count: 8), key: k16) }
                == .wrongDataLength(field: "cipher input", expected: "a non-empty multiple of 16", actual: 8))
        #expect(
            cryptoError { _ = try CardMAC.retail([1], key: k16, initialVector: [0, 0, 0, 0]) }
                == .wrongDataLength(field: "initial vector", expected: "8", actual: 4))
        #expect(
            cryptoError { _ = try KeyDiversification.diversify(k16, algorithm: .tripleDES, data: [1, 2, 3]) }
                == .wrongDataLength(field: "diversification data", expected: "8", actual: 3))
        #expect(
            cryptoError { _ = try PurseCrypto.sessionKey(cardKey: k16, algorithm: .tripleDES, input: [1]) }
                == .wrongDataLength(field: "session key input", expected: "8", actual: 1))
    }

    @Test("Padding appends 80 00.. and a whole block when the data is aligned")
    func paddingMethod2() {
        #expect(CardMAC.pad([]) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(CardMAC.pad([1, 2, 3]) == [1, 2, 3, 0x80, 0, 0, 0, 0])
        #expect(CardMAC.pad([UInt8](repeating: 7, count: 8)) == [UInt8](repeating: 7, count: 8) + [0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(CardMAC.pad([1], blockSize: 16).count == 16)
    }

    @Test("A MAC with an initial vector equals the zero-IV MAC of data whose first block is XORed with it")
    func initialVectorChainsIntoFirstBlock() throws {
        let iv = bytes("1122334400000000")
        let message = bytes("0102030405060708")
        var xored = message
        for i in 0..<8 { xored[i] ^= iv[i] }
        let k16 = key("5775204D69616F6A756E404726444311")
        #expect(try CardMAC.retail(message, key: k16, initialVector: iv) == CardMAC.retail(xored, key: k16))
        let k8 = key("9B1D924E05595603")
        #expect(try CardMAC.desCBCMAC(message, key: k8, initialVector: iv) == CardMAC.desCBCMAC(xored, key: k8))
    }

    @Test("The retail MAC equals single-DES CBC then a final 3DES block, computed step by step")
    func retailMACMatchesDefinition() throws {
        let k16 = key("0123456789ABCDEFFEDCBA9876543210")
        let data = Array("twenty bytes of data".utf8)
        let padded = CardMAC.pad(data)
        let left = key("0123456789ABCDEF")
        var chain = [UInt8](repeating: 0, count: 8)
        for start in stride(from: 0, to: padded.count - 8, by: 8) {
            chain = try CardCipher.desEncrypt(CardMAC.xor(Array(padded[start..<start + 8]), chain), key: left)
        }
        let last = CardMAC.xor(Array(padded[(padded.count - 8)...]), chain)
        let expected = try CardCipher.tripleDESEncrypt(last, key: k16)
        #expect(try CardMAC.retail(data, key: k16) == expected)
    }

    @Test("Constant-time comparison distinguishes one flipped bit and different lengths")
    func constantTimeComparison() {
        #expect(CardMAC.constantTimeEquals([1, 2, 3, 4], [1, 2, 3, 4]))
        #expect(!CardMAC.constantTimeEquals([1, 2, 3, 4], [1, 2, 3, 5]))
        #expect(!CardMAC.constantTimeEquals([1, 2, 3, 4], [1, 2, 3]))
        #expect(key("0011").constantTimeEquals(key("0011")))
        #expect(!key("0011").constantTimeEquals(key("0012")))
    }

    @Test("Keys print, debug-print, reflect and dump as <redacted>")
    func keysAreRedacted() {
        let k = key("00112233445566778899AABBCCDDEEFF")
        #expect(k.description == "<redacted>")
        #expect(String(describing: k) == "<redacted>")
        #expect(String(reflecting: k) == "<redacted>")
        #expect("\(k)" == "<redacted>")
        var dumped = ""
        dump(k, to: &dumped)
        #expect(!dumped.contains("0011"))
        #expect(!dumped.contains("17"))  // 0x11 as a decimal byte
        #expect(Mirror(reflecting: k).children.isEmpty)
    }

    @Test("A key store describes itself by references only")
    func keyStoreIsRedacted() throws {
        let store = try makeStore()
        var dumped = ""
        dump(store, to: &dumped)
        for text in [store.description, String(reflecting: store), dumped] {
            #expect(!text.contains("1111111111111111"))
            #expect(!text.contains("21212121"))
            #expect(text.contains("DLK v1 3DES") || text.contains("DLK"))
        }
    }

    @Test("Random keys come from the CSPRNG and differ")
    func randomKeys() throws {
        let a = try SecretKey.random(count: 16), b = try SecretKey.random(count: 16)
        #expect(a.count == 16)
        #expect(!a.constantTimeEquals(b))
        #expect(cryptoError { _ = try SecretKey.random(count: 0) } != nil)
    }

    @Test("Wiping an array zeroes its storage")
    func wipeZeroes() {
        var secret: [UInt8] = [1, 2, 3, 4]
        SecretKey.wipe(&secret)
        #expect(secret == [0, 0, 0, 0])
        var source: [UInt8] = [9, 9]
        let k = SecretKey(wiping: &source)
        #expect(source.isEmpty)
        #expect(k.count == 2)
    }

    @Test("Key check values are the first 3 bytes of a zero block's encryption")
    func keyCheckValue() throws {
        let k = key("0123456789ABCDEFFEDCBA9876543210")
        #expect(
            try KeyCheckValue.compute(k, algorithm: .tripleDES)
                == Array(CardCipher.tripleDESEncrypt([UInt8](repeating: 0, count: 8), key: k).prefix(3)))
        #expect(
            try KeyCheckValue.compute(k, algorithm: .sm4)
                == Array(CardCipher.sm4Encrypt([UInt8](repeating: 0, count: 16), key: k).prefix(3)))
    }
}

@Suite("Card values: identity, dates, responses")
struct CardValueTests {
    @Test("The 19-digit card number is the BCD serial without its leading 0")
    func cardNumberMapping() throws {
        let card = try testCard("3104820000170907984")
        #expect(Hex.encode(card.applicationSerial) == "03104820000170907984")
        #expect(card.cardNumber == "3104820000170907984")
        #expect(Hex.encode(card.diversificationData) == "4820000170907984")
    }

    @Test(
        "Card numbers and serials are validated",
        arguments: ["310482000017090798", "31048200001709079845", "310482000017090798A", ""])
    func badCardNumbers(_ number: String) {
        #expect(cryptoError { _ = try CardIdentity(cardNumber: number, issuerID: testIssuerID) } != nil)
    }

    @Test("A serial must be BCD with a leading 0 and the issuer id 8 bytes")
    func badSerials() {
        #expect(
            cryptoError { _ = try CardIdentity(issuerID: testIssuerID, applicationSerial: bytes("1310482000017090798A")) } != nil)
        #expect(
            cryptoError { _ = try CardIdentity(issuerID: testIssuerID, applicationSerial: bytes("13104820000170907984")) }
                == .invalidValue(field: "application serial", reason: "leading digit must be 0"))
        #expect(
            cryptoError { _ = try CardIdentity(issuerID: [1, 2], applicationSerial: bytes("03104820000170907984")) }
                == .wrongDataLength(field: "issuer id", expected: "8", actual: 2))
    }

    @Test("Dates are checked against the calendar and times against the clock")
    func dateValidation() throws {
        #expect(try TransactionDateTime(yyyymmdd: "20240229", hhmmss: "235959").bytes == bytes("20240229235959"))
        #expect(cryptoError { _ = try TransactionDateTime(yyyymmdd: "20230229", hhmmss: "000000") } != nil)
        #expect(cryptoError { _ = try TransactionDateTime(yyyymmdd: "19000229", hhmmss: "000000") } != nil)
        #expect(try TransactionDateTime(yyyymmdd: "20000229", hhmmss: "000000").dateString == "20000229")
        #expect(cryptoError { _ = try TransactionDateTime(yyyymmdd: "20241301", hhmmss: "000000") } != nil)
        #expect(cryptoError { _ = try TransactionDateTime(yyyymmdd: "20240101", hhmmss: "240000") } != nil)
        #expect(cryptoError { _ = try TransactionDateTime(bcd: bytes("2024010112000A")) } != nil)
        #expect(cryptoError { _ = try TransactionDateTime(bcd: bytes("202401011200")) } != nil)
    }

    @Test("Responses and records parse only at their exact lengths and round-trip")
    func responseParsing() throws {
        let load = bytes("00000064000501001122334455667788")
        let parsed = try InitializeForLoadResponse(data: load)
        #expect(parsed.oldBalance == 100 && parsed.onlineSerial == 5 && parsed.keyVersion == 1 && parsed.algorithmID == 0)
        #expect(parsed.bytes == load)
        #expect(cryptoError { _ = try InitializeForLoadResponse(data: Array(load.dropLast())) } != nil)
        let purchase = bytes("000000640007000000010011223344")
        #expect(try InitializeForPurchaseResponse(data: purchase).bytes == purchase)
        #expect(cryptoError { _ = try InitializeForPurchaseResponse(data: purchase + [0]) } != nil)
        let record = bytes("0007000000000000640600112233445520240101120000")
        #expect(try PurseTransactionRecord(bytes: record).bytes == record)
        #expect(cryptoError { _ = try PurseTransactionRecord(bytes: Array(record.dropLast())) } != nil)
        #expect(
            cryptoError { _ = try TerminalNumber(hex: "0011") }
                == .wrongDataLength(field: "terminal number", expected: "6", actual: 2))
    }
}
