import Foundation
import Testing

@testable import tongka_counter

@Suite struct OutputTests {
    @Test func chineseCharactersTakeTwoColumnsSoTablesLineUp() {
        #expect(Table.width("CS01") == 4)
        #expect(Table.width("五一广场") == 8)
        #expect(Table.width("¥50.00") == 6)
        #expect(Table.width("ＡＢ") == 4)
        #expect(Table.width("e\u{301}") == 1)
        let rendered = Table(headers: ["编码", "名称", "状态"], rows: [["CS01", "五一广场服务网点", "营业"], ["HQ", "总部", "关闭"]]).render()
        let lines = rendered.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        // The last column starts at the same display column on every line.
        let lastCells = ["状态", "----", "营业", "关闭"]
        let starts = zip(lines, lastCells).map { line, cell -> Int in
            let range = line.range(of: cell, options: .backwards)!
            return Table.width(String(line[..<range.lowerBound]))
        }
        #expect(Set(starts).count == 1)
        #expect(lines[1].hasPrefix("----"))
    }

    @Test func csvHasAByteOrderMarkAHeaderAndQuotesWhatNeedsIt() {
        let data = CSV.render(headers: ["网点", "名称"], rows: [["CS01", "五一广场, 长沙"], ["HQ", "say \"hi\""]])
        #expect(data.starts(with: [0xEF, 0xBB, 0xBF]))
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        #expect(text == "网点,名称\r\nCS01,\"五一广场, 长沙\"\r\nHQ,\"say \"\"hi\"\"\"\r\n")
    }

    @Test func csvDefusesSpreadsheetFormulasButKeepsNegativeNumbers() {
        #expect(CSV.quote("=SUM(A1:A9)") == "'=SUM(A1:A9)")
        #expect(CSV.quote("@cmd") == "'@cmd")
        #expect(CSV.quote("-5.00") == "-5.00")
        #expect(CSV.quote("-x") == "'-x")
        #expect(CSV.quote("3104") == "3104")
    }
}
