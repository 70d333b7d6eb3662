import ArgumentParser
import Foundation
import TongkaDomain
import TongkaPostgres

/// The operator's recovery for staff accounts, without SQL and without an admin session: the way
/// back in for an admin that is locked out. Reads the same configuration as `migrate`; every
/// change is audited with no actor and the request id `tongka-server`.
struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recover staff accounts from the server host (a locked-out admin).",
        subcommands: [Unlock.self, ResetPassword.self])

    static func origin(_ command: String) -> RequestOrigin {
        RequestOrigin(actor: nil, requestID: "tongka-server staff \(command)", clientAddress: nil)
    }

    /// The configuration (as for `migrate`) and the account to recover.
    struct Target: ParsableArguments {
        @OptionGroup var options: ConfigOptions

        @Option(help: "The user name.")
        var user: String

        /// Runs `body` with the account's user name against the database, reporting a refusal by
        /// its stable code.
        func run<T: Sendable>(_ body: @Sendable (StaffStore, String) async throws -> T) async throws -> T {
            let settings = try await options.settings()
            let user = self.user
            do {
                return try await withDatabase(settings, logger: makeLogger(settings)) { database in
                    try await body(StaffStore(database: database), user)
                }
            } catch let error as TongkaError {
                throw ValidationError("\(error.code.rawValue): \(error.message(.en))")
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift an administrator's lock and every lock after wrong passwords, from every address.")

        @OptionGroup var target: Target

        func run() async throws {
            let clerk = try await target.run { staff, user in
                try await staff.setDisabled(username: user, disabled: false, origin: Staff.origin("unlock"), now: Date())
            }
            print("Unlocked \(clerk.username) (\(clerk.role.rawValue)).")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a clerk a new one-time password (printed once), end its sessions and lift the automatic locks.")

        @OptionGroup var target: Target

        func run() async throws {
            let (clerk, password) = try await target.run { staff, user in
                try await staff.resetPassword(username: user, origin: Staff.origin("reset-password"), now: Date())
            }
            print(
                """
                One-time password for \(clerk.username): \(password)
                Log in with `tongka-counter login --user \(clerk.username)`; you will be asked to change it.
                """)
        }
    }
}
