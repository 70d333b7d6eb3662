import Foundation
import Testing
import TongkaDomain
import TongkaTestSupport

/// The rider's self-service page in headless Chromium on a 360-pixel phone screen: a wrong
/// document gets the API's uniform refusal, the right one reports the card, and the status view
/// shows the liability statement and refreshes itself as validators apply the block.
@Suite(.timeLimit(.minutes(5))) struct SelfServicePageTests {
    @Test func aRiderReportsALostCardFromAPhoneAndWatchesTheBlockSpread() async throws {
        let binary = try #require(
            ProcessInfo.processInfo.environment["TONGKA_TEST_CHROMIUM"].flatMap { $0.isEmpty ? nil : $0 },
            "Scripts/test.sh installs Chromium and sets TONGKA_TEST_CHROMIUM")
        try await withFixture(configure: LossFixtures.fast) { fixture in
            let bench = try await LossFixtures.registered(fixture)
            try await bench.topUp(5_000)
            let validator = try await TestValidator.register(fixture)
            _ = try #require(try await validator.download(since: nil))
            try await validator.client.acknowledgeBlacklist(version: 0)

            // Strict headers on the page and its files; nothing personal is cached.
            for path in ["/self-service/", "/self-service/app.js", "/self-service/style.css"] {
                let raw = try await fixture.server.raw(.GET, path)
                #expect(raw.status == 200, "\(path)")
                let policy = raw.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"), "\(path): \(policy)")
                #expect(raw.headers.first(name: "Cache-Control") == "no-store")
                #expect(raw.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(raw.headers.first(name: "Referrer-Policy") == "no-referrer")
            }
            #expect(
                try await fixture.server.raw(.GET, "/self-service/").headers.first(name: "Content-Type")?.hasPrefix("text/html")
                    == true)

            let browser = try await HeadlessChromium.start(binary: binary, width: 360, height: 780)
            do {
                let page = fixture.server.url.absoluteString + "/self-service/"
                try await browser.navigate(page)
                try await browser.waitFor("document.getElementById('report-form')")
                let form = try await browser.visibleText()
                #expect(form.contains("交通卡挂失") && form.contains("立即挂失") && form.contains("居民身份证"), "\(form)")
                #expect(
                    try await browser.evaluate("document.documentElement.scrollWidth") as? Int == 360, "no sideways scrolling")

                // A wrong document: the same refusal as for a card that does not exist.
                try await browser.type("#card", bench.card)
                try await browser.type("#doc-number", LossFixtures.otherDocument)
                try await browser.click("#report-form button")
                try await browser.waitFor(
                    "!document.getElementById('message').hidden && !document.querySelector('#report-form button').disabled && document.getElementById('message').className === ''"
                )
                let refusal = try await browser.visibleText()
                #expect(refusal.contains(TongkaError(.lossReportNotAccepted).message(.zh)), "\(refusal)")
                #expect(try await fixture.clerk.card(bench.card).status == .active)

                // The right one, the card number typed in groups of four as printed: reported, and the
                // statement shows.
                let grouped = stride(from: 0, to: 19, by: 4).map { start -> String in
                    let digits = Array(bench.card)
                    return String(digits[start..<min(start + 4, 19)])
                }.joined(separator: " ")
                try await browser.type("#card", grouped)
                try await browser.type("#doc-number", LossFixtures.document)
                try await browser.click("#report-form button")
                try await browser.waitFor("!document.getElementById('status').hidden")
                let detail = try await fixture.clerk.cardLossReport(cardNumber: bench.card)
                let shown = try await browser.visibleText()
                #expect(shown.contains("挂失成功") && shown.contains(detail.report.reference), "\(shown)")
                #expect(shown.contains("¥50.00") && shown.contains("已挂失，暂停使用"), "\(shown)")
                #expect(shown.contains("已在 0/1 台终端生效 (0.0%)"), "\(shown)")
                #expect(!shown.contains(bench.card) && shown.contains(CardNumber.mask(bench.card)))
                #expect(try await fixture.clerk.card(bench.card).status == .suspended)
                // The document number is nowhere in the page, not even in the form's fields.
                let html =
                    try await browser.evaluate(
                        "document.documentElement.outerHTML + [...document.querySelectorAll('input')].map(e => e.value).join(' ')"
                    )
                    as? String ?? ""
                #expect(!html.contains(LossFixtures.document) && !html.contains(LossFixtures.otherDocument))

                // The validator applies the block; the page refreshes by itself.
                try await validator.client.acknowledgeBlacklist(version: detail.report.listedVersion)
                try await browser.waitFor(
                    "document.getElementById('s-propagation').textContent.includes('已在 1/1 台终端生效 (100.0%)')",
                    timeout: .seconds(40))

                let png = try await browser.screenshot()
                let size = try #require(HeadlessChromium.pngSize(png))
                #expect(size.width == 360 && size.height == 780, "\(size)")
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("self-service-\(UUID().uuidString).png")
                try png.write(to: file)
                #expect(try await browser.visibleText().contains("100.0%"), "saved as \(file.path)")

                // The same page in English, and a lookup by reference.
                try await browser.navigate(page + "?lang=en")
                try await browser.waitFor("document.getElementById('lookup-form')")
                #expect(try await browser.visibleText().contains("Report a lost transit card"))
                _ = try await browser.evaluate("document.getElementById('lookup').open = true")
                try await browser.type("#reference", detail.report.reference)
                try await browser.type("#lookup-doc-number", LossFixtures.document)
                try await browser.click("#lookup-form button")
                try await browser.waitFor("!document.getElementById('status').hidden")
                let english = try await browser.visibleText()
                #expect(english.contains("in effect on 1 of 1 validators (100.0%)") && english.contains("¥50.00"), "\(english)")
            } catch {
                await browser.close()
                throw error
            }
            await browser.close()
        }
    }
}
