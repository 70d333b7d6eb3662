import Foundation
import TongkaAPI
import TongkaDomain
import TongkaPostgres

extension APIHandler {
    func openShift(_ input: Operations.OpenShift.Input) async throws -> Operations.OpenShift.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let float = try Money.counterAmount(fen: body.openingFloatFen, field: "openingFloatFen")
        let (report, replayed) = try await shifts.open(
            float: float, idempotencyKey: input.headers.idempotencyKey, origin: scope.origin)
        return .created(.init(body: .json(map(report, replayed: replayed))))
    }

    func getCurrentShift(_ input: Operations.GetCurrentShift.Input) async throws -> Operations.GetCurrentShift.Output {
        let report = try await shifts.current(actor: try scope.actor())
        return .ok(.init(body: .json(map(report, replayed: false))))
    }

    func closeShift(_ input: Operations.CloseShift.Input) async throws -> Operations.CloseShift.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let counted = try Money.counterAmount(fen: body.countedCashFen, field: "countedCashFen")
        let (report, replayed) = try await shifts.close(
            counted: counted, note: body.note, idempotencyKey: input.headers.idempotencyKey, origin: scope.origin)
        return .ok(.init(body: .json(map(report, replayed: replayed))))
    }

    func forceCloseShift(_ input: Operations.ForceCloseShift.Input) async throws -> Operations.ForceCloseShift.Output {
        guard case .json(let body) = input.body else { throw TongkaError(.unsupportedMediaType) }
        let counted = try Money.counterAmount(fen: body.countedCashFen, field: "countedCashFen")
        let (report, replayed) = try await shifts.forceClose(
            shift: ShiftID(input.path.shiftId), counted: counted, reason: body.reason,
            idempotencyKey: input.headers.idempotencyKey, origin: scope.origin)
        return .ok(.init(body: .json(map(report, replayed: replayed))))
    }

    func getShift(_ input: Operations.GetShift.Input) async throws -> Operations.GetShift.Output {
        let report = try await shifts.shift(id: ShiftID(input.path.shiftId), actor: try scope.actor())
        return .ok(.init(body: .json(map(report, replayed: false))))
    }

    func listShifts(_ input: Operations.ListShifts.Input) async throws -> Operations.ListShifts.Output {
        let query = input.query
        let page = try await shifts.list(
            hallCode: query.hall, from: try query.from.map { try CalendarDate(parsing: $0) },
            to: try query.to.map { try CalendarDate(parsing: $0) }, onlyDifferences: query.differencesOnly ?? false,
            openOnly: query.openOnly ?? false, actor: try scope.actor(), limit: try Page<ShiftSummary>.limit(query.limit),
            cursor: try query.cursor.map { try PageCursor(token: $0) })
        return .ok(.init(body: .json(.init(next: page.next?.token, shifts: page.items.map(map)))))
    }

    func checkLedger(_ input: Operations.CheckLedger.Input) async throws -> Operations.CheckLedger.Output {
        let report = try await ledger.check()
        return .ok(
            .init(
                body: .json(
                    .init(
                        passed: report.passed, transactions: report.transactions, entries: report.entries,
                        accounts: report.accounts,
                        totalFen: report.totalFen, unbalancedTransactions: report.unbalancedTransactions,
                        balanceMismatches: report.balanceMismatches, negativeBalances: report.negativeBalances))))
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let query = input.query
        let page = try await audit.list(
            from: try query.from.map { try CalendarDate(parsing: $0) }, to: try query.to.map { try CalendarDate(parsing: $0) },
            actor: query.actor, action: query.action, limit: try Page<AuditEvent>.limit(query.limit), before: query.before,
            cursor: try query.cursor.map { try PageCursor(token: $0) })
        return .ok(
            .init(
                body: .json(
                    .init(
                        next: page.next?.token,
                        events: page.items.map { event in
                            .init(
                                id: event.id, occurredAt: event.occurredAt, actor: event.actor, role: event.role,
                                hall: event.hallCode,
                                action: event.action, subject: event.subject,
                                details: .init(additionalProperties: event.details), requestId: event.requestID,
                                clientAddress: event.clientAddress, sealed: event.sealed)
                        }))))
    }

    func verifyAuditChain(_ input: Operations.VerifyAuditChain.Input) async throws -> Operations.VerifyAuditChain.Output {
        let result = try await audit.verify()
        return .ok(
            .init(
                body: .json(
                    .init(
                        valid: result.valid, sealedEvents: result.sealedEvents, unsealedEvents: result.unsealedEvents,
                        firstBrokenEventId: result.firstBrokenEventID, headSequence: result.headSequence,
                        headHash: result.headHash))))
    }

    // MARK: Mapping

    func map(_ shift: ShiftSummary) -> Components.Schemas.Shift {
        .init(
            id: shift.id.rawValue, clerk: shift.clerkUsername, hall: shift.hallCode, open: shift.isOpen,
            openedAt: shift.openedAt, openingFloatFen: shift.openingFloat.fen, closedAt: shift.closedAt,
            expectedCashFen: shift.expectedCash.fen, countedCashFen: shift.countedCash?.fen,
            differenceFen: shift.difference?.fen, closeNote: shift.closeNote, closedBy: shift.closedBy,
            forceCloseReason: shift.forceCloseReason)
    }

    func map(_ report: ShiftReport, replayed: Bool) -> Components.Schemas.ShiftReport {
        .init(
            shift: map(report.shift),
            receipts: report.receipts.map {
                .init(method: map($0.method), amountFen: $0.amount.fen, transactions: $0.transactions)
            },
            stockMovements: report.stockMovements.map {
                .init(product: $0.productCode, productName: $0.productName, cardsIssued: $0.cardsIssued)
            },
            hallStock: report.hallStock.map { .init(product: $0.productCode, productName: $0.productName, inStock: $0.inStock) },
            channelPayments: report.channelPayments.map {
                .init(
                    method: map($0.method), reference: $0.reference, amountFen: $0.amount.fen,
                    transactionId: $0.transactionID.rawValue, at: $0.at)
            },
            loadTotals: report.loadTotals.map {
                .init(
                    state: Components.Schemas.LoadState(rawValue: $0.state.rawValue)!, paymentMethod: $0.method.map(map),
                    loads: $0.loads, amountFen: $0.amount.fen)
            },
            openLoads: report.openLoads.map {
                .init(
                    loadId: $0.loadID.rawValue, cardNumber: $0.cardNumber,
                    state: Components.Schemas.LoadState(rawValue: $0.state.rawValue)!, amountFen: $0.amount.fen,
                    paymentMethod: $0.method.map(map), paymentReference: $0.reference, authorisedAt: $0.authorisedAt)
            },
            replayed: replayed)
    }

    func map(_ method: PaymentMethod) -> Components.Schemas.PaymentMethod {
        switch method {
        case .cash: .cash
        case .unionpay: .unionpay
        case .wechatPay: .wechatPay
        case .alipay: .alipay
        }
    }

    func map(_ method: Components.Schemas.PaymentMethod) -> PaymentMethod {
        switch method {
        case .cash: .cash
        case .unionpay: .unionpay
        case .wechatPay: .wechatPay
        case .alipay: .alipay
        }
    }
}
