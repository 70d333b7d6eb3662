import Foundation
import Testing
import TongkaDomain

/// Runs `body`, expects it to throw a ``TongkaError`` with `code`, and returns the error so a test
/// can look at its detail. Records an issue (and returns nil) when `body` succeeds.
@discardableResult
func expectError<Result>(
    _ code: ErrorCode,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Result
) -> TongkaError? {
    do {
        let value = try body()
        Issue.record("expected \(code.rawValue), but it succeeded with \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as TongkaError {
        #expect(error.code == code, "wrong error code", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected TongkaError \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A small deterministic generator (SplitMix64) so property tests repeat exactly on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Shorthand for dates the tests know to exist.
func date(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate {
    guard let value = CalendarDate(year: year, month: month, day: day) else {
        fatalError("test date \(year)-\(month)-\(day) does not exist")
    }
    return value
}

/// The hex dump between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a document under docs/:
/// each line an offset, the bytes, `|` and what they are. Checks that each offset is the count
/// of bytes before it, so the document cannot drift from the bytes it shows.
func documentedHexDump(
    _ document: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation
) throws
    -> [UInt8]
{
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("docs/\(document)"), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let begin = try #require(lines.firstIndex(of: "<!-- \(name):begin -->"[...]), sourceLocation: sourceLocation)
    let end = try #require(lines.firstIndex(of: "<!-- \(name):end -->"[...]), sourceLocation: sourceLocation)
    var bytes: [UInt8] = []
    for line in lines[(begin + 1)..<end] where line.contains("|") {
        let fields = line.split(separator: "|", maxSplits: 1)[0].split(separator: " ")
        let offset = try #require(fields.first.flatMap { Int($0, radix: 16) }, sourceLocation: sourceLocation)
        #expect(offset == bytes.count, "offset \(fields[0]) in the document", sourceLocation: sourceLocation)
        bytes += try fields.dropFirst().map { try #require(UInt8($0, radix: 16), sourceLocation: sourceLocation) }
    }
    return bytes
}
