import ArgumentParser
import Foundation
import TongkaDomain
import TongkaPostgres

/// Settles the card replacements whose waiting period has passed, as the server's background
/// service does every ten minutes: for an operator who wants it done now (after an outage, or
/// before a day's report), or a host that runs it from cron. Each settlement is audited with the
/// request id `tongka-server settle-replacements`; running it twice settles nothing twice.
struct SettleReplacements: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle-replacements",
        abstract:
            "Settle the replacements past their waiting period: the rest of each old card's balance becomes a top-up order for the new card."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Settle what is due at this moment (required: the command never settles early).")
    var now = false

    func validate() throws {
        guard now else { throw ValidationError("pass --now to settle the replacements due at this moment") }
    }

    func run() async throws {
        let settings = try await options.settings()
        do {
            let settled = try await withDatabase(settings, logger: makeLogger(settings)) { database in
                let store = LossStore(database: database)
                var total = 0
                // One transaction per hundred, so a long backlog never holds its locks for long.
                while true {
                    let batch = try await store.settleDue(now: Date(), requestID: "tongka-server settle-replacements")
                    total += batch
                    if batch < 100 { return total }
                }
            }
            print(settled == 0 ? "No replacement is due." : "Settled \(settled) replacement(s).")
        } catch let error as TongkaError {
            throw ValidationError("\(error.code.rawValue): \(error.message(.en))")
        }
    }
}
