#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Key check values, the usual way to compare keys without showing them.
public enum KeyCheckValue {
    /// The first 3 bytes of the key's encryption of an all-zero block (8 bytes for 3DES, 16 for SM4).
    public static func compute(_ key: SecretKey, algorithm: KeyAlgorithm) throws(CardCryptoError) -> [UInt8] {
        switch algorithm {
        case .tripleDES:
            return Array(try CardCipher.tripleDESEncrypt([UInt8](repeating: 0, count: 8), key: key).prefix(3))
        case .sm4:
            return Array(try CardCipher.sm4Encrypt([UInt8](repeating: 0, count: 16), key: key).prefix(3))
        }
    }
}

extension MasterKeyStore {
    /// Environment variable that may hold the whole key file content instead of a file.
    public static let environmentVariable = "TONGKA_CARD_KEYS"
    /// Value of the key file's `format` member.
    public static let keyFileFormat = "tongka-card-keys"
    /// The key file format version this code reads and writes.
    public static let keyFileFormatVersion = 1

    /// Parses key-file content (JSON, see docs/card-crypto.md) and wipes `contents` afterwards,
    /// whether parsing succeeded or not.
    public static func load(keyFileContents contents: inout [UInt8]) throws(CardCryptoError) -> MasterKeyStore {
        defer { SecretKey.wipe(&contents) }
        var parser = KeyFileParser(reader: JSONReader(contents))
        let result: MasterKeyStore
        do {
            result = try parser.parse()
        } catch {
            parser.wipe()
            throw error
        }
        parser.wipe()
        return result
    }

    /// Parses key-file content given as a string (a Swift string cannot be wiped; prefer the
    /// file or byte-array loaders where that matters).
    public static func load(keyFileContents contents: String) throws(CardCryptoError) -> MasterKeyStore {
        var bytes = Array(contents.utf8)
        return try load(keyFileContents: &bytes)
    }

    /// Reads and parses the key file at `path`. With `requireOwnerOnly` (the default) a file that
    /// its group or others may read or write is refused, as ssh does for private keys.
    public static func load(fromFile path: String, requireOwnerOnly: Bool = true) throws(CardCryptoError) -> MasterKeyStore {
        if requireOwnerOnly {
            let mode = try AtomicFile.permissions(of: path)
            guard mode & 0o077 == 0 else {
                throw .keyFile(
                    line: nil, field: "file permissions",
                    reason: "mode \(String(mode, radix: 8)) lets group or others access the key file; use chmod 600")
            }
        }
        var bytes = try AtomicFile.read(path, maxBytes: 1 << 20)
        return try load(keyFileContents: &bytes)
    }

    /// Parses the key-file content held by environment variable `name` (default `TONGKA_CARD_KEYS`).
    /// The process environment itself cannot be wiped; a file with mode 0600 is the better place.
    public static func load(
        fromEnvironmentVariable name: String = MasterKeyStore.environmentVariable
    ) throws(CardCryptoError) -> MasterKeyStore {
        guard let value = getenv(name) else {
            throw .keyFile(line: nil, field: name, reason: "environment variable is not set")
        }
        var bytes = Array(
            UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self), count: strlen(value)))
        return try load(keyFileContents: &bytes)
    }

    /// Generates a fresh key set (one DLK, DPK, DTK and DAMK per algorithm, all with `version`)
    /// from OpenSSL's CSPRNG and returns the key-file content. 3DES keys get odd DES parity and
    /// distinct halves. Write it with `writeKeyFile` (mode 0600); never log it.
    public static func generateKeyFile(
        issuerID: [UInt8], diversification: DiversificationChain,
        algorithms: [KeyAlgorithm] = [.tripleDES], version: UInt8 = 1,
        sm4PurseRules: SM4PurseRules = .refuse
    ) throws(CardCryptoError) -> String {
        guard issuerID.count == 8 else {
            throw .wrongDataLength(field: "issuer id", expected: "8", actual: issuerID.count)
        }
        if let problem = KeyFileParser.chainProblem(diversification.levels) {
            throw .invalidValue(field: "diversification", reason: problem)
        }
        guard !algorithms.isEmpty, Set(algorithms).count == algorithms.count else {
            throw .invalidValue(field: "algorithms", reason: "must list each algorithm at most once, at least one")
        }
        var lines: [String] = []
        for algorithm in algorithms {
            for name in KeyReference.purseKeyNames {
                let key = try freshKey(algorithm)
                let kcv = try KeyCheckValue.compute(key, algorithm: algorithm)
                let hex = key.withUnsafeBytes { Hex.encode($0) }
                lines.append(
                    "    {\"name\": \"\(name)\", \"version\": \(version), \"algorithm\": \"\(algorithm.rawValue)\", \"key\": \"\(hex)\", \"kcv\": \"\(Hex.encode(kcv))\"}"
                )
            }
        }
        let ids = CardKeyConfiguration.defaultAlgorithmIDs.sorted { $0.key < $1.key }
            .map { "\"\(Hex.encode([$0.key]))\": \"\($0.value.rawValue)\"" }.joined(separator: ", ")
        let chain = diversification.levels.map { "\"\($0.configName)\"" }.joined(separator: ", ")
        return """
            {
              "format": "\(keyFileFormat)",
              "formatVersion": \(keyFileFormatVersion),
              "comment": "Tongka master keys. Secret: keep mode 0600, never log, never commit.",
              "issuerID": "\(Hex.encode(issuerID))",
              "diversification": [\(chain)],
              "algorithmIDs": {\(ids)},
              "sm4PurseRules": "\(sm4PurseRules.rawValue)",
              "keys": [
            \(lines.joined(separator: ",\n"))
              ]
            }

            """
    }

    /// Writes key-file content atomically with mode 0600. Refuses to replace an existing file
    /// unless `overwrite` is true.
    public static func writeKeyFile(_ contents: String, to path: String, overwrite: Bool = false) throws(CardCryptoError) {
        var bytes = Array(contents.utf8)
        defer { SecretKey.wipe(&bytes) }
        try AtomicFile.write(bytes, to: path, mode: 0o600, overwrite: overwrite)
    }

    private static func freshKey(_ algorithm: KeyAlgorithm) throws(CardCryptoError) -> SecretKey {
        while true {
            let raw = try SecretKey.random(count: 16)
            guard algorithm == .tripleDES else { return raw }
            var bytes = raw.copyBytes()
            for i in bytes.indices {
                // Odd parity per DES convention: the low bit makes the number of 1 bits odd.
                let high = bytes[i] & 0xFE
                bytes[i] = high | (high.nonzeroBitCount % 2 == 0 ? 1 : 0)
            }
            if bytes[0..<8] != bytes[8..<16] {
                return SecretKey(wiping: &bytes)
            }
            SecretKey.wipe(&bytes)
        }
    }
}

/// Turns a parsed JSON tree into a `MasterKeyStore`, with the line and field of every fault.
struct KeyFileParser {
    var reader: JSONReader

    init(reader: JSONReader) {
        self.reader = reader
    }

    /// Drops the reader's reference to the input buffer, so that the caller's wipe of that
    /// buffer happens in place (a shared buffer would be copied on write and the copy wiped).
    mutating func wipe() {
        reader = JSONReader([])
    }

    static func chainProblem(_ levels: [DiversificationLevel]) -> String? {
        if levels.isEmpty { return "must list at least one level" }
        if levels.count > 4 { return "at most 4 levels" }
        if levels.last != .card { return "the last level must be \"card\" (otherwise all cards share one key)" }
        if levels.filter({ $0 == .card }).count > 1 { return "\"card\" may appear once" }
        if levels.filter({ $0 == .issuer }).count > 1 { return "\"issuer\" may appear once" }
        return nil
    }

    mutating func parse() throws(CardCryptoError) -> MasterKeyStore {
        let root: JSONNode
        do {
            root = try reader.parseDocument()
        } catch {
            throw .keyFile(line: error.line, field: "(syntax)", reason: error.reason)
        }
        let members = try object(
            root, path: "(top level)",
            required: ["format", "formatVersion", "issuerID", "diversification", "keys"],
            optional: ["comment", "algorithmIDs", "sm4PurseRules"])

        let format = try string(members["format"], path: "format")
        guard format.value == MasterKeyStore.keyFileFormat else {
            throw .keyFile(line: format.line, field: "format", reason: "must be \"\(MasterKeyStore.keyFileFormat)\"")
        }
        let version = try integer(members["formatVersion"], path: "formatVersion")
        guard version.value == MasterKeyStore.keyFileFormatVersion else {
            throw .keyFile(
                line: version.line, field: "formatVersion",
                reason: "unsupported version (this code reads \(MasterKeyStore.keyFileFormatVersion))")
        }
        if let comment = members["comment"] { _ = try string(comment, path: "comment") }

        let issuer = try hex(members["issuerID"], path: "issuerID")
        guard issuer.value.count == 8 else {
            throw .keyFile(line: issuer.line, field: "issuerID", reason: "must be 8 bytes (16 hex digits)")
        }

        let chain = try diversification(members["diversification"])
        let algorithmIDs = try algorithmIDMap(members["algorithmIDs"])
        var rules = SM4PurseRules.refuse
        if let node = members["sm4PurseRules"] {
            let text = try string(node, path: "sm4PurseRules")
            guard let parsed = SM4PurseRules(rawValue: text.value) else {
                throw .keyFile(line: text.line, field: "sm4PurseRules", reason: "must be \"refuse\" or \"assumed-v1\"")
            }
            rules = parsed
        }
        let keys = try keyEntries(members["keys"])
        let configuration = try CardKeyConfiguration(
            issuerID: issuer.value, diversification: chain,
            algorithmIDs: algorithmIDs, sm4PurseRules: rules)
        return try MasterKeyStore(configuration: configuration, keys: keys)
    }

    // MARK: sections

    private func diversification(_ node: JSONNode?) throws(CardCryptoError) -> DiversificationChain {
        guard let node, case .array(let items) = node.kind else {
            throw .keyFile(line: node?.line, field: "diversification", reason: "must be an array of level names")
        }
        var levels: [DiversificationLevel] = []
        for (index, item) in items.enumerated() {
            let path = "diversification[\(index)]"
            let text = try string(item, path: path)
            do {
                levels.append(try DiversificationLevel(configName: text.value))
            } catch {
                throw .keyFile(line: text.line, field: path, reason: "must be \"issuer\", \"card\" or \"fixed:<16 hex digits>\"")
            }
        }
        if let problem = KeyFileParser.chainProblem(levels) {
            throw .keyFile(line: node.line, field: "diversification", reason: problem)
        }
        return DiversificationChain(levels)
    }

    private func algorithmIDMap(_ node: JSONNode?) throws(CardCryptoError) -> [UInt8: KeyAlgorithm] {
        guard let node else { return CardKeyConfiguration.defaultAlgorithmIDs }
        guard case .object(let members) = node.kind else {
            throw .keyFile(line: node.line, field: "algorithmIDs", reason: "must be an object such as {\"00\": \"3DES\"}")
        }
        var map: [UInt8: KeyAlgorithm] = [:]
        for member in members {
            let path = "algorithmIDs"
            guard let id = try? Hex.decode(member.name, field: path), id.count == 1 else {
                throw .keyFile(line: member.node.line, field: path, reason: "member names must be one byte in hex, e.g. \"00\"")
            }
            let text = try string(member.node, path: "algorithmIDs.\(member.name)")
            guard let algorithm = KeyAlgorithm(rawValue: text.value) else {
                throw .keyFile(line: text.line, field: "algorithmIDs.\(member.name)", reason: "must be \"3DES\" or \"SM4\"")
            }
            guard map[id[0]] == nil else {
                throw .keyFile(line: text.line, field: "algorithmIDs.\(member.name)", reason: "id listed twice")
            }
            map[id[0]] = algorithm
        }
        return map
    }

    private func keyEntries(_ node: JSONNode?) throws(CardCryptoError) -> [KeyReference: SecretKey] {
        guard let node, case .array(let items) = node.kind else {
            throw .keyFile(line: node?.line, field: "keys", reason: "must be an array of key objects")
        }
        guard !items.isEmpty else {
            throw .keyFile(line: node.line, field: "keys", reason: "must hold at least one key")
        }
        var keys: [KeyReference: SecretKey] = [:]
        for (index, item) in items.enumerated() {
            let path = "keys[\(index)]"
            let members = try object(
                item, path: path, required: ["name", "version", "algorithm", "key"],
                optional: ["kcv", "comment"])
            let name = try string(members["name"], path: path + ".name")
            guard KeyFileParser.validKeyName(name.value) else {
                throw .keyFile(
                    line: name.line, field: path + ".name", reason: "must be 1-16 of A-Z, 0-9, _ starting with a letter")
            }
            let version = try integer(members["version"], path: path + ".version")
            guard let versionByte = UInt8(exactly: version.value) else {
                throw .keyFile(line: version.line, field: path + ".version", reason: "must be 0-255")
            }
            let algorithmText = try string(members["algorithm"], path: path + ".algorithm")
            guard let algorithm = KeyAlgorithm(rawValue: algorithmText.value) else {
                throw .keyFile(line: algorithmText.line, field: path + ".algorithm", reason: "must be \"3DES\" or \"SM4\"")
            }
            if let comment = members["comment"] { _ = try string(comment, path: path + ".comment") }
            var keyBytes = try hex(members["key"], path: path + ".key")
            guard keyBytes.value.count == 16 else {
                let count = keyBytes.value.count
                SecretKey.wipe(&keyBytes.value)
                throw .keyFile(
                    line: keyBytes.line, field: path + ".key", reason: "must be 16 bytes (32 hex digits), got \(count)")
            }
            if algorithm == .tripleDES, keyBytes.value[0..<8] == keyBytes.value[8..<16] {
                SecretKey.wipe(&keyBytes.value)
                throw .keyFile(
                    line: keyBytes.line, field: path + ".key", reason: "3DES key halves are equal (single-DES strength)")
            }
            let line = keyBytes.line
            let key = SecretKey(wiping: &keyBytes.value)
            if let kcvNode = members["kcv"] {
                let kcv = try hex(kcvNode, path: path + ".kcv")
                guard kcv.value.count == 3 else {
                    throw .keyFile(line: kcv.line, field: path + ".kcv", reason: "must be 3 bytes (6 hex digits)")
                }
                guard CardMAC.constantTimeEquals(try KeyCheckValue.compute(key, algorithm: algorithm), kcv.value) else {
                    throw .keyFile(
                        line: kcv.line, field: path + ".kcv",
                        reason: "does not match the key (typo in the key or the check value?)")
                }
            }
            let reference = KeyReference(name: name.value, version: versionByte, algorithm: algorithm)
            guard keys[reference] == nil else {
                throw .keyFile(line: line, field: path, reason: "duplicate key \(reference)")
            }
            keys[reference] = key
        }
        return keys
    }

    static func validKeyName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 16, (0x41...0x5A).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    // MARK: typed accessors

    private func object(
        _ node: JSONNode, path: String, required: Set<String>, optional: Set<String>
    ) throws(CardCryptoError) -> [String: JSONNode] {
        guard case .object(let members) = node.kind else {
            throw .keyFile(line: node.line, field: path, reason: "must be an object, found \(node.typeName)")
        }
        var map: [String: JSONNode] = [:]
        for member in members {
            guard required.contains(member.name) || optional.contains(member.name) else {
                throw .keyFile(
                    line: member.node.line, field: path, reason: "unknown member \(JSONReader.printableName(member.name))")
            }
            map[member.name] = member.node
        }
        for name in required.sorted() where map[name] == nil {
            throw .keyFile(line: node.line, field: path, reason: "missing member \"\(name)\"")
        }
        return map
    }

    private func string(_ node: JSONNode?, path: String) throws(CardCryptoError) -> (value: String, line: Int) {
        guard let node, case .string(let range, let escaped) = node.kind else {
            throw .keyFile(line: node?.line, field: path, reason: "must be a string, found \(node?.typeName ?? "nothing")")
        }
        do {
            return (try reader.stringValue(range, escaped: escaped, line: node.line), node.line)
        } catch {
            throw .keyFile(line: error.line, field: path, reason: error.reason)
        }
    }

    private func integer(_ node: JSONNode?, path: String) throws(CardCryptoError) -> (value: Int, line: Int) {
        guard let node, case .integer(let value) = node.kind else {
            throw .keyFile(line: node?.line, field: path, reason: "must be an integer, found \(node?.typeName ?? "nothing")")
        }
        return (value, node.line)
    }

    /// Decodes hex straight from the input buffer (escapes are refused: hex never needs them),
    /// so no Swift String copy of a key is ever made.
    private func hex(_ node: JSONNode?, path: String) throws(CardCryptoError) -> (value: [UInt8], line: Int) {
        guard let node, case .string(let range, let escaped) = node.kind else {
            throw .keyFile(line: node?.line, field: path, reason: "must be a hex string, found \(node?.typeName ?? "nothing")")
        }
        guard !escaped else {
            throw .keyFile(line: node.line, field: path, reason: "hex strings may not contain escapes")
        }
        do {
            return (try Hex.decode(utf8: reader.input[range], field: path), node.line)
        } catch {
            guard case .badHex(_, let problem) = error else { throw .keyFile(line: node.line, field: path, reason: "bad hex") }
            throw .keyFile(line: node.line, field: path, reason: "bad hex: \(problem)")
        }
    }
}
