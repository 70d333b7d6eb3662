import Foundation
import TongkaCardCrypto
import TongkaCardSim

/// The card master keys every test server loads, and software cards personalised with them, so
/// tests run the real purse protocol (MAC1, MAC2, TAC) end to end.
public enum TestCardKeys {
    /// A key file generated once per test process for the test operator (3DES, issuer then card).
    public static let file: String = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-test-keys-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("card-keys.json").path
        let contents = try! MasterKeyStore.generateKeyFile(
            issuerID: try! Hex.decode(TestSettings.issuerID, field: "issuer id"), diversification: .issuerThenCard)
        try! MasterKeyStore.writeKeyFile(contents, to: path)
        return path
    }()

    public static let store: MasterKeyStore = try! MasterKeyStore.load(fromFile: file)
}

/// Software cards for stock cards of the tests (what the card factory writes for real cards).
public enum SoftwareCards {
    /// Writes a card file for `cardNumber` into a fresh temporary directory and returns its path.
    public static func personalise(
        _ cardNumber: String, validFrom: String = "20260101", validTo: String = "20361231", maxBalanceFen: UInt32 = 100_000
    ) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-cards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("\(cardNumber).card").path
        let line = try StockLine(
            cardNumber: cardNumber, issuerID: try Hex.decode(TestSettings.issuerID, field: "issuer id"), validFrom: validFrom,
            validTo: validTo, cardType: 1, interconnection: true)
        try SimulatedCard.create(
            at: path, from: line, keyStore: TestCardKeys.store, options: SimulatedCardOptions(maxBalance: maxBalanceFen))
        return path
    }
}
