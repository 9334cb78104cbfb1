import Foundation
import Testing

/// The report in a real browser (headless Chromium) at 1400 pixels: neither the page nor a
/// picture scrolls sideways, even with a 150-character key, 180-character titles and a
/// 150-character notice id that no space breaks.
@Suite(.enabled(if: CompletionCLITests.installed("chromium"), "chromium is not installed"))
struct ReportLayoutTests {
  /// The page's and the widest figure's overflow at `width` pixels, as the browser lays it
  /// out: a copy of the report with a script that writes them into the title.
  static func overflow(of html: String, width: Int, in dir: TemporaryDirectory) throws -> (page: Int, figure: Int) {
    let probe = html.replacingOccurrences(
      of: "</body>",
      with: """
        <script>var e = document.documentElement, m = 0; for (const f of document.querySelectorAll("figure")) \
        m = Math.max(m, f.scrollWidth - f.clientWidth); document.title = "overflow " + (e.scrollWidth - e.clientWidth) + " " + m;</script></body>
        """)
    let file = try dir.write("probe-\(UUID().uuidString).html", probe)
    let dom = try Shell.run(
      "/usr/bin/env",
      ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=\(width),1000", "--dump-dom", "file://" + file],
      path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", in: dir.path)
    let title = try #require(dom.firstMatch(of: /<title>overflow (-?\d+) (-?\d+)<\/title>/), "\(dom.prefix(500))")
    return (Int(title.output.1)!, Int(title.output.2)!)
  }

  /// The lanes' labels and notes, the widest with a time of day and seconds, end inside the
  /// picture's label column (150 pixels), as Chromium measures their text.
  @Test(.tags(.slow)) func theLaneNotesFitTheirColumnInChromium() throws {
    let dir = try TemporaryDirectory()
    let demo = dir.file("demo.db")
    try #require(try CLI.run(["demo", "--db", demo]).status == 0)
    for (knownAt, note) in [
      ("2020-07-10T12:34:56Z", ">known 2020-07-10 12:34:56<"),
      ("2020-07-10T12:34:56.123456Z", ">known 2020-07-10 12:34:56<"),
      ("2020-07-10T00:00:00Z", ">as known at 2020-07-10<"),
    ] {
      let report = try CLI.run(["report", "--db", demo, "--as-known-at", knownAt, "--output", "-"])
      try #require(report.status == 0, "\(report.stderr)")
      #expect(report.stdout.contains(note), "\(knownAt)")
      let probe = report.stdout.replacingOccurrences(
        of: "</body>",
        with: """
          <script>var m = 0, n = 0; for (const t of document.querySelectorAll('svg text[x="8"][font-size="9.5"], svg text[x="8"][font-weight="700"]:not([font-size])')) \
          { n += 1; m = Math.max(m, 8 + t.getComputedTextLength()); } document.title = "lanes " + n + " " + Math.ceil(m);</script></body>
          """)
      let file = try dir.write("probe.html", probe)
      let dom = try Shell.run(
        "/usr/bin/env",
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000", "--dump-dom", "file://" + file],
        path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", in: dir.path)
      let title = try #require(dom.firstMatch(of: /<title>lanes (\d+) (\d+)<\/title>/), "\(dom.prefix(500))")
      #expect(Int(title.output.1)! == 4, "\(knownAt): the two lanes' labels and notes")
      #expect(Int(title.output.2)! <= 150, "\(knownAt): the widest ends at \(title.output.2) px")
    }
  }

  @Test(.tags(.slow)) func headlessChromiumShowsTheReportWithoutSidewaysScroll() throws {
    let dir = try TemporaryDirectory()
    let demo = dir.file("demo.db")
    try #require(try CLI.run(["demo", "--db", demo]).status == 0)
    let wide = dir.file("wide.db")
    let key = String(repeating: "k", count: 150), title = String(repeating: "T", count: 180)
    for (n, from) in ["2019-01-01", "2020-07-10"].enumerated() {
      let added = try CLI.run([
        "policy", "add", key, "--title", title + (n == 0 ? "" : " x"), "--body", String(repeating: "word", count: 300),
        "--effective-from", from, "--db", wide,
      ])
      try #require(added.status == 0, "\(added.stderr)")
    }
    let sent = try CLI.run([
      "notice", "send", "--id", String(repeating: "N", count: 150), "--subject", title, "--body", "b", "--sent-at", "2020-07-10",
      "--sender", String(repeating: "s", count: 100), "--announces", key + "@2", "--to", "E1", "--db", wide,
    ])
    try #require(sent.status == 0, "\(sent.stderr)")
    for db in [demo, wide] {
      let report = try CLI.run(["report", "--db", db, "--tz", "America/Los_Angeles", "--output", "-"])
      try #require(report.status == 0)
      let overflow = try Self.overflow(of: report.stdout, width: 1400, in: dir)
      #expect(overflow.page == 0 && overflow.figure == 0, "\(db): \(overflow)")
    }
  }
}
