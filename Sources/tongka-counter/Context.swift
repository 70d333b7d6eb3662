import ArgumentParser
import Foundation
import TongkaCardTerminal
import TongkaClient
import TongkaDomain

#if canImport(Glibc)
    import Glibc
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Server URL (or TONGKA_SERVER; default http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "Language of messages and tables: zh or en (default: from TONGKA_LANG or the locale).")
    var lang: String?

    @Flag(help: "Print one JSON object (the API's answer) instead of a table.")
    var json = false
}

/// What a command needs: where the server is, how to talk to people, and the saved session.
struct Counter {
    let serverURL: URL
    let language: Language
    let json: Bool
    let timeZone: TimeZone
    let sessions: SessionFile

    init(_ options: GlobalOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        let server = options.server ?? environment["TONGKA_SERVER"] ?? "http://127.0.0.1:8080"
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--server must be an http(s) URL")
        }
        serverURL = url
        // An empty variable counts as unset.
        let requested = (options.lang ?? environment["TONGKA_LANG"]).flatMap { $0.isEmpty ? nil : $0 }
        if let requested, !["zh", "en"].contains(requested.lowercased().prefix(2)) {
            throw ValidationError("--lang must be zh or en")
        }
        language = Language(
            localeOrHeader: requested ?? environment["LC_ALL"] ?? environment["LC_MESSAGES"] ?? environment["LANG"])
        json = options.json
        timeZone = environment["TONGKA_TIMEZONE"].flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "Asia/Shanghai")!
        sessions = SessionFile()
    }

    /// A client without a token (login).
    var anonymous: TongkaClient { TongkaClient(serverURL: serverURL, token: nil, language: language) }

    /// A client with the saved token for this server; fails with a hint when not logged in.
    func client(timeout: Duration = .seconds(60)) throws -> TongkaClient {
        guard let token = sessions.token(for: serverURL) else {
            throw CounterFailure(
                code: "unauthenticated",
                message: t("Not logged in: run `tongka-counter login` first", "尚未登录，请先运行 `tongka-counter login`"))
        }
        return TongkaClient(serverURL: serverURL, token: token, language: language, timeout: timeout)
    }

    /// The text in the chosen language. Every message exists in both.
    func t(_ english: String, _ chinese: String) -> String { language == .zh ? chinese : english }
}

/// A failure the counter reports itself (not from the server).
struct CounterFailure: Error {
    let code: String
    let message: String
}

/// A command that talks to the server. `execute` does the work; failures are printed with their
/// stable code and turned into a non-zero exit.
protocol CounterCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    func execute(_ counter: Counter) async throws
}

extension CounterCommand {
    func run() async throws {
        let counter = try Counter(global)
        do {
            try await execute(counter)
        } catch let failure as APIFailure {
            report(
                counter, code: failure.code, message: failure.message, lineErrors: failure.lineErrors,
                lineErrorCount: failure.lineErrorCount)
            // 1: the server refused the request; 69 (EX_UNAVAILABLE): it could not be reached or failed.
            throw ExitCode(failure.status == 0 || failure.status >= 500 ? 69 : 1)
        } catch let failure as CounterFailure {
            report(counter, code: failure.code, message: failure.message, lineErrors: [], lineErrorCount: nil)
            throw ExitCode(1)
        } catch let failure as PurseTerminalError {
            let (code, english, chinese) = Self.cardRefusal(failure)
            report(counter, code: code, message: counter.t(english, chinese), lineErrors: [], lineErrorCount: nil)
            throw ExitCode(1)
        } catch let failure as TongkaError {
            report(
                counter, code: failure.code.rawValue, message: failure.message(counter.language), lineErrors: [],
                lineErrorCount: nil)
            throw ExitCode(1)
        }
    }

    /// What the card itself refused, with the code the server uses for the same refusal.
    static func cardRefusal(_ failure: PurseTerminalError) -> (String, String, String) {
        switch failure {
        case .balanceLimitExceeded:
            return ("balance_limit_exceeded", "The card refuses: the balance would exceed its maximum", "卡片拒绝：充值后余额将超过卡内上限")
        case .applicationBlocked, .applicationPermanentlyBlocked:
            return ("card_blocked", "The card is blocked", "该卡已锁定")
        case .cardNotValid:
            return ("card_expired", "The card is outside its validity dates", "该卡不在有效期内")
        case .insufficientBalance:
            return ("amount_not_in_purse", "The card's balance is too low", "卡内余额不足")
        case .cardChanged:
            return ("card_mismatch", "A different card is in the reader", "读卡器中的卡已更换")
        default:
            return ("card_error", "The card answered unexpectedly: \(failure)", "卡片应答异常：\(failure)")
        }
    }

    private func report(
        _ counter: Counter, code: String, message: String, lineErrors: [Components.Schemas.LineError], lineErrorCount: Int?
    ) {
        if counter.json {
            let body = Components.Schemas._Error(
                code: code, message: message, lineErrors: lineErrors.isEmpty ? nil : lineErrors, lineErrorCount: lineErrorCount)
            Output.printJSON(body)
            return
        }
        Output.error("\(counter.t("error", "错误")) [\(code)] \(message)")
        if !lineErrors.isEmpty {
            let rows = lineErrors.map { [String($0.line), $0.problem, $0.message] }
            Output.error(
                Table(headers: [counter.t("line", "行号"), counter.t("problem", "问题"), counter.t("detail", "说明")], rows: rows)
                    .render())
            if let lineErrorCount, lineErrorCount > lineErrors.count {
                Output.error(counter.t("… \(lineErrorCount) problems in all", "……共 \(lineErrorCount) 处问题"))
            }
        }
    }
}

/// Where the bearer token lives between commands: `TONGKA_SESSION_FILE`, or
/// `$XDG_CONFIG_HOME/tongka/session.json` (`~/.config/tongka/session.json`), readable only by the
/// user (0600, directory 0700). One token per server URL.
struct SessionFile {
    let path: String

    init() {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["TONGKA_SESSION_FILE"], !explicit.isEmpty {
            path = explicit
        } else {
            let base =
                environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (NSHomeDirectory() as NSString).appendingPathComponent(".config")
            path = (base as NSString).appendingPathComponent("tongka/session.json")
        }
    }

    struct Entry: Codable {
        var token: String
        var username: String
        var expiresAt: Date
    }

    private func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode([String: Entry].self, from: data)) ?? [:]
    }

    private func save(_ entries: [String: Entry]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(entries)
        // Write to a temporary file created 0600, then rename: the token is never world-readable,
        // not even for a moment.
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CounterFailure(code: "file_not_written", message: "cannot write \(path)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CounterFailure(code: "file_not_written", message: "cannot replace \(path): \(reason)")
        }
        chmod(path, 0o600)
    }

    func token(for server: URL) -> String? {
        guard let entry = load()[server.absoluteString], entry.expiresAt > Date() else { return nil }
        return entry.token
    }

    func store(_ entry: Entry, for server: URL) throws {
        var entries = load()
        entries[server.absoluteString] = entry
        try save(entries)
    }

    func remove(for server: URL) throws {
        var entries = load()
        entries[server.absoluteString] = nil
        try save(entries)
    }
}

/// Reading what people type.
enum Prompt {
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// A line from standard input, after printing `label` on a terminal.
    static func line(_ label: String) -> String? {
        if isInteractive { Output.write(Data(label.utf8), to: .standardError) }
        return readLine(strippingNewline: true)
    }

    /// A secret: from the environment variable if set, else typed on the terminal without echo.
    static func secret(_ label: String, environment name: String) throws -> String {
        if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
        guard isInteractive else {
            throw CounterFailure(code: "no_terminal", message: "no terminal to read the password from; set \(name)")
        }
        return unechoed(label) ?? ""
    }

    /// A line typed on the terminal without echo, after printing `label`; a plain line when input
    /// is not a terminal. For passwords, and for identity documents that people queueing behind
    /// the counter should not read off the screen.
    static func unechoed(_ label: String) -> String? {
        guard isInteractive else { return readLine(strippingNewline: true) }
        Output.write(Data(label.utf8), to: .standardError)
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            Output.write(Data("\n".utf8), to: .standardError)
        }
        return readLine(strippingNewline: true)
    }
}
