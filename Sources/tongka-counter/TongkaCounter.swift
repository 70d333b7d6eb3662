import ArgumentParser

/// The clerk's counter terminal. Messages and tables come in Simplified Chinese or English
/// (`--lang`, `TONGKA_LANG` or the locale); error codes and JSON field names are the same in both.
@main
struct TongkaCounter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tongka-counter",
        abstract: "Tongka counter terminal for service-hall staff (通卡柜台终端).",
        discussion: """
            Amounts are typed and shown in yuan (50, 50.5, ¥50.50). Exit codes: 0 done, 1 refused
            (the error code and message are printed), 64 bad usage, 69 server unreachable or failing.
            """,
        subcommands: [
            Login.self, Logout.self, WhoAmI.self, Passwd.self, HallCommand.self, ClerkCommand.self, ShiftCommand.self,
            LedgerCommand.self, AuditCommand.self, ProductCommand.self, StockCommand.self, HolderCommand.self,
            CardCommand.self, Topup.self, LoadCommand.self, OrderCommand.self, RefundCommand.self, ReportCommand.self,
            BlacklistCommand.self, WhitelistCommand.self, ValidatorCommand.self, ExceptionsCommand.self, ClearingCommand.self,
            ProgressCommand.self, LossCommand.self, TransportCommand.self,
        ])
}
