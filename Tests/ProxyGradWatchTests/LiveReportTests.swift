import Foundation
import Testing

@testable import ProxyGradWatch

/// The served page: the report of the newest good run with the reload script; a failed run's
/// error in a banner on top, the outputs below marked stale when they are older.
@Suite struct LiveReportTests {
  static let page = "<!DOCTYPE html>\n<html>\n<body>\n<main>\n<h1>nb</h1>\nOUTPUTS\n</main>\n</body>\n</html>\n"

  func report(_ outputs: String) -> Data {
    Data(Self.page.replacingOccurrences(of: "OUTPUTS", with: outputs).utf8)
  }

  func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

  func run(_ number: Int, ok: Bool, page: Data?, error: String = "") -> WatchRun {
    WatchRun(number: number, succeeded: ok, page: page, errorText: error, time: "12:00:0\(number)")
  }

  @Test func theScriptGoesBeforeTheEndOfTheBodyAndTheBannerAfterMain() {
    let banner = LivePage.Banner(stale: true, headline: "Run 2 failed", error: "e", showsLatestReport: false)
    let html = LivePage.compose(Self.page, banner: banner, version: 7)
    let main = html.range(of: "<main>\n")!
    let bannerAt = html.range(of: "<div id=\"pgs-watch-banner\"")!
    let heading = html.range(of: "<h1>nb</h1>")!
    let script = html.range(of: "<script id=\"pgs-watch-script\">")!
    let bodyEnd = html.range(of: "</body>")!
    #expect(main.upperBound <= bannerAt.lowerBound && bannerAt.upperBound <= heading.lowerBound)
    #expect(script.upperBound <= bodyEnd.lowerBound)
    #expect(html.contains("var version = 7;"))
    // Without a banner, the page is the report plus the script and nothing else.
    let plain = LivePage.compose(Self.page, banner: nil, version: 1)
    #expect(plain.replacingOccurrences(of: LivePage.script(version: 1), with: "") == Self.page)
  }

  @Test func aPageWithoutMainOrBodyStillGetsBoth() {
    let html = LivePage.compose("<p>x</p>", banner: LivePage.Banner(stale: false, headline: "h", error: "", showsLatestReport: false), version: 0)
    #expect(html.hasPrefix("<div id=\"pgs-watch-banner\""))
    #expect(html.hasSuffix(LivePage.script(version: 0)))
  }

  @Test func aGoodRunIsServedWithoutABanner() {
    let live = LiveReport(title: "nb.pgs")
    live.runStarted()
    #expect(live.statusJSON == "{\"version\":0,\"running\":true}")
    live.runFinished(run(1, ok: true, page: report("forty-two")))
    #expect(live.statusJSON == "{\"version\":1,\"running\":false}")
    let page = text(live.page())
    #expect(page.contains("forty-two"))
    #expect(!page.contains("pgs-watch-banner"))
    #expect(page.contains("var version = 1;"))
  }

  @Test func aFailedRunKeepsTheLastGoodOutputsMarkedStale() {
    let live = LiveReport(title: "nb.pgs")
    live.runFinished(run(1, ok: true, page: report("forty-two")))
    live.runFinished(run(2, ok: false, page: report("the failed run"), error: "nb.pgs:3:1: error: <boom> & co\n"))
    let page = text(live.page())
    #expect(page.contains("forty-two"))
    #expect(!page.contains("the failed run"))
    #expect(page.contains("data-stale=\"true\""))
    #expect(page.contains("Run 2 failed at 12:00:02. The outputs below are stale: they are from run 1 (12:00:01)"))
    #expect(page.contains("nb.pgs:3:1: error: &lt;boom&gt; &amp; co"), "the error text is escaped")
    #expect(page.contains("href=\"/__pgs/latest.html\""))
    let latest = text(live.latestPage()!)
    #expect(latest.contains("the failed run") && !latest.contains("pgs-watch-banner"))
    // A syntax error writes no report: no link to one.
    live.runFinished(run(3, ok: false, page: nil, error: "nb.pgs:2:7: error[E0101]: expected ')'\n"))
    let after = text(live.page())
    #expect(after.contains("forty-two") && after.contains("Run 3 failed") && after.contains("E0101"))
    #expect(!after.contains("href=\"/__pgs/latest.html\""))
    #expect(live.latestPage() == nil)
    // Fixed: the banner goes.
    live.runFinished(run(4, ok: true, page: report("forty-three")))
    let fixed = text(live.page())
    #expect(fixed.contains("forty-three") && !fixed.contains("pgs-watch-banner"))
  }

  @Test func aFirstRunThatFailsShowsItsOwnReportNotMarkedStale() {
    let live = LiveReport(title: "nb.pgs")
    live.runFinished(run(1, ok: false, page: report("cell 2 failed here"), error: "boom\n"))
    let page = text(live.page())
    #expect(page.contains("cell 2 failed here"))
    #expect(page.contains("data-stale=\"false\""))
    #expect(page.contains("no run has succeeded since the watch started"))
  }

  @Test func theReportFoundBeforeTheWatchIsShownStaleUntilARunWritesOne() {
    let live = LiveReport(title: "nb.pgs", earlierPage: report("from yesterday"))
    let before = text(live.page())
    #expect(before.contains("from yesterday") && before.contains("data-stale=\"true\""))
    #expect(before.contains("The first run has not finished"))
    live.runFinished(run(1, ok: false, page: nil, error: "syntax\n"))
    let failed = text(live.page())
    #expect(failed.contains("from yesterday") && failed.contains("before the watch started"))
    #expect(failed.contains("data-stale=\"true\""))
  }

  @Test func withoutAnyReportThePlaceholderCarriesTheError() {
    let live = LiveReport(title: "nb.pgs")
    #expect(text(live.page()).contains("No report yet"))
    live.runFinished(run(1, ok: false, page: nil, error: "nb.pgs:1:1: error: x\n"))
    let page = text(live.page())
    #expect(page.contains("No report yet") && page.contains("there is no report yet") && page.contains("nb.pgs:1:1: error: x"))
    #expect(page.contains("data-stale=\"false\""))
  }
}
