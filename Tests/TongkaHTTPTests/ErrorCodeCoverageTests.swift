import Foundation
import Testing
import TongkaDomain

/// Every error code has a test that produces it: `expectFailure(.code)` against the service, or
/// the code's text asserted on the counter's output. This test reads the test sources to prove it,
/// so a new code without a test fails here.
@Suite(.timeLimit(.minutes(5))) struct ErrorCodeCoverageTests {
    @Test func everyErrorCodeIsTriggeredBySomeTest() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let files = try #require(FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil))
        var sources = ""
        for case let url as URL in files
        where url.pathExtension == "swift" && url.lastPathComponent != "ErrorCodeCoverageTests.swift" {
            sources += try String(contentsOf: url, encoding: .utf8)
        }
        let untested = ErrorCode.allCases.filter { code in
            let caseName = String(describing: code)
            return !sources.contains("expectFailure(.\(caseName)") && !sources.contains("[\(code.rawValue)]")
                && !sources.contains("expectError(.\(caseName)")
        }
        #expect(untested.isEmpty, "no test triggers: \(untested.map(\.rawValue))")
    }
}
