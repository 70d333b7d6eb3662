import ArgumentParser
import Foundation
import TongkaDomain
import TongkaPostgres

/// Payment channel accounts (online top-up orders): added and revoked on the server host, like
/// staff recovery. Every change is audited with no actor and the request id `tongka-server`.
struct ChannelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channel",
        abstract: "Add or revoke a payment channel's API account (online top-up orders).",
        subcommands: [Add.self, Revoke.self])

    static func origin(_ command: String) -> RequestOrigin {
        RequestOrigin(actor: nil, requestID: "tongka-server channel \(command)", clientAddress: nil)
    }

    static func run<T: Sendable>(
        _ options: ConfigOptions, _ body: @Sendable (ChannelStore) async throws -> T
    ) async throws -> T {
        let settings = try await options.settings()
        do {
            return try await withDatabase(settings, logger: makeLogger(settings)) { database in
                try await body(ChannelStore(database: database))
            }
        } catch let error as TongkaError {
            throw ValidationError("\(error.code.rawValue): \(error.message(.en))")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a channel account bound to a payment method and print its API token once.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The channel's account name (like a user name: a-z, digits, '.', '_', '-').")
        var name: String

        @Option(help: "The payment method its orders are paid with: unionpay, wechat_pay or alipay.")
        var method: String

        func run() async throws {
            guard let method = PaymentMethod(rawValue: method), method != .cash else {
                throw ValidationError("--method is unionpay, wechat_pay or alipay")
            }
            let name = self.name
            let (account, token) = try await ChannelCommand.run(options) { store in
                try await store.add(name: name, method: method, origin: ChannelCommand.origin("add"), now: Date())
            }
            print(
                """
                Channel \(account.name) (\(account.paymentMethod.rawValue)) added. Its API token, shown only now:
                \(token)
                Revoke it with `tongka-server channel revoke \(account.name)`.
                """)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a channel's token at once; its orders stay and are still loaded or refunded.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The channel's account name.")
        var name: String

        func run() async throws {
            let name = self.name
            let account = try await ChannelCommand.run(options) { store in
                try await store.revoke(name: name, origin: ChannelCommand.origin("revoke"), now: Date())
            }
            print("Revoked channel \(account.name).")
        }
    }
}
