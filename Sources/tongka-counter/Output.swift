import Foundation
import TongkaClient
import TongkaDomain

#if canImport(Glibc)
    import Glibc
#endif

/// Writing to the terminal, files and pipes.
enum Output {
    static func line(_ text: String = "") {
        write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        write(Data((text + "\n").utf8), to: .standardError)
    }

    /// Writes, and ends the program quietly when the reader has gone away (`| head`), as Unix tools
    /// do; Foundation's non-throwing `write` would crash instead.
    static func write(_ data: Data, to handle: FileHandle = .standardOutput) {
        do {
            try handle.write(contentsOf: data)
        } catch {
            exit(141)
        }
    }

    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// One JSON object on standard output.
    static func printJSON(_ value: some Encodable) {
        let data = (try? jsonEncoder.encode(value)) ?? Data("{}".utf8)
        write(data + Data("\n".utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// A plain-text table whose columns line up also with Chinese text, which takes two terminal
/// columns per character. Hand-written: no package in reach knows East Asian widths.
struct Table {
    let headers: [String]
    let rows: [[String]]

    func render() -> String {
        let columns = headers.count
        var widths = headers.map(Self.width)
        for row in rows {
            for (index, cell) in row.prefix(columns).enumerated() { widths[index] = max(widths[index], Self.width(cell)) }
        }
        func format(_ cells: [String]) -> String {
            cells.prefix(columns).enumerated().map { index, cell in
                index == columns - 1 ? cell : cell + String(repeating: " ", count: widths[index] - Self.width(cell))
            }.joined(separator: "  ")
        }
        var lines = [format(headers), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        lines += rows.map(format)
        return lines.joined(separator: "\n")
    }

    /// Terminal columns a string takes: 2 for East Asian wide and full-width characters, 0 for
    /// combining marks, 1 otherwise.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark {
                return total
            }
            let wide =
                (0x1100...0x115F).contains(value) || (0x2E80...0x303E).contains(value)
                || (0x3041...0x33FF).contains(value) || (0x3400...0x4DBF).contains(value)
                || (0x4E00...0x9FFF).contains(value) || (0xA000...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value)
                || (0xFE30...0xFE4F).contains(value) || (0xFF00...0xFF60).contains(value)
                || (0xFFE0...0xFFE6).contains(value) || (0x20000...0x3FFFD).contains(value)
            return total + (wide ? 2 : 1)
        }
    }
}

/// CSV for office staff: UTF-8 with a byte-order mark (so Excel shows Chinese correctly), a header
/// row, CRLF line ends, and fields quoted when they need it.
enum CSV {
    static func render(headers: [String], rows: [[String]]) -> Data {
        var text = "\u{FEFF}" + line(headers)
        for row in rows { text += line(row) }
        return Data(text.utf8)
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",") + "\r\n"
    }

    static func quote(_ field: String) -> String {
        // A leading =, +, - or @ makes Excel evaluate the cell; a quote character defuses it.
        var value = field
        if let first = value.first, "=+@".contains(first) || (first == "-" && Double(value) == nil) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Progress of a long operation on standard error, only when it is a terminal.
final class ProgressLine: @unchecked Sendable {
    // Touched only from the task that streams the upload.
    private let label: String
    private let total: Int64?
    private var done: Int64 = 0
    private var lastDraw = Date.distantPast
    private let enabled = Output.stderrIsTerminal

    init(label: String, total: Int64?) {
        self.label = label
        self.total = total
    }

    func advance(by bytes: Int) {
        done += Int64(bytes)
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        draw()
    }

    func finish() {
        guard enabled else { return }
        draw()
        Output.write(Data("\n".utf8), to: .standardError)
    }

    private func draw() {
        let megabytes = String(format: "%.1f MB", Double(done) / 1_048_576)
        let text: String
        if let total, total > 0 {
            let percent = min(100, Int(done * 100 / total))
            let filled = percent / 5
            text =
                "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: 20 - filled))] \(percent)% \(megabytes)"
        } else {
            text = "\r\(label) \(megabytes)"
        }
        Output.write(Data(text.utf8), to: .standardError)
    }
}

extension Counter {
    /// `¥50.50`.
    func money(_ fen: Int64) -> String { Money(fen: fen).formatted }

    /// A UTC instant shown in the operator's time zone: `2026-11-25 14:03`.
    func time(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// An amount for a CSV cell: yuan with two decimals and no currency sign (`-5.00`), so a
    /// spreadsheet reads it as a number.
    func csvYuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        return "\(sign)\(magnitude / 100).\(String(format: "%02d", Int(magnitude % 100)))"
    }

    /// A payment method's name in the chosen language (the raw name when it is not one this build knows).
    func paymentName(_ raw: String) -> String {
        PaymentMethod(rawValue: raw)?.localizedName(language) ?? raw
    }

    /// Writes a report as CSV (``CSV``) to `output`, or to standard output when there is none.
    func writeCSV(headers: [String], rows: [[String]], output: String?) throws {
        let data = CSV.render(headers: headers, rows: rows)
        guard let output else { return Output.write(data) }
        guard FileManager.default.createFile(atPath: output, contents: data) else {
            throw CounterFailure(code: "file_not_written", message: t("Cannot write \(output)", "无法写入 \(output)"))
        }
        if Output.stderrIsTerminal {
            Output.error(t("Wrote \(rows.count) rows to \(output)", "已写入 \(rows.count) 行至 \(output)"))
        }
    }

    /// Yes/no in the chosen language.
    func yesNo(_ value: Bool) -> String { value ? t("yes", "是") : t("no", "否") }

    /// A role's name in the chosen language.
    func role(_ role: Components.Schemas.Role) -> String {
        Role(rawValue: role.rawValue)?.localizedName(language) ?? role.rawValue
    }

    /// Parses an amount typed in yuan.
    func amount(_ text: String, field: String) throws -> Int64 {
        do {
            return try Money.parse(yuan: text).fen
        } catch {
            throw CounterFailure(code: error.code.rawValue, message: "\(field): \(error.message(language))")
        }
    }

    /// A card number for screens: masked unless the clerk asked to see it.
    func cardNumber(_ digits: String, reveal: Bool) -> String {
        reveal ? digits : CardNumber.mask(digits)
    }

    /// Prints key-value lines aligned.
    func fields(_ pairs: [(String, String)]) {
        let width = pairs.map { Table.width($0.0) }.max() ?? 0
        for (key, value) in pairs {
            Output.line(key + String(repeating: " ", count: width - Table.width(key)) + "  " + value)
        }
    }
}
