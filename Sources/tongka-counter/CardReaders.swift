import ArgumentParser
import Foundation
import TongkaCardSim
import TongkaCardTerminal

/// Which card reader the counter talks to, as given by `--reader` or `TONGKA_CARD_READER`.
enum CardReaderSpec: Equatable {
    /// `sim:PATH`: a software card file (made by `tongka-server cards personalise`).
    case simulated(path: String)
    /// `pcsc:NAME`: a PC/SC reader by name. Recognised, but not built in yet.
    case pcsc(name: String)

    /// Parses `sim:PATH` or `pcsc:NAME`; anything else is `invalid_reader`.
    init(parsing text: String) throws(CardReaderProblem) {
        guard let colon = text.firstIndex(of: ":") else { throw .invalidSpec(text) }
        let kind = text[..<colon]
        let rest = String(text[text.index(after: colon)...])
        guard !rest.isEmpty else { throw .invalidSpec(text) }
        switch kind {
        case "sim": self = .simulated(path: rest)
        case "pcsc": self = .pcsc(name: rest)
        default: throw .invalidSpec(text)
        }
    }
}

/// Why the counter could not reach a card. Each case has a stable code (README, "Counter-side codes").
enum CardReaderProblem: Error, Equatable {
    /// `invalid_reader`: the spec is neither `sim:PATH` nor `pcsc:NAME`.
    case invalidSpec(String)
    /// `reader_unavailable`: the kind of reader is known but this counter cannot drive it.
    case unavailable(kind: String)
    /// `card_unreadable`: the card (file) cannot be read; `path` names it.
    case unreadable(path: String, reason: String)

    var code: String {
        switch self {
        case .invalidSpec: "invalid_reader"
        case .unavailable: "reader_unavailable"
        case .unreadable: "card_unreadable"
        }
    }
}

/// The one place the counter makes card readers, and the only place it uses the simulator: the
/// rest of the counter sees `CardReader` and `PurseTerminal` only, so a PC/SC reader can be added
/// here without touching the commands.
enum CardReaders {
    /// A reader for `spec`. A software card file is checked here (it exists and is a valid card
    /// file), so a wrong path is reported before any command is sent.
    static func open(spec text: String) throws(CardReaderProblem) -> any CardReader {
        switch try CardReaderSpec(parsing: text) {
        case .simulated(let path):
            do {
                _ = try SimulatedCard.snapshot(at: path)
            } catch {
                throw .unreadable(path: path, reason: error.description)
            }
            return SimulatedCardReader(cardFile: path, faults: simulatedFaults)
        case .pcsc:
            throw .unavailable(kind: "pcsc")
        }
    }
}

extension CardReaders {
    /// A drill for software cards (training, and the tests of what the counter does when a card's
    /// answer is lost): `TONGKA_SIM_FAULT=lose:54` processes the next command with that INS (hex)
    /// but loses its answer, `drop:54` never delivers it; several, comma-separated, are armed
    /// together (`lose:54,lose:5A`). Real readers ignore it.
    static var simulatedFaults: [SimulatedFault] {
        guard let text = ProcessInfo.processInfo.environment["TONGKA_SIM_FAULT"] else { return [] }
        return text.split(separator: ",").compactMap { item in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let ins = UInt8(parts[1], radix: 16) else { return nil }
            switch parts[0] {
            case "lose": return .loseResponse(ins: ins)
            case "drop": return .dropCommand(ins: ins)
            default: return nil
            }
        }
    }
}

/// The reader option of commands that need the card.
struct ReaderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Card reader: sim:PATH for a software card file; pcsc:NAME is reserved for PC/SC readers (or TONGKA_CARD_READER).",
            valueName: "spec"))
    var reader: String?

    /// The spec from the option, else from the environment; nil when neither is set (an empty
    /// variable counts as unset).
    var spec: String? {
        if let reader { return reader }
        let variable = ProcessInfo.processInfo.environment["TONGKA_CARD_READER"]
        return variable.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension Counter {
    /// Connects to the card in the configured reader, runs `body` with a terminal over it and
    /// disconnects. Without a reader: `reader_required`; a card that cannot be read (reader
    /// errors, unexpected answers): `card_unreadable`.
    func withCard<T: Sendable>(
        _ options: ReaderOptions, _ body: (PurseTerminal) async throws -> T
    ) async throws -> T {
        let reader = try await openReader(options)
        do {
            let result = try await body(PurseTerminal(reader: reader))
            await reader.disconnect()
            return result
        } catch let failure as CounterFailure {
            await reader.disconnect()
            throw failure
        } catch {
            await reader.disconnect()
            throw failure(.unreadable(path: options.spec ?? "", reason: String(describing: error)))
        }
    }

    /// `reader_required`, with the hint how to name a reader.
    var readerRequired: CounterFailure {
        CounterFailure(
            code: "reader_required",
            message: t(
                "This needs the card: put it on a reader and give --reader sim:PATH (or set TONGKA_CARD_READER)",
                "此操作需要读卡：请将卡放上读卡器，并指定 --reader sim:路径（或设置 TONGKA_CARD_READER）"))
    }

    /// The problem as the counter reports it, in the clerk's language.
    func failure(_ problem: CardReaderProblem) -> CounterFailure {
        switch problem {
        case .invalidSpec(let text):
            return CounterFailure(
                code: problem.code,
                message: t(
                    "Unknown card reader \"\(text)\": use sim:PATH (a software card file) or pcsc:NAME",
                    "无法识别的读卡器“\(text)”：请用 sim:路径（软件卡文件）或 pcsc:名称"))
        case .unavailable:
            return CounterFailure(
                code: problem.code,
                message: t(
                    "PC/SC is not built into this counter yet; use a software card (sim:PATH)",
                    "本柜台程序尚未内置 PC/SC 读卡器支持，请使用软件卡（sim:路径）"))
        case .unreadable(let path, let reason):
            return CounterFailure(
                code: problem.code, message: t("Cannot read the card \(path): \(reason)", "无法读取卡片 \(path)：\(reason)"))
        }
    }
}
