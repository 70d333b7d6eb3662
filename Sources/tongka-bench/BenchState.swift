import Foundation

/// What `setup` made on the server and later runs need: sessions, the hall, its stock. Kept in a
/// JSON file (mode 0600: it holds bearer tokens) between the commands of one benchmark.
struct BenchState: Codable {
    /// One clerk with an open shift and a logged-in session.
    struct Clerk: Codable {
        var username: String
        var token: String
        var shiftID: Int64
    }

    var server: String
    var adminToken: String
    var hall: String
    var product: String
    /// The operator's 8-digit card-number prefix; card `i` is the prefix and `i` in 11 digits.
    var issuerPrefix: String
    var issuerID: String
    var clerks: [Clerk]
    /// Cards 1...cardsStocked have been imported into the hall's stock.
    var cardsStocked: Int
    /// The first card no run has used yet.
    var nextCard: Int
    /// Runs so far: part of every idempotency key, so no two runs share one.
    var runs: Int

    func cardNumber(_ index: Int) -> String {
        let digits = String(index)
        return issuerPrefix + String(repeating: "0", count: max(0, 11 - digits.count)) + digits
    }

    static func load(_ path: String) throws -> BenchState {
        try JSONDecoder().decode(BenchState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func save(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw BenchFailure("could not write \(path)")
        }
    }
}

/// A benchmark that cannot go on: the message says why.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
