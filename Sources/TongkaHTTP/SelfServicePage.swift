import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import TongkaDomain

/// The rider's self-service page (`/self-service/`): report a registered card lost from a phone
/// and follow the report's liability statement. It is a page, a script and a style sheet; the
/// script posts to the same open API as any app (`POST /v1/loss-reports`,
/// `GET /v1/loss-reports/{reference}`), so the rate limits, the uniform refusals and the answer
/// floor are the API's own. Simplified Chinese unless `?lang=en`.
///
/// The page holds no personal data: the document number is typed into the form and kept only in
/// the script's memory. Every answer carries a strict policy (scripts, styles and requests to this
/// origin only, no framing, no referrer, no caching).
struct SelfServicePage: Sendable {
    let pages: [Language: String]
    let script: String
    let style: String

    /// How often the status view reloads the statement.
    static let refreshSeconds = 10

    static let securityHeaders: [(HTTPField.Name, String)] = [
        (
            .contentSecurityPolicy,
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        (.cacheControl, "no-store"),
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
        (HTTPField.Name("Permissions-Policy")!, "camera=(), microphone=(), geolocation=()"),
        (HTTPField.Name("Cross-Origin-Opener-Policy")!, "same-origin"),
    ]

    /// Reads the template and assets from the bundle and renders both languages once.
    static func bundled(timeZone: TimeZone) throws -> SelfServicePage {
        func resource(_ name: String, _ type: String) throws -> String {
            guard let url = Bundle.module.url(forResource: name, withExtension: type, subdirectory: "SelfService") else {
                throw ServerSettings.Problem(key: "self-service", reason: "\(name).\(type) missing from the bundle")
            }
            return try String(contentsOf: url, encoding: .utf8)
        }
        let template = try MustacheTemplate(string: try resource("page", "mustache"))
        var pages: [Language: String] = [:]
        for language in Language.allCases {
            pages[language] = template.render(try context(language, timeZone: timeZone))
        }
        return SelfServicePage(pages: pages, script: try resource("app", "js"), style: try resource("style", "css"))
    }

    static func context(_ language: Language, timeZone: TimeZone) throws -> [String: Any] {
        let texts = SelfServiceTexts(language)
        // The script's strings, as JSON inside a data block (not executed, so the policy allows it);
        // "<" is escaped so no string can close the block.
        let json = String(decoding: try JSONEncoder().encode(texts.script), as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
        return [
            "lang": language.rawValue, "otherLang": language == .zh ? "en" : "zh", "timeZone": timeZone.identifier,
            "refreshSeconds": refreshSeconds, "t": texts.page,
            "documentTypes": DocumentType.allCases.map { ["value": $0.rawValue, "name": $0.localizedName(language)] },
            "textsJSON": json,
        ]
    }

    func register(on router: Router<some RequestContext>) {
        let page = self
        // The router matches `/self-service` and `/self-service/` alike.
        router.get("self-service") { request, _ -> Response in
            let language: Language = request.uri.queryParameters.get("lang") == "en" ? .en : .zh
            return page.response(page.pages[language] ?? "", type: "text/html; charset=utf-8")
        }
        router.get("self-service/app.js") { _, _ in page.response(page.script, type: "text/javascript; charset=utf-8") }
        router.get("self-service/style.css") { _, _ in page.response(page.style, type: "text/css; charset=utf-8") }
    }

    func response(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        for (name, value) in Self.securityHeaders { headers[name] = value }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The page's words in one language: those the template shows and those the script needs.
struct SelfServiceTexts {
    let page: [String: String]
    let script: [String: SelfServiceText]

    init(_ language: Language) {
        func t(_ en: String, _ zh: String) -> String { language == .zh ? zh : en }
        page = [
            "title": t("Report a lost transit card", "交通卡挂失"),
            "switch": t("中文", "English"),
            "intro": t(
                "Registered cards only. The card is suspended at once and every bus and metro validator refuses it as soon as it has the blacklist; you see how far the block has spread below.",
                "仅限记名卡。挂失后卡片立即暂停使用，公交、地铁终端收到黑名单后即拒绝该卡；挂失后可在本页查看黑名单生效进度。"),
            "card": t("Card number (19 digits, on the back of the card)", "卡号（卡背面 19 位数字）"),
            "cardHint": t("3104 8200 0000 0000 001", "3104 8200 0000 0000 001"),
            "cardShort": t("Card", "卡号"),
            "documentType": t("Document type", "证件类型"),
            "documentNumber": t("Document number (as registered)", "证件号码（登记时所用）"),
            "submit": t("Report lost now", "立即挂失"),
            "lookupTitle": t("Already reported? Check a report", "已挂失？查询挂失进度"),
            "reference": t("Report reference", "挂失编号"),
            "lookup": t("Check", "查询"),
            "statusTitle": t("Your loss report", "挂失信息"),
            "state": t("State", "状态"),
            "reportedAt": t("Reported at", "挂失时间"),
            "balance": t("Balance at report", "挂失时余额"),
            "propagation": t("Blacklist", "黑名单生效"),
            "tapsAfter": t("Taps after the report", "挂失后的乘车记录"),
            "keepReference": t(
                "Keep the reference. For a replacement card with the balance, bring the same document to a service hall.",
                "请记下挂失编号。补卡时携带同一证件到任一服务网点，余额转入新卡。"),
            "footer": t("This page never shows your document number.", "本页不显示也不保存您的证件号码。"),
        ]
        script = [
            "failed": .text(t("The report could not be made.", "挂失未成功。")),
            "offline": .text(t("No connection to the server; trying again.", "无法连接服务器，正在重试。")),
            "retryAfter": .text(t("Try again in {s} seconds.", "请 {s} 秒后再试。")),
            "cardFormat": .text(t("The card number has 19 digits.", "卡号为 19 位数字。")),
            "documentMissing": .text(t("Enter the document number.", "请输入证件号码。")),
            "lookupMissing": .text(t("Enter the reference and the document number.", "请输入挂失编号和证件号码。")),
            "sending": .text(t("Sending…", "正在提交…")),
            "reported": .text(t("Reported: the card is suspended.", "挂失成功：卡片已暂停使用。")),
            "alreadyReported": .text(t("This card was reported already; here is that report.", "该卡已挂失，以下为原挂失信息。")),
            "tapsSummary": .text(t("{n}, {amount} in total", "{n} 笔，共 {amount}")),
            "updated": .text(t("Updated {time}; refreshes every {s} seconds.", "更新于 {time}，每 {s} 秒自动刷新。")),
            "states": .table([
                "open": t("Suspended (reported lost)", "已挂失，暂停使用"),
                "reclaimed": t("Reclaimed: the card works again", "已解挂，恢复使用"),
                "replaced": t("Replaced by a new card", "已补卡"),
            ]),
        ]
    }
}

/// A string or a table of strings, for the script's JSON.
enum SelfServiceText: Encodable {
    case text(String)
    case table([String: String])

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .table(let table): try container.encode(table)
        }
    }
}
