import Testing
import TongkaDomain

@Suite("Error catalogue")
struct ErrorCatalogTests {
    @Test(arguments: ErrorCode.allCases)
    func everyCodeHasDistinctNonEmptyEnglishAndChineseMessages(code: ErrorCode) {
        let english = code.message(.en)
        let chinese = code.message(.zh)
        #expect(!english.trimmingCharacters(in: .whitespaces).isEmpty)
        #expect(!chinese.trimmingCharacters(in: .whitespaces).isEmpty)
        #expect(english != chinese)
        #expect(
            chinese.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "the Chinese message has Han characters")
        #expect(english.allSatisfy { $0.isASCII || $0 == "¥" }, "the English message is English")
    }

    @Test(arguments: ErrorCode.allCases)
    func everyCodeHasAnErrorStatus(code: ErrorCode) {
        #expect((400...599).contains(code.httpStatus))
    }

    @Test func rawValuesAreUniqueSnakeCase() {
        let raws = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raws).count == raws.count)
        for raw in raws {
            let words = raw.split(separator: "_", omittingEmptySubsequences: false)
            #expect(
                !words.isEmpty && words.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLowercase } }, "\(raw)")
        }
    }

    @Test func messagesAreDistinctAcrossCodes() {
        #expect(Set(ErrorCode.allCases.map { $0.message(.en) }).count == ErrorCode.allCases.count)
        #expect(Set(ErrorCode.allCases.map { $0.message(.zh) }).count == ErrorCode.allCases.count)
    }

    @Test(arguments: [
        (ErrorCode.invalidAmount, 400), (.unauthenticated, 401), (.forbiddenHall, 403), (.cardNotFound, 404),
        (.idempotencyKeyReused, 409), (.bodyTooLarge, 413), (.unsupportedMediaType, 415), (.stockFileInvalid, 422),
        (.accountLocked, 423), (.internalError, 500), (.serviceUnavailable, 503),
    ])
    func representativeCodesCarryTheirStatus(code: ErrorCode, status: Int) {
        #expect(code.httpStatus == status)
    }

    @Test func messageAppendsTheDetailWithAnEnglishColon() {
        let error = TongkaError(.invalidAmount, detail: "abc")
        #expect(error.message(.en) == ErrorCode.invalidAmount.message(.en) + ": abc")
    }

    @Test func messageAppendsTheDetailWithAFullWidthColonInChinese() {
        let error = TongkaError(.invalidAmount, detail: "abc")
        #expect(error.message(.zh) == ErrorCode.invalidAmount.message(.zh) + "：abc")
    }

    @Test(arguments: [String?.none, ""])
    func messageWithoutADetailIsTheCatalogueSentence(detail: String?) {
        let error = TongkaError(.noOpenShift, detail: detail)
        #expect(error.message(.en) == "Open a shift first")
        #expect(error.message(.zh) == "请先开班")
    }

    @Test func descriptionStartsWithTheStableCode() {
        #expect(
            TongkaError(.invalidDate, detail: "\"x\"").description
                == "invalid_date: The date is not valid (use YYYY-MM-DD): \"x\"")
        #expect("\(TongkaError(.hallRequired))" == "hall_required: Clerks and supervisors belong to a service hall")
    }

    @Test func errorsWithTheSameCodeAndDetailAreEqual() {
        #expect(TongkaError(.invalidPhone) == TongkaError(.invalidPhone, detail: nil))
        #expect(TongkaError(.invalidPhone, detail: "a") != TongkaError(.invalidPhone, detail: "b"))
        #expect(TongkaError(.invalidPhone) != TongkaError(.invalidName))
    }

    @Test(arguments: [
        ("zh_CN.UTF-8", Language.zh), ("zh-CN,zh;q=0.9", .zh), ("zh", .zh), ("ZH-tw", .zh), ("zh-Hans-CN;q=0.8,en", .zh),
        ("en-US", .en), ("en-US,zh;q=0.9", .en), ("fr", .en), ("fr-FR,zh;q=0.5", .en), ("", .en), ("C", .en),
    ])
    func picksChineseOnlyWhenTheFirstPreferenceIsChinese(value: String, language: Language) {
        #expect(Language(localeOrHeader: value) == language)
    }

    @Test func noLocaleMeansEnglish() {
        #expect(Language(localeOrHeader: nil) == .en)
    }
}
