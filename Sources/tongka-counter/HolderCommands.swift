import ArgumentParser
import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

// MARK: Holders

struct HolderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holder", abstract: "Card holders.", subcommands: [Register.self, Show.self])

    static func printHolder(_ result: Components.Schemas.HolderWithCards, _ counter: Counter, reveal: Bool) {
        let holder = result.holder
        counter.fields([
            (counter.t("Holder", "持卡人"), "#\(holder.id) \(holder.name)"),
            (
                counter.t("Document", "证件"),
                "\(DocumentType(rawValue: holder.documentType.rawValue)?.localizedName(counter.language) ?? holder.documentType.rawValue) \(holder.documentNumberMasked)"
            ),
            (counter.t("Phone", "手机"), holder.phoneMasked ?? "-"),
            (counter.t("Registered", "登记"), "\(counter.time(holder.registeredAt)) \(holder.registeredHall)"),
        ])
        Output.line()
        Output.line(
            Table(
                headers: [
                    counter.t("Card", "卡号"), counter.t("Product", "卡产品"), counter.t("Status", "状态"), counter.t("Issued", "发卡时间"),
                ],
                rows: result.cards.map {
                    [
                        counter.cardNumber($0.cardNumber, reveal: reveal), $0.product, $0.status.rawValue,
                        counter.time($0.issuedAt),
                    ]
                }
            ).render())
    }

    struct Register: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a card holder (clerk, supervisor). The document number is asked for when not given.",
            discussion: "JSON: the new Holder (document and phone masked).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Name as on the document.") var name: String
        @Option(help: "resident_id, passport, hk_macao_permit or taiwan_permit.") var docType: String = "resident_id"
        @Option(help: "Document number (prefer typing it at the prompt: it then stays out of shell history).") var docNumber:
            String?
        @Option(help: "Mobile phone.") var phone: String?

        func execute(_ counter: Counter) async throws {
            let type = try counter.documentType(docType)
            let number = try counter.documentNumber(docNumber)
            let holder = try await counter.client().registerHolder(
                .init(name: name, documentType: type, documentNumber: number, phone: phone))
            if counter.json { return Output.printJSON(holder) }
            Output.line(
                counter.t(
                    "Registered holder #\(holder.id) \(holder.name) (\(holder.documentNumberMasked)).",
                    "已登记持卡人 #\(holder.id) \(holder.name)（\(holder.documentNumberMasked)）。"))
        }
    }

    struct Show: CounterCommand {
        static let configuration = CommandConfiguration(
            abstract: "A holder and its cards, by number or by identity document.",
            discussion: "JSON: the API's HolderWithCards.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Holder number.") var id: Int64?
        @Option(help: "Find by document of this type (the number is asked for).") var docType: String?
        @Option(help: "Document number (prefer the prompt).") var docNumber: String?
        @Flag(help: "Show full card numbers.") var reveal = false

        func execute(_ counter: Counter) async throws {
            let client = try counter.client()
            let result: Components.Schemas.HolderWithCards
            if let id {
                result = try await client.holder(id: id)
            } else if let docType {
                result = try await client.findHolder(
                    type: try counter.documentType(docType), number: try counter.documentNumber(docNumber))
            } else {
                throw ValidationError(counter.t("Give --id or --doc-type", "请指定 --id 或 --doc-type"))
            }
            if counter.json { return Output.printJSON(result) }
            HolderCommand.printHolder(result, counter, reveal: reveal)
        }
    }
}
