import Foundation
import Testing
import TongkaDomain
import TongkaPostgres
import TongkaTestSupport

/// The real `tongka-counter` binary against a live server.
@Suite(.timeLimit(.minutes(5))) struct CounterFlowTests {
    static let password = "Counter-pass-2026"

    /// Bootstraps the server and logs the admin in at `runner` through the CLI, changing the
    /// one-time password as a new admin would.
    static func adminCounter(_ server: TestServer) async throws -> CommandRunner {
        let boot = try await StaffStore(database: server.database).bootstrap(
            adminUsername: "admin", adminName: "Admin", hallCode: "HQ", hallName: "总部服务网点", now: Date())
        let runner = CommandRunner(server: server.url)
        let login = try await runner.counter(
            ["login", "--user", "admin"],
            environment: ["TONGKA_PASSWORD": boot.oneTimePassword, "TONGKA_NEW_PASSWORD": password])
        #expect(login.exitCode == 0, "\(login.stderr)")
        return runner
    }

    /// Creates a staff account through the admin's CLI and logs it in at a new counter.
    static func staffCounter(admin: CommandRunner, user: String, role: String, hall: String?) async throws -> CommandRunner {
        var arguments = ["clerk", "add", "--user", user, "--name", user, "--role", role, "--json"]
        if let hall { arguments += ["--hall", hall] }
        let created = try await admin.counter(arguments)
        #expect(created.exitCode == 0, "\(created.stderr)")
        let oneTime = try #require(try created.json()["oneTimePassword"] as? String)
        let counter = admin.anotherCounter()
        let login = try await counter.counter(
            ["login", "--user", user], environment: ["TONGKA_PASSWORD": oneTime, "TONGKA_NEW_PASSWORD": password])
        #expect(login.exitCode == 0, "\(login.stderr)")
        return counter
    }

    @Test func theReadmeFlowRunsFromTheCounter() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            let attributes = try FileManager.default.attributesOfItem(atPath: admin.sessionFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try String(contentsOfFile: admin.sessionFile, encoding: .utf8).contains("tk_"))

            let hall = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场服务网点"])
            #expect(hall.exitCode == 0)
            #expect(hall.stdout.contains("CS01"))
            let clerk = try await Self.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            let supervisor = try await Self.staffCounter(admin: admin, user: "lisi", role: "supervisor", hall: "CS01")
            let auditor = try await Self.staffCounter(admin: admin, user: "wang", role: "auditor", hall: nil)

            let opened = try await clerk.counter(["shift", "open", "--float", "500"])
            #expect(opened.exitCode == 0, "\(opened.stderr)")
            #expect(opened.stdout.contains("¥500.00"))
            let status = try await clerk.counter(["shift", "status", "--json"])
            #expect((try status.json()["shift"] as? [String: Any])?["expectedCashFen"] as? Int == 50_000)
            let closed = try await clerk.counter(["shift", "close", "--counted", "¥499.50", "--note", "找零误差"])
            #expect(closed.exitCode == 0, "\(closed.stderr)")
            #expect(closed.stdout.contains("-¥0.50"))

            let differences = try await supervisor.counter(["shift", "list", "--differences"])
            #expect(differences.exitCode == 0)
            #expect(differences.stdout.contains("zhangsan"))
            #expect(differences.stdout.contains("-¥0.50"))
            let check = try await auditor.counter(["ledger", "check"])
            #expect(check.exitCode == 0)
            #expect(check.stdout.contains("PASSED"))
            let audit = try await auditor.counter(["audit", "list", "--action", "shift."])
            #expect(audit.stdout.contains("shift.close"))
            #expect(try await auditor.counter(["audit", "verify"]).exitCode == 0)

            let logout = try await clerk.counter(["logout"])
            #expect(logout.exitCode == 0)
            let after = try await clerk.counter(["whoami"])
            #expect(after.exitCode == 1)
            #expect(after.stderr.contains("[unauthenticated]"))
        }
    }

    @Test func cardsAreSoldAndCountedFromTheCounter() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
            let product = try await admin.counter([
                "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "5", "--modes",
                "bus,metro,ferry",
            ])
            #expect(product.exitCode == 0, "\(product.stderr)")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("stock-\(UUID().uuidString).csv")
            var lines = ["card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"]
            for serial in 1...30 {
                lines.append(
                    "310482000000\(String(format: "%07d", serial)),31045510FFFFFFFF,20260101,20361231,1,\(String(format: "%08X", 0xB000_0000 + serial))"
                )
            }
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            let imported = try await admin.counter(["stock", "import", file.path, "--product", "STD"])
            #expect(imported.exitCode == 0, "\(imported.stderr)")
            #expect(imported.stdout.contains("30"))
            // Progress is shown on a terminal only; here standard error is a pipe.
            #expect(!imported.stderr.contains("%"))
            #expect(
                try await admin.counter(["stock", "allocate", "--product", "STD", "--hall", "CS01", "--quantity", "10"]).exitCode
                    == 0)

            let clerk = try await Self.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            #expect(try await clerk.counter(["shift", "open", "--float", "100"]).exitCode == 0)
            // The document number is typed at the prompt, so it never appears in the command line.
            let holder = try await clerk.counter(
                ["holder", "register", "--name", "王小明", "--phone", "13812345678", "--json"], input: "11010519491231002X\n")
            #expect(holder.exitCode == 0, "\(holder.stderr)")
            let holderJSON = try holder.json()
            #expect(holderJSON["documentNumberMasked"] as? String == "1101**********002X")
            let holderID = try #require(holderJSON["id"] as? Int)

            let anonymous = try await clerk.counter(["card", "issue", "3104820000000000001"])
            #expect(anonymous.exitCode == 0, "\(anonymous.stderr)")
            #expect(anonymous.stdout.contains("3104***********0001"))
            #expect(!anonymous.stdout.contains("3104820000000000001"))
            #expect(anonymous.stdout.contains("¥25.00"))
            let unreferenced = try await clerk.counter([
                "card", "issue", "3104820000000000002", "--holder", "\(holderID)", "--pay", "alipay",
            ])
            #expect(unreferenced.exitCode == 1)
            #expect(unreferenced.stderr.contains("[payment_reference_required]"))
            let registered = try await clerk.counter([
                "card", "issue", "3104820000000000002", "--holder", "\(holderID)", "--pay", "alipay", "--reference",
                "ALI2026120100001", "--reveal",
            ])
            #expect(registered.exitCode == 0, "\(registered.stderr)")
            #expect(registered.stdout.contains("ALI2026120100001"))
            #expect(registered.stdout.contains("3104820000000000002"))
            #expect(registered.stdout.contains("王*明"))
            #expect(!registered.stdout.contains("王小明"))
            let found = try await clerk.counter(["holder", "show", "--doc-type", "resident_id"], input: "11010519491231002X\n")
            #expect(found.stdout.contains("3104***********0002"))
            let shown = try await clerk.counter(["card", "show", "3104820000000000001", "--json"])
            #expect(try shown.json()["cardNumber"] as? String == "3104820000000000001")

            let stock = try await clerk.counter(["stock", "show"])
            #expect(stock.stdout.contains("8"))
            let closed = try await clerk.counter(["shift", "close", "--counted", "125", "--json"])
            #expect((try closed.json()["shift"] as? [String: Any])?["differenceFen"] as? Int == 0)
            let channelPayments = try #require(try closed.json()["channelPayments"] as? [[String: Any]])
            #expect(channelPayments.map { $0["reference"] as? String } == ["ALI2026120100001"])

            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description
            let csv = try await admin.counter([
                "report", "issuance", "--from", today, "--to", today, "--by", "hall,product,mode", "--csv",
            ])
            #expect(csv.exitCode == 0, "\(csv.stderr)")
            #expect(csv.stdoutData.starts(with: [0xEF, 0xBB, 0xBF]))
            let csvLines = csv.stdout.dropFirst().split(separator: "\r\n").map(String.init)
            #expect(csvLines.first == "Period,Hall,Hall name,Product,Product name,Transport mode,Cards issued")
            #expect(csvLines.count == 4)
            #expect(csvLines.contains { $0.hasSuffix("CS01,五一广场,STD,普通卡,bus,2") })
            let chinese = try await admin.counter(["report", "issuance", "--from", today, "--to", today, "--lang", "zh"])
            #expect(chinese.stdout.contains("发卡数量"))
            #expect(chinese.stdout.contains("公交、地铁、轮渡"))
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv")
            _ = try await admin.counter(["report", "issuance", "--from", today, "--to", today, "--output", output.path])
            #expect(try Data(contentsOf: output).starts(with: [0xEF, 0xBB, 0xBF]))
        }
    }

    @Test func aSupervisorForceClosesAClerksShiftFromTheCounter() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            _ = try await admin.counter(["hall", "add", "--code", "CS01", "--name", "五一广场"])
            let clerk = try await Self.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "CS01")
            let supervisor = try await Self.staffCounter(admin: admin, user: "lisi", role: "supervisor", hall: "CS01")
            let opened = try await clerk.counter(["shift", "open", "--float", "200", "--json"])
            let shift = try #require((try opened.json()["shift"] as? [String: Any])?["id"] as? Int)
            let refused = try await clerk.counter(["shift", "force-close", "\(shift)", "--counted", "200", "--reason", "x"])
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("[forbidden_role]"))
            let forced = try await supervisor.counter(
                ["shift", "force-close", "\(shift)", "--counted", "200", "--reason", "柜员临时离岗", "--lang", "zh"])
            #expect(forced.exitCode == 0, "\(forced.stderr)")
            #expect(forced.stdout.contains("已强制结班"))
            #expect(forced.stdout.contains("lisi: 柜员临时离岗"))
            let after = try await clerk.counter(["shift", "status"])
            #expect(after.stderr.contains("[no_open_shift]"))
        }
    }

    @Test func refusalsExitNonZeroWithTheServerCodeAndMessage() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            let clerk = try await Self.staffCounter(admin: admin, user: "zhangsan", role: "clerk", hall: "HQ")
            let noShift = try await clerk.counter(["shift", "close", "--counted", "10"])
            #expect(noShift.exitCode == 1)
            #expect(noShift.stderr.contains("[no_open_shift]"))
            let json = try await clerk.counter(["shift", "close", "--counted", "10", "--json"])
            #expect(json.exitCode == 1)
            #expect(try json.json()["code"] as? String == "no_open_shift")
            let badAmount = try await clerk.counter(["shift", "open", "--float", "12.345"])
            #expect(badAmount.exitCode == 1)
            #expect(badAmount.stderr.contains("[invalid_amount]"))
            let badPayment = try await clerk.counter(["card", "issue", "3104820000000000001", "--pay", "cheque"])
            #expect(badPayment.stderr.contains("[invalid_payment_method]"))
            let forbidden = try await clerk.counter(["hall", "add", "--code", "X1", "--name", "x"])
            #expect(forbidden.exitCode == 1)
            #expect(forbidden.stderr.contains("[forbidden_role]"))
            let usage = try await clerk.counter(["shift", "open"])
            #expect(usage.exitCode == 64)
            let unreachable = try await CommandRunner(server: URL(string: "http://127.0.0.1:9")!).counter(
                ["login", "--user", "admin"], environment: ["TONGKA_PASSWORD": "whatever-password"])
            #expect(unreachable.exitCode == 69)
            #expect(unreachable.stderr.contains("[transport_error]"))
            let wrong = try await admin.anotherCounter().counter(
                ["login", "--user", "admin"], environment: ["TONGKA_PASSWORD": "wrong-password"])
            #expect(wrong.exitCode == 1)
            #expect(wrong.stderr.contains("[invalid_credentials]"))
            let mismatch = try await admin.counter(
                ["passwd"], environment: ["TONGKA_PASSWORD": "not-my-password", "TONGKA_NEW_PASSWORD": "another-password-1"])
            #expect(mismatch.stderr.contains("[invalid_credentials]"))
        }
    }

    @Test func aSessionFileThatCannotBeReplacedFailsTheLoginWithFileNotWritten() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            // A directory where the session file should be: renaming the new file onto it fails.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tongka-session-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let login = try await admin.anotherCounter().counter(
                ["login", "--user", "admin"],
                environment: ["TONGKA_PASSWORD": Self.password, "TONGKA_SESSION_FILE": directory.path])
            #expect(login.exitCode == 1)
            #expect(login.stderr.contains("[file_not_written]"), "\(login.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.path + ".tmp"))
        }
    }

    @Test func messagesComeInChineseOrEnglishWithTheSameCodesAndFields() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            let english = try await admin.counter(["hall", "list", "--lang", "en"])
            #expect(english.stdout.hasPrefix("Code"))
            let chinese = try await admin.counter(["hall", "list", "--lang", "zh"])
            #expect(chinese.stdout.hasPrefix("编码"))
            let byLocale = try await admin.counter(["hall", "list"], environment: ["LANG": "zh_CN.UTF-8"])
            #expect(byLocale.stdout.hasPrefix("编码"))
            let refusedEN = try await admin.counter(["hall", "add", "--code", "HQ", "--name", "dup", "--lang", "en"])
            let refusedZH = try await admin.counter(["hall", "add", "--code", "HQ", "--name", "dup", "--lang", "zh"])
            #expect(refusedEN.stderr.contains("[hall_code_taken] A hall with this code exists"))
            #expect(refusedZH.stderr.contains("[hall_code_taken] 该网点编码已存在"))
            let jsonEN = try await admin.counter(["hall", "list", "--json", "--lang", "en"])
            let jsonZH = try await admin.counter(["hall", "list", "--json", "--lang", "zh"])
            #expect(jsonEN.stdout == jsonZH.stdout)
            let badLanguage = try await admin.counter(["hall", "list", "--lang", "fr"])
            #expect(badLanguage.exitCode == 64)
        }
    }

    @Test func aStockFileWithBadLinesIsRefusedLineByLine() async throws {
        try await withTestServer { server in
            let admin = try await Self.adminCounter(server)
            _ = try await admin.counter([
                "product", "add", "--code", "STD", "--name", "普通卡", "--deposit", "20", "--cost", "0", "--modes", "bus",
            ])
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).csv")
            try """
            3104820000000000001,31045510FFFFFFFF,20260101,20361231,1,A0000001
            3104820000000000002,31045510FFFFFFFF,20260101,20361231,1
            3104820000000000001,31045510FFFFFFFF,20260101,20361231,1,A0000003
            """.write(to: file, atomically: true, encoding: .utf8)
            let refused = try await admin.counter(["stock", "import", file.path, "--product", "STD"])
            #expect(refused.exitCode == 1)
            #expect(refused.stderr.contains("[stock_file_invalid]"))
            #expect(refused.stderr.contains("wrong_column_count"))
            #expect(refused.stderr.contains("duplicate_card_in_file"))
            let json = try await admin.counter(["stock", "import", file.path, "--product", "STD", "--json"])
            let lines = (try json.json()["lineErrors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int }
            #expect(lines == [2, 3])
            let missing = try await admin.counter(["stock", "import", "/nonexistent.csv", "--product", "STD"])
            #expect(missing.stderr.contains("[file_not_found]"))
            let empty = try await admin.counter(["stock", "show", "--json"])
            #expect((try empty.json()["levels"] as? [Any])?.isEmpty == true)
        }
    }
}

/// The real `tongka-server` binary: migrations, bootstrap, keys and refusing to serve.
@Suite(.timeLimit(.minutes(5))) struct ServerCommandTests {
    static func environment(database: String) throws -> [String: String] {
        [
            "TONGKA_DATABASE_URL": try TestDatabases.url(database: database),
            "TONGKA_DATA_KEY": Data(PersonalDataVault.generateSecret()).base64EncodedString(),
            "TONGKA_ISSUER_PREFIXES": "31048200",
            "TONGKA_ISSUER_ID": "31045510FFFFFFFF",
            "TONGKA_PASSWORD_COST": "10",
            "TONGKA_LOG_LEVEL": "error",
            // As in TestSettings: a test may wait longer than a clerk's terminal for a connection.
            "TONGKA_DATABASE_WAIT_SECONDS": "60",
        ]
    }

    @Test func serveRefusesAnUnmigratedDatabaseThenMigrateAndBootstrapOnce() async throws {
        let database = try await TestDatabases.shared.createEmpty()
        var environment = try Self.environment(database: database)
        environment["TONGKA_HTTP_PORT"] = "0"
        let refused = try await CommandRunner.server(["serve"], environment: environment, timeout: .seconds(60))
        #expect(refused.exitCode != 0)
        #expect(
            (refused.stderr + refused.stdout).contains(
                "pending migrations: 1_foundation, 2_cards, 3_ledger_guards, 4_stock_speed, 5_closed_shift_guard, 6_review_fixes, 7_login_failures"
            ))

        let check = try await CommandRunner.server(["migrate", "--check"], environment: environment)
        #expect(check.exitCode == 3)
        let migrated = try await CommandRunner.server(["migrate"], environment: environment)
        #expect(migrated.exitCode == 0, "\(migrated.stderr)")
        #expect(
            migrated.stdout.contains(
                "applied: 1_foundation, 2_cards, 3_ledger_guards, 4_stock_speed, 5_closed_shift_guard, 6_review_fixes, 7_login_failures"
            ))
        #expect(try await CommandRunner.server(["migrate", "--check"], environment: environment).exitCode == 0)
        // Migrated, but connected as the cluster's superuser: serve refuses the owner's rights.
        let owner = try await CommandRunner.server(["serve"], environment: environment, timeout: .seconds(60))
        #expect(owner.exitCode != 0)
        #expect((owner.stderr + owner.stdout).contains("is a superuser"))

        let passwordFile = FileManager.default.temporaryDirectory.appendingPathComponent("otp-\(UUID().uuidString)").path
        let boot = try await CommandRunner.server(["bootstrap", "--password-file", passwordFile], environment: environment)
        #expect(boot.exitCode == 0, "\(boot.stderr)")
        #expect(boot.stdout.contains("One-time password for admin:"))
        let attributes = try FileManager.default.attributesOfItem(atPath: passwordFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let again = try await CommandRunner.server(["bootstrap"], environment: environment)
        #expect(again.exitCode != 0)
        #expect(again.stderr.contains("already_bootstrapped"))
        await TestDatabases.shared.drop(database)
    }

    @Test func missingOrBadConfigurationNamesTheSettingNotItsValue() async throws {
        let database = try await TestDatabases.shared.createEmpty()
        var environment = try Self.environment(database: database)
        environment["TONGKA_DATA_KEY"] = "c2hvcnQ="
        let badKey = try await CommandRunner.server(["migrate"], environment: environment)
        #expect(badKey.exitCode != 0)
        #expect(badKey.stderr.contains("TONGKA_DATA_KEY"))
        #expect(!badKey.stderr.contains("c2hvcnQ="))
        environment.removeValue(forKey: "TONGKA_DATABASE_URL")
        let missing = try await CommandRunner.server(["migrate"], environment: environment)
        #expect(missing.stderr.contains("TONGKA_DATABASE_URL"))
        await TestDatabases.shared.drop(database)
    }

    @Test func staffUnlockAndResetPasswordRecoverALockedOutAdminWithoutSQL() async throws {
        try await withTestServer { server in
            _ = try await server.bootstrapAdmin()
            let anonymous = server.anonymous()
            for _ in 0..<5 {
                await expectFailure(.invalidCredentials) {
                    try await anonymous.login(username: "admin", password: "wrong-password")
                }
            }
            await expectFailure(.accountLocked) {
                try await anonymous.login(username: "admin", password: TestServer.defaultPassword)
            }
            let environment = [
                "TONGKA_DATABASE_URL": server.settings.databaseURL,
                "TONGKA_DATA_KEY": Data(server.settings.dataKey).base64EncodedString(),
                "TONGKA_ISSUER_PREFIXES": "31048200", "TONGKA_ISSUER_ID": "31045510FFFFFFFF",
                "TONGKA_PASSWORD_COST": "10", "TONGKA_LOG_LEVEL": "error",
            ]
            // The same configuration as `migrate`: here a --config file of KEY=VALUE lines.
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("server-\(UUID().uuidString).env").path
            try environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\n").write(
                toFile: config, atomically: true, encoding: .utf8)
            let unlocked = try await CommandRunner.server(
                ["staff", "unlock", "--user", "admin", "--config", config], environment: [:])
            #expect(unlocked.exitCode == 0, "\(unlocked.stderr)")
            #expect(unlocked.stdout.contains("Unlocked admin"))
            _ = try await server.login(username: "admin")

            let reset = try await CommandRunner.server(["staff", "reset-password", "--user", "admin"], environment: environment)
            #expect(reset.exitCode == 0, "\(reset.stderr)")
            let line = try #require(reset.stdout.split(separator: "\n").first { $0.hasPrefix("One-time password for admin: ") })
            let oneTime = String(line.dropFirst("One-time password for admin: ".count))
            await expectFailure(.invalidCredentials) {
                try await anonymous.login(username: "admin", password: TestServer.defaultPassword)
            }
            let admin = try await server.firstLogin(
                username: "admin", oneTimePassword: oneTime, newPassword: "recovered-password-9")
            // Audited with no actor, naming the command.
            let events = try await admin.auditEvents(action: "clerk.").filter { $0.actor == nil }
            #expect(Set(events.map(\.action)) == ["clerk.unlock", "clerk.reset_password"])
            #expect(Set(events.compactMap(\.requestId)) == ["tongka-server staff unlock", "tongka-server staff reset-password"])

            let unknown = try await CommandRunner.server(["staff", "unlock", "--user", "nobody"], environment: environment)
            #expect(unknown.exitCode != 0)
            #expect(unknown.stderr.contains("clerk_not_found"))
        }
    }

    @Test func keysGenerateWritesAPrivateFileAndNeverReplacesOne() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json").path
        let made = try await CommandRunner.server(
            ["keys", "generate", "--out", path, "--issuer-id", "31045510FFFFFFFF"], environment: [:])
        #expect(made.exitCode == 0, "\(made.stderr)")
        #expect(made.stdout.contains("DLK v1 3DES"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        #expect(contents.contains("\"format\": \"tongka-card-keys\""))
        let again = try await CommandRunner.server(
            ["keys", "generate", "--out", path, "--issuer-id", "31045510FFFFFFFF"], environment: [:])
        #expect(again.exitCode != 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
        let checked = try await CommandRunner.server(["keys", "check", "--file", path], environment: [:])
        #expect(checked.exitCode == 0)
        // Names and versions only: no key value reaches the output.
        let keyHex = contents.split(separator: "\"key\": \"").dropFirst().map { String($0.prefix(32)) }
        #expect(keyHex.count == 4)
        #expect(keyHex.allSatisfy { !checked.stdout.contains($0) && !made.stdout.contains($0) })
    }
}
