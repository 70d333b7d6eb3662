import Foundation

/// The ministry's monthly progress report (交通一卡通互联互通工作计划进度表, domain.md §9): a fixed
/// table per city, in one of two variants, with the month's status per row. Rows live data can
/// fill are filled from it; the others, the problems and next month's plan are entered by an admin.
public enum ProgressVariant: String, Sendable, CaseIterable, Codable {
    /// Cities already interconnected (2016年已初步实现互联互通的省市).
    case interconnected
    /// Cities not yet interconnected (2016年未实现互联互通的省市).
    case new

    /// The rows, exactly as the notice prints them.
    public var rows: [ProgressRow] {
        switch self {
        case .interconnected:
            [
                .init("1", "2017年工作方案制定及上报"), .init("2", "针对各城市下属交通一卡通运营企业开展相关部署工作"),
                .init("3", "系统升级改造工作"), .init("3.1", "终端改造、PSAM卡安装", live: .validators),
                .init("3.2", "清分系统改造"), .init("3.3", "城市系统与终端的联调测试"),
                .init("4", "与全国清分结算系统对接(实际数据对接)", live: .records), .init("5", "发卡工作"),
                .init("5.1", "发卡数量", live: .cardsIssued), .init("5.2", "卡片覆盖交通方式", live: .modes),
                .init("6", "其他任务", live: .blacklist),
            ]
        case .new:
            [
                .init("1", "2017年工作方案制定及上报"), .init("2", "针对各城市下属一卡通运营企业开展相关部署工作"),
                .init("3", "升级改造前期工作"), .init("3.1", "密码申请"), .init("3.2", "工程申报招标"),
                .init("3.3", "技术准备(技术问题确定、标准培训、实验室测试)"), .init("4", "系统改造升级工作"),
                .init("4.1", "密管系统准备工作"), .init("4.2", "终端改造、PSAM卡安装", live: .validators),
                .init("4.3", "发卡系统升级", live: .cardsIssued), .init("4.4", "清分系统改造"), .init("4.5", "城市系统、终端的联调测试"),
                .init("4.6", "与全国清分结算平台的联调测试"), .init("5", "与全国清分结算系统试运行启动(实际数据对接)", live: .records),
                .init("6", "其他任务", live: .blacklist),
            ]
        }
    }

    public var title: String {
        switch self {
        case .interconnected: "2016年已初步实现互联互通的省市"
        case .new: "2016年未实现互联互通的省市"
        }
    }
}

/// Which live figure fills a row.
public enum ProgressLiveFigure: String, Sendable, Codable {
    case cardsIssued = "cards_issued"
    case modes
    case validators
    case records
    case blacklist
}

/// One row of the table.
public struct ProgressRow: Sendable, Equatable {
    public let number: String
    public let label: String
    public let live: ProgressLiveFigure?

    init(_ number: String, _ label: String, live: ProgressLiveFigure? = nil) {
        self.number = number
        self.label = label
        self.live = live
    }
}

/// A row's status for the month, as an admin sets it.
public enum ProgressStatus: String, Sendable, CaseIterable, Codable {
    case notStarted = "not_started"
    case inProgress = "in_progress"
    case done
    case notApplicable = "not_applicable"

    public var chinese: String {
        switch self {
        case .notStarted: "未开始"
        case .inProgress: "进行中"
        case .done: "已完成"
        case .notApplicable: "不适用"
        }
    }
}

/// What live data says for the month (from the database).
public struct ProgressLiveData: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public let name: String
        public let cards: Int64
        public init(name: String, cards: Int64) {
            self.name = name
            self.cards = cards
        }
    }
    public var issuedInMonth: Int64 = 0
    public var issuedTotal: Int64 = 0
    public var interconnectionInMonth: Int64 = 0
    public var byProduct: [Count] = []
    public var byCardType: [Count] = []
    public var modes: [TransportMode] = []
    public struct ModeCount: Sendable, Equatable {
        public let mode: TransportMode
        public let count: Int64
        public init(mode: TransportMode, count: Int64) {
            self.mode = mode
            self.count = count
        }
    }
    /// Active validators (registered, not revoked) per mode.
    public var validatorsByMode: [ModeCount] = []
    /// Active validators that applied the current blacklist version.
    public var validatorsCurrent: Int64 = 0
    public var validatorsActive: Int64 = 0
    public var tapsInMonth: Int64 = 0
    /// Taps of other issuers' cards in the month (to exchange with the national platform).
    public var otherIssuerTapsInMonth: Int64 = 0
    /// Records in clearing files sent to and taken from the national platform in the month.
    public var exchangedOut: Int64 = 0
    public var exchangedIn: Int64 = 0
    /// Time from a change to each active validator's application of the version it holds, seconds.
    public var propagationMedian: Double?
    public var propagationWorst: Double?

    public init() {}
}

/// An admin's entry for one row and month.
public struct ProgressEntry: Sendable, Equatable {
    public let status: ProgressStatus
    public let note: String

    public init(status: ProgressStatus, note: String) {
        self.status = status
        self.note = note
    }
}

/// The filled table.
public struct ProgressReport: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let number: String
        public let label: String
        /// The status column: the admin's status and note, then the live figure.
        public let status: String
        public let live: Bool
    }

    public let variant: ProgressVariant
    public let month: String
    public let province: String
    public let city: String
    public let lines: [Line]
    public let problems: String
    public let nextPlan: String

    /// Special rows for the report's free text, kept with the rows.
    public static let problemsRow = "problems"
    public static let planRow = "plan"

    /// Whether `row` may be set for `variant` (a row number, or the problems and plan).
    public static func isRow(_ row: String, of variant: ProgressVariant) -> Bool {
        row == problemsRow || row == planRow || variant.rows.contains { $0.number == row }
    }

    /// `YYYY-MM` with a real month.
    public static func isMonth(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 7, parts.count == 2, let year = Int(parts[0]), let month = Int(parts[1]) else { return false }
        return (2000...2099).contains(year) && (1...12).contains(month)
    }

    public init(
        variant: ProgressVariant, month: String, province: String, city: String, live: ProgressLiveData,
        entries: [String: ProgressEntry]
    ) {
        self.variant = variant
        self.month = month
        self.province = province
        self.city = city
        lines = variant.rows.map { row in
            var parts: [String] = []
            if let entry = entries[row.number] {
                parts.append(entry.note.isEmpty ? entry.status.chinese : "\(entry.status.chinese)：\(entry.note)")
            }
            if let figure = row.live { parts.append(Self.text(figure, live)) }
            return Line(number: row.number, label: row.label, status: parts.joined(separator: "；"), live: row.live != nil)
        }
        problems = entries[Self.problemsRow]?.note ?? ""
        nextPlan = entries[Self.planRow]?.note ?? ""
    }

    static func text(_ figure: ProgressLiveFigure, _ live: ProgressLiveData) -> String {
        switch figure {
        case .cardsIssued:
            var text = "本月发卡 \(live.issuedInMonth) 张（其中互联互通卡 \(live.interconnectionInMonth) 张），累计 \(live.issuedTotal) 张"
            if !live.byProduct.isEmpty {
                text += "；按产品：" + live.byProduct.map { "\($0.name) \($0.cards)" }.joined(separator: "、")
            }
            if !live.byCardType.isEmpty {
                text += "；按卡类：" + live.byCardType.map { "\($0.name) \($0.cards)" }.joined(separator: "、")
            }
            return text
        case .modes:
            return live.modes.isEmpty ? "尚无发卡" : live.modes.map(\.chinese).joined(separator: "、")
        case .validators:
            let modes = live.validatorsByMode.map { "\($0.mode.chinese) \($0.count)" }.joined(separator: "、")
            return "已安装PSAM并登记终端 \(live.validatorsActive) 台" + (modes.isEmpty ? "" : "（\(modes)）")
                + "，其中 \(live.validatorsCurrent) 台已应用当前黑名单"
        case .records:
            return "本月终端上传交易记录 \(live.tapsInMonth) 条（其中外地卡 \(live.otherIssuerTapsInMonth) 条）；"
                + "与全国清分结算系统交换：发送 \(live.exchangedOut) 条，接收 \(live.exchangedIn) 条"
        case .blacklist:
            guard let median = live.propagationMedian, let worst = live.propagationWorst else { return "黑名单下发：尚无终端应用" }
            return "黑名单下发至终端用时：中位 \(duration(median))，最长 \(duration(worst))"
        }
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f 秒", seconds) }
        if seconds < 3_600 { return String(format: "%.1f 分钟", seconds / 60) }
        return String(format: "%.1f 小时", seconds / 3_600)
    }
}

extension TransportMode {
    /// The mode's name in the ministry's table.
    public var chinese: String {
        switch self {
        case .bus: "公交"
        case .metro: "地铁"
        case .brt: "快速公交"
        case .tram: "有轨电车"
        case .ferry: "轮渡"
        case .taxi: "出租车"
        case .rail: "城际铁路"
        case .bike: "公共自行车"
        }
    }
}

/// Who reads the progress report, and who sets its rows.
public enum ProgressPolicy {
    public static let readers: Set<Role> = [.supervisor, .admin, .auditor]
    public static let editors: Set<Role> = [.admin]
}
