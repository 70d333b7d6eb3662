import Testing
import TongkaDomain

@Suite struct IssuerWhitelistTests {
    let profile = try! IssuerProfile(cardNumberPrefixes: ["31048200"], issuerID: "01005510FFFFFFFF")

    @Test func aWrittenWhitelistReadsBackAndItsTrailerIsTheCRCOfItsLines() throws {
        let whitelist = try IssuerWhitelist(entries: [
            .init(cardPrefix: "31047700", issuerID: "02002900ffffffff"),
            .init(cardPrefix: "31051700", issuerID: "01001000FFFFFFFF"),
        ])
        let bytes = whitelist.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = "31047700 02002900FFFFFFFF\n31051700 01001000FFFFFFFF\n"
        let crc = String(CRC32.checksum(Array(lines.utf8)), radix: 16, uppercase: true)
        #expect(text == lines + "CRC32 " + String(repeating: "0", count: 8 - crc.count) + crc + "\n")
        #expect(try IssuerWhitelist.parse(bytes) == whitelist)
        // CRLF line ends are read too (the CRC covers the bytes as they are).
        let crlfLines = Array(lines.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let crlfCRC = String(CRC32.checksum(crlfLines), radix: 16, uppercase: true)
        let crlf = crlfLines + Array(("CRC32 " + String(repeating: "0", count: 8 - crlfCRC.count) + crlfCRC + "\r\n").utf8)
        #expect(try IssuerWhitelist.parse(crlf) == whitelist)
    }

    @Test func everyBadLineIsReportedWithItsNumberAndTheFileIsRefusedWhole() {
        let file = Array(
            "31051700 01001000FFFFFFFF\n31051700 01001000FFFFFFFF\n3104770X 02002900FFFFFFFF\n31060000 0200290011111111\nCRC32 ZZ\n"
                .utf8)
        #expect {
            try IssuerWhitelist.parse(file)
        } throws: { error in
            let problems = (error as? BlacklistExchangeFileError)?.errors.map { "\($0.line):\($0.problem.rawValue)" }
            return problems == ["2:duplicate", "3:invalid_characters", "4:invalid_characters", "5:invalid_trailer"]
        }
        #expect(throws: BlacklistExchangeFileError.self) { try IssuerWhitelist.parse(Array("31051700 01001000FFFFFFFF\n".utf8)) }
        #expect(throws: BlacklistExchangeFileError.self) {
            try IssuerWhitelist(entries: [.init(cardPrefix: "3105170", issuerID: "01001000FFFFFFFF")])
        }
    }

    @Test func theOperatorsOwnPrefixesAreAlwaysServedUnderItsOwnIssuerId() throws {
        // The platform's file names another issuer for our prefix: corrected, not trusted.
        let imported = try IssuerWhitelist(entries: [
            .init(cardPrefix: "31048200", issuerID: "09999999FFFFFFFF"),
            .init(cardPrefix: "31051700", issuerID: "01001000FFFFFFFF"),
        ])
        let served = imported.including(profile)
        #expect(served.entries.map(\.issuerID) == ["01005510FFFFFFFF", "01001000FFFFFFFF"])
        #expect(served.admits(CardNumber(trusted: "3104820000000000001"), issuerID: "01005510FFFFFFFF"))
        #expect(!served.admits(CardNumber(trusted: "3104820000000000001"), issuerID: "09999999FFFFFFFF"))
        #expect(!served.admits(CardNumber(trusted: "3104770000000000001"), issuerID: "02002900FFFFFFFF"))
        #expect(try IssuerWhitelist(entries: []).including(profile).entries.count == 1)
    }
}
