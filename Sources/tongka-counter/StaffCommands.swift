import ArgumentParser
import Foundation
import TongkaClient
import TongkaDomain

struct Login: CounterCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in; the password is read without echo or from TONGKA_PASSWORD.",
        discussion: """
            After a one-time password (new clerk, reset), a new password is asked for twice (or taken
            from TONGKA_NEW_PASSWORD). The token is kept in the session file, readable only by you.
            JSON: the session (token omitted) as {"clerk", "expiresAt", "mustChangePassword"}.
            """)
    @OptionGroup var global: GlobalOptions

    @Option(name: [.customLong("user"), .short], help: "User name (asked for when omitted).")
    var user: String?

    func execute(_ counter: Counter) async throws {
        guard let username = user ?? Prompt.line(counter.t("User name: ", "用户名：")), !username.isEmpty else {
            throw CounterFailure(code: "invalid_username", message: counter.t("A user name is needed", "请输入用户名"))
        }
        let password = try Prompt.secret(counter.t("Password: ", "密码："), environment: "TONGKA_PASSWORD")
        var session = try await counter.anonymous.login(username: username, password: password)
        if session.mustChangePassword {
            if !counter.json {
                Output.error(counter.t("This is a one-time password; choose your own now.", "当前为一次性密码，请设置新密码。"))
            }
            let new = try Prompt.secret(
                counter.t("New password (10+ characters): ", "新密码（至少10个字符）："), environment: "TONGKA_NEW_PASSWORD")
            if ProcessInfo.processInfo.environment["TONGKA_NEW_PASSWORD"] == nil {
                let again = try Prompt.secret(counter.t("New password again: ", "再次输入新密码："), environment: "TONGKA_NEW_PASSWORD")
                guard again == new else {
                    throw CounterFailure(code: "password_mismatch", message: counter.t("The two passwords differ", "两次输入的密码不一致"))
                }
            }
            let client = TongkaClient(serverURL: counter.serverURL, token: session.token, language: counter.language)
            try await client.changePassword(current: password, new: new)
            session.mustChangePassword = false
            session.clerk.mustChangePassword = false
        }
        try counter.sessions.store(
            .init(token: session.token, username: session.clerk.username, expiresAt: session.expiresAt), for: counter.serverURL)
        if counter.json {
            Output.printJSON(
                SessionSummary(clerk: session.clerk, expiresAt: session.expiresAt, mustChangePassword: session.mustChangePassword)
            )
            return
        }
        let clerk = session.clerk
        Output.line(
            counter.t(
                "Logged in as \(clerk.displayName) (\(clerk.username), \(counter.role(clerk.role))\(clerk.hall.map { ", hall \($0)" } ?? "")); session valid until \(counter.time(session.expiresAt)).",
                "已登录：\(clerk.displayName)（\(clerk.username)，\(counter.role(clerk.role))\(clerk.hall.map { "，网点 \($0)" } ?? "")），会话有效至 \(counter.time(session.expiresAt))。"
            ))
    }

    struct SessionSummary: Encodable {
        let clerk: Components.Schemas.Clerk
        let expiresAt: Date
        let mustChangePassword: Bool
    }
}

struct Logout: CounterCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log out: the token stops working at once and is removed from the session file.",
        discussion: "JSON: {\"loggedOut\": true}.")
    @OptionGroup var global: GlobalOptions

    func execute(_ counter: Counter) async throws {
        if let client = try? counter.client() {
            do { try await client.logout() } catch let failure as APIFailure where failure.status == 401 {
                // Already expired or revoked: removing the local copy is all that is left to do.
            }
        }
        try counter.sessions.remove(for: counter.serverURL)
        if counter.json { Output.printJSON(["loggedOut": true]) } else { Output.line(counter.t("Logged out.", "已退出登录。")) }
    }
}

struct WhoAmI: CounterCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Show who is logged in.", discussion: "JSON: the API's `Me` object.")
    @OptionGroup var global: GlobalOptions

    func execute(_ counter: Counter) async throws {
        let me = try await counter.client().me()
        if counter.json { return Output.printJSON(me) }
        counter.fields([
            (counter.t("User", "用户名"), me.clerk.username),
            (counter.t("Name", "姓名"), me.clerk.displayName),
            (counter.t("Role", "角色"), counter.role(me.clerk.role)),
            (counter.t("Hall", "网点"), me.clerk.hall ?? "-"),
            (counter.t("Open shift", "当前班次"), me.openShiftId.map(String.init) ?? counter.t("none", "无")),
            (counter.t("Session valid until", "会话有效至"), counter.time(me.sessionExpiresAt)),
        ])
    }
}

struct Passwd: CounterCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Change your password (TONGKA_PASSWORD / TONGKA_NEW_PASSWORD, or typed); ends your other sessions.",
        discussion: "JSON: {\"changed\": true}.")
    @OptionGroup var global: GlobalOptions

    func execute(_ counter: Counter) async throws {
        let client = try counter.client()
        let current = try Prompt.secret(counter.t("Current password: ", "当前密码："), environment: "TONGKA_PASSWORD")
        let new = try Prompt.secret(
            counter.t("New password (10+ characters): ", "新密码（至少10个字符）："), environment: "TONGKA_NEW_PASSWORD")
        try await client.changePassword(current: current, new: new)
        if counter.json { Output.printJSON(["changed": true]) } else { Output.line(counter.t("Password changed.", "密码已修改。")) }
    }
}

// MARK: Halls

struct HallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hall", abstract: "Service halls.", subcommands: [List.self, Add.self, Close.self, Reopen.self])

    struct Close: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a hall (admin): no new shifts, staff or stock there.", discussion: "JSON: the Hall.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Hall code.") var code: String

        func execute(_ counter: Counter) async throws {
            let hall = try await counter.client().closeHall(code)
            if counter.json { return Output.printJSON(hall) }
            Output.line(counter.t("Closed hall \(hall.code).", "已关闭网点 \(hall.code)。"))
        }
    }

    struct Reopen: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a closed hall (admin).", discussion: "JSON: the Hall.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Hall code.") var code: String

        func execute(_ counter: Counter) async throws {
            let hall = try await counter.client().reopenHall(code)
            if counter.json { return Output.printJSON(hall) }
            Output.line(counter.t("Reopened hall \(hall.code).", "已重新开放网点 \(hall.code)。"))
        }
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "List service halls.", discussion: "JSON: {\"halls\": [Hall]}.")
        @OptionGroup var global: GlobalOptions

        func execute(_ counter: Counter) async throws {
            let halls = try await counter.client().halls()
            if counter.json { return Output.printJSON(Components.Schemas.HallList(halls: halls)) }
            Output.line(
                Table(
                    headers: [
                        counter.t("Code", "编码"), counter.t("Name", "名称"), counter.t("Status", "状态"), counter.t("Address", "地址"),
                    ],
                    rows: halls.map {
                        [$0.code, $0.name, $0.open ? counter.t("open", "营业") : counter.t("closed", "关闭"), $0.address ?? ""]
                    }
                ).render())
        }
    }

    struct Add: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a service hall (admin).", discussion: "JSON: the new Hall.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Hall code, 2-16 of A-Z 0-9 -.") var code: String
        @Option(help: "Hall name.") var name: String
        @Option(help: "Address.") var address: String?

        func execute(_ counter: Counter) async throws {
            let hall = try await counter.client().createHall(code: code, name: name, address: address)
            if counter.json { return Output.printJSON(hall) }
            Output.line(counter.t("Created hall \(hall.code) (\(hall.name)).", "已创建网点 \(hall.code)（\(hall.name)）。"))
        }
    }
}

// MARK: Clerks

struct ClerkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clerk", abstract: "Staff accounts.",
        subcommands: [List.self, Add.self, Lock.self, Unlock.self, ResetPassword.self])

    static func status(_ clerk: Components.Schemas.Clerk, _ counter: Counter) -> String {
        if clerk.disabled { return counter.t("locked by admin", "已被管理员锁定") }
        if clerk.locked {
            return counter.t("locked until \(counter.time(clerk.lockedUntil))", "锁定至 \(counter.time(clerk.lockedUntil))")
        }
        if clerk.mustChangePassword { return counter.t("one-time password", "一次性密码") }
        return counter.t("active", "正常")
    }

    struct List: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "List staff (admin, auditor; supervisors see their hall).", discussion: "JSON: {\"clerks\": [Clerk]}.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this hall.") var hall: String?

        func execute(_ counter: Counter) async throws {
            let clerks = try await counter.client().clerks(hall: hall)
            if counter.json { return Output.printJSON(Components.Schemas.ClerkList(clerks: clerks)) }
            Output.line(
                Table(
                    headers: [
                        counter.t("User", "用户名"), counter.t("Name", "姓名"), counter.t("Role", "角色"), counter.t("Hall", "网点"),
                        counter.t("Status", "状态"),
                    ],
                    rows: clerks.map {
                        [$0.username, $0.displayName, counter.role($0.role), $0.hall ?? "-", ClerkCommand.status($0, counter)]
                    }
                ).render())
        }
    }

    struct Add: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a staff account with a one-time password (admin).",
            discussion: "JSON: {\"clerk\": Clerk, \"oneTimePassword\": \"...\"}.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("user"), help: "User name: 3-32 of a-z 0-9 . _ -.") var user: String
        @Option(help: "Display name.") var name: String
        @Option(help: "clerk, supervisor, admin or auditor.") var role: String = "clerk"
        @Option(help: "Hall code (clerks and supervisors).") var hall: String?

        func execute(_ counter: Counter) async throws {
            guard let role = Components.Schemas.Role(rawValue: role) else {
                throw CounterFailure(
                    code: "invalid_role",
                    message: counter.t(
                        "--role is clerk, supervisor, admin or auditor", "--role 应为 clerk、supervisor、admin 或 auditor"))
            }
            let created = try await counter.client().createClerk(username: user, displayName: name, role: role, hall: hall)
            if counter.json { return Output.printJSON(created) }
            Output.line(
                counter.t(
                    "Created \(created.clerk.username) (\(counter.role(created.clerk.role))). One-time password: \(created.oneTimePassword)",
                    "已创建 \(created.clerk.username)（\(counter.role(created.clerk.role))）。一次性密码：\(created.oneTimePassword)"))
        }
    }

    struct Lock: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lock an account and end its sessions (admin).", discussion: "JSON: the Clerk.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name.") var user: String

        func execute(_ counter: Counter) async throws {
            let clerk = try await counter.client().lockClerk(user)
            if counter.json { return Output.printJSON(clerk) }
            Output.line(counter.t("Locked \(clerk.username).", "已锁定 \(clerk.username)。"))
        }
    }

    struct Unlock: CounterCommand {
        static let configuration = CommandConfiguration(abstract: "Unlock an account (admin).", discussion: "JSON: the Clerk.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name.") var user: String

        func execute(_ counter: Counter) async throws {
            let clerk = try await counter.client().unlockClerk(user)
            if counter.json { return Output.printJSON(clerk) }
            Output.line(counter.t("Unlocked \(clerk.username).", "已解锁 \(clerk.username)。"))
        }
    }

    struct ResetPassword: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give an account a new one-time password and end its sessions (admin).",
            discussion: "JSON: {\"clerk\": Clerk, \"oneTimePassword\": \"...\"}.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "User name.") var user: String

        func execute(_ counter: Counter) async throws {
            let reset = try await counter.client().resetPassword(user)
            if counter.json { return Output.printJSON(reset) }
            Output.line(
                counter.t(
                    "New one-time password for \(reset.clerk.username): \(reset.oneTimePassword)",
                    "\(reset.clerk.username) 的新一次性密码：\(reset.oneTimePassword)"))
        }
    }
}
