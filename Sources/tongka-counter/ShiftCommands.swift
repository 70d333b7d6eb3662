import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

/// Options of every money command: the idempotency key. A new key is made per run; pass the key a
/// timed-out run printed to repeat it safely (the server answers with the first result).
struct MoneyOptions: ParsableArguments {
    @Option(help: "Repeat an earlier attempt with its key (printed on failure); a new key by default.")
    var idempotencyKey: String?

    var key: String { idempotencyKey ?? UUID().uuidString.lowercased() }
}

extension Counter {
    /// Runs a money command; when it fails in a way that leaves the outcome unknown, says how to
    /// repeat it safely with the same key.
    func money<T>(key: String, _ body: (String) async throws -> T) async throws -> T {
        do {
            return try await body(key)
        } catch let failure as APIFailure where failure.status == 0 || failure.status >= 500 {
            Output.error(
                t(
                    "The outcome is unknown. Repeat with --idempotency-key \(key) to get the first result instead of a second transaction.",
                    "结果未知。请加 --idempotency-key \(key) 重试，将返回首次结果而不会重复记账。"))
            throw failure
        }
    }

    func printShift(_ report: Components.Schemas.ShiftReport) {
        let shift = report.shift
        var pairs: [(String, String)] = [
            (t("Shift", "班次"), "#\(shift.id)\(report.replayed ? t(" (repeated request)", "（重复请求）") : "")"),
            (t("Clerk", "柜员"), shift.clerk),
            (t("Hall", "网点"), shift.hall),
            (t("Opened", "开班时间"), time(shift.openedAt)),
            (t("Opening float", "备用金"), money(shift.openingFloatFen)),
            (t("Expected cash", "应有现金"), money(shift.expectedCashFen)),
        ]
        if let closedAt = shift.closedAt {
            pairs.append((t("Closed", "结班时间"), time(closedAt)))
            pairs.append((t("Counted cash", "实点现金"), money(shift.countedCashFen ?? 0)))
            let difference = shift.differenceFen ?? 0
            let label = difference > 0 ? t("over", "长款") : difference < 0 ? t("short", "短款") : t("balanced", "相符")
            pairs.append((t("Difference", "差额"), "\(money(difference)) (\(label))"))
            if let note = shift.closeNote { pairs.append((t("Note", "备注"), note)) }
            if let reason = shift.forceCloseReason {
                pairs.append((t("Forced close by", "强制结班人"), "\(shift.closedBy ?? "-"): \(reason)"))
            }
        } else {
            pairs.append((t("Status", "状态"), t("open", "营业中")))
        }
        fields(pairs)
        if !report.receipts.isEmpty {
            Output.line()
            Output.line(
                Table(
                    headers: [t("Payment", "收款方式"), t("Amount", "金额"), t("Transactions", "笔数")],
                    rows: report.receipts.map {
                        [
                            PaymentMethod(rawValue: $0.method.rawValue)?.localizedName(language) ?? $0.method.rawValue,
                            money($0.amountFen), String($0.transactions),
                        ]
                    }
                ).render())
        }
        if !report.channelPayments.isEmpty {
            Output.line()
            Output.line(
                Table(
                    headers: [t("Channel", "支付渠道"), t("Reference", "交易参考号"), t("Amount", "金额"), t("Time", "时间")],
                    rows: report.channelPayments.map {
                        [
                            PaymentMethod(rawValue: $0.method.rawValue)?.localizedName(language) ?? $0.method.rawValue,
                            $0.reference,
                            money($0.amountFen), time($0.at),
                        ]
                    }
                ).render())
        }
        printShiftLoads(report)
        Output.line()
        Output.line(
            Table(
                headers: [t("Product", "卡产品"), t("Name", "名称"), t("Cards issued", "发卡数量")],
                rows: report.stockMovements.map { [$0.product, $0.productName, String($0.cardsIssued)] }
            ).render())
        if !report.hallStock.isEmpty {
            Output.line()
            Output.line(
                Table(
                    headers: [t("Product", "卡产品"), t("Name", "名称"), t("In hall stock", "网点库存")],
                    rows: report.hallStock.map { [$0.product, $0.productName, String($0.inStock)] }
                ).render())
        }
    }
}

extension Counter {
    /// The shift's top-ups by outcome and payment method, and the loads still undecided.
    func printShiftLoads(_ report: Components.Schemas.ShiftReport) {
        if !report.loadTotals.isEmpty {
            Output.line()
            Output.line(
                Table(
                    headers: [t("Top-ups", "充值"), t("Payment", "收款方式"), t("Loads", "笔数"), t("Amount", "金额")],
                    rows: report.loadTotals.map {
                        [
                            loadState($0.state), $0.paymentMethod.map { paymentName($0.rawValue) } ?? t("other", "其他"),
                            String($0.loads), money($0.amountFen),
                        ]
                    }
                ).render())
        }
        if !report.openLoads.isEmpty {
            Output.line()
            Output.line(
                t(
                    "Undecided top-ups: read each card again (load resolve) before closing the shift.",
                    "未决充值：结班前请重新读卡处理（load resolve）。"))
            Output.line(
                Table(
                    headers: [
                        t("Load", "充值编号"), t("Card", "卡号"), t("State", "状态"), t("Amount", "金额"), t("Payment", "收款方式"),
                        t("Reference", "交易参考号"), t("Time", "时间"),
                    ],
                    rows: report.openLoads.map {
                        [
                            String($0.loadId), cardNumber($0.cardNumber, reveal: false), loadState($0.state), money($0.amountFen),
                            $0.paymentMethod.map { paymentName($0.rawValue) } ?? "", $0.paymentReference ?? "",
                            time($0.authorisedAt),
                        ]
                    }
                ).render())
        }
    }
}

struct ShiftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shift", abstract: "Shifts: open with a float, close with the counted cash.",
        subcommands: [Open.self, Status.self, Close.self, ForceClose.self, List.self, Show.self])

    struct Open: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open your shift with a cash float taken from the hall's cash office.",
            discussion: "JSON: the API's ShiftReport.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @Option(help: "Cash float in yuan (50, 50.5, ¥50.50).") var float: String

        func execute(_ counter: Counter) async throws {
            let fen = try counter.amount(float, field: "--float")
            let client = try counter.client()
            let report = try await counter.money(key: money.key) { key in
                try await client.openShift(floatFen: fen, idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(report) }
            Output.line(counter.t("Shift opened.", "已开班。"))
            counter.printShift(report)
        }
    }

    struct Status: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Your open shift: expected cash, receipts, cards issued.", discussion: "JSON: the API's ShiftReport.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().currentShift()
            if counter.json { return Output.printJSON(report) }
            counter.printShift(report)
        }
    }

    struct Close: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close your shift with the cash counted in the drawer; any difference is recorded. Final.",
            discussion: "JSON: the API's ShiftReport (with expectedCashFen, countedCashFen, differenceFen).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @Option(help: "Cash counted in the drawer, in yuan.") var counted: String
        @Option(help: "A note, e.g. the reason for a difference.") var note: String?

        func execute(_ counter: Counter) async throws {
            let fen = try counter.amount(counted, field: "--counted")
            let client = try counter.client()
            let report = try await counter.money(key: money.key) { key in
                try await client.closeShift(countedFen: fen, note: note, idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(report) }
            Output.line(counter.t("Shift closed.", "已结班。"))
            counter.printShift(report)
        }
    }

    struct ForceClose: CounterCommand {
        static let configuration = CommandConfiguration(
            commandName: "force-close",
            abstract:
                "Close another clerk's open shift with the counted cash and a reason (supervisor of the hall, admin). Final.",
            discussion: "JSON: the API's ShiftReport.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @Argument(help: "The shift number (see shift list --open-only).") var shift: Int64
        @Option(help: "Cash counted in the drawer, in yuan.") var counted: String
        @Option(help: "Why the clerk could not close the shift (recorded).") var reason: String

        func execute(_ counter: Counter) async throws {
            let fen = try counter.amount(counted, field: "--counted")
            let client = try counter.client()
            let report = try await counter.money(key: money.key) { key in
                try await client.forceCloseShift(id: shift, countedFen: fen, reason: reason, idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(report) }
            Output.line(counter.t("Shift closed by force.", "已强制结班。"))
            counter.printShift(report)
        }
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shifts and cash differences (supervisor: own hall; admin, auditor: all).",
            discussion: "JSON: {\"shifts\": [Shift]}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Hall code.") var hall: String?
        @Option(help: "First day, YYYY-MM-DD.") var from: String?
        @Option(help: "Last day, YYYY-MM-DD.") var to: String?
        @Flag(help: "Only shifts closed with a difference.") var differences = false
        @Flag(help: "Only open shifts.") var open = false

        func execute(_ counter: Counter) async throws {
            let shifts = try await counter.client().shifts(
                hall: hall, from: from, to: to, differencesOnly: differences, openOnly: open)
            if counter.json { return Output.printJSON(Components.Schemas.ShiftList(shifts: shifts)) }
            Output.line(
                Table(
                    headers: [
                        "#", counter.t("Hall", "网点"), counter.t("Clerk", "柜员"), counter.t("Opened", "开班"),
                        counter.t("Closed", "结班"), counter.t("Expected", "应有"), counter.t("Counted", "实点"),
                        counter.t("Difference", "差额"),
                    ],
                    rows: shifts.map {
                        [
                            String($0.id), $0.hall, $0.clerk, counter.time($0.openedAt),
                            $0.closedAt.map(counter.time) ?? counter.t("open", "营业中"), counter.money($0.expectedCashFen),
                            $0.countedCashFen.map(counter.money) ?? "", $0.differenceFen.map(counter.money) ?? "",
                        ]
                    }
                ).render())
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "One shift by number.", discussion: "JSON: the API's ShiftReport.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Shift number.") var id: Int64

        func execute(_ counter: Counter) async throws {
            let report = try await counter.client().shift(id: id)
            if counter.json { return Output.printJSON(report) }
            counter.printShift(report)
        }
    }
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The double-entry ledger.", subcommands: [Check.self])

    struct Check: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Prove every transaction sums to zero and every balance equals its entries (auditor, admin). Exits 1 when not.",
            discussion: "JSON: the API's LedgerCheck.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let check = try await counter.client().checkLedger()
            if counter.json {
                Output.printJSON(check)
            } else {
                counter.fields([
                    (counter.t("Result", "结果"), check.passed ? counter.t("PASSED", "通过") : counter.t("FAILED", "未通过")),
                    (counter.t("Transactions", "交易笔数"), String(check.transactions)),
                    (counter.t("Entries", "分录条数"), String(check.entries)),
                    (counter.t("Accounts", "账户数"), String(check.accounts)),
                    (counter.t("Sum of all entries", "全部分录合计"), counter.money(check.totalFen)),
                    (
                        counter.t("Unbalanced transactions", "不平衡交易"),
                        check.unbalancedTransactions.map(String.init).joined(separator: ", ")
                    ),
                    (counter.t("Balance mismatches", "余额不符账户"), check.balanceMismatches.map(String.init).joined(separator: ", ")),
                    (counter.t("Negative balances", "负余额账户"), check.negativeBalances.map(String.init).joined(separator: ", ")),
                ])
            }
            if !check.passed { throw ExitCode(1) }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit log (auditor, admin).", subcommands: [List.self, Verify.self])

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Audit events, newest first.", discussion: "JSON: {\"events\": [AuditEvent]}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "First day, YYYY-MM-DD.") var from: String?
        @Option(help: "Last day, YYYY-MM-DD.") var to: String?
        @Option(help: "Only this user name.") var actor: String?
        @Option(help: "An action (shift.close) or a prefix ending in a dot (clerk.).") var action: String?
        @Option(help: "At most this many (1-1000).") var limit: Int = 50

        func execute(_ counter: Counter) async throws {
            let events = try await counter.client().auditEvents(from: from, to: to, actor: actor, action: action, limit: limit)
            if counter.json { return Output.printJSON(Components.Schemas.AuditEventList(events: events)) }
            Output.line(
                Table(
                    headers: [
                        "#", counter.t("Time", "时间"), counter.t("User", "用户"), counter.t("Hall", "网点"), counter.t("Action", "操作"),
                        counter.t("Subject", "对象"), counter.t("Details", "详情"),
                    ],
                    rows: events.map { event in
                        [
                            String(event.id), counter.time(event.occurredAt), event.actor ?? "-", event.hall ?? "-", event.action,
                            event.subject ?? "",
                            event.details.additionalProperties.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                                separator: " "),
                        ]
                    }
                ).render())
        }
    }

    struct Verify: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit log's hash chain and print its head. Exits 1 when it is broken.",
            discussion: "JSON: the API's AuditVerification (with headSequence and headHash).")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let result = try await counter.client().verifyAudit()
            if counter.json {
                Output.printJSON(result)
            } else {
                counter.fields([
                    (counter.t("Chain", "哈希链"), result.valid ? counter.t("intact", "完整") : counter.t("BROKEN", "已被破坏")),
                    (counter.t("Sealed events", "已封存事件"), String(result.sealedEvents)),
                    (counter.t("Not yet sealed", "待封存事件"), String(result.unsealedEvents)),
                    (counter.t("First broken event", "首个异常事件"), result.firstBrokenEventId.map(String.init) ?? "-"),
                    (counter.t("Chain head", "链头"), "#\(result.headSequence) \(result.headHash)"),
                ])
                Output.line(
                    counter.t(
                        "Record the chain head outside the database; a later check must show the same hash at that number.",
                        "请在数据库之外记录链头；以后核验时，该序号处的哈希必须相同。"))
            }
            if !result.valid { throw ExitCode(1) }
        }
    }
}
