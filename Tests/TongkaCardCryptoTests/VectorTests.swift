import Testing

@testable import TongkaCardCrypto

@Suite("Published and regression vectors from epurse.json")
struct VectorTests {
    @Test("epurse.json holds exactly V1-V11 and S1-S2")
    func vectorFileIsComplete() throws {
        let ids = try EPurseVectorFile.load().vectors.map(\.id)
        #expect(ids == ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "V11", "S1", "S2"])
    }

    @Test("Each vector reproduces its output with the module's functions", arguments: EPurseVectorFile.all)
    func vectorReproduces(_ vector: EPurseVector) throws {
        let data = try vector.dataBytes()
        let k = try SecretKey(hex: vector.key)
        let expected = try Hex.decode(vector.out, field: "out")
        switch vector.id {
        case "V1", "V4":
            // Load session key: rebuild the input from its fields, then derive.
            let input = try PurseLayouts.loadSessionInput(
                random: Array(data[0..<4]),
                onlineSerial: UInt16(data[4]) << 8 | UInt16(data[5]))
            #expect(input == data)
            let session = try PurseCrypto.sessionKey(cardKey: k, algorithm: .tripleDES, input: input)
            #expect(keyHex(session) == vector.out)
        case "V6":
            let terminalSerial = UInt32(data[6]) << 8 | UInt32(data[7])
            let input = try PurseLayouts.purchaseSessionInput(
                random: Array(data[0..<4]),
                offlineSerial: UInt16(data[4]) << 8 | UInt16(data[5]),
                terminalSerial: terminalSerial)
            #expect(input == data)
            let session = try PurseCrypto.sessionKey(cardKey: k, algorithm: .tripleDES, input: input)
            #expect(keyHex(session) == vector.out)
        case "V2", "V3", "V7", "V8":
            // V2/V3 use type 01 (passbook load), so only the MAC primitive applies to them.
            #expect(try CardMAC.pboc(data, key: k) == expected)
            #expect(try PurseCrypto.mac(data, key: k, algorithm: .tripleDES) == expected)
            if vector.id == "V7" {
                let rebuilt = PurseLayouts.purchaseMAC1Data(
                    amount: 0x1000, transactionType: TransactionType.purchase,
                    terminal: try TerminalNumber(hex: "001122334455"),
                    dateTime: try TransactionDateTime(yyyymmdd: "20120229", hhmmss: "135100"))
                #expect(rebuilt == data)
            }
            if vector.id == "V8" {
                #expect(PurseLayouts.purchaseMAC2Data(amount: 0x1000) == data)
            }
        case "V5":
            let rebuilt = PurseLayouts.loadMAC1Data(
                oldBalance: 0, amount: 0x1234, terminal: try TerminalNumber(hex: "000000000001"))
            #expect(rebuilt == data)
            #expect(try PurseCrypto.mac(rebuilt, key: k, algorithm: .tripleDES) == expected)
        case "V9":
            #expect(try CardCipher.tripleDESEncrypt(data, key: k) == expected)
            #expect(try CardCipher.tripleDESDecrypt(expected, key: k) == data)
        case "V10":
            #expect(try CardMAC.retail(data, key: k) == expected)
        case "V11":
            #expect(try CardCipher.sm4Encrypt(data, key: k) == expected)
            #expect(try CardCipher.sm4Decrypt(expected, key: k) == data)
        case "S1":
            #expect(keyHex(try KeyDiversification.diversify(k, algorithm: .tripleDES, data: data)) == vector.out)
        case "S2":
            #expect(keyHex(try KeyDiversification.diversify(k, algorithm: .sm4, data: data)) == vector.out)
        default:
            Issue.record("vector \(vector.id) has no check")
        }
    }

    @Test("Host verifies the real card's MAC1 of V4/V5 end to end through PurseHost")
    func hostVerifiesRealCardMAC1() throws {
        // The real card reported algorithm id 01 with a DLK whose halves are equal; an empty
        // chain makes the master key the card key, as in the published example.
        let configuration = try CardKeyConfiguration(
            issuerID: testIssuerID, diversification: DiversificationChain([]),
            algorithmIDs: [0x01: .tripleDES])
        let store = try MasterKeyStore(
            configuration: configuration,
            keys: [
                KeyReference(name: "DLK", version: 0, algorithm: .tripleDES): key("3F013F013F013F013F013F013F013F01")
            ])
        let response = try InitializeForLoadResponse(
            data: bytes("00000000000000 01F9CABA916C394D64".replacingOccurrences(of: " ", with: "")))
        #expect(response.algorithmID == 0x01)
        let host = PurseHost(keyStore: store)
        let authorization = try host.authorizeLoad(
            card: try testCard(), amount: 0x1234,
            terminal: try TerminalNumber(hex: "000000000001"),
            dateTime: try TransactionDateTime(yyyymmdd: "20240101", hhmmss: "120000"),
            response: response)
        #expect(authorization.newBalance == 0x1234)
        #expect(authorization.mac2.count == 4)
    }

    @Test("Single DES through K||K||K equals 3DES with equal halves")
    func singleDESMatchesDegenerateTripleDES() throws {
        let single = key("0123456789ABCDEF")
        let double = key("0123456789ABCDEF0123456789ABCDEF")
        let block = bytes("4E6F772069732074")
        #expect(try CardCipher.desEncrypt(block, key: single) == CardCipher.tripleDESEncrypt(block, key: double))
        #expect(try CardCipher.desDecrypt(CardCipher.desEncrypt(block, key: single), key: single) == block)
        // FIPS 81 / classic DES example: key 0123456789ABCDEF, "Now is t" -> 3FA40E8A984D4815.
        #expect(try CardCipher.desEncrypt(block, key: single) == bytes("3FA40E8A984D4815"))
    }
}
