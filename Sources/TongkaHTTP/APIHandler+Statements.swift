import Foundation
import OpenAPIRuntime
import TongkaAPI
import TongkaDomain
import TongkaPostgres

/// Card statements: the movements of a card's purse account from the ledger.
extension APIHandler {
    var statements: StatementStore { StatementStore(database: database) }

    func getCardStatement(_ input: Operations.GetCardStatement.Input) async throws -> Operations.GetCardStatement.Output {
        let number = try CardNumber(input.path.cardNumber, issuerPrefixes: issuer.cardNumberPrefixes)
        let statement = try await statements.statement(
            card: number, limit: input.query.limit ?? StatementStore.lineLimit, origin: scope.origin)
        let zone = database.settings.timeZone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return .ok(
            .init(
                body: .json(
                    .init(
                        cardNumber: statement.cardNumber, timeZone: zone.identifier,
                        openingBalanceFen: statement.openingBalance.fen,
                        lines: statement.lines.map { line in
                            .init(
                                at: line.at, localTime: formatter.string(from: line.at), kind: line.kind,
                                amountFen: line.amount.fen, balanceFen: line.balance.fen, hall: line.hallCode, clerk: line.clerk,
                                transactionId: line.transactionID.rawValue, loadId: line.loadID?.rawValue,
                                paymentMethod: line.paymentMethod.map(map), paymentReference: line.paymentReference)
                        },
                        balanceFen: statement.balance.fen, truncated: statement.truncated))))
    }
}
