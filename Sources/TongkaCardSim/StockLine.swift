import TongkaCardCrypto

/// One pre-personalised card of a stock batch: what the simulator needs to create a card file.
///
/// Text form (one line, comma separated, surrounding spaces ignored):
/// `cardNumber,issuerID,validFrom,validTo,cardType,interconnection`, e.g.
/// `3104820000170907984,01025510FFFFFFFF,20250101,20341231,1,1`.
public struct StockLine: Sendable, Hashable {
    /// Card identity (issuer id and serial from the 19-digit number).
    public let card: CardIdentity
    /// Valid-from date, `YYYYMMDD`.
    public let validFrom: String
    /// Valid-to date, `YYYYMMDD`.
    public let validTo: String
    /// Card type 1 ordinary, 2 student, 3 elderly, 4 test, 5 military (0017 byte 10).
    public let cardType: UInt8
    /// Interconnection card (0017 bytes 8-9 `0001`).
    public let interconnection: Bool

    /// Validates every field.
    public init(
        cardNumber: String, issuerID: [UInt8], validFrom: String, validTo: String,
        cardType: UInt8, interconnection: Bool
    ) throws(CardSimError) {
        do {
            card = try CardIdentity(cardNumber: cardNumber, issuerID: issuerID)
        } catch {
            throw .invalidStockLine(field: "card number / issuer id", reason: error.description)
        }
        for (name, value) in [("validFrom", validFrom), ("validTo", validTo)] {
            guard (try? TransactionDateTime(yyyymmdd: value, hhmmss: "000000")) != nil else {
                throw .invalidStockLine(field: name, reason: "must be a calendar date YYYYMMDD")
            }
        }
        guard validFrom <= validTo else {
            throw .invalidStockLine(field: "validTo", reason: "is before validFrom")
        }
        guard (1...5).contains(cardType) else {
            throw .invalidStockLine(field: "cardType", reason: "must be 1-5")
        }
        self.validFrom = validFrom
        self.validTo = validTo
        self.cardType = cardType
        self.interconnection = interconnection
    }

    /// Parses the text form (see the type's documentation). Interconnection is `1`/`0`/`true`/`false`.
    public init(line: String) throws(CardSimError) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmed(of: " \t\r\n") }
        guard fields.count == 6 else {
            throw .invalidStockLine(field: "line", reason: "expected 6 comma-separated fields, got \(fields.count)")
        }
        let issuer: [UInt8]
        do {
            issuer = try Hex.decode(fields[1], field: "issuerID")
        } catch {
            throw .invalidStockLine(field: "issuerID", reason: error.description)
        }
        guard let type = UInt8(fields[4]) else {
            throw .invalidStockLine(field: "cardType", reason: "must be 1-5")
        }
        let flag: Bool
        switch fields[5] {
        case "1", "true": flag = true
        case "0", "false": flag = false
        default: throw .invalidStockLine(field: "interconnection", reason: "must be 1, 0, true or false")
        }
        try self.init(
            cardNumber: fields[0], issuerID: issuer, validFrom: fields[2], validTo: fields[3],
            cardType: type, interconnection: flag)
    }

    /// The text form.
    public var line: String {
        "\(card.cardNumber),\(Hex.encode(card.issuerID)),\(validFrom),\(validTo),\(cardType),\(interconnection ? 1 : 0)"
    }
}

extension Substring {
    /// The text without leading and trailing characters from `set`.
    func trimmed(of set: String) -> String {
        let drop = Set(set)
        var s = self[...]
        while let first = s.first, drop.contains(first) { s = s.dropFirst() }
        while let last = s.last, drop.contains(last) { s = s.dropLast() }
        return String(s)
    }
}
