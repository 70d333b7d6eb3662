import Foundation
import Testing
import TongkaDomain

@Suite("Loss and replacement rules")
struct LossPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func thePropagationFigureRoundsToOneDecimalAndGroupsThousands() {
        let figure = PropagationFigure(applied: 1_873, active: 1_912)
        #expect(figure.percent == "98.0%")
        #expect(figure.sentence(.zh) == "已在 1,873/1,912 台终端生效 (98.0%)")
        #expect(figure.sentence(.en) == "in effect on 1,873 of 1,912 validators (98.0%)")
        #expect(PropagationFigure(applied: 0, active: 0).percent == "-")
        #expect(PropagationFigure(applied: 1, active: 3).percent == "33.3%")
    }

    @Test func theProvisionalBalanceIsTheReportBalanceLessTheHoldbackNeverMoreThanThePurseHolds() throws {
        let settings = LossSettings(holdback: Money(fen: 1_000))
        func quote(report: Int64, purse: Int64) throws -> ReplacementQuote {
            try LossPolicy.replacement(
                state: .open, documentMatches: true, balanceAtReport: Money(fen: report), purseNow: Money(fen: purse),
                replacementFee: Money(fen: 2_000), deposit: Money(fen: 2_000), settings: settings, now: now)
        }
        #expect(try quote(report: 5_000, purse: 5_000).provisional == Money(fen: 4_000))
        #expect(try quote(report: 5_000, purse: 3_500).provisional == Money(fen: 3_500))
        #expect(try quote(report: 500, purse: 500).provisional == .zero)
        expectError(.cardReplaced) {
            try LossPolicy.replacement(
                state: .replaced, documentMatches: true, balanceAtReport: .zero, purseNow: .zero, replacementFee: .zero,
                deposit: .zero, settings: settings, now: now)
        }
        expectError(.documentMismatch) {
            try LossPolicy.replacement(
                state: .open, documentMatches: false, balanceAtReport: .zero, purseNow: .zero, replacementFee: .zero,
                deposit: .zero, settings: settings, now: now)
        }
    }

    @Test func onlyReplacedReturnedOrLongLostCardsAreBlockedForGood() {
        let settings = LossSettings()
        let reported = now.addingTimeInterval(-16 * 86_400)
        #expect(LossPolicy.blocksForGood(status: .replaced, reportedAt: nil, now: now, settings: settings))
        #expect(LossPolicy.blocksForGood(status: .refunded, reportedAt: nil, now: now, settings: settings))
        #expect(LossPolicy.blocksForGood(status: .suspended, reportedAt: reported, now: now, settings: settings))
        #expect(!LossPolicy.blocksForGood(status: .suspended, reportedAt: now, now: now, settings: settings))
        #expect(!LossPolicy.blocksForGood(status: .active, reportedAt: nil, now: now, settings: settings))
    }

    @Test func aReportNeedsARegisteredCardAndTheHoldersDocument() throws {
        expectError(.cardAnonymous) {
            try LossPolicy.report(.init(cardStatus: .active, registered: false, documentMatches: false, openReport: nil))
        }
        expectError(.documentMismatch) {
            try LossPolicy.report(.init(cardStatus: .active, registered: true, documentMatches: false, openReport: nil))
        }
        #expect(
            try LossPolicy.report(.init(cardStatus: .active, registered: true, documentMatches: true, openReport: nil))
                == .suspend)
        #expect(
            try LossPolicy.report(
                .init(cardStatus: .suspended, registered: true, documentMatches: true, openReport: LossReportID(7)))
                == .existing(LossReportID(7)))
    }
}
