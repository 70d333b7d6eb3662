import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

// MARK: Blacklist (黑名单)

struct BlacklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blacklist",
        abstract: "The blacklist: add, remove, show, history, list, undo, approve, reject, batches, status (supervisor, admin).",
        subcommands: [
            Add.self, Remove.self, Show.self, History.self, List.self, Undo.self, Approve.self, Reject.self, Batches.self,
            Status.self, Import.self, Export.self,
        ])

    /// Card numbers from the arguments and, with `--file`, one per line of a file (blank lines and
    /// `#` comments skipped).
    static func cards(_ arguments: [String], file: String?, counter: Counter) throws -> [String] {
        var cards = arguments
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CounterFailure(code: "file_not_found", message: counter.t("Cannot read \(file)", "无法读取文件 \(file)"))
            }
            cards += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        guard !cards.isEmpty else {
            throw CounterFailure(code: "usage", message: counter.t("Name at least one card", "请至少指定一张卡"))
        }
        return cards
    }

    static func printBatch(_ batch: Components.Schemas.BlacklistBatch, counter: Counter) {
        if counter.json { return Output.printJSON(batch) }
        let versions = batch.firstVersion.map { first in
            let last = batch.lastVersion ?? first
            return first == last ? "v\(first)" : "v\(first)–v\(last)"
        }
        switch batch.state {
        case .rejected:
            Output.line(
                counter.t(
                    "Batch #\(batch.batchId) of \(batch.size) changes was rejected by \(batch.rejectedBy ?? "-"); none was applied.",
                    "批次 #\(batch.batchId) 共 \(batch.size) 项变更已被 \(batch.rejectedBy ?? "-") 驳回，均未生效。"))
        case .pending:
            Output.line(
                counter.t(
                    "Batch #\(batch.batchId) of \(batch.size) changes is held until a second admin approves it (blacklist approve \(batch.batchId)).",
                    "批次 #\(batch.batchId) 共 \(batch.size) 项变更，须另一位管理员审批后生效（blacklist approve \(batch.batchId)）。"))
        default:
            Output.line(
                counter.t(
                    "Batch #\(batch.batchId): \(batch.size) changes applied as \(versions ?? "-").",
                    "批次 #\(batch.batchId)：\(batch.size) 项变更已生效，版本 \(versions ?? "-")。"))
        }
        if batch.skipped > 0 {
            Output.line(
                counter.t(
                    "\(batch.skipped) cards were left as they are: they changed again after the batch.",
                    "\(batch.skipped) 张卡在该批次之后又有变更，未予撤销。"))
        }
    }

    static func reasonName(_ raw: String, counter: Counter) -> String {
        BlacklistReason(rawValue: raw)?.localizedName(counter.language) ?? raw
    }

    /// The cards of one batch and its note, for `add` and `remove`.
    struct BatchOptions: ParsableArguments {
        @Argument(help: "Card numbers (19 digits).") var cards: [String] = []
        @Option(help: "A file with one card number per line.") var file: String?
        @Option(help: "A note for the batch.") var note: String?
    }

    /// Sends one batch: every card named, with the same action and reason.
    static func change(
        _ action: Components.Schemas.BlacklistAction, _ batch: BatchOptions, reason raw: String, counter: Counter
    ) async throws {
        let numbers = try cards(batch.cards, file: batch.file, counter: counter)
        let note = batch.note
        guard let reason = Components.Schemas.BlacklistReason(rawValue: raw) else {
            throw CounterFailure(code: "invalid_blacklist_reason", message: counter.t("Unknown reason \(raw)", "未知原因 \(raw)"))
        }
        let batch = try await counter.client().changeBlacklist(
            numbers.map { .init(cardNumber: $0, action: action, reason: reason) }, note: note)
        printBatch(batch, counter: counter)
    }

    struct Add: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "List cards, as one batch (supervisor, admin). Large batches wait for a second admin.",
            discussion: """
                Reasons: lost, fraud, damaged for this operator's cards; external for another issuer's.
                JSON: the BlacklistBatch.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var batch: BatchOptions
        @Option(help: "lost, fraud, damaged or external.") var reason: String

        func execute(_ counter: Counter) async throws {
            try await BlacklistCommand.change(.add, batch, reason: reason, counter: counter)
        }
    }

    struct Remove: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take cards off the list, as one batch (supervisor, admin); validators receive the removal.",
            discussion: "JSON: the BlacklistBatch.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var batch: BatchOptions
        @Option(help: "Why: the reason the card was listed with, or damaged, fraud, lost (default: lost).")
        var reason: String = "lost"

        func execute(_ counter: Counter) async throws {
            try await BlacklistCommand.change(.remove, batch, reason: reason, counter: counter)
        }
    }

    struct Import: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import another issuer's blacklist (the national platform's sorted-lines file with its CRC-32) (admin).",
            discussion: """
                The whole file or nothing: a bad CRC, an unsorted or bad line is refused with its line number.
                The differences against that issuer's previous import are listed as one batch (source external).
                JSON: the BlacklistImport.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The exchange file.") var file: String
        @Option(help: "The issuer whose list it is (16 hex digits).") var issuer: String

        func execute(_ counter: Counter) async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CounterFailure(code: "file_not_found", message: counter.t("Cannot read \(file)", "无法读取文件 \(file)"))
            }
            let result = try await counter.client(timeout: .seconds(30 * 60)).importBlacklist(issuer: issuer, file: Array(data))
            if counter.json { return Output.printJSON(result) }
            Output.line(
                counter.t(
                    "Issuer \(result.issuerId): \(result.listed) cards in the file; \(result.added) added, \(result.removed) removed.",
                    "发卡机构 \(result.issuerId)：文件共 \(result.listed) 张；新增 \(result.added) 张，移出 \(result.removed) 张。"))
            if let batch = result.batch { BlacklistCommand.printBatch(batch, counter: counter) }
        }
    }

    struct Export: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write this operator's listed cards in the national platform's exchange format (admin, auditor).",
            discussion: "One 19-digit number per line, ascending, then CRC32 XXXXXXXX.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The file to write.") var output: String

        func execute(_ counter: Counter) async throws {
            let bytes = try await counter.client(timeout: .seconds(30 * 60)).exportBlacklist()
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                throw CounterFailure(code: "file_not_written", message: counter.t("Cannot write \(output)", "无法写入文件 \(output)"))
            }
            let cards = max(0, bytes.filter { $0 == 0x0A }.count - 1)
            if counter.json { return Output.printJSON(["file": output, "cards": "\(cards)"]) }
            Output.line(counter.t("Wrote \(cards) cards to \(output).", "已写出 \(cards) 张卡至 \(output)。"))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Whether a card is listed, why and since when (supervisor, admin, auditor).",
            discussion: "JSON: the BlacklistCard.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Card number.") var card: String

        func execute(_ counter: Counter) async throws {
            let view = try await counter.client().blacklistCard(card)
            if counter.json { return Output.printJSON(view) }
            if let entry = view.entry {
                Output.line(
                    counter.t(
                        "\(view.cardNumber) is listed (\(BlacklistCommand.reasonName(entry.reason.rawValue, counter: counter))) since v\(entry.version), \(counter.time(entry.listedAt)).",
                        "\(view.cardNumber) 已列入黑名单（\(BlacklistCommand.reasonName(entry.reason.rawValue, counter: counter))），版本 v\(entry.version)，\(counter.time(entry.listedAt))。"
                    ))
            } else {
                Output.line(counter.t("\(view.cardNumber) is not listed.", "\(view.cardNumber) 不在黑名单中。"))
            }
        }
    }

    struct History: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every change of one card on the list, oldest first (supervisor, admin, auditor).",
            discussion: "JSON: the BlacklistCard.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Card number.") var card: String

        func execute(_ counter: Counter) async throws {
            let view = try await counter.client().blacklistCard(card)
            if counter.json { return Output.printJSON(view) }
            guard !view.history.isEmpty else {
                return Output.line(counter.t("\(view.cardNumber) was never listed.", "\(view.cardNumber) 从未列入黑名单。"))
            }
            Output.line(counter.t("Card \(view.cardNumber)", "卡号 \(view.cardNumber)"))
            Output.line(
                Table(
                    headers: [
                        counter.t("Version", "版本"), counter.t("Time", "时间"), counter.t("Change", "变更"),
                        counter.t("Reason", "原因"), counter.t("Batch", "批次"), counter.t("By", "操作人"),
                    ],
                    rows: view.history.map {
                        [
                            "v\($0.version)", counter.time($0.changedAt),
                            $0.action == .add ? counter.t("listed", "列入") : counter.t("removed", "移出"),
                            BlacklistCommand.reasonName($0.reason.rawValue, counter: counter), "#\($0.batchId)",
                            $0.changedBy ?? counter.t("system", "系统"),
                        ]
                    }
                ).render())
        }
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cards listed now, by card number (supervisor, admin, auditor).",
            discussion: "JSON: {\"entries\": [BlacklistEntry], \"next\"}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Rows per page (1-1000).") var limit: Int?
        @Option(help: "The cursor printed after the previous page.") var cursor: String?

        func execute(_ counter: Counter) async throws {
            let page = try await counter.client().blacklistEntries(cursor: cursor, limit: limit)
            if counter.json { return Output.printJSON(page) }
            Output.line(
                Table(
                    headers: [
                        counter.t("Card", "卡号"), counter.t("Reason", "原因"), counter.t("Version", "版本"),
                        counter.t("Listed", "列入时间"), counter.t("Valid to", "有效期至"),
                    ],
                    rows: page.entries.map {
                        [
                            $0.cardNumber, BlacklistCommand.reasonName($0.reason.rawValue, counter: counter), "v\($0.version)",
                            counter.time($0.listedAt), $0.validTo ?? "",
                        ]
                    }
                ).render())
            if let next = page.next { Output.line(counter.t("More: --cursor \(next)", "下一页：--cursor \(next)")) }
        }
    }

    struct Undo: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo every change of one batch as a new batch (admin).", discussion: "JSON: the new BlacklistBatch.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Batch number.") var batch: Int64
        @Option(help: "A note for the undo.") var note: String?

        func execute(_ counter: Counter) async throws {
            BlacklistCommand.printBatch(try await counter.client().undoBlacklistBatch(batch, note: note), counter: counter)
        }
    }

    struct Approve: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a held batch as the second admin; it is applied at once.",
            discussion: "JSON: the BlacklistBatch.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Batch number.") var batch: Int64

        func execute(_ counter: Counter) async throws {
            BlacklistCommand.printBatch(try await counter.client().approveBlacklistBatch(batch), counter: counter)
        }
    }

    struct Reject: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a held batch: none of its changes is applied (admin; the maker may withdraw its own).",
            discussion: "JSON: the BlacklistBatch.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Batch number.") var batch: Int64
        @Option(help: "Why it is rejected.") var note: String?

        func execute(_ counter: Counter) async throws {
            BlacklistCommand.printBatch(try await counter.client().rejectBlacklistBatch(batch, note: note), counter: counter)
        }
    }

    struct Batches: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Batches, newest first (supervisor, admin, auditor).",
            discussion: "JSON: {\"batches\": [BlacklistBatch], \"next\"}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "applied, pending or rejected.") var state: String?
        @Option(help: "Rows per page (1-1000).") var limit: Int?
        @Option(help: "The cursor printed after the previous page.") var cursor: String?

        func execute(_ counter: Counter) async throws {
            let filter = try state.map { raw in
                guard let state = Operations.ListBlacklistBatches.Input.Query.StatePayload(rawValue: raw) else {
                    throw CounterFailure(code: "usage", message: counter.t("Unknown state \(raw)", "未知状态 \(raw)"))
                }
                return state
            }
            let page = try await counter.client().blacklistBatches(state: filter, cursor: cursor, limit: limit)
            if counter.json { return Output.printJSON(page) }
            Output.line(
                Table(
                    headers: [
                        counter.t("Batch", "批次"), counter.t("Kind", "类型"), counter.t("State", "状态"),
                        counter.t("Changes", "变更数"), counter.t("By", "操作人"), counter.t("Time", "时间"),
                        counter.t("Note", "备注"),
                    ],
                    rows: page.batches.map {
                        [
                            "#\($0.batchId)", $0.kind.rawValue, $0.state.rawValue, "\($0.size)", $0.createdBy ?? "",
                            counter.time($0.createdAt), $0.note,
                        ]
                    }
                ).render())
            if let next = page.next { Output.line(counter.t("More: --cursor \(next)", "下一页：--cursor \(next)")) }
        }
    }

    struct Status: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Proof of propagation: when the card was listed and how many validators have applied it.",
            discussion: "JSON: the BlacklistCard.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Card number.") var card: String

        func execute(_ counter: Counter) async throws {
            let view = try await counter.client().blacklistCard(card)
            if counter.json { return Output.printJSON(view) }
            Output.line(BlacklistCommand.statusLine(view, counter: counter, now: Date()))
            if !view.behind.isEmpty {
                Output.line(
                    Table(
                        headers: [
                            counter.t("Terminal", "终端号"), counter.t("Mode", "方式"), counter.t("Line", "线路"),
                            counter.t("Applied", "已应用版本"), counter.t("Last seen", "最后联网"),
                        ],
                        rows: view.behind.map {
                            [
                                $0.terminalNumber,
                                TransportMode(rawValue: $0.mode.rawValue)?.localizedName(counter.language) ?? "",
                                $0.line, $0.appliedVersion.map { "v\($0)" } ?? "-", counter.time($0.lastSeenAt),
                            ]
                        }
                    ).render())
            }
        }
    }

    /// `已列入黑名单 v1042 (10:02:11)；1,912 台终端中 1,873 台已更新 (98.0%)；39 台落后，最久 3 小时未联网`.
    static func statusLine(_ view: Components.Schemas.BlacklistCard, counter: Counter, now: Date) -> String {
        let total = view.activeValidators
        let applied = view.appliedValidators
        let percent = PropagationFigure(applied: applied, active: total).percent
        let clock = view.changedAt.map { String(counter.time($0).suffix(8)) } ?? ""
        let head: String
        if view.listed, let version = view.version {
            head = counter.t("Listed v\(version) (\(clock))", "已列入黑名单 v\(version) (\(clock))")
        } else if let version = view.version {
            head = counter.t("Removed from the list v\(version) (\(clock))", "已移出黑名单 v\(version) (\(clock))")
        } else {
            return counter.t("\(view.cardNumber) was never listed.", "\(view.cardNumber) 从未列入黑名单。")
        }
        var text =
            head
            + counter.t(
                "; \(grouped(applied)) of \(grouped(total)) validators updated (\(percent))",
                "；\(grouped(total)) 台终端中 \(grouped(applied)) 台已更新 (\(percent))")
        if view.behindValidators > 0 {
            let oldest = view.behind.first.map { validator -> String in
                guard let seen = validator.lastSeenAt else { return counter.t("never seen", "从未联网") }
                let hours = Int(now.timeIntervalSince(seen) / 3600)
                return hours >= 1
                    ? counter.t("longest \(hours) h offline", "最久 \(hours) 小时未联网")
                    : counter.t(
                        "longest \(Int(now.timeIntervalSince(seen) / 60)) min offline",
                        "最久 \(Int(now.timeIntervalSince(seen) / 60)) 分钟未联网")
            }
            text += counter.t(
                "; \(grouped(view.behindValidators)) behind, \(oldest ?? "")",
                "；\(grouped(view.behindValidators)) 台落后，\(oldest ?? "")")
        }
        return text
    }

    static func grouped(_ value: Int) -> String { groupedCount(value) }
}

// MARK: Validators

// MARK: Issuer whitelist (发卡机构白名单)

struct WhitelistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whitelist",
        abstract: "The issuer whitelist validators get with the blacklist: import, show.",
        subcommands: [Import.self, Show.self])

    struct Import: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the national platform's issuer whitelist (card prefix -> issuer id) (admin).",
            discussion:
                "The file: one \"PPPPPPPP IIIIIIIIIIIIIIII\" line per prefix, ascending, then CRC32 XXXXXXXX "
                + "(docs/blacklist-format.md section 6). The whole file or nothing: bad lines are refused "
                + "with their line numbers. JSON: the IssuerWhitelistImport.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The whitelist file.") var file: String

        func execute(_ counter: Counter) async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CounterFailure(code: "file_not_found", message: counter.t("Cannot read \(file)", "无法读取文件 \(file)"))
            }
            let result = try await counter.client(timeout: .seconds(5 * 60)).importIssuerWhitelist(file: Array(data))
            if counter.json { return Output.printJSON(result) }
            if !result.changed {
                return Output.line(
                    counter.t(
                        "The file is the same as whitelist v\(result.version) (\(result.entries) prefixes); nothing changed.",
                        "文件与白名单 v\(result.version)（\(result.entries) 个前缀）相同，未作变更。"))
            }
            Output.line(
                counter.t(
                    "Whitelist v\(result.version): \(result.entries) prefixes; \(result.added) added, \(result.removed) removed.",
                    "白名单 v\(result.version)：共 \(result.entries) 个前缀；新增 \(result.added) 个，移出 \(result.removed) 个。"))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "The whitelist validators get now (supervisor, admin, auditor).", discussion: "JSON: the IssuerWhitelist.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let whitelist = try await counter.client().issuerWhitelist()
            if counter.json { return Output.printJSON(whitelist) }
            let source =
                whitelist.version == 0
                ? counter.t("no import yet: this operator's prefixes only", "尚未导入：仅本机构前缀")
                : counter.t(
                    "v\(whitelist.version), imported \(whitelist.importedAt.map(counter.time) ?? "") by \(whitelist.importedBy ?? "")",
                    "v\(whitelist.version)，\(whitelist.importedAt.map(counter.time) ?? "") 由 \(whitelist.importedBy ?? "") 导入")
            Output.line(counter.t("Issuer whitelist: \(source)", "发卡机构白名单：\(source)"))
            Output.line(
                Table(
                    headers: [counter.t("Card prefix", "卡号前缀"), counter.t("Issuer id", "发卡机构代码"), counter.t("Own", "本机构")],
                    rows: whitelist.entries.map { [$0.cardPrefix, $0.issuerId, $0.own ? counter.t("yes", "是") : ""] }
                ).render())
        }
    }
}

struct ValidatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validator", abstract: "Validators: register, list, revoke, group limits (admin).",
        subcommands: [Register.self, List.self, Revoke.self, Group.self])

    struct Register: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a validator (admin); prints its token once.",
            discussion: "JSON: the ValidatorWithToken (token, public key, issuer id).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Terminal number: 12 digits (6 bytes BCD).") var terminal: String
        @Option(help: "PSAM serial (hex).") var psam: String
        @Option(help: "bus, metro, brt, tram, ferry, taxi, rail or bike.") var mode: String
        @Option(help: "Line.") var line: String
        @Option(help: "Depot.") var depot: String
        @Option(help: "Group (hardware class).") var group: String

        func execute(_ counter: Counter) async throws {
            guard let mode = Components.Schemas.TransportMode(rawValue: mode) else {
                throw CounterFailure(
                    code: "invalid_validator", message: counter.t("Unknown mode \(self.mode)", "未知交通方式 \(self.mode)"))
            }
            let registered = try await counter.client().registerValidator(
                .init(terminalNumber: terminal, psamSerial: psam, mode: mode, line: line, depot: depot, group: group))
            if counter.json { return Output.printJSON(registered) }
            Output.line(
                counter.t(
                    "Validator \(registered.validator.terminalNumber) registered. Its token (shown once): \(registered.token)",
                    "终端 \(registered.validator.terminalNumber) 已注册。凭证（仅显示一次）：\(registered.token)"))
            Output.line(counter.t("List public key: \(registered.publicKey)", "名单公钥：\(registered.publicKey)"))
        }
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validators with their applied version and last contact (supervisor, admin, auditor).",
            discussion: "JSON: {\"validators\": [Validator], \"next\"}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Rows per page (1-1000).") var limit: Int?
        @Option(help: "The cursor printed after the previous page.") var cursor: String?

        func execute(_ counter: Counter) async throws {
            let page = try await counter.client().validators(cursor: cursor, limit: limit)
            if counter.json { return Output.printJSON(page) }
            Output.line(ValidatorCommand.table(page.validators, counter: counter))
            if let next = page.next { Output.line(counter.t("More: --cursor \(next)", "下一页：--cursor \(next)")) }
        }
    }

    static func table(_ validators: [Components.Schemas.Validator], counter: Counter) -> String {
        Table(
            headers: [
                counter.t("Terminal", "终端号"), counter.t("Mode", "方式"), counter.t("Line", "线路"), counter.t("Depot", "场站"),
                counter.t("Group", "分组"), counter.t("Applied", "已应用版本"), counter.t("Last seen", "最后联网"),
                counter.t("State", "状态"),
            ],
            rows: validators.map {
                [
                    $0.terminalNumber, TransportMode(rawValue: $0.mode.rawValue)?.localizedName(counter.language) ?? "", $0.line,
                    $0.depot, $0.group, $0.appliedVersion.map { "v\($0)" } ?? "-", counter.time($0.lastSeenAt),
                    $0.revoked ? counter.t("revoked", "已吊销") : counter.t("active", "在用"),
                ]
            }
        ).render()
    }

    struct Revoke: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a validator's token for good (admin).", discussion: "JSON: the Validator.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Terminal number.") var terminal: String

        func execute(_ counter: Counter) async throws {
            let validator = try await counter.client().revokeValidator(terminal)
            if counter.json { return Output.printJSON(validator) }
            Output.line(counter.t("Validator \(validator.terminalNumber) revoked.", "终端 \(validator.terminalNumber) 的凭证已吊销。"))
        }
    }

    struct Group: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the most list entries a group's hardware holds (admin); without --max-entries, no limit.",
            discussion:
                "Above the limit the group gets the list cut by the documented rule, and the report says how many were dropped.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Group code.") var group: String
        @Option(help: "Maximum entries.") var maxEntries: Int?

        func execute(_ counter: Counter) async throws {
            try await counter.client().setValidatorGroup(group, maxEntries: maxEntries)
            if counter.json { return Output.printJSON(["group": group]) }
            Output.line(
                maxEntries.map {
                    counter.t("Group \(group): at most \($0) entries.", "分组 \(group)：最多 \($0) 条。")
                } ?? counter.t("Group \(group): no limit.", "分组 \(group)：不限条数。"))
        }
    }
}
