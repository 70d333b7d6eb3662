import Foundation

/// The identity documents a holder may register with.
public enum DocumentType: String, Sendable, CaseIterable, Codable {
    /// 居民身份证: 18 characters, GB 11643 with an ISO 7064 MOD 11-2 check character.
    case residentID = "resident_id"
    /// 护照: Chinese or foreign passport.
    case passport
    /// 港澳居民来往内地通行证: H or M followed by 8 or 10 digits.
    case hongKongMacaoPermit = "hk_macao_permit"
    /// 台湾居民来往大陆通行证: 8 digits (10 for the older form).
    case taiwanPermit = "taiwan_permit"

    public func localizedName(_ language: Language) -> String {
        switch (self, language) {
        case (.residentID, .en): "resident ID"
        case (.passport, .en): "passport"
        case (.hongKongMacaoPermit, .en): "HK/Macao permit"
        case (.taiwanPermit, .en): "Taiwan permit"
        case (.residentID, .zh): "居民身份证"
        case (.passport, .zh): "护照"
        case (.hongKongMacaoPermit, .zh): "港澳居民来往内地通行证"
        case (.taiwanPermit, .zh): "台湾居民来往大陆通行证"
        }
    }
}

/// A checked identity document number. Personal data: store encrypted, look up by keyed hash,
/// show ``masked``; `description` is masked so it never reaches a log in full.
public struct IdentityDocument: Hashable, Sendable, CustomStringConvertible {
    public let type: DocumentType
    /// The normalised number (upper case, no spaces).
    public let number: String

    /// Normalises and validates. The detail of a failure names the rule, never the number.
    public init(type: DocumentType, number raw: String) throws(TongkaError) {
        let compact = raw.filter { !$0.isWhitespace }
        // Upper-case only ASCII: "ß" would become "SS". Anything else stays as typed and fails the
        // rules below, which all demand ASCII letters and digits.
        let number = compact.allSatisfy(\.isASCII) ? compact.uppercased() : compact
        switch type {
        case .residentID: try Self.checkResidentID(number)
        case .passport:
            guard (5...17).contains(number.count), number.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter) }) else {
                throw TongkaError(.invalidDocumentNumber, detail: "passport: 5-17 letters or digits")
            }
        case .hongKongMacaoPermit:
            let digits = number.dropFirst()
            guard let first = number.first, first == "H" || first == "M", digits.count == 8 || digits.count == 10,
                digits.allSatisfy({ $0.isASCII && $0.isNumber })
            else { throw TongkaError(.invalidDocumentNumber, detail: "HK/Macao permit: H or M and 8 or 10 digits") }
        case .taiwanPermit:
            guard number.count == 8 || number.count == 10, number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw TongkaError(.invalidDocumentNumber, detail: "Taiwan permit: 8 or 10 digits")
            }
        }
        self.type = type
        self.number = number
    }

    /// `4301**********1234` for resident IDs; first two and last two characters otherwise.
    public var masked: String {
        let keep = type == .residentID ? 4 : 2
        guard number.count > keep * 2 else { return String(repeating: "*", count: number.count) }
        return number.prefix(keep) + String(repeating: "*", count: number.count - keep * 2) + number.suffix(keep)
    }

    public var description: String { "\(type.rawValue):\(masked)" }

    /// The string the keyed lookup hash is computed over: type and number, so the same digits
    /// under two document types are two documents.
    public var lookupMaterial: String { "\(type.rawValue):\(number)" }

    /// The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID.
    public static func residentIDCheckCharacter(_ first17: some StringProtocol) -> Character? {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let digits = first17.compactMap(\.wholeNumberValue)
        guard digits.count == 17, first17.count == 17, first17.allSatisfy({ $0.isASCII }) else { return nil }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return Array("10X98765432")[sum % 11]
    }

    private static func checkResidentID(_ number: String) throws(TongkaError) {
        guard number.count == 18 else {
            throw TongkaError(.invalidDocumentNumber, detail: "resident ID: 18 characters")
        }
        let body = number.prefix(17)
        guard body.allSatisfy({ $0.isASCII && $0.isNumber }), let last = number.last,
            last == "X" || (last.isASCII && last.isNumber)
        else { throw TongkaError(.invalidDocumentNumber, detail: "resident ID: 17 digits and a digit or X") }
        // Province codes of GB/T 2260 plus 71/81/82/83 used on residence permits.
        let province = Int(body.prefix(2)) ?? 0
        let provinces: Set<Int> = [
            11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
            50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
        ]
        guard provinces.contains(province) else {
            throw TongkaError(.invalidDocumentNumber, detail: "resident ID: unknown region code")
        }
        let birth = body.dropFirst(6).prefix(8)
        guard let year = Int(birth.prefix(4)), let month = Int(birth.dropFirst(4).prefix(2)),
            let day = Int(birth.suffix(2)), CalendarDate(year: year, month: month, day: day) != nil, year >= 1900
        else { throw TongkaError(.invalidDocumentNumber, detail: "resident ID: birth date") }
        guard residentIDCheckCharacter(body) == last else {
            throw TongkaError(.invalidDocumentNumber, detail: "resident ID: check character")
        }
    }
}

/// A phone number: a mainland mobile (11 digits, `1[3-9]…`) or an E.164 number (`+852…`).
/// Personal data: stored encrypted, shown ``masked``.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible {
    public let number: String

    public init(_ raw: String) throws(TongkaError) {
        let number = raw.filter { !$0.isWhitespace && $0 != "-" }
        let digits = number.hasPrefix("+") ? number.dropFirst() : Substring(number)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw TongkaError(.invalidPhone) }
        if number.hasPrefix("+") {
            guard (7...15).contains(digits.count), digits.first != "0" else { throw TongkaError(.invalidPhone) }
        } else {
            guard number.count == 11, number.hasPrefix("1"), let second = number.dropFirst().first,
                ("3"..."9").contains(second)
            else { throw TongkaError(.invalidPhone) }
        }
        self.number = number
    }

    /// `138****5678`; international numbers keep the first four and last two characters.
    public var masked: String {
        if number.hasPrefix("+") {
            return number.prefix(4) + String(repeating: "*", count: max(0, number.count - 6)) + number.suffix(2)
        }
        return number.prefix(3) + "****" + number.suffix(4)
    }

    public var description: String { masked }
}
