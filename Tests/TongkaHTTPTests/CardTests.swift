import Foundation
import OpenAPIRuntime
import PostgresNIO
import Testing
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// Stock files and products for card tests.
enum Cards {
    static func number(_ serial: Int) -> String { "310482000000" + String(format: "%07d", serial) }

    /// A stock file of `count` ordinary cards starting at `first`.
    static func file(first: Int = 1, count: Int, cardType: Int = 1, header: Bool = true) -> String {
        var lines = header ? ["card_number,issuer_id,valid_from,valid_to,card_type,chip_uid"] : []
        for serial in first..<(first + count) {
            lines.append(
                "\(number(serial)),31045510FFFFFFFF,20260101,20361231,\(cardType),\(String(format: "%08X", 0xA000_0000 + serial))"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func body(_ text: String) -> HTTPBody { HTTPBody(Array(text.utf8)) }

    static let standard = Components.Schemas.ProductInput(
        code: "STD", name: "普通互联互通卡", cardType: 1, depositFen: 2_000, cardCostFen: 500, replacementFeeFen: 2_000,
        transportModes: [.bus, .metro, .ferry], interconnection: true, allowsAnonymous: true, allowsRegistered: true,
        maxBalanceFen: 100_000)
    static let student = Components.Schemas.ProductInput(
        code: "STU", name: "学生卡", cardType: 2, depositFen: 2_000, cardCostFen: 0, replacementFeeFen: 1_000,
        transportModes: [.bus, .metro], interconnection: false, allowsAnonymous: false, allowsRegistered: true,
        maxBalanceFen: 50_000)
    static let anonymousOnly = Components.Schemas.ProductInput(
        code: "TOUR", name: "旅游纪念卡", cardType: 1, depositFen: 0, cardCostFen: 3_000, replacementFeeFen: 0,
        transportModes: [.metro], interconnection: false, allowsAnonymous: true, allowsRegistered: false,
        maxBalanceFen: 20_000)

    /// Products, 20 STD cards imported and 10 of them moved to CS01.
    static func stock(_ fixture: Fixture) async throws {
        _ = try await fixture.admin.createProduct(standard)
        _ = try await fixture.admin.importStock(product: "STD", hall: nil, fileName: "std.csv", body: body(file(count: 20)))
        _ = try await fixture.admin.allocateStock(product: "STD", toHall: "CS01", fromHall: nil, quantity: 10)
    }
}

@Suite(.timeLimit(.minutes(5))) struct ProductTests {
    @Test func adminsDefineProductsEveryoneListsThem() async throws {
        try await withFixture { fixture in
            let product = try await fixture.admin.createProduct(Cards.standard)
            #expect(product.code == "STD")
            #expect(product.transportModes == [.bus, .metro, .ferry])
            #expect(product.depositFen == 2_000)
            #expect(try await fixture.clerk.products().map(\.code) == ["STD"])
            await expectFailure(.productCodeTaken) { try await fixture.admin.createProduct(Cards.standard) }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.createProduct(Cards.student) }
        }
    }

    @Test func productDefinitionsAreChecked() async throws {
        try await withFixture { fixture in
            var badType = Cards.student
            badType.cardType = 9
            await expectFailure(.invalidProduct) { try await fixture.admin.createProduct(badType) }
            var anonymousStudent = Cards.student
            anonymousStudent.allowsAnonymous = true
            await expectFailure(.invalidProduct) { try await fixture.admin.createProduct(anonymousStudent) }
            var neither = Cards.standard
            neither.allowsAnonymous = false
            neither.allowsRegistered = false
            await expectFailure(.invalidProduct) { try await fixture.admin.createProduct(neither) }
            var noModes = Cards.standard
            noModes.transportModes = []
            await expectFailure(.invalidProduct) { try await fixture.admin.createProduct(noModes) }
            var negative = Cards.standard
            negative.depositFen = -100
            await expectFailure(.amountOutOfRange) { try await fixture.admin.createProduct(negative) }
            var absurd = Cards.standard
            absurd.maxBalanceFen = 5_000_000_000
            await expectFailure(.amountOutOfRange) { try await fixture.admin.createProduct(absurd) }
            var badCode = Cards.standard
            badCode.code = "a b"
            await expectFailure(.invalidProduct) { try await fixture.admin.createProduct(badCode) }
            let products = try await fixture.admin.products()
            #expect(products.isEmpty)
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct StockTests {
    @Test func aBatchImportsIntoTheWarehouseAndMovesToHalls() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.standard)
            let batch = try await fixture.admin.importStock(
                product: "STD", hall: nil, fileName: "factory-2026-11.csv",
                body: Cards.body("\u{FEFF}" + Cards.file(count: 30).replacingOccurrences(of: "\n", with: "\r\n")))
            #expect(batch.cards == 30)
            #expect(batch.hall == nil)
            #expect(batch.firstCardNumber == Cards.number(1))
            #expect(batch.lastCardNumber == Cards.number(30))
            #expect(batch.importedBy == "admin")
            let moved = try await fixture.admin.allocateStock(product: "STD", toHall: "CS01", fromHall: nil, quantity: 12)
            #expect(moved.moved == 12)
            #expect(moved.firstCardNumber == Cards.number(1))
            #expect(moved.lastCardNumber == Cards.number(12))
            let back = try await fixture.admin.allocateStock(product: "STD", toHall: "HQ", fromHall: "CS01", quantity: 2)
            #expect(back.fromHall == "CS01")
            let levels = try await fixture.auditor.stockLevels()
            #expect(levels.map { "\($0.hall ?? "-"):\($0.inStock)" } == ["-:18", "CS01:10", "HQ:2"])
            // Hall staff see their own hall only.
            #expect(try await fixture.clerk.stockLevels().map(\.inStock) == [10])
            await expectFailure(.forbiddenHall) { try await fixture.clerk.stockLevels(hall: "HQ") }
            await expectFailure(.insufficientStock) {
                try await fixture.admin.allocateStock(product: "STD", toHall: "CS01", fromHall: nil, quantity: 19)
            }
            #expect(try await fixture.auditor.stockLevels(product: "STD").first { $0.hall == nil }?.inStock == 18)
            await expectFailure(.productNotFound) {
                try await fixture.admin.allocateStock(product: "NOPE", toHall: "CS01", fromHall: nil, quantity: 1)
            }
            #expect(try await fixture.auditor.stockBatches().map(\.fileName) == ["factory-2026-11.csv"])
            // Straight into a hall.
            let direct = try await fixture.admin.importStock(
                product: "STD", hall: "HQ", fileName: nil, body: Cards.body(Cards.file(first: 100, count: 3)))
            #expect(direct.hall == "HQ")
        }
    }

    @Test func aFileWithBadLinesImportsNothingAndNamesEveryBadLine() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.standard)
            var lines = Cards.file(count: 6).split(separator: "\n").map(String.init)
            lines[2] = "31048200000000000X2,31045510FFFFFFFF,20260101,20361231,1,A0000002"  // line 3: letters
            lines[4] = "9999820000000000004,31045510FFFFFFFF,20260101,20361231,1,A0000004"  // line 5: foreign prefix
            lines[5] = Cards.number(5) + ",31045510FFFFFFFF,20361231,20260101,2,XYZ"  // line 6: dates, type, chip
            lines.append(lines[1])  // line 8: duplicate of line 2
            let failure = await expectFailure(.stockFileInvalid) {
                try await fixture.admin.importStock(
                    product: "STD", hall: nil, fileName: nil, body: Cards.body(lines.joined(separator: "\n")))
            }
            let problems = Set((failure?.lineErrors ?? []).map { "\($0.line):\($0.problem)" })
            #expect(
                problems.isSuperset(of: [
                    "3:invalid_card_number", "5:unknown_issuer_prefix", "6:invalid_validity", "6:card_type_mismatch",
                    "6:invalid_chip_uid", "8:duplicate_card_in_file",
                ]))
            #expect(failure?.lineErrorCount == failure?.lineErrors.count)
            #expect(try await fixture.auditor.stockLevels().isEmpty)
            #expect(try await fixture.auditor.stockBatches().isEmpty)
        }
    }

    @Test func cardsAlreadyInStockAreReportedByLineAndTheSameFileTwiceIsRefused() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.standard)
            let file = Cards.file(count: 5)
            _ = try await fixture.admin.importStock(product: "STD", hall: nil, fileName: nil, body: Cards.body(file))
            await expectFailure(.stockBatchDuplicate) {
                try await fixture.admin.importStock(product: "STD", hall: nil, fileName: nil, body: Cards.body(file))
            }
            let overlapping = Cards.file(first: 4, count: 4)
            let failure = await expectFailure(.stockFileInvalid) {
                try await fixture.admin.importStock(product: "STD", hall: nil, fileName: nil, body: Cards.body(overlapping))
            }
            #expect(
                failure?.lineErrors.map { "\($0.line):\($0.problem)" } == [
                    "2:already_in_stock", "2:chip_already_in_stock", "3:already_in_stock", "3:chip_already_in_stock",
                ])
            #expect(try await fixture.auditor.stockLevels().first?.inStock == 5)
        }
    }

    @Test func emptyFilesUnknownProductsAndWrongContentAreRefused() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.standard)
            await expectFailure(.stockFileEmpty) {
                try await fixture.admin.importStock(
                    product: "STD", hall: nil, fileName: nil, body: Cards.body(Cards.file(count: 0)))
            }
            await expectFailure(.productNotFound) {
                try await fixture.admin.importStock(
                    product: "NOPE", hall: nil, fileName: nil, body: Cards.body(Cards.file(count: 1)))
            }
            await expectFailure(.hallNotFound) {
                try await fixture.admin.importStock(
                    product: "STD", hall: "NOPE", fileName: nil, body: Cards.body(Cards.file(count: 1)))
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.importStock(
                    product: "STD", hall: nil, fileName: nil, body: Cards.body(Cards.file(count: 1)))
            }
            let token = try await fixture.server.token(username: "admin")
            let json = try await fixture.server.raw(.POST, "/v1/stock/batches?product=STD", token: token, body: Data("{}".utf8))
            #expect(json.status == 415)
            #expect(json.code == "unsupported_media_type")
            await expectFailure(.unsupportedMediaType) {
                throw APIFailure(status: json.status, code: json.code ?? "", message: "")
            }
            let binary = try await fixture.server.raw(
                .POST, "/v1/stock/batches?product=STD", token: token, body: Data([0xFF, 0xFE, 0x00, 0x0A]),
                contentType: "text/csv")
            #expect(binary.status == 422)
            #expect(binary.text.contains("invalid_encoding"))
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct HolderTests {
    @Test func holdersAreRegisteredOncePerDocumentAndShownMasked() async throws {
        try await withFixture { fixture in
            let holder = try await fixture.clerk.registerHolder(
                .init(name: "王小明", documentType: .residentId, documentNumber: "11010519491231002x", phone: "138 1234 5678"))
            #expect(holder.documentNumberMasked == "1101**********002X")
            #expect(holder.phoneMasked == "138****5678")
            #expect(holder.registeredHall == "CS01")
            await expectFailure(.holderAlreadyRegistered) {
                try await fixture.supervisor.registerHolder(
                    .init(name: "王小明", documentType: .residentId, documentNumber: "11010519491231002X", phone: nil))
            }
            let found = try await fixture.otherClerk.findHolder(type: .residentId, number: "11010519491231002X")
            #expect(found.holder.id == holder.id)
            #expect(found.cards.isEmpty)
            #expect(try await fixture.auditor.holder(id: holder.id).holder.name == "王小明")
            await expectFailure(.holderNotFound) { try await fixture.clerk.findHolder(type: .passport, number: "E12345678") }
            await expectFailure(.holderNotFound) { try await fixture.clerk.holder(id: 999) }
            await expectFailure(.forbiddenRole) { try await fixture.admin.holder(id: holder.id) }
            await expectFailure(.forbiddenRole) {
                try await fixture.auditor.registerHolder(
                    .init(name: "x", documentType: .passport, documentNumber: "E12345678", phone: nil))
            }
        }
    }

    @Test func documentNumbersAndPhonesAreEncryptedAtRest() async throws {
        try await withFixture { fixture in
            _ = try await fixture.clerk.registerHolder(
                .init(name: "李华", documentType: .residentId, documentNumber: "11010519491231002X", phone: "13812345678"))
            let logger = fixture.server.database.logger
            let dump = try await fixture.server.database.read { connection in
                let rows = try await connection.query(
                    "SELECT row_to_json(h)::text FROM holders h", logger: logger)
                var text = ""
                for try await row in rows.decode(String.self) { text += row }
                let audit = try await connection.query(
                    "SELECT details::text || COALESCE(subject, '') FROM audit_events", logger: logger)
                for try await row in audit.decode(String.self) { text += row }
                return text
            }
            #expect(!dump.contains("11010519491231002X"))
            #expect(!dump.contains("13812345678"))
            #expect(!dump.contains("491231"))
        }
    }

    @Test func documentNumbersAndPhonesAreValidated() async throws {
        try await withFixture { fixture in
            await expectFailure(.invalidDocumentNumber) {
                try await fixture.clerk.registerHolder(
                    .init(name: "x", documentType: .residentId, documentNumber: "110105194912310021", phone: nil))
            }
            await expectFailure(.invalidDocumentNumber) {
                try await fixture.clerk.registerHolder(
                    .init(name: "x", documentType: .hkMacaoPermit, documentNumber: "X12345678", phone: nil))
            }
            await expectFailure(.invalidPhone) {
                try await fixture.clerk.registerHolder(
                    .init(name: "x", documentType: .passport, documentNumber: "E12345678", phone: "12345"))
            }
            await expectFailure(.invalidName) {
                try await fixture.clerk.registerHolder(
                    .init(name: " ", documentType: .passport, documentNumber: "E12345678", phone: nil))
            }
            await expectFailure(.invalidDocumentNumber) { try await fixture.clerk.findHolder(type: .residentId, number: "123") }
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct IssueTests {
    @Test func aClerkSellsAnonymousAndRegisteredCardsIntoTheShift() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            let shift = try await fixture.clerk.openShift(floatFen: 10_000, idempotencyKey: "open-issue-1")
            let anonymous = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-0001")
            #expect(anonymous.card.status == .active)
            #expect(anonymous.card.holderId == nil)
            #expect(anonymous.paidFen == 2_500)
            #expect(anonymous.paymentMethod == .cash)
            #expect(anonymous.shiftId == shift.shift.id)
            #expect(anonymous.card.issuedHall == "CS01")
            #expect(anonymous.card.issuedBy == "zhangsan")
            #expect(anonymous.card.validTo == "2036-12-31")
            #expect(anonymous.card.balanceFen == 0)

            let holder = try await fixture.clerk.registerHolder(
                .init(name: "王小明", documentType: .residentId, documentNumber: "11010519491231002X", phone: nil))
            let registered = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(2), holderID: holder.id, payment: .wechatPay, reference: "WX-0002-20261201",
                idempotencyKey: "issue-0002")
            #expect(registered.card.holderId == holder.id)
            #expect(registered.card.holderDocumentMasked == "1101**********002X")
            #expect(registered.card.holderNameMasked == "王*明")

            let status = try await fixture.clerk.currentShift()
            #expect(status.shift.expectedCashFen == 12_500)
            #expect(status.receipts.map { "\($0.method.rawValue):\($0.amountFen)" } == ["cash:2500", "wechat_pay:2500"])
            #expect(status.stockMovements.first?.cardsIssued == 2)
            #expect(status.hallStock.first?.inStock == 8)
            #expect(try await fixture.clerk.holder(id: holder.id).cards.map(\.cardNumber) == [Cards.number(2)])
            #expect(try await fixture.auditor.card(Cards.number(1)).product == "STD")

            let closed = try await fixture.clerk.closeShift(countedFen: 12_500, note: nil, idempotencyKey: "close-issue-1")
            #expect(closed.shift.differenceFen == 0)
            #expect(closed.stockMovements.first?.cardsIssued == 2)
            let check = try await fixture.auditor.checkLedger()
            #expect(check.passed)
            #expect(check.transactions == 4)
        }
    }

    @Test func cardsComeOnlyFromTheClerksOwnHallStockAndOnlyOnce() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            await expectFailure(.noOpenShift) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-noshift")
            }
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-issue-2")
            _ = try await fixture.otherClerk.openShift(floatFen: 0, idempotencyKey: "open-issue-3")
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-0003")
            await expectFailure(.cardAlreadyIssued) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-0004")
            }
            // Card 15 is still in the warehouse; card 2 is in CS01's stock, not HQ's.
            await expectFailure(.cardNotInHallStock) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(15), holderID: nil, payment: .cash, idempotencyKey: "issue-0005")
            }
            await expectFailure(.cardNotInHallStock) {
                try await fixture.otherClerk.issueCard(
                    cardNumber: Cards.number(2), holderID: nil, payment: .cash, idempotencyKey: "issue-0006")
            }
            await expectFailure(.cardNotFound) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(999), holderID: nil, payment: .cash, idempotencyKey: "issue-0007")
            }
            await expectFailure(.invalidCardNumber) {
                try await fixture.clerk.issueCard(
                    cardNumber: "31048200", holderID: nil, payment: .cash, idempotencyKey: "issue-0008")
            }
            await expectFailure(.unknownIssuerPrefix) {
                try await fixture.clerk.issueCard(
                    cardNumber: "3104770000000000001", holderID: nil, payment: .cash, idempotencyKey: "issue-0009")
            }
            await expectFailure(.holderNotFound) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(2), holderID: 4242, payment: .cash, idempotencyKey: "issue-0010")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.admin.issueCard(
                    cardNumber: Cards.number(2), holderID: nil, payment: .cash, idempotencyKey: "issue-0011")
            }
            // None of the refusals changed anything: card 2 is still available and sells.
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(2), holderID: nil, payment: .cash, idempotencyKey: "issue-0012")
            #expect(try await fixture.clerk.stockLevels().first?.inStock == 8)
            #expect(try await fixture.auditor.checkLedger().transactions == 2)
        }
    }

    @Test func productsDecideWhetherACardMayBeAnonymousOrRegistered() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.student)
            _ = try await fixture.admin.createProduct(Cards.anonymousOnly)
            _ = try await fixture.admin.importStock(
                product: "STU", hall: "CS01", fileName: nil, body: Cards.body(Cards.file(first: 1, count: 3, cardType: 2)))
            _ = try await fixture.admin.importStock(
                product: "TOUR", hall: "CS01", fileName: nil, body: Cards.body(Cards.file(first: 10, count: 3)))
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-issue-4")
            let holder = try await fixture.clerk.registerHolder(
                .init(name: "学生", documentType: .passport, documentNumber: "E12345678", phone: nil))
            await expectFailure(.anonymousNotAllowed) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(1), holderID: nil, payment: .cash, idempotencyKey: "issue-stu-1")
            }
            await expectFailure(.registrationNotAllowed) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(10), holderID: holder.id, payment: .cash, idempotencyKey: "issue-tour-1")
            }
            let student = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(1), holderID: holder.id, payment: .cash, idempotencyKey: "issue-stu-2")
            #expect(student.paidFen == 2_000)
            let tour = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(10), holderID: nil, payment: .alipay, reference: "ALI-TOUR-2",
                idempotencyKey: "issue-tour-2")
            #expect(tour.paidFen == 3_000)
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == 2_000)
        }
    }

    @Test func aRepeatedIssueReturnsTheFirstCardWithoutChargingTwice() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-issue-5")
            let first = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(3), holderID: nil, payment: .cash, idempotencyKey: "issue-repeat")
            let again = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(3), holderID: nil, payment: .cash, idempotencyKey: "issue-repeat")
            #expect(again.replayed)
            #expect(again.transactionId == first.transactionId)
            await expectFailure(.idempotencyKeyReused) {
                try await fixture.clerk.issueCard(
                    cardNumber: Cards.number(4), holderID: nil, payment: .cash, idempotencyKey: "issue-repeat")
            }
            #expect(try await fixture.clerk.currentShift().shift.expectedCashFen == 2_500)
        }
    }

    @Test func twoClerksIssuingTheSameCardAtOnceGetExactlyOneCard() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            let second = try await fixture.server.createStaff(admin: fixture.admin, username: "qian", role: .clerk, hall: "CS01")
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-race-a")
            _ = try await second.openShift(floatFen: 0, idempotencyKey: "open-race-b")
            for round in 1...5 {
                let number = Cards.number(round)
                async let a = outcome {
                    try await fixture.clerk.issueCard(
                        cardNumber: number, holderID: nil, payment: .cash, idempotencyKey: "race-a-\(round)")
                }
                async let b = outcome {
                    try await second.issueCard(
                        cardNumber: number, holderID: nil, payment: .cash, idempotencyKey: "race-b-\(round)")
                }
                let results = await [a, b]
                let winners = results.filter { if case .success = $0 { true } else { false } }
                #expect(winners.count == 1, "round \(round)")
                for case .failure(let error) in results {
                    #expect((error as? APIFailure)?.code == ErrorCode.cardAlreadyIssued.rawValue, "round \(round): \(error)")
                }
            }
            let logger = fixture.server.database.logger
            let counts = try await fixture.server.database.read { connection in
                let rows = try await connection.query(
                    "SELECT (SELECT count(*) FROM cards), (SELECT count(*) FROM card_stock WHERE status = 'issued')",
                    logger: logger)
                for try await row in rows.decode((Int64, Int64).self) { return row }
                return (0, 0)
            }
            #expect(counts.0 == 5)
            #expect(counts.1 == 5)
            let a = try await fixture.clerk.currentShift().shift.expectedCashFen
            let b = try await second.currentShift().shift.expectedCashFen
            #expect(a + b == 5 * 2_500)
            #expect(try await fixture.auditor.checkLedger().passed)
        }
    }

    @Test func manyConcurrentSalesOnOneShiftKeepTheLedgerExact() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createProduct(Cards.standard)
            _ = try await fixture.admin.importStock(
                product: "STD", hall: "CS01", fileName: nil, body: Cards.body(Cards.file(count: 40)))
            _ = try await fixture.clerk.openShift(floatFen: 100_000, idempotencyKey: "open-many")
            // 40 sales, each sent twice at once with the same key, plus 10 attempts at cards
            // already sold: exactly 40 charges must land.
            let outcomes = await withTaskGroup(of: String.self) { group in
                for serial in 1...40 {
                    for _ in 0..<2 {
                        group.addTask {
                            do {
                                let issued = try await fixture.clerk.issueCard(
                                    cardNumber: Cards.number(serial), holderID: nil, payment: serial % 4 == 0 ? .unionpay : .cash,
                                    reference: serial % 4 == 0 ? "UP-\(serial)" : nil, idempotencyKey: "sale-key-\(serial)")
                                return issued.replayed ? "replayed" : "issued"
                            } catch let failure as APIFailure {
                                return failure.code
                            } catch {
                                return "error"
                            }
                        }
                    }
                }
                var all: [String] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == "issued" }.count == 40)
            #expect(outcomes.filter { $0 == "replayed" }.count == 40)
            let status = try await fixture.clerk.currentShift()
            #expect(status.shift.expectedCashFen == 100_000 + 30 * 2_500)
            let unionpay = status.receipts.first { $0.method == .unionpay }
            #expect(unionpay?.amountFen == Int64(10 * 2_500))
            let closed = try await fixture.clerk.closeShift(countedFen: 175_000, note: nil, idempotencyKey: "close-many")
            #expect(closed.shift.differenceFen == 0)
            let check = try await fixture.auditor.checkLedger()
            #expect(check.passed)
            #expect(check.transactions == 42)
            #expect(check.totalFen == 0)
        }
    }
}

@Suite(.timeLimit(.minutes(5))) struct CardLookupTests {
    @Test func cardsAreLookedUpByNumberWhicheverHallIssuedThem() async throws {
        try await withFixture { fixture in
            try await Cards.stock(fixture)
            _ = try await fixture.clerk.openShift(floatFen: 0, idempotencyKey: "open-lookup")
            _ = try await fixture.clerk.issueCard(
                cardNumber: Cards.number(5), holderID: nil, payment: .cash, idempotencyKey: "issue-lookup")
            let card = try await fixture.otherClerk.card(Cards.number(5))
            #expect(card.cardNumber == Cards.number(5))
            #expect(card.transportModes == [.bus, .metro, .ferry])
            #expect(card.interconnection)
            #expect(card.depositFen == 2_000)
            await expectFailure(.cardNotFound) { try await fixture.clerk.card(Cards.number(6)) }
            await expectFailure(.invalidCardNumber) { try await fixture.clerk.card("12345") }
            await expectFailure(.unknownIssuerPrefix) { try await fixture.clerk.card("1234567890123456789") }
        }
    }
}
