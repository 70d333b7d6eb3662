import ArgumentParser
import Foundation
import TongkaCardCrypto
import TongkaCardTerminal
import TongkaClient

extension LoadCommand {
    /// `load void ID`: a supervisor debits a confirmed top-up back from the card in the same shift.
    struct VoidLoad: CounterCommand {
        static let configuration = CommandConfiguration(
            commandName: "void",
            abstract: "Void a confirmed top-up of an open shift: debit it back from the card (supervisor).",
            discussion: """
                The card must be in the reader and still hold the amount. The counter runs INITIALIZE FOR
                PURCHASE for the top-up's amount at the top-up's terminal, the server answers MAC1, the card
                debits itself (DEBIT FOR PURCHASE) and its MAC2 and TAC go back to the server, which only then
                returns the money to the payment (cash from that shift's drawer). When the card's answer to
                the debit is lost, the counter resets the card and asks it for the proof of that purchase
                (GET TRANSACTION PROVE): a card that debited answers its MAC2 and TAC and the void goes on;
                one that did not says so and nothing changes. Run again after a void that stopped half-way,
                it finds the card's own record of that debit (a purchase of the amount at the top-up's
                terminal) and finishes it with the card's proof instead of debiting the card again.
                JSON: the API's Load.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var money: MoneyOptions
        @OptionGroup var station: TerminalOptions
        @OptionGroup var reading: ReaderOptions
        @Argument(help: "The top-up number.") var loadID: Int64
        @Flag(help: "Show the full card number.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let load = try await client.load(id: loadID)
            let reader = try await counter.openReader(reading)
            defer { Task { await reader.disconnect() } }
            let purse = PurseTerminal(reader: reader)
            let terminal = try TerminalNumber(hex: load.terminalNumber)
            // An earlier void whose answer never came back may have debited the card: its newest
            // record is then a purchase of this amount at this top-up's terminal (a counter's load
            // terminal, where riders buy nothing else). Finish that void with the card's proof
            // instead of debiting the card a second time; the server checks the proof against the
            // void it stored and refuses any other.
            if load.state == .confirmed, let newest = try await purse.readTransactionLog().first,
                newest.transactionType == 0x06, newest.amount == UInt32(load.amountFen), newest.terminal == terminal
            {
                guard let proof = try await purse.purchaseProof(offlineSerial: newest.serial) else {
                    throw CounterFailure(
                        code: "card_error",
                        message: counter.t(
                            "The card's last debit is not this void's; check the top-up and the card.",
                            "卡片最近一笔扣款并非本次撤销，请核对充值记录与卡片。"))
                }
                return try await finish(counter, client: client, load: load, debit: proof)
            }
            let (info, answer) = try await purse.purchaseAnswer(amount: UInt32(load.amountFen), terminal: terminal)
            let authorization = try await client.voidLoad(
                id: loadID,
                request: .init(
                    cardNumber: info.card.cardNumber, issuerId: Hex.encode(info.card.issuerID),
                    purchaseAnswer: Hex.encode(answer.bytes)))
            let time = authorization.cardTime
            let debit: (tac: [UInt8], mac2: [UInt8])
            do {
                debit = try await purse.debitForPurchase(
                    terminalSerial: UInt32(authorization.terminalSerial),
                    dateTime: try TransactionDateTime(yyyymmdd: String(time.prefix(8)), hhmmss: String(time.suffix(6))),
                    mac1: try Hex.decode(authorization.mac1, field: "MAC1"))
            } catch let refused as PurseTerminalError where !refused.mayHaveDebited {
                throw refused
            } catch {
                // The card's answer was lost: it may have debited. Ask it again for the proof of
                // this purchase (GET TRANSACTION PROVE) after a fresh reset, so the money goes
                // back when the card debited and nothing happens when it did not.
                _ = try await reader.connect()
                guard let proof = try await purse.purchaseProof(offlineSerial: answer.offlineSerial) else {
                    throw CounterFailure(
                        code: "card_not_debited",
                        message: counter.t(
                            "The card's answer was lost and it did not debit: nothing changed; run load void again.",
                            "未收到卡片应答，卡片未扣款：未作任何变动，请重新执行撤销。"))
                }
                debit = proof
            }
            try await finish(counter, client: client, load: load, debit: debit)
        }

        /// Sends the card's MAC2 and TAC; the server returns the money once they verify.
        private func finish(
            _ counter: Counter, client: TongkaClient, load: Components.Schemas.Load, debit: (tac: [UInt8], mac2: [UInt8])
        ) async throws {
            let voided = try await counter.money(key: money.key) { key in
                try await client.confirmLoadVoid(
                    id: loadID, mac2: Hex.encode(debit.mac2), tac: Hex.encode(debit.tac), idempotencyKey: key)
            }
            if counter.json { return Output.printJSON(voided) }
            Output.line(
                counter.t(
                    "Voided: \(counter.money(load.amountFen)) debited from the card and returned to the payment.",
                    "已撤销：已从卡内扣回 \(counter.money(load.amountFen))，款项已退回。"))
            counter.printLoad(voided, reveal: reveal)
        }
    }
}

extension PurseTerminalError {
    /// Whether the card may have debited although the flow stopped: it answered success with data
    /// of the wrong shape. A refusal (any other status word) debited nothing.
    fileprivate var mayHaveDebited: Bool {
        if case .malformedResponse = self { return true }
        return false
    }
}
