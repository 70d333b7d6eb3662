import Foundation
import OpenAPIRuntime
import TongkaClient
import TongkaDomain

/// Puts the server into the state the scenarios start from, through the API as a counter would:
/// a hall, a product, clerks with sessions and open shifts. Stock is imported by ``Stock`` as
/// runs need it.
enum Setup {
    static let password = "bench-password-2026"

    static func client(_ server: String, token: String?) throws -> TongkaClient {
        guard let url = URL(string: server) else { throw BenchFailure("not a URL: \(server)") }
        return TongkaClient(serverURL: url, token: token, language: .en)
    }

    /// Logs in with a one-time password and replaces it; returns the session's token.
    static func firstLogin(server: String, username: String, oneTimePassword: String) async throws -> String {
        let session = try await client(server, token: nil).login(username: username, password: oneTimePassword)
        if session.mustChangePassword {
            try await client(server, token: session.token).changePassword(current: oneTimePassword, new: password)
        }
        return session.token
    }

    static func run(
        server: String, adminUser: String, adminPassword: String, clerkCount: Int, hall: String, issuerPrefix: String,
        issuerID: String
    ) async throws -> BenchState {
        let adminToken = try await firstLogin(server: server, username: adminUser, oneTimePassword: adminPassword)
        let admin = try client(server, token: adminToken)
        _ = try await admin.createHall(code: hall, name: "压力测试网点", address: nil)
        let product = "BENCH"
        _ = try await admin.createProduct(
            .init(
                code: product, name: "压测卡", cardType: 1, depositFen: 2000, cardCostFen: 500, transportModes: [.bus, .metro],
                interconnection: true, allowsAnonymous: true, allowsRegistered: true, maxBalanceFen: 100_000))
        var clerks: [BenchState.Clerk] = []
        for index in 1...clerkCount {
            let username = String(format: "bench%03d", index)
            let created = try await admin.createClerk(
                username: username, displayName: "压测柜员\(index)", role: .clerk, hall: hall)
            let token = try await firstLogin(server: server, username: username, oneTimePassword: created.oneTimePassword)
            let shift = try await client(server, token: token).openShift(
                floatFen: 50_000, idempotencyKey: "bench-open-\(username)")
            clerks.append(.init(username: username, token: token, shiftID: shift.shift.id))
        }
        return BenchState(
            server: server, adminToken: adminToken, hall: hall, product: product, issuerPrefix: issuerPrefix,
            issuerID: issuerID, clerks: clerks, cardsStocked: 0, nextCard: 1, runs: 0)
    }
}

/// The hall's stock of benchmark cards, imported through `POST /v1/stock/batches` in batches.
enum Stock {
    /// Imports cards until at least `cards` unused ones are in the hall's stock.
    static func ensure(cards: Int, state: inout BenchState) async throws {
        let admin = try Setup.client(state.server, token: state.adminToken)
        while state.cardsStocked + 1 - state.nextCard < cards {
            let count = min(StockFileParser.maximumCards, cards - (state.cardsStocked + 1 - state.nextCard))
            let first = state.cardsStocked + 1
            var file = "card_number,issuer_id,valid_from,valid_to,card_type,chip_uid\n"
            file.reserveCapacity(70 * count + 64)
            for index in first..<(first + count) {
                file += "\(state.cardNumber(index)),\(state.issuerID),20260101,20361231,1,"
                file += String(format: "%08X\n", 0xA000_0000 + index)
            }
            _ = try await admin.importStock(
                product: state.product, hall: state.hall, fileName: "bench-\(first).csv", body: HTTPBody(file))
            state.cardsStocked += count
        }
    }
}
