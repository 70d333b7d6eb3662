import ArgumentParser
import Foundation
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient

extension CardCommand {
    /// `card refund`: the card in the reader is returned (退卡), paid out and blocked for good.
    struct Refund: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Return the card in the reader: pay deposit plus balance less the refund fee, block the card.",
            discussion: """
                The card's own balance (MAC1-checked) decides what is paid from your drawer; a top-up that is
                not decided yet must be resolved first (load resolve). Refunds above the operator's approval
                amount need a supervisor's approval (refund approve CARD, then --approval ID). The card is then
                blocked permanently on the card itself. JSON: the API's CardRefund.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var station: TerminalOptions
        @OptionGroup var reading: ReaderOptions
        @Option(help: "A supervisor's approval number (refund approve).") var approval: Int64?
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let terminal = try await client.loadTerminal(label: station.label)
            let reader = try await counter.openReader(reading)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let (info, answer) = try await purse.loadAnswer(
                amount: 0, terminal: try TerminalNumber(hex: terminal.terminalNumber))
            let challenge = try await purse.challenge()
            let refund = try await counter.money(key: money.key) { key in
                try await client.refundCard(
                    info.card.cardNumber,
                    request: .init(
                        issuerId: Hex.encode(info.card.issuerID), terminalNumber: terminal.terminalNumber,
                        initializeAnswer: Hex.encode(answer.bytes), challenge: Hex.encode(challenge), approvalId: approval),
                    idempotencyKey: key)
            }
            try await purse.send(maintenanceCommand: try Hex.decode(refund.blockCommand, field: "block command"))
            if counter.json { return Output.printJSON(refund) }
            Output.line(
                counter.t(
                    "Card \(counter.cardNumber(refund.cardNumber, reveal: reveal)) returned: pay \(counter.money(refund.paidFen)) in cash.",
                    "卡 \(counter.cardNumber(refund.cardNumber, reveal: reveal)) 已退卡：请支付现金 \(counter.money(refund.paidFen))。"))
            Output.line(
                counter.t(
                    "Deposit \(counter.money(refund.depositFen)), card balance \(counter.money(refund.cardBalanceFen)), fee \(counter.money(refund.feeFen)).",
                    "押金 \(counter.money(refund.depositFen))，卡内余额 \(counter.money(refund.cardBalanceFen))，手续费 \(counter.money(refund.feeFen))。"
                ))
            Output.line(counter.t("The card is blocked permanently.", "卡片已永久锁定。"))
        }
    }
}

/// `refund approve CARD`: a supervisor approves one card's return above the approval amount.
struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund", abstract: "Approvals of card returns above the operator's approval amount.",
        subcommands: [Approve.self])

    struct Approve: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the return of one card (supervisor); usable once, for 30 minutes, in your hall.",
            discussion: "JSON: the API's RefundApproval.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The card number.") var card: String

        func execute(_ counter: Counter) async throws {
            let approval = try await counter.client().approveRefund(cardNumber: card)
            if counter.json { return Output.printJSON(approval) }
            Output.line(
                counter.t(
                    "Approval \(approval.approvalId) for card \(counter.cardNumber(approval.cardNumber, reveal: false)), valid until \(counter.time(approval.expiresAt)).",
                    "审批号 \(approval.approvalId)（卡 \(counter.cardNumber(approval.cardNumber, reveal: false))），有效至 \(counter.time(approval.expiresAt))。"
                ))
        }
    }
}
