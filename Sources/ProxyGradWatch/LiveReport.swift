import Foundation
import ProxyGradNotebook

/// How one run of a watched notebook ended, as the live page and the terminal tell it.
package struct WatchRun: Sendable {
  /// 1 for the first run of the watch.
  package var number: Int
  package var succeeded: Bool
  /// The `index.html` the run wrote; nil when it wrote none (a syntax or name error: nothing
  /// runs and nothing is written, as with `pgs run`).
  package var page: Data?
  /// What went wrong, as the terminal shows it (`nb.pgs:4:7: error: ...`); empty on success.
  package var errorText: String
  /// When it finished, as a clock time (`16:50:09`).
  package var time: String

  package init(number: Int, succeeded: Bool, page: Data?, errorText: String, time: String) {
    self.number = number
    self.succeeded = succeeded
    self.page = page
    self.errorText = errorText
    self.time = time
  }
}

/// What the live report serves, shared by the watch loop (which records runs) and the server
/// (which reads it): the last run, the last run that succeeded, and a version that grows by one
/// each time a run finishes, which the open page polls to know when to reload.
package final class LiveReport: @unchecked Sendable {
  private let lock = NSLock()
  private let title: String
  private let earlierPage: Data?
  private var version = 0
  private var running = false
  private var latest: WatchRun?
  private var lastGood: WatchRun?

  /// - Parameters:
  ///   - title: the notebook's name, the title of the page shown before any report exists.
  ///   - earlierPage: the `index.html` found in the output folder before the watch started;
  ///     shown, marked stale, until a run writes a report.
  package init(title: String, earlierPage: Data? = nil) {
    self.title = title
    self.earlierPage = earlierPage
  }

  package func runStarted() {
    lock.withLock { running = true }
  }

  package func runFinished(_ run: WatchRun) {
    lock.withLock {
      latest = run
      if run.succeeded { lastGood = run }
      running = false
      version += 1
    }
  }

  /// `{"version":3,"running":false}`: what `/__pgs/version` answers.
  package var statusJSON: String {
    lock.withLock { "{\"version\":\(version),\"running\":\(running)}" }
  }

  /// The page served at `/`: the newest report that succeeded, with the live script; when the
  /// last run failed, a banner with its error on top, and the outputs below it marked stale
  /// when they come from an earlier run.
  package func page() -> Data {
    let (version, latest, lastGood) = lock.withLock { (self.version, self.latest, self.lastGood) }
    let base: Data?
    var banner: LivePage.Banner?
    switch (latest, lastGood) {
    case (let latest?, _) where latest.succeeded:
      base = latest.page
    case (let latest?, let good?):
      base = good.page
      banner = LivePage.Banner(
        stale: true,
        headline: "Run \(latest.number) failed at \(latest.time). The outputs below are stale: they "
          + "are from run \(good.number) (\(good.time)), the last run that succeeded.",
        error: latest.errorText, showsLatestReport: latest.page != nil)
    case (let latest?, nil) where latest.page != nil:
      base = latest.page
      banner = LivePage.Banner(
        stale: false,
        headline: "Run \(latest.number) failed at \(latest.time); no run has succeeded since the watch started.",
        error: latest.errorText, showsLatestReport: false)
    case (let latest?, nil):
      base = earlierPage
      banner = LivePage.Banner(
        stale: earlierPage != nil,
        headline: "Run \(latest.number) failed at \(latest.time) before any cell ran"
          + (earlierPage != nil
            ? ". The outputs below are stale: they are from the report that was in the output folder before the watch started."
            : "; there is no report yet."),
        error: latest.errorText, showsLatestReport: false)
    case (nil, _):
      base = earlierPage
      if earlierPage != nil {
        banner = LivePage.Banner(
          stale: true,
          headline: "The first run has not finished. The outputs below are stale: they are from the "
            + "report that was in the output folder before the watch started.",
          error: "", showsLatestReport: false)
      }
    }
    let html = base.map { String(decoding: $0, as: UTF8.self) } ?? LivePage.placeholder(title: title)
    return Data(LivePage.compose(html, banner: banner, version: version).utf8)
  }

  /// The report the last run wrote, with the live script and no banner (`/__pgs/latest.html`);
  /// nil when it wrote none.
  package func latestPage() -> Data? {
    let (version, latest) = lock.withLock { (self.version, self.latest) }
    guard let page = latest?.page else { return nil }
    return Data(LivePage.compose(String(decoding: page, as: UTF8.self), banner: nil, version: version).utf8)
  }
}

/// The additions to a report page that only the served copy gets: the banner of a failed run
/// and the script that reloads the page when a run finishes. The files on disk are never
/// changed.
package enum LivePage {
  package struct Banner: Equatable, Sendable {
    /// Whether the outputs below the banner are from an earlier run than the one that failed.
    package var stale: Bool
    package var headline: String
    /// The failed run's error text, shown as preformatted text.
    package var error: String
    /// Whether to link `/__pgs/latest.html`, the failed run's own report.
    package var showsLatestReport: Bool
  }

  /// `page` with the banner after `<main>` (else after `<body>`, else first) and the script
  /// before `</body>` (else last).
  package static func compose(_ page: String, banner: Banner?, version: Int) -> String {
    var html = page
    if let banner {
      let text = bannerHTML(banner)
      if let range = html.range(of: "<main>") ?? html.range(of: "<body>") {
        html.insert(contentsOf: "\n" + text, at: range.upperBound)
      } else {
        html = text + html
      }
    }
    let script = self.script(version: version)
    if let range = html.range(of: "</body>", options: .backwards) {
      html.insert(contentsOf: script, at: range.lowerBound)
    } else {
      html += script
    }
    return html
  }

  static func bannerHTML(_ banner: Banner) -> String {
    // Stale outputs are dimmed: the cells are the banner's later siblings inside `<main>`.
    var out = banner.stale ? "<style>#pgs-watch-banner ~ section.cell { opacity: 0.6; }</style>\n" : ""
    out += "<div id=\"pgs-watch-banner\" data-stale=\"\(banner.stale)\" style=\"border: 2px solid #b3261e; "
    out += "background: #fdeceb; color: #b3261e; border-radius: 6px; padding: 8px 12px; margin: 0 0 16px;\">"
    if banner.stale { out += "<strong>Stale.</strong> " }
    out += HTMLText.escape(banner.headline)
    if !banner.error.isEmpty {
      out += "<pre style=\"white-space: pre-wrap; margin: 6px 0 0; color: #5f1a14;\">\(HTMLText.escape(banner.error))</pre>"
    }
    if banner.showsLatestReport {
      out += "<div style=\"margin-top: 6px;\"><a href=\"/__pgs/latest.html\">The failed run's report</a></div>"
    }
    return out + "</div>\n"
  }

  /// Polls `/__pgs/version` a few times a second; reloads the page, keeping its scroll position,
  /// when the version differs from the one the page was served with; shows "running" while a
  /// run is on and "watch stopped" when the server no longer answers.
  static func script(version: Int) -> String {
    """
    <script id="pgs-watch-script">
    (function () {
      var version = \(version);
      var key = "pgs-watch-scroll";
      var saved = sessionStorage.getItem(key);
      if (saved !== null) {
        sessionStorage.removeItem(key);
        window.addEventListener("load", function () { window.scrollTo(0, Number(saved)); });
      }
      var badge = document.createElement("div");
      badge.id = "pgs-watch-status";
      badge.style.cssText = "position: fixed; top: 8px; right: 8px; padding: 2px 10px; border-radius: 10px; "
        + "font: 12px sans-serif; background: #2f6fde; color: #fff; display: none;";
      document.body.appendChild(badge);
      function show(text) { badge.textContent = text; badge.style.display = text ? "block" : "none"; }
      function poll() {
        fetch("/__pgs/version", { cache: "no-store" })
          .then(function (response) { return response.json(); })
          .then(function (status) {
            if (status.version !== version) {
              sessionStorage.setItem(key, String(window.scrollY));
              location.reload();
              return;
            }
            show(status.running ? "running" : "");
            setTimeout(poll, 300);
          })
          .catch(function () { show("watch stopped"); setTimeout(poll, 2000); });
      }
      poll();
    })();
    </script>\n
    """
  }

  /// The page shown before any report exists.
  static func placeholder(title: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head><meta charset="utf-8"><title>\(HTMLText.escape(title))</title></head>
    <body style="font: 15px/1.55 sans-serif;">
    <main style="max-width: 960px; margin: 0 auto; padding: 28px 20px;">
    <h1>\(HTMLText.escape(title))</h1>
    <p>No report yet: the page shows one when a run writes it.</p>
    </main>
    </body>
    </html>\n
    """
  }
}
