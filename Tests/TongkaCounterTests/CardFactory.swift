import Foundation
import Testing
import TongkaCardCrypto
import TongkaTestSupport

/// A temporary card factory: a fresh master key file for the test issuer, stock files, and
/// `tongka-server cards personalise` run as the real binary. The directory goes with the value.
final class CardFactory: Sendable {
    let directory: String
    let keyFile: String
    let cardsDirectory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-factory-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        keyFile = directory + "/card-keys.json"
        cardsDirectory = directory + "/cards"
        let contents = try MasterKeyStore.generateKeyFile(
            issuerID: try Hex.decode(TestSettings.issuerID, field: "issuer id"), diversification: .issuerThenCard)
        try MasterKeyStore.writeKeyFile(contents, to: keyFile)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The issuer configuration `personalise` reads, as the environment.
    var environment: [String: String] {
        ["TONGKA_ISSUER_PREFIXES": TestSettings.issuerPrefix, "TONGKA_ISSUER_ID": TestSettings.issuerID]
    }

    /// `3104820000000000001` for serial 1.
    static func cardNumber(_ serial: Int) -> String { "310482000000\(String(format: "%07d", serial))" }

    /// A stock file of the given serials (header included), written into the factory directory.
    func stockFile(_ serials: ClosedRange<Int>, name: String = "stock.csv", extraLines: [String] = []) throws -> String {
        var lines = ["card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"]
        for serial in serials {
            lines.append(
                "\(Self.cardNumber(serial)),\(TestSettings.issuerID),20260101,20361231,1,\(String(format: "%08X", 0xC000_0000 + serial))"
            )
        }
        lines += extraLines
        let path = directory + "/" + name
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `tongka-server cards personalise --stock FILE --out DIR --keys KEYS` plus `arguments`.
    func personalise(
        _ stock: String, _ arguments: [String] = [], environment extra: [String: String] = [:]
    ) async throws
        -> CommandResult
    {
        try await CommandRunner.server(
            ["cards", "personalise", "--stock", stock, "--out", cardsDirectory, "--keys", keyFile] + arguments,
            environment: environment.merging(extra) { _, new in new })
    }

    /// The card file `personalise` writes for serial `serial`.
    func cardFile(_ serial: Int) -> String { cardsDirectory + "/\(Self.cardNumber(serial)).card" }

    func keyStore() throws -> MasterKeyStore { try MasterKeyStore.load(fromFile: keyFile) }
}
