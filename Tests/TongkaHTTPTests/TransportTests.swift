import Foundation
import Testing
import TongkaAPI
import TongkaClient
import TongkaDomain
import TongkaTestSupport

/// Transport companies and lines as reference data, and the revenue report and clearing summary
/// built on them from validators' records.
@Suite(.timeLimit(.minutes(5))) struct TransportTests {
    /// Companies CSBUS and CSBASHI and bus line 1路 of CSBUS; the operator's zone and today in it.
    static func twoCompaniesAndALine(_ fixture: Fixture, now: Date) async throws -> (TimeZone, CalendarDate) {
        _ = try await fixture.admin.createTransportCompany(code: "CSBUS", name: "长沙公交集团")
        _ = try await fixture.admin.createTransportCompany(code: "CSBASHI", name: "长沙巴士")
        _ = try await fixture.admin.createTransportLine(company: "CSBUS", mode: .bus, line: "1路", stations: [])
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        return (zone, CalendarDate(now, in: zone))
    }

    @Test func adminsEnterCompaniesAndLinesAndBadOrDuplicateEntriesAreRefused() async throws {
        try await withFixture { fixture in
            let bus = try await fixture.admin.createTransportCompany(code: "csbus", name: "长沙公交集团")
            #expect(bus.code == "CSBUS" && bus.lines == 0)
            _ = try await fixture.admin.createTransportCompany(code: "CSMETRO", name: "长沙地铁")
            await expectFailure(.invalidCompanyCode) { try await fixture.admin.createTransportCompany(code: "公交", name: "x") }
            await expectFailure(.companyCodeTaken) { try await fixture.admin.createTransportCompany(code: "CSBUS", name: "又一个") }
            await expectFailure(.forbiddenRole) { try await fixture.supervisor.createTransportCompany(code: "OTHER", name: "x") }

            let line = try await fixture.admin.createTransportLine(
                company: "csbus", mode: .bus, line: "1路", stations: ["火车站", "五一广场", "橘子洲"])
            #expect(line.company == "CSBUS" && line.companyName == "长沙公交集团" && line.stations.count == 3)
            _ = try await fixture.admin.createTransportLine(company: "CSMETRO", mode: .metro, line: "2号线", stations: [])
            await expectFailure(.lineTaken) {
                try await fixture.admin.createTransportLine(company: "CSMETRO", mode: .bus, line: "1路", stations: [])
            }
            await expectFailure(.companyNotFound) {
                try await fixture.admin.createTransportLine(company: "NOBODY", mode: .bus, line: "2路", stations: [])
            }
            // A station twice: the contract refuses the same name, the domain the same name once trimmed.
            await expectFailure(.malformedRequest) {
                try await fixture.admin.createTransportLine(company: "CSBUS", mode: .bus, line: "3路", stations: ["甲", "甲"])
            }
            await expectFailure(.invalidName) {
                try await fixture.admin.createTransportLine(company: "CSBUS", mode: .bus, line: "3路", stations: ["甲", "甲 "])
            }
            #expect(try await fixture.auditor.transportLines(company: "CSBUS").count == 1)
            await expectFailure(.companyNotFound) { try await fixture.auditor.transportLines(company: "NOBODY") }
            #expect(try await fixture.supervisor.transportLines(company: "csbus").map(\.line) == ["1路"])
            #expect(try await fixture.auditor.transportLines().count == 2)
            let companies = try await fixture.auditor.transportCompanies()
            #expect(companies.map(\.code) == ["CSBUS", "CSMETRO"] && companies.map(\.lines) == [1, 1])
            await expectFailure(.forbiddenRole) { try await fixture.clerk.transportCompanies() }
        }
    }

    @Test func revenueIsCountedPerCompanyModeAndLineAndTheDaysClearingSummaryAddsUp() async throws {
        try await withFixture { fixture in
            _ = try await fixture.admin.createTransportCompany(code: "CSBUS", name: "长沙公交集团")
            _ = try await fixture.admin.createTransportLine(company: "CSBUS", mode: .bus, line: "1路", stations: ["五一广场"])
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let first = try await bus.tap(bench, fen: 200, serial: 1)
            let second = try await bus.tap(bench, fen: 300, serial: 2)
            var foreign = first
            foreign.cardNumber = "3105170000000000001"
            foreign.issuerId = "01001000FFFFFFFF"
            foreign.terminalSerial = 3
            // A line nobody entered, and a tampered record held by an exception.
            var unentered = foreign
            unentered.line = "夜班1路"
            unentered.terminalSerial = 4
            let third = try await bus.tap(bench, fen: 150, serial: 5)
            let tampered = third.with(tac: "00000000")
            let answer = try await bus.validator.client.uploadTaps([first, second, foreign, unentered, tampered])
            #expect(answer.results.map(\.outcome) == [.stored, .stored, .stored, .stored, .stored])

            let today = CalendarDate(Date(), in: TimeZone(identifier: "Asia/Shanghai")!).description
            let report = try await fixture.auditor.revenueReport(from: today, to: today, period: .day, groupBy: nil)
            #expect(report.groupBy == ["company", "mode", "line"] && report.timeZone == "Asia/Shanghai")
            let entered = try #require(report.rows.first { $0.company == "CSBUS" })
            #expect(entered.lineRegistered == true && entered.mode == .bus && entered.line == "1路")
            #expect(entered.ownCards.taps == 2 && entered.ownCards.amountFen == 500)
            #expect(entered.otherIssuers.taps == 1 && entered.otherIssuers.amountFen == 200)
            #expect(entered.held.taps == 1 && entered.held.amountFen == 150)
            #expect(entered.total.taps == 4 && entered.total.amountFen == 850)
            let stray = try #require(report.rows.first { $0.lineRegistered == false })
            #expect(stray.company == nil && stray.line == "夜班1路" && stray.otherIssuers.amountFen == 200)
            #expect(report.ownCards.amountFen == 500 && report.otherIssuers.amountFen == 400 && report.held.amountFen == 150)

            // The clearing summary: grouped by company, one row per company for the day.
            let summary = try await fixture.admin.revenueReport(from: today, to: today, period: .all, groupBy: "company")
            #expect(summary.rows.map(\.period) == ["all", "all"] && summary.rows.map(\.company) == ["CSBUS", nil])
            #expect(summary.rows.map(\.total.amountFen).reduce(0, +) == 1_050)
            let byMode = try await fixture.admin.revenueReport(from: today, to: today, period: .month, groupBy: "mode")
            #expect(byMode.rows.count == 1 && byMode.rows[0].mode == .bus && byMode.rows[0].company == nil)

            await expectFailure(.invalidGrouping) {
                try await fixture.admin.revenueReport(from: today, to: today, period: .day, groupBy: "company,hall")
            }
            await expectFailure(.invalidDateRange) {
                try await fixture.admin.revenueReport(from: "2026-12-02", to: "2026-12-01", period: .day, groupBy: nil)
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.revenueReport(from: today, to: today, period: .day, groupBy: nil)
            }
            #expect(try await fixture.admin.checkLedger().passed)
        }
    }

    @Test func fareRevenueIsOwedInTheLedgerToTheCompanyThatRanTheLineAndALineChangesCompanyFromAFutureDay() async throws {
        let clock = TestClock()
        try await withFixture(now: { clock.now }) { fixture in
            let (zone, today) = try await Self.twoCompaniesAndALine(fixture, now: clock.now)

            // Refusals, each changing nothing.
            await expectFailure(.transferNotInFuture) {
                try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBASHI", from: today.description)
            }
            await expectFailure(.lineAlreadyRuns) {
                try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBUS", from: today.next.description)
            }
            await expectFailure(.lineNotFound) {
                try await fixture.admin.transferTransportLine(
                    mode: .metro, line: "1路", to: "CSBASHI", from: today.next.description)
            }
            await expectFailure(.companyNotFound) {
                try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "NOBODY", from: today.next.description)
            }
            await expectFailure(.invalidDate) {
                try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBASHI", from: "2027-02-30")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.transferTransportLine(
                    mode: .bus, line: "1路", to: "CSBASHI", from: today.next.description)
            }
            #expect(try await fixture.auditor.transportLines().map(\.operators.count) == [1])
            #expect(try await fixture.auditor.transportCompanies().map(\.owedFen) == [0, 0])

            // Today's taps are owed to the company that runs the line today.
            let bench = try await LoadBench.make(fixture)
            try await bench.topUp(5_000)
            let bus = try await TestBus.make(fixture)
            let first = try await bus.tap(bench, fen: 200, serial: 1, at: clock.now)
            // And a night line nobody has entered yet: its fare waits without a company.
            var night = try await bus.tap(bench, fen: 100, serial: 10, at: clock.now)
            night.line = "夜1路"
            #expect(try await bus.validator.client.uploadTaps([first, night]).results.map(\.posted) == [true, true])
            #expect(try await fixture.auditor.transportCompanies().map(\.owedFen) == [0, 200])
            // Entering the night line credits its earlier records to its company, in the ledger too.
            _ = try await fixture.admin.createTransportLine(company: "CSBASHI", mode: .bus, line: "夜1路", stations: [])
            #expect(try await fixture.auditor.transportCompanies().map(\.owedFen) == [100, 200])

            let changed = try await fixture.admin.transferTransportLine(
                mode: .bus, line: "1路", to: "csbashi", from: today.next.description)
            #expect(changed.company == "CSBUS" && changed.operators.map(\.company) == ["CSBUS", "CSBASHI"])
            #expect(changed.operators.last?.from == today.next.startInstant(in: zone))
            await expectFailure(.lineTransferExists) {
                try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBUS", from: today.next.description)
            }
            #expect(try await fixture.auditor.transportLines(company: "CSBASHI").map(\.line) == ["夜1路"])

            // Two days on, the line is CSBASHI's: a tap from then is owed to it, and a tap made before
            // the change but uploaded late is still owed to CSBUS.
            let late = try await bus.tap(bench, fen: 300, serial: 2, at: clock.now)
            clock.advance(by: 2 * 86_400)
            let after = try await bus.tap(bench, fen: 150, serial: 3, at: clock.now)
            #expect(try await bus.validator.client.uploadTaps([late, after]).results.map(\.posted) == [true, true])
            // Staff sessions do not last two days: log in again.
            let (auditor, admin) = (
                try await fixture.server.login(username: "wang"), try await fixture.server.login(username: "admin")
            )
            let lines = try await auditor.transportLines(company: "CSBASHI")
            #expect(lines.map(\.line) == ["1路", "夜1路"] && lines.allSatisfy { $0.company == "CSBASHI" })

            let companies = try await auditor.transportCompanies()
            #expect(companies.map(\.code) == ["CSBASHI", "CSBUS"])
            #expect(companies.map(\.owedFen) == [250, 500] && companies.map(\.lines) == [2, 0])
            let from = today.description
            let to = CalendarDate(clock.now, in: zone).description
            let report = try await auditor.revenueReport(from: from, to: to, period: .all, groupBy: "company")
            #expect(report.rows.map(\.company) == ["CSBASHI", "CSBUS"])
            #expect(report.rows.map(\.ownCards.amountFen) == [250, 500])
            #expect(try await admin.checkLedger().passed)
        }
    }

    @Test func anAdminWithdrawsAChangeOfCompanyBeforeItBeginsAndNotWithinFiveMinutesOfIt() async throws {
        let clock = TestClock()
        try await withFixture(now: { clock.now }) { fixture in
            let (zone, today) = try await Self.twoCompaniesAndALine(fixture, now: clock.now)
            let (tomorrow, later) = (today.next, today.next.next)

            _ = try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBASHI", from: tomorrow.description)
            let withdrawn = try await fixture.admin.cancelLineTransfer(mode: .bus, line: "1路", from: tomorrow.description)
            #expect(withdrawn.company == "CSBUS" && withdrawn.operators.map(\.company) == ["CSBUS"])
            #expect(try await fixture.auditor.transportLines().map(\.operators.count) == [1])
            let events = try await fixture.auditor.auditEvents(action: "transport_line.cancel_transfer")
            #expect(events.count == 1 && events.first?.subject == "line:bus:1路")

            // Refusals, each changing nothing.
            await expectFailure(.lineTransferNotFound) {
                try await fixture.admin.cancelLineTransfer(mode: .bus, line: "1路", from: tomorrow.description)
            }
            await expectFailure(.lineTransferNotFound) {
                try await fixture.admin.cancelLineTransfer(mode: .bus, line: "1路", from: today.description)
            }
            await expectFailure(.lineNotFound) {
                try await fixture.admin.cancelLineTransfer(mode: .metro, line: "1路", from: tomorrow.description)
            }
            await expectFailure(.invalidDate) {
                try await fixture.admin.cancelLineTransfer(mode: .bus, line: "1路", from: "2027-02-30")
            }
            await expectFailure(.forbiddenRole) {
                try await fixture.supervisor.cancelLineTransfer(mode: .bus, line: "1路", from: tomorrow.description)
            }

            // The day can be entered again; within five minutes of its start it can no longer be
            // withdrawn, a later change still can.
            _ = try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBASHI", from: tomorrow.description)
            _ = try await fixture.admin.transferTransportLine(mode: .bus, line: "1路", to: "CSBUS", from: later.description)
            clock.advance(by: tomorrow.startInstant(in: zone).timeIntervalSince(clock.now) - 120)
            // Staff sessions may not last until then: log in again.
            let admin = try await fixture.server.login(username: "admin")
            await expectFailure(.transferNotInFuture) {
                try await admin.cancelLineTransfer(mode: .bus, line: "1路", from: tomorrow.description)
            }
            let kept = try await admin.cancelLineTransfer(mode: .bus, line: "1路", from: later.description)
            #expect(kept.operators.map(\.company) == ["CSBUS", "CSBASHI"])
            #expect(kept.operators.last?.from == tomorrow.startInstant(in: zone))
        }
    }
}
