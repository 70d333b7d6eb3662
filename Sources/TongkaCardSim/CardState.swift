import Foundation
import TongkaCardCrypto

/// Lifecycle state of the purse application on the card.
public enum ApplicationStatus: String, Sendable, Hashable, Codable {
    /// Usable.
    case active
    /// Blocked by APPLICATION BLOCK P2=00: SELECT/GET BALANCE/INITIALIZE answer 6A81; reads,
    /// GET CHALLENGE and APPLICATION UNBLOCK still work.
    case temporarilyBlocked
    /// Blocked by APPLICATION BLOCK P2=01: every command answers 9303, for ever.
    case permanentlyBlocked
}

/// The card's persistent memory (what a real card keeps in EEPROM), with its diversified keys.
struct CardState {
    /// Issuer id and application serial (0015 bytes 0..7 and 10..19).
    var identity: CardIdentity
    var applicationType: UInt8
    var applicationVersion: UInt8
    var validFrom: [UInt8]
    var validTo: [UInt8]
    var issuerDefined: [UInt8]
    var cardType: UInt8
    var interconnection: Bool
    var balance: UInt32
    var maxBalance: UInt32
    var onlineSerial: UInt16
    var offlineSerial: UInt16
    var algorithm: KeyAlgorithm
    var algorithmID: UInt8
    var keyVersion: UInt8
    var keyIndex: UInt8
    var loadKey: SecretKey
    var purchaseKey: SecretKey
    var tacKey: SecretKey
    var maintenanceKey: SecretKey
    var status: ApplicationStatus
    /// Newest first, at most `CardState.logCapacity`.
    var log: [PurseTransactionRecord]
    /// What the last load or purchase answered, for GET TRANSACTION PROVE (a terminal that lost
    /// the answer asks for it again by the transaction's serial).
    var lastProof: TransactionProof? = nil

    static let logCapacity = 10
    static let aid: [UInt8] = [0xA0, 0x00, 0x00, 0x06, 0x32, 0x01, 0x01, 0x05]
    static let file0017Size = 60

    /// File 0015, 30 bytes.
    var file0015: [UInt8] {
        identity.issuerID + [applicationType, applicationVersion] + identity.applicationSerial + validFrom + validTo
            + issuerDefined
    }

    /// File 0017 as this simulator lays it out (60 bytes): bytes 8-9 interconnection flag
    /// (`0001` or `0000`), byte 10 card type, everything else `00`.
    var file0017: [UInt8] {
        var file = [UInt8](repeating: 0, count: CardState.file0017Size)
        file[9] = interconnection ? 0x01 : 0x00
        file[10] = cardType
        return file
    }

    mutating func appendLog(_ record: PurseTransactionRecord) {
        log.insert(record, at: 0)
        if log.count > CardState.logCapacity { log.removeLast(log.count - CardState.logCapacity) }
    }
}

/// What GET TRANSACTION PROVE answers for the card's last load or purchase.
struct TransactionProof: Equatable {
    var transactionType: UInt8
    /// The online serial of a load, the offline serial of a purchase, before the transaction.
    var serial: UInt16
    var mac2: [UInt8]?
    var tac: [UInt8]
}

/// The JSON card file (docs/card-crypto.md describes every field). Keys are the card's own
/// diversified keys in hex: the file is the card's secure memory, so it is written with mode 0600.
struct CardFileModel: Codable {
    struct Keys: Codable {
        var DLK: String
        var DPK: String
        var DTK: String
        var DAMK: String
    }

    var format: String
    var formatVersion: Int
    var issuerID: String
    var applicationType: UInt8
    var applicationVersion: UInt8
    var applicationSerial: String
    var validFrom: String
    var validTo: String
    var issuerDefined: String
    var cardType: UInt8
    var interconnection: Bool
    var balance: UInt32
    var maxBalance: UInt32
    var onlineSerial: UInt16
    var offlineSerial: UInt16
    var purseAlgorithm: String
    var algorithmID: UInt8
    var keyVersion: UInt8
    var keyIndex: UInt8
    var keys: Keys
    var status: ApplicationStatus
    var transactionLog: [String]
    /// The last load's or purchase's proof (absent in files written before it was kept).
    var lastTransactionProof: ProofModel?

    struct ProofModel: Codable {
        /// 2 (load) or 6 (purchase).
        var transactionType: UInt8
        var serial: UInt16
        /// The purchase's MAC2 (hex), none for a load.
        var mac2: String?
        var tac: String
    }

    static let format = "tongka-sim-card"
    static let formatVersion = 1
}

enum CardFile {
    static func encode(_ state: CardState) throws(CardSimError) -> [UInt8] {
        let model = CardFileModel(
            format: CardFileModel.format, formatVersion: CardFileModel.formatVersion,
            issuerID: Hex.encode(state.identity.issuerID), applicationType: state.applicationType,
            applicationVersion: state.applicationVersion, applicationSerial: Hex.encode(state.identity.applicationSerial),
            validFrom: Hex.encode(state.validFrom), validTo: Hex.encode(state.validTo),
            issuerDefined: Hex.encode(state.issuerDefined), cardType: state.cardType,
            interconnection: state.interconnection, balance: state.balance, maxBalance: state.maxBalance,
            onlineSerial: state.onlineSerial, offlineSerial: state.offlineSerial,
            purseAlgorithm: state.algorithm.rawValue, algorithmID: state.algorithmID,
            keyVersion: state.keyVersion, keyIndex: state.keyIndex,
            keys: .init(
                DLK: state.loadKey.withUnsafeBytes { Hex.encode($0) },
                DPK: state.purchaseKey.withUnsafeBytes { Hex.encode($0) },
                DTK: state.tacKey.withUnsafeBytes { Hex.encode($0) },
                DAMK: state.maintenanceKey.withUnsafeBytes { Hex.encode($0) }),
            status: state.status,
            transactionLog: state.log.map { Hex.encode($0.bytes) },
            lastTransactionProof: state.lastProof.map {
                .init(
                    transactionType: $0.transactionType, serial: $0.serial, mac2: $0.mac2.map(Hex.encode), tac: Hex.encode($0.tac)
                )
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return Array(try encoder.encode(model)) + [0x0A]
        } catch {
            throw .invalidCardFile(path: "", field: "(encoding)", reason: "could not encode the card state")
        }
    }

    static func decode(_ bytes: [UInt8], path: String) throws(CardSimError) -> CardState {
        let model: CardFileModel
        do {
            model = try JSONDecoder().decode(CardFileModel.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidCardFile(path: path, field: key.stringValue, reason: "missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidCardFile(
                path: path, field: context.codingPath.map(\.stringValue).joined(separator: "."), reason: "wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalidCardFile(
                path: path, field: context.codingPath.map(\.stringValue).joined(separator: "."),
                reason: "not valid JSON or out of range")
        } catch {
            throw .invalidCardFile(path: path, field: "(file)", reason: "cannot be decoded")
        }
        func fail(_ field: String, _ reason: String) -> CardSimError {
            .invalidCardFile(path: path, field: field, reason: reason)
        }
        func hex(_ text: String, _ field: String, _ count: Int) throws(CardSimError) -> [UInt8] {
            guard let value = try? Hex.decode(text, field: field), value.count == count else {
                throw fail(field, "must be \(count) bytes of hex")
            }
            return value
        }
        func bcdDate(_ text: String, _ field: String) throws(CardSimError) -> [UInt8] {
            guard let date = try? TransactionDateTime(yyyymmdd: text, hhmmss: "000000") else {
                throw fail(field, "must be a calendar date YYYYMMDD")
            }
            return date.date
        }
        func key(_ text: String, _ field: String) throws(CardSimError) -> SecretKey {
            var bytes = try hex(text, field, 16)
            return SecretKey(wiping: &bytes)
        }
        guard model.format == CardFileModel.format else { throw fail("format", "must be \"\(CardFileModel.format)\"") }
        guard model.formatVersion == CardFileModel.formatVersion else { throw fail("formatVersion", "unsupported") }
        let issuerID = try hex(model.issuerID, "issuerID", 8)
        let serial = try hex(model.applicationSerial, "applicationSerial", 10)
        guard let identity = try? CardIdentity(issuerID: issuerID, applicationSerial: serial) else {
            throw fail("applicationSerial", "must be 20 BCD digits starting with 0")
        }
        guard let algorithm = KeyAlgorithm(rawValue: model.purseAlgorithm) else {
            throw fail("purseAlgorithm", "must be \"3DES\" or \"SM4\"")
        }
        guard model.balance <= model.maxBalance else { throw fail("balance", "exceeds maxBalance") }
        guard (1...5).contains(model.cardType) else { throw fail("cardType", "must be 1-5") }
        guard model.transactionLog.count <= CardState.logCapacity else {
            throw fail("transactionLog", "holds more than \(CardState.logCapacity) records")
        }
        var log: [PurseTransactionRecord] = []
        for (index, text) in model.transactionLog.enumerated() {
            let raw = try hex(text, "transactionLog[\(index)]", 23)
            guard let record = try? PurseTransactionRecord(bytes: raw) else {
                throw fail("transactionLog[\(index)]", "not a valid 23-byte record")
            }
            log.append(record)
        }
        var proof: TransactionProof?
        if let stored = model.lastTransactionProof {
            guard stored.transactionType == 0x02 || stored.transactionType == 0x06 else {
                throw fail("lastTransactionProof.transactionType", "must be 2 (load) or 6 (purchase)")
            }
            proof = TransactionProof(
                transactionType: stored.transactionType, serial: stored.serial,
                mac2: try stored.mac2.map { text throws(CardSimError) in try hex(text, "lastTransactionProof.mac2", 4) },
                tac: try hex(stored.tac, "lastTransactionProof.tac", 4))
        }
        return CardState(
            identity: identity, applicationType: model.applicationType, applicationVersion: model.applicationVersion,
            validFrom: try bcdDate(model.validFrom, "validFrom"),
            validTo: try bcdDate(model.validTo, "validTo"), issuerDefined: try hex(model.issuerDefined, "issuerDefined", 2),
            cardType: model.cardType, interconnection: model.interconnection, balance: model.balance,
            maxBalance: model.maxBalance, onlineSerial: model.onlineSerial, offlineSerial: model.offlineSerial,
            algorithm: algorithm, algorithmID: model.algorithmID, keyVersion: model.keyVersion, keyIndex: model.keyIndex,
            loadKey: try key(model.keys.DLK, "keys.DLK"), purchaseKey: try key(model.keys.DPK, "keys.DPK"),
            tacKey: try key(model.keys.DTK, "keys.DTK"), maintenanceKey: try key(model.keys.DAMK, "keys.DAMK"),
            status: model.status, log: log, lastProof: proof)
    }

    static func read(_ path: String) throws(CardSimError) -> CardState {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path, maxBytes: 1 << 20)
        } catch {
            throw .crypto(error)
        }
        return try decode(bytes, path: path)
    }

    static func write(_ state: CardState, to path: String, overwrite: Bool) throws(CardSimError) {
        var bytes = try encode(state)
        defer { SecretKey.wipe(&bytes) }
        do {
            try AtomicFile.write(bytes, to: path, mode: 0o600, overwrite: overwrite)
        } catch {
            if case .fileSystem(_, _, let code) = error, code == EEXIST, !overwrite {
                throw .cardFileExists(path: path)
            }
            throw .crypto(error)
        }
    }
}
