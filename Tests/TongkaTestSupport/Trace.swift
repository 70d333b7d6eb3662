import Foundation
import Synchronization
import Testing

private let traceLock = Mutex(())

/// Lifecycle tracing for diagnosing stuck tests: set `TONGKA_TEST_TRACE` to a file and every test
/// server and database step is appended to it with the test's name and the seconds since start.
enum TestTrace {
    /// The file to append to (`TONGKA_TEST_TRACE=/path`), written unbuffered so that a run that
    /// is killed keeps every line.
    static let file: FileHandle? = {
        guard let path = ProcessInfo.processInfo.environment["TONGKA_TEST_TRACE"], !path.isEmpty else { return nil }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path)
    }()
    static let start = ContinuousClock.now

    static func log(_ step: @autoclosure () -> String) {
        guard let file else { return }
        let name = Test.current?.name ?? "-"
        let seconds = (ContinuousClock.now - start).components.seconds
        let line = "[\(seconds)s] \(name): \(step())\n"
        traceLock.withLock { _ in
            _ = try? file.seekToEnd(); file.write(Data(line.utf8))
        }
    }
}
