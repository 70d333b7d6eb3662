import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol, for tests that use a page as a person
/// would: type into fields, press buttons, read what the screen shows, take a screenshot.
///
/// Chromium speaks the protocol over a pipe (`--remote-debugging-pipe`: it reads commands on
/// file descriptor 3 and writes answers on 4, each message JSON ended by a NUL byte). Two named
/// pipes stand in for those descriptors, so no WebSocket client is needed; written by hand because
/// the packages here have no DevTools client, and this is the protocol's simplest transport.
public final class HeadlessChromium: Sendable {
    private let process: Process
    private let commands: FileHandle
    private let directory: URL
    private let inbox = Mutex<[Data]>([])
    private let nextID = Mutex(0)
    private let session = Mutex<String?>(nil)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts Chromium with an empty profile and opens one page of `width` x `height` CSS pixels,
    /// as a phone shows it.
    public static func start(binary: String, width: Int, height: Int) async throws -> HeadlessChromium {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let toChromium = directory.appendingPathComponent("in").path
        let fromChromium = directory.appendingPathComponent("out").path
        guard mkfifo(toChromium, 0o600) == 0, mkfifo(fromChromium, 0o600) == 0 else {
            throw Failure(description: "mkfifo failed: \(errno)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let profile = directory.appendingPathComponent("profile").path
        process.arguments = [
            "-c",
            "exec \"$0\" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --remote-debugging-pipe --user-data-dir=\"$1\" about:blank 3<\"$2\" 4>\"$3\" 2>/dev/null",
            binary, profile, toChromium, fromChromium,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Opening a named pipe waits for the other end, so both opens happen off the test's threads.
        let (commands, answers) = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(FileHandle, FileHandle), any Error>) in
            DispatchQueue.global().async {
                guard let commands = FileHandle(forWritingAtPath: toChromium),
                    let answers = FileHandle(forReadingAtPath: fromChromium)
                else { return continuation.resume(throwing: Failure(description: "could not open Chromium's pipes")) }
                continuation.resume(returning: (commands, answers))
            }
        }
        let browser = HeadlessChromium(process: process, commands: commands, directory: directory)
        browser.startReading(answers)
        let target = try await browser.send("Target.createTarget", ["url": "about:blank"], inPage: false)
        guard let targetID = target["targetId"] as? String else { throw Failure(description: "no target: \(target)") }
        let attached = try await browser.send(
            "Target.attachToTarget", ["targetId": targetID, "flatten": true], inPage: false)
        guard let sessionID = attached["sessionId"] as? String else { throw Failure(description: "no session: \(attached)") }
        browser.session.withLock { $0 = sessionID }
        _ = try await browser.send(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": true])
        _ = try await browser.send("Page.enable", [:])
        return browser
    }

    private init(process: Process, commands: FileHandle, directory: URL) {
        self.process = process
        self.commands = commands
        self.directory = directory
    }

    /// Reads NUL-ended messages into the inbox on a thread of its own until Chromium closes the pipe.
    private func startReading(_ answers: FileHandle) {
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = answers.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let end = pending.firstIndex(of: 0) {
                    let message = pending[pending.startIndex..<end]
                    inbox.withLock { $0.append(Data(message)) }
                    pending = Data(pending[(end + 1)...])
                }
            }
        }
        thread.start()
    }

    /// Sends one command (to the page unless `inPage` is false) and waits for its answer's result.
    @discardableResult
    public func send(
        _ method: String, _ parameters: [String: any Sendable], inPage: Bool = true, timeout: Duration = .seconds(30)
    ) async throws -> [String: Any] {
        let id = nextID.withLock { value in
            value += 1
            return value
        }
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if inPage, let session = session.withLock({ $0 }) { message["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: message)
        bytes.append(0)
        try commands.write(contentsOf: bytes)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let answer = inbox.withLock { inbox -> Data? in
                for (index, data) in inbox.enumerated() {
                    if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], object["id"] as? Int == id {
                        inbox.remove(at: index)
                        return data
                    }
                }
                // Events nobody waits for are dropped, so the inbox stays small.
                inbox.removeAll { data in
                    ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["id"] == nil
                }
                return nil
            }
            if let answer {
                let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] ?? [:]
                if let error = object["error"] { throw Failure(description: "\(method): \(error)") }
                return object["result"] as? [String: Any] ?? [:]
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "\(method): no answer within \(timeout)")
    }

    /// Opens `url` in the page and waits until it has loaded.
    public func navigate(_ url: String) async throws {
        _ = try await send("Page.navigate", ["url": url])
        try await waitFor("document.readyState === 'complete' && location.href !== 'about:blank'")
    }

    /// The value of a JavaScript expression in the page (strings, numbers and booleans).
    public func evaluate(_ expression: String) async throws -> Any? {
        let result = try await send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = result["exceptionDetails"] { throw Failure(description: "\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Waits until a JavaScript condition holds in the page.
    public func waitFor(_ condition: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await evaluate("Boolean(\(condition))") as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        let text = try await evaluate("document.body ? document.body.innerText : ''") as? String ?? ""
        throw Failure(description: "not within \(timeout): \(condition); the page shows: \(text)")
    }

    /// Types `text` into the field `selector` as keystrokes would (the field gets focus, input events fire).
    public func type(_ selector: String, _ text: String) async throws {
        _ = try await evaluate(
            "(() => { const e = document.querySelector(\(Self.quoted(selector))); e.focus(); e.value = ''; })()")
        _ = try await send("Input.insertText", ["text": text])
    }

    /// Clicks the element `selector` at its centre with the mouse.
    public func click(_ selector: String) async throws {
        let box =
            try await evaluate(
                "(() => { const r = document.querySelector(\(Self.quoted(selector))).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
            ) as? [Any]
        guard let x = box?.first as? Double, let y = box?.last as? Double else { throw Failure(description: "no \(selector)") }
        for kind in ["mousePressed", "mouseReleased"] {
            _ = try await send(
                "Input.dispatchMouseEvent", ["type": kind, "x": x, "y": y, "button": "left", "clickCount": 1])
        }
    }

    /// What the screen shows, as text.
    public func visibleText() async throws -> String {
        try await evaluate("document.body.innerText") as? String ?? ""
    }

    /// A PNG of the page as the screen shows it.
    public func screenshot() async throws -> Data {
        let result = try await send("Page.captureScreenshot", ["format": "png"])
        guard let encoded = result["data"] as? String, let data = Data(base64Encoded: encoded) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    /// Closes the browser and removes its profile.
    public func close() async {
        _ = try? await send("Browser.close", [:], inPage: false, timeout: .seconds(5))
        for _ in 0..<50 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { process.terminate() }
        try? commands.close()
        try? FileManager.default.removeItem(at: directory)
    }

    static func quoted(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [text]), as: UTF8.self).dropFirst().dropLast().description
    }

    /// The width and height a PNG's header gives.
    public static func pngSize(_ png: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](png.prefix(24))
        guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func int(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }
}
