import Foundation
import Testing

@testable import TongkaCardCrypto

/// The documented example (docs/card-crypto.md), keys obviously fake.
let exampleKeyFile = """
    {
      "format": "tongka-card-keys",
      "formatVersion": 1,
      "comment": "EXAMPLE ONLY - fake keys",
      "issuerID": "01025510FFFFFFFF",
      "diversification": ["issuer", "card"],
      "algorithmIDs": {"00": "3DES", "04": "SM4"},
      "sm4PurseRules": "refuse",
      "keys": [
        {"name": "DLK",  "version": 1, "algorithm": "3DES", "key": "11111111111111112222222222222222"},
        {"name": "DPK",  "version": 1, "algorithm": "3DES", "key": "33333333333333334444444444444444"},
        {"name": "DTK",  "version": 1, "algorithm": "3DES", "key": "55555555555555556666666666666666"},
        {"name": "DAMK", "version": 1, "algorithm": "3DES", "key": "77777777777777778888888888888888"},
        {"name": "DLK",  "version": 1, "algorithm": "SM4",  "key": "0123456789ABCDEFFEDCBA9876543210", "kcv": "2677F4"}
      ]
    }
    """

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Key file: format, validation, generation, permissions")
struct KeyFileTests {
    /// Replaces `old` in the example and returns the parse error.
    private func errorAfterEditing(_ old: String, _ new: String) -> CardCryptoError? {
        #expect(exampleKeyFile.contains(old), "test edit must apply: \(old)")
        return cryptoError {
            _ = try MasterKeyStore.load(keyFileContents: exampleKeyFile.replacingOccurrences(of: old, with: new))
        }
    }

    @Test("The documented example loads with its configuration and key references")
    func exampleLoads() throws {
        let store = try MasterKeyStore.load(keyFileContents: exampleKeyFile)
        #expect(store.configuration.issuerID == bytes("01025510FFFFFFFF"))
        #expect(store.configuration.diversification == .issuerThenCard)
        #expect(store.configuration.sm4PurseRules == .refuse)
        #expect(store.configuration.algorithmIDs == [0x00: .tripleDES, 0x04: .sm4])
        #expect(store.keyReferences.count == 5)
        #expect(store.keyReferences.contains(KeyReference(name: "DLK", version: 1, algorithm: .sm4)))
    }

    @Test("Loading wipes the caller's buffer")
    func loadingWipesTheBuffer() throws {
        var buffer = Array(exampleKeyFile.utf8)
        _ = try MasterKeyStore.load(keyFileContents: &buffer)
        #expect(buffer.isEmpty || buffer.allSatisfy { $0 == 0 })
    }

    @Test(
        "Each kind of fault names its line and field and never the key",
        arguments: [
            ("\"formatVersion\": 1", "\"formatVersion\": 2", 3, "formatVersion"),
            ("\"tongka-card-keys\"", "\"other\"", 2, "format"),
            ("\"01025510FFFFFFFF\"", "\"01025510FFFF\"", 5, "issuerID"),
            ("[\"issuer\", \"card\"]", "[\"card\", \"issuer\"]", 6, "diversification"),
            ("[\"issuer\", \"card\"]", "[\"issuer\", \"city\"]", 6, "diversification[1]"),
            ("\"sm4PurseRules\": \"refuse\"", "\"sm4PurseRules\": \"maybe\"", 8, "sm4PurseRules"),
            ("\"key\": \"33333333333333334444444444444444\"", "\"key\": \"3333333333333333444444444444444G\"", 11, "keys[1].key"),
            ("\"key\": \"33333333333333334444444444444444\"", "\"key\": \"333333333333333344444444444444\"", 11, "keys[1].key"),
            ("\"key\": \"55555555555555556666666666666666\"", "\"key\": \"55555555555555555555555555555555\"", 12, "keys[2].key"),
            ("\"kcv\": \"2677F4\"", "\"kcv\": \"2677F5\"", 14, "keys[4].kcv"),
            ("\"name\": \"DAMK\"", "\"name\": \"damk\"", 13, "keys[3].name"),
            ("\"DTK\",  \"version\": 1", "\"DTK\",  \"version\": 300", 12, "keys[2].version"),
            (
                "\"DTK\",  \"version\": 1, \"algorithm\": \"3DES\"", "\"DTK\",  \"version\": 1, \"algorithm\": \"AES\"", 12,
                "keys[2].algorithm"
            ),
            (
                "\"DPK\",  \"version\": 1, \"algorithm\": \"3DES\"", "\"DLK\",  \"version\": 1, \"algorithm\": \"3DES\"", 11,
                "keys[1]"
            ),
            ("\"comment\": \"EXAMPLE ONLY - fake keys\",", "\"comment\": \"x\", \"extra\": true,", 4, "(top level)"),
            (
                "\"version\": 1, \"algorithm\": \"SM4\",  \"key\"",
                "\"version\": 1, \"algorithm\": \"SM4\",  \"key\": \"00\", \"key\"", 14, "(syntax)"
            ),
            ("\"keys\": [", "\"keys\": [,", 9, "(syntax)"),
        ] as [(String, String, Int, String)])
    func faultsAreLocated(_ old: String, _ new: String, _ line: Int, _ field: String) {
        let error = errorAfterEditing(old, new)
        guard case .keyFile(let errorLine, let errorField, _)? = error else {
            Issue.record("expected a key-file error, got \(String(describing: error))")
            return
        }
        #expect(errorLine == line)
        #expect(errorField == field)
        let text = error?.description ?? ""
        for secret in ["1111111111", "3333333333", "4444444444", "5555555555", "0123456789ABCDEF"] {
            #expect(!text.contains(secret))
        }
    }

    @Test("Missing members and wrong types are reported")
    func missingAndMistyped() {
        #expect(
            cryptoError { _ = try MasterKeyStore.load(keyFileContents: "{\"format\": \"tongka-card-keys\"}") }
                == .keyFile(line: 1, field: "(top level)", reason: "missing member \"diversification\""))
        #expect(
            cryptoError { _ = try MasterKeyStore.load(keyFileContents: "[]") }
                == .keyFile(line: 1, field: "(top level)", reason: "must be an object, found array"))
        #expect(
            cryptoError { _ = try MasterKeyStore.load(keyFileContents: "") }
                == .keyFile(line: 1, field: "(syntax)", reason: "unexpected end of input"))
        let floatVersion = exampleKeyFile.replacingOccurrences(of: "\"formatVersion\": 1", with: "\"formatVersion\": 1.0")
        #expect(
            cryptoError { _ = try MasterKeyStore.load(keyFileContents: floatVersion) }
                == .keyFile(line: 3, field: "(syntax)", reason: "only integers are allowed"))
        let noKeys = exampleKeyFile.replacingOccurrences(of: "\"keys\": [", with: "\"keys\": [], \"x\": [")
        #expect(cryptoError { _ = try MasterKeyStore.load(keyFileContents: noKeys) } != nil)
    }

    @Test("A misplaced key used as a member name is withheld from the message")
    func keyAsMemberNameIsWithheld() {
        let edited = exampleKeyFile.replacingOccurrences(of: "\"comment\":", with: "\"00112233445566778899AABBCCDDEEFF\":")
        let error = cryptoError { _ = try MasterKeyStore.load(keyFileContents: edited) }
        #expect(error == .keyFile(line: 4, field: "(top level)", reason: "unknown member (name withheld)"))
    }

    @Test("A generated key set loads, has four keys per algorithm with check values, and derives card keys")
    func generatedKeySetLoads() throws {
        let content = try MasterKeyStore.generateKeyFile(
            issuerID: testIssuerID, diversification: .issuerThenCard,
            algorithms: [.tripleDES, .sm4], version: 3, sm4PurseRules: .assumedV1)
        let store = try MasterKeyStore.load(keyFileContents: content)
        #expect(store.keyReferences.count == 8)
        #expect(store.configuration.sm4PurseRules == .assumedV1)
        #expect(content.components(separatedBy: "\"kcv\"").count == 9)
        let card = try testCard()
        let a = try store.deriveCardKey(KeyReference(name: "DLK", version: 3, algorithm: .tripleDES), for: card)
        #expect(a.count == 16)
        // Odd DES parity on every byte of the 3DES keys.
        for line in content.split(separator: "\n") where line.contains("\"3DES\"") {
            guard let range = line.range(of: "\"key\": \"") else { continue }
            let hex = String(line[range.upperBound...].prefix(32))
            #expect(bytes(hex).allSatisfy { $0.nonzeroBitCount % 2 == 1 })
        }
        let again = try MasterKeyStore.generateKeyFile(issuerID: testIssuerID, diversification: .cardOnly)
        #expect(again != content)
        #expect(
            cryptoError {
                _ = try MasterKeyStore.generateKeyFile(issuerID: testIssuerID, diversification: DiversificationChain([.issuer]))
            } != nil)
        #expect(cryptoError { _ = try MasterKeyStore.generateKeyFile(issuerID: [1], diversification: .cardOnly) } != nil)
    }

    @Test("The key file is written with mode 0600, never overwritten by default, and loads back")
    func writeAndLoadFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/keys.json"
        let content = try MasterKeyStore.generateKeyFile(issuerID: testIssuerID, diversification: .cardOnly)
        try MasterKeyStore.writeKeyFile(content, to: path)
        #expect(try AtomicFile.permissions(of: path) == 0o600)
        #expect(try MasterKeyStore.load(fromFile: path).keyReferences.count == 4)
        guard case .fileSystem(_, _, let code)? = cryptoError({ try MasterKeyStore.writeKeyFile(content, to: path) }) else {
            Issue.record("expected EEXIST")
            return
        }
        #expect(code == EEXIST)
        try MasterKeyStore.writeKeyFile(content, to: path, overwrite: true)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(leftovers == ["keys.json"])
    }

    @Test("A key file readable by group or others is refused unless explicitly allowed")
    func permissiveFileIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/keys.json"
        try AtomicFile.write(Array(exampleKeyFile.utf8), to: path, mode: 0o644)
        guard case .keyFile(nil, "file permissions", _)? = cryptoError({ _ = try MasterKeyStore.load(fromFile: path) }) else {
            Issue.record("expected a permissions error")
            return
        }
        #expect(try MasterKeyStore.load(fromFile: path, requireOwnerOnly: false).keyReferences.count == 5)
        #expect(cryptoError { _ = try MasterKeyStore.load(fromFile: directory + "/missing.json") } != nil)
    }

    @Test("The key set can come from an environment variable")
    func environmentVariable() throws {
        let name = "TONGKA_CARD_KEYS_TEST_\(UInt32.random(in: 0...UInt32.max))"
        setenv(name, exampleKeyFile, 1)
        defer { unsetenv(name) }
        #expect(try MasterKeyStore.load(fromEnvironmentVariable: name).keyReferences.count == 5)
        #expect(
            cryptoError { _ = try MasterKeyStore.load(fromEnvironmentVariable: name + "_UNSET") }
                == .keyFile(line: nil, field: name + "_UNSET", reason: "environment variable is not set"))
    }
}
