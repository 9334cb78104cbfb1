import Foundation
import PolicyLedger
import Testing

struct ReportTests {
  typealias W = WorkedExample
  static let newYear = Instant(microseconds: 1_577_865_600 * 1_000_000)  // 2020-01-01T00:00:00-08:00
  static let day: Int64 = 86_400_000_000

  func render(_ ledger: Ledger, _ request: ReportRequest = .init(), timeZone: TimeZone? = nil) throws -> String {
    let data = try ledger.reportData(request)
    return HTMLReport(data: data, timeZone: timeZone, command: ["policy-ledger", "report"], ledgerArguments: ["--db", "x.db"])
      .render()
  }

  // MARK: Structure

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func theWorkedExampleReportIsWellFormedWithOneTimelinePerPolicy() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try ledger.addVersion(
      NewVersion(policy: "badges", title: "Badges", body: Array("Wear your badge.\n".utf8), effectiveFrom: Self.newYear), actor: "t")
    let html = try render(ledger, timeZone: W.pacific)
    let check = try #require(try HTMLCheck.parse(html))
    #expect(check.errors == [])
    #expect(check.counts["svg"] == 2)
    #expect(check.counts["section"] == 2)
    #expect(check.counts["script"] == nil)
    #expect(check.counts["link"] == nil && check.counts["img"] == nil, "nothing is loaded from elsewhere")
    #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 3, "only the SVG namespaces")
    #expect(check.text.contains("Policy mobile-devices") && check.text.contains("Policy badges"))
    let head = try #require(try ledger.head())
    #expect(check.section("meta").contains(head.description))
    #expect(check.section("meta").contains("policy-ledger verify --db x.db --expect \(head)"))
    // Column headers, kinds, statuses and short ids stay on one line (a narrow column had
    // broken them as "notic e" and "N-2020- 07-10- 0800"); a long id may still wrap.
    #expect(html.contains("thead th { background: #f3f5f7; font-weight: 600; overflow-wrap: normal; white-space: nowrap; }"))
    #expect(html.contains("td.time, td.word { white-space: nowrap; }"))
    #expect(html.contains("<td class=\"word\"><code>\(W.noticeID)</code></td>"))
    #expect(html.contains("<td class=\"word\"><span class=\"kind notice\">notice</span></td>"))
  }

  @Test func aResendIsListedWithItsCorrectionAndOutstandingClears() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try W.resendRetraction(into: ledger)
    let html = try render(ledger, timeZone: W.pacific)
    #expect(html.contains("sent again at 2020-07-10 16:00"), "the resend beside its retraction")
    let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
    #expect(svg.contains("<title>retraction R-2020-07-10-1400 sent again at 2020-07-10 16:00"), "and on the timeline")
    #expect(html.contains("Nobody: every recipient of a corrected notice received each correction of it"))
    // As known at 15:00, before the resend, E1004 is still outstanding and no resend is shown.
    let before = try render(ledger, ReportRequest(knownAt: W.july10(15)), timeZone: W.pacific)
    #expect(!before.contains("sent again at"))
    #expect(before.contains("E1004"))
  }

  @Test func everyVersionIsPresentAndTheVoidVersionIsMarked() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let html = try render(ledger, timeZone: W.pacific)
    #expect(html.contains("<article class=\"version in_force\" id=\"p1-v1\">"))
    #expect(html.contains("<article class=\"version void\" id=\"p1-v2\">"))
    #expect(html.contains("<tr class=\"void\"><td><a href=\"#p1-v2\">v2</a></td>"))
    #expect(html.contains(">VOID</text>"), "the bar is labelled void")
    #expect(html.contains("fill=\"url(#p1-hatch)\""), "and hatched")
    #expect(html.contains(">v2 believed, later void</text>"), "the knowledge lane shows the morning v2 was believed")
    #expect(html.contains("Delete TikTok from any phone"), "each version's text")
    #expect(html.contains("<span class=\"del\">-Any phone that accesses company email must use a passcode."))
    #expect(html.contains("<span class=\"ins\">+Delete TikTok from any phone"))
  }

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func outstandingRecipientsAreListed() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let check = try #require(try HTMLCheck.parse(try render(ledger)))
    let outstanding = check.section("outstanding")
    #expect(outstanding.contains("retraction R-2020-07-10-1400 of notice N-2020-07-10-0800: 1 recipient did not receive it"))
    #expect(outstanding.contains("E1004"))
    #expect(!outstanding.contains("E1001"))
  }

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func aHugeOutstandingListShowsItsCountTheFirstRowsAndHowToGetAll() throws {
    let ledger = try Ledger.temporary()
    try ledger.addVersion(
      NewVersion(policy: "p", title: "T", body: Array("b\n".utf8), effectiveFrom: Self.newYear), actor: "t")
    let everyone = (1...120).map { String(format: "E%04d", $0) }
    try ledger.sendNotice(
      NewNotice(id: "N1", subject: "s", body: [], sentAt: Self.newYear, sender: "hr", announces: VersionRef(policy: "p", number: 1)),
      recipients: RecipientList(everyone), actor: "t")
    try ledger.correct(
      NewCorrection(id: "R1", kind: .retraction, target: .notice("N1"), issuedAt: Instant(microseconds: Self.newYear.microseconds + Self.day),
        statement: "st", reason: "r"),
      recipients: .named(RecipientList(Array(everyone.prefix(10)))), actor: "t")
    let data = try ledger.reportData(ReportRequest(outstandingLimit: 5))
    #expect(data.policies[0].outstanding == [
      OutstandingGroup(notice: "N1", correction: "R1", correctionKind: .retraction, count: 110,
        employees: ["E0011", "E0012", "E0013", "E0014", "E0015"])
    ])
    let html = HTMLReport(data: data, timeZone: nil, command: [], ledgerArguments: ["--db", "my ledger.db"]).render()
    let check = try #require(try HTMLCheck.parse(html))
    let outstanding = check.section("outstanding")
    #expect(outstanding.contains("110 recipients did not receive it"))
    #expect(outstanding.contains("E0015") && !outstanding.contains("E0016"))
    #expect(
      outstanding.contains(
        "The first 5 of 110, in employee-id order. All of them: policy-ledger outstanding --db 'my ledger.db' "
          + "--as-recorded-at \(data.recordedAt) --notice N1 --format csv"))
  }

  // MARK: Escaping and determinism

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func everyValueIsEscaped() throws {
    let ledger = try Ledger.temporary()
    let key = "x<script>alert('key')</script>"
    let title = "\"Quotes\" & <b>bold</b>"
    let body = "<script>alert('body')</script>\n</pre><img src=x onerror=alert(1)>\n\u{1B}[31m\n"
    try ledger.addVersion(NewVersion(policy: key, title: title, body: Array(body.utf8), effectiveFrom: Self.newYear), actor: "t")
    try ledger.addVersion(
      NewVersion(policy: key, title: title, body: Array("<i>new</i>\n".utf8), effectiveFrom: W.july10(8)), actor: "t")
    try ledger.sendNotice(
      NewNotice(id: "N<i>1", subject: "<script>s</script>", body: [], sentAt: W.july10(8), sender: "<hr>",
        announces: VersionRef(policy: key, number: 2)),
      recipients: RecipientList(["<u>E1</u>", "E2"]), actor: "t")
    try ledger.correct(
      NewCorrection(id: "R'\"1", kind: .retraction, target: .notice("N<i>1"), voidVersion: true, issuedAt: W.july10(14),
        statement: "</textarea><script>x</script>", reason: "<svg onload=alert(1)>"),
      recipients: .named(RecipientList(["E2"])), actor: "t")
    let html = try render(ledger)
    for tag in ["<script", "<img", "<b>", "<i>", "<u>", "<hr>", "<svg onload"] {
      #expect(!html.lowercased().contains(tag), "\(tag) must not appear unescaped")
    }
    let check = try #require(try HTMLCheck.parse(html))
    #expect(check.errors == [])
    #expect(check.counts["script"] == nil && check.counts["img"] == nil && check.counts["b"] == nil)
    #expect(check.counts["svg"] == 1)
    #expect(check.text.contains("<script>alert('body')</script>\n</pre><img src=x onerror=alert(1)>\n␛[31m"))
    #expect(check.text.contains(title) && check.text.contains(key))
    #expect(check.section("outstanding").contains("<u>E1</u>"))
    #expect(check.text.contains("reason: <svg onload=alert(1)>"))
  }

  /// Version 1 of `policy` from the new year, notice `notice` of it then to E1 and E2, and
  /// its retraction `correction` a day later, to E1 alone.
  func recordRetractedNotice(
    _ ledger: Ledger, policy: String, title: String = "T", body: String = "b\n", notice: String, correction: String,
    reason: String = "r"
  ) throws {
    try ledger.addVersion(NewVersion(policy: policy, title: title, body: Array(body.utf8), effectiveFrom: Self.newYear), actor: "t")
    try ledger.sendNotice(
      NewNotice(id: notice, subject: "s", body: [], sentAt: Self.newYear, sender: "hr", announces: VersionRef(policy: policy, number: 1)),
      recipients: RecipientList(["E1", "E2"]), actor: "t")
    try ledger.correct(
      NewCorrection(
        id: correction, kind: .retraction, target: .notice(notice), issuedAt: Instant(microseconds: Self.newYear.microseconds + Self.day),
        statement: "st", reason: reason),
      recipients: .named(RecipientList(["E1"])), actor: "t")
  }

  /// Text that HTML would show otherwise than stored: a bidi override in a reason would
  /// turn the report's own text after it around, a lone carriage return would read as a
  /// line break. Both show as the terminal shows them.
  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func bidiControlsAndCarriageReturnsShowAsStored() throws {
    let ledger = try Ledger.temporary()
    try recordRetractedNotice(
      ledger, policy: "p", title: "Leave policy\u{202E}", body: "cap: 5000\rbonus: none\n", notice: "N1", correction: "R1",
      reason: "typo\u{2067}\u{202B}")
    let html = try render(ledger)
    for control in ["\u{202E}", "\u{2067}", "\u{202B}", "\r"] { #expect(!html.contains(control)) }
    let check = try #require(try HTMLCheck.parse(html))
    #expect(check.errors == [])
    #expect(check.text.contains("Leave policy\\u{202E}"))
    #expect(check.text.contains("typo\\u{2067}\\u{202B}"))
    #expect(check.text.contains("cap: 5000\u{240D}bonus: none"))
  }

  /// The commands a report prints run as printed: an id or key that begins with `-` comes
  /// last, after `--`; the others keep their place.
  @Test func printedCommandsTakeAnIdThatBeginsWithADash() throws {
    let ledger = try Ledger.temporary()
    for employee in ["E1", "E3"] {
      try ledger.recordRosterEntry(RosterEntry(employee: employee, event: .join, at: Instant(microseconds: 0)), actor: "t")
    }
    try recordRetractedNotice(ledger, policy: "-x", notice: "-n1", correction: "-r1")
    let html = try render(ledger)
    #expect(html.contains("<span>--format</span> <span>csv</span> <span>--</span> <span>-n1</span>"))
    #expect(html.contains("<span>--notice=-n1</span>"))
    #expect(html.contains("<span>--format</span> <span>csv</span> <span>--</span> <span>-x</span>"))
    #expect(html.contains("code.command span { white-space: pre; }"))
  }

  @Test func theSameLedgerAndArgumentsGiveTheSameBytes() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try Self.recordLongPolicy(into: ledger)
    let first = try render(ledger, timeZone: W.pacific)
    let second = try render(ledger, timeZone: W.pacific)
    #expect(first == second)
    // Later entries do not change a report pinned to the earlier head.
    let data = try ledger.reportData(ReportRequest())
    try ledger.acknowledge(notice: W.noticeID, employee: W.toldBoth, at: W.july10(9), actor: "t")
    try ledger.addVersion(
      NewVersion(policy: W.policy, title: "Later", body: Array("later\n".utf8), effectiveFrom: W.july10(20)), actor: "t")
    // Nor do later entries with earlier business times: they had stretched the picture's
    // axis back to their dates ("nothing in force from 2019-12-01").
    try ledger.correct(
      NewCorrection(
        kind: .amendment, target: .version(VersionRef(policy: W.policy, number: 1)), issuedAt: W.july10(9), statement: "s",
        reason: "r", effectiveFrom: Instant(microseconds: Self.newYear.microseconds - 31 * Self.day)),
      recipients: .none, actor: "t")
    try ledger.addVersion(
      NewVersion(policy: W.policy, title: "Early", body: Array("early\n".utf8), effectiveFrom: Instant(microseconds: Self.newYear.microseconds - 200 * Self.day)), actor: "t")
    try ledger.sendNotice(
      NewNotice(
        id: "N-early", subject: "s", body: [], sentAt: Instant(microseconds: Self.newYear.microseconds - 300 * Self.day), sender: "hr",
        announces: VersionRef(policy: W.policy, number: 4)),
      recipients: RecipientList(["E1001"]), actor: "t")
    let again = try render(ledger, ReportRequest(recordedAt: data.recordedAt, statusAt: data.statusAt), timeZone: W.pacific)
    #expect(again == first)
    #expect(try render(ledger, timeZone: W.pacific) != first, "while the unpinned report shows the new version")
  }

  /// Each notice's "N of M recipients acknowledged" is what the `recipients` command it
  /// names gives in the same view (the report passes its view on): it had named the command
  /// without one, which counts acknowledgements made later.
  @Test func theAcknowledgementCountIsTheRecipientsCommandsInTheSameView() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let beforeResend = try #require(try ledger.head(recordedBy: Instant.now())).recordedAt
    try W.resendRetraction(into: ledger)
    try ledger.acknowledge(notice: W.noticeID, employee: W.toldBoth, at: W.july10(16), actor: "t")
    // The notice itself resent at 18:00 to the new starter: counted from then on.
    try ledger.resend(W.noticeID, kind: .notice, sentAt: W.july10(18), recipients: .named(RecipientList(["E2001"])), actor: "t")
    var counts: [Int64] = []
    for knownAt in [W.july10(7), W.july10(9), W.july10(15, 45), W.july10(17), W.july10(19), nil] {
      let data = try ledger.reportData(ReportRequest(knownAt: knownAt))
      let rows = try ledger.recipientRows(of: W.noticeID, view: data.view)
      let group = data.policies.flatMap(\.acknowledgements).first { $0.notice == W.noticeID }
      guard let group else {
        // Before the notice was sent, neither the report nor the command lists it.
        #expect(rows.isEmpty, "known at \(String(describing: knownAt))")
        continue
      }
      #expect(group.count == rows.filter { $0.status == "acknowledged" }.count, "known at \(String(describing: knownAt))")
      #expect(group.recipients == rows.count)
      counts.append(group.recipients)
    }
    // Known at 17:00, at 19:00 and now: the resend adds its one recipient after 18:00.
    let (at17, at19, now) = (counts[counts.count - 3], counts[counts.count - 2], counts[counts.count - 1])
    #expect(at19 == at17 + 1 && now == at19, "\(counts)")
    // The retraction's resend at 16:00 reached E1004: as known at 15:00 it had not yet.
    let before = try ledger.recipientRows(of: W.retractionID, view: .init(knownAt: W.july10(15)))
    #expect(before.map(\.employee) == W.retractionRecipients)
    let after = try ledger.recipientRows(of: W.retractionID, view: .init(knownAt: W.july10(16)))
    #expect(after.map(\.employee) == W.retractionRecipients + [W.missedRetraction])
    // As recorded before the resend was, not either.
    let recorded = try ledger.recipientRows(of: W.retractionID, view: .init(knownAt: W.july10(16), recordedAt: beforeResend))
    #expect(recorded.map(\.employee) == W.retractionRecipients)
  }

  // MARK: The picture

  @Test(.enabled(if: HTMLCheck.available, "python3 is needed to parse the HTML"))
  func aPolicyWithFortyVersionsShowsEveryVersionWithItsBarsOnTheScale() throws {
    let ledger = try Ledger.temporary()
    try Self.recordLongPolicy(into: ledger)
    let html = try render(ledger, ReportRequest(policies: ["remote-work"]))
    let check = try #require(try HTMLCheck.parse(html))
    #expect(check.errors == [])
    #expect(check.counts["svg"] == 1)
    #expect(check.counts["article"] == 40)
    for n in 1...40 { #expect(html.contains("id=\"p1-v\(n)\"")) }
    #expect(html.components(separatedBy: "fill=\"#1f4e9a\" stroke=\"#fff\"").count - 1 == 40, "a mark per notice")
    #expect(html.components(separatedBy: "<article class=\"version void\"").count - 1 == 5, "v7, v14 … v35 retracted")
    // Every bar and mark lies inside the picture.
    let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
    let width = 1200.0
    for match in svg.matches(of: /<rect x="(-?[\d.]+)" y="(-?[\d.]+)" width="(-?[\d.]+)"/) {
      let x = Double(match.1)!, w = Double(match.3)!
      #expect(x >= 0 && w >= 0 && x + w <= width, "rect at \(x) of width \(w)")
    }
    for match in svg.matches(of: /\s(?:cx|x1|x2)="(-?[\d.]+)"/) {
      #expect((0...width).contains(Double(match.1)!), "x = \(match.1)")
    }
    // The bars follow the versions' order in time.
    let bars = svg.matches(of: /<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="16" rx="2"/).map { Double($0.1)! }
    #expect(bars.count == 40)
    #expect(bars == bars.sorted())
  }

  @Test func correctionsAreLinkedToWhatTheyCorrect() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    try ledger.correct(
      NewCorrection(
        id: "A1", kind: .amendment, target: .version(VersionRef(policy: W.policy, number: 1)), issuedAt: W.july10(16),
        statement: "Version 1 ends with 2020.", reason: "repeal", effectiveUntil: Instant(microseconds: Self.newYear.microseconds + 366 * Self.day)),
      recipients: CorrectionRecipients.none, actor: "t")
    let html = try render(ledger)
    let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
    let notice = try #require(svg.firstMatch(of: /<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="#1f4e9a" stroke="#fff"/))
    let arcs = svg.matches(of: /<path d="M [\d.]+ [\d.]+ Q [\d.]+ [\d.]+ ([\d.]+) ([\d.]+)" fill="none" stroke="(#[0-9a-f]+)"/)
    #expect(arcs.count == 3, "two links and the legend's sample")
    #expect(arcs.contains { $0.3 == "#c0392b" && $0.1 == notice.1 && $0.2 == notice.2 }, "the retraction's arc ends on the notice")
    let v1 = try #require(svg.firstMatch(of: /<rect x="([\d.]+)" y="([\d.]+)" width="[\d.]+" height="16" rx="2"/))
    #expect(
      arcs.contains { $0.3 == "#c77700" && $0.1 == v1.1 && Double($0.2)! == Double(v1.2)! },
      "the amendment's arc ends where the version it amends begins")
    #expect(svg.contains("stroke-dasharray=\"4 3\"><title>v1 as first recorded: 2020-01-01 08:00 to open</title>"))
  }

  @Test func aCorrectionsArcEndsOnItsNoticeWhenAnotherIdDiffersOnlyInHowAnAccentIsSpelt() throws {
    let ledger = try Ledger.temporary()
    try ledger.addVersion(
      NewVersion(policy: "p", title: "P", body: Array("one\n".utf8), effectiveFrom: Self.newYear), actor: "t")
    // Two notices whose ids are canonically equal but not the same bytes: two notices.
    let composed = "N-caf\u{E9}", decomposed = "N-cafe\u{301}"
    for (id, hour) in [(composed, 8), (decomposed, 10)] {
      try ledger.sendNotice(
        NewNotice(id: id, subject: "S", body: Array("b\n".utf8), sentAt: W.july10(hour), sender: "hr",
          announces: VersionRef(policy: "p", number: 1)),
        recipients: RecipientList(["E1"]), actor: "t")
    }
    try ledger.correct(
      NewCorrection(id: "R1", kind: .retraction, target: .notice(composed), issuedAt: W.july10(14), statement: "In error.", reason: "error"),
      recipients: .named(RecipientList(["E1"])), actor: "t")
    let html = try render(ledger)
    let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
    let marks = svg.matches(of: /<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="#1f4e9a" stroke="#fff"/)
      .map { (x: Double($0.1)!, y: $0.2) }.sorted { $0.x < $1.x }
    try #require(marks.count == 2, "a mark per notice")
    let arcs = svg.matches(of: /<path d="M [\d.]+ [\d.]+ Q [\d.]+ [\d.]+ ([\d.]+) ([\d.]+)" fill="none" stroke="#c0392b"/)
      .map { (x: Double($0.1)!, y: $0.2) }
    #expect(arcs.contains { $0.x == marks[0].x && $0.y == marks[0].y }, "the retraction's arc ends on the 08:00 notice it retracts")
    #expect(!arcs.contains { $0.x == marks[1].x }, "not on the 10:00 notice whose id is spelt the other way")
  }

  @Test func theWindowNarrowsThePictureAndTheNoticesListed() throws {
    let ledger = try Ledger.temporary()
    try Self.recordLongPolicy(into: ledger)
    let from = Instant(microseconds: Self.newYear.microseconds + 300 * Self.day)
    let to = Instant(microseconds: Self.newYear.microseconds + 400 * Self.day)
    let data = try ledger.reportData(ReportRequest(from: from, to: to))
    let events = data.policies[0].events
    #expect(!events.isEmpty)
    #expect(events.allSatisfy { $0.row.at >= from && $0.row.at <= to })
    #expect(data.policies[0].history.count == 40, "the history keeps every version")
    let html = HTMLReport(data: data, timeZone: nil, command: []).render()
    let svg = String(html[html.range(of: "<svg")!.lowerBound..<html.range(of: "</svg>")!.upperBound])
    let rows = svg.matches(of: /font-weight="700" font-size="12">v(\d+)</).map { Int($0.1)! }
    #expect(rows.count < 10 && rows.count > 0, "only the versions that meet the window have a row: \(rows)")
  }

  // MARK: Errors

  @Test func aReportOfAnUnknownPolicyOrAnEmptyLedgerIsRefused() throws {
    let ledger = try Ledger.temporary()
    expectLedgerError("the ledger at \(ledger.path) is empty: nothing to report") {
      try ledger.reportData(ReportRequest())
    }
    try W.record(into: ledger)
    expectLedgerError("no policy 'nope'", code: .notFound) { try ledger.reportData(ReportRequest(policies: [W.policy, "nope"])) }
    // Too early a view names when the ledger began: the instant entry 1 was recorded.
    do {
      _ = try ledger.reportData(ReportRequest(recordedAt: Instant(microseconds: 0)))
      Issue.record("a report recorded by 1970 was made")
    } catch let error as LedgerError {
      let prefix = "invalid --as-recorded-at '1970-01-01T00:00:00Z': the ledger had recorded nothing by then; its first entry was recorded at "
      #expect(error.description.hasPrefix(prefix), "\(error)")
      let first = try Instant.parse(String(error.description.dropFirst(prefix.count)))
      #expect(try ledger.head(recordedBy: first)?.head.seq == 1)
      #expect(try ledger.head(recordedBy: Instant(microseconds: first.microseconds - 1)) == nil)
    }
    expectLedgerError("invalid --to '2020-07-10T15:00:00Z': it is before --from '2020-07-10T19:00:00Z'") {
      try ledger.reportData(ReportRequest(from: W.july10(12), to: W.july10(8)))
    }
  }

  // MARK: diff

  @Test func comparingTwoVersionsShowsTitlePeriodStatusAndText() throws {
    let ledger = try Ledger.temporary()
    try W.record(into: ledger)
    let comparison = try ledger.compare(VersionRef(policy: W.policy, number: 1), VersionRef(policy: W.policy, number: 2))
    #expect(Array(comparison.summary(timeZone: W.pacific).prefix(3)) == [
      "title: Mobile devices that access company email (same)",
      "effective: 2020-01-01T00:00:00-08:00 to open -> 2020-07-10T08:00:00-07:00 to open",
      "status: in_force -> void",
    ])
    #expect(comparison.body.map(\.text) == [
      "--- mobile-devices@1", "+++ mobile-devices@2", "@@ -1 +1 @@",
      "-Any phone that accesses company email must use a passcode. There is no restriction on apps.",
      "+Delete TikTok from any phone that accesses company email, or lose mobile access to company email.",
    ])
    expectLedgerError("policy 'mobile-devices' has no version 3 (its latest is 2)", code: .notFound) {
      try ledger.compare(VersionRef(policy: W.policy, number: 1), VersionRef(policy: W.policy, number: 3))
    }
  }

  // MARK: Fixture

  /// `remote-work`: 40 versions a month apart, each announced a week ahead by a notice to
  /// 20 of 60 employees; every 5th notice amended (the start moved 10 days later), every
  /// 7th retracted with its version, reaching only 15 of its 20 recipients.
  static func recordLongPolicy(into ledger: Ledger) throws {
    let start = Instant(microseconds: 1_609_459_200 * 1_000_000)  // 2021-01-01T00:00:00Z
    func at(_ days: Double) -> Instant { Instant(microseconds: start.microseconds + Int64(days * Double(day))) }
    var clauses = (1...8).map { "\($0). Clause \($0) of the remote-work policy, as first written." }
    for n in 1...40 {
      clauses[(n * 3) % clauses.count] = "\((n * 3) % clauses.count + 1). Clause rewritten for version \(n)."
      if n % 6 == 0 { clauses.append("\(clauses.count + 1). A clause added in version \(n).") }
      let effective = at(Double(n - 1) * 30)
      try ledger.addVersion(
        NewVersion(
          policy: "remote-work", title: n % 10 == 0 ? "Remote and hybrid work (rev. \(n / 10))" : "Remote and hybrid work",
          body: Array((clauses.joined(separator: "\n") + "\n").utf8), effectiveFrom: effective,
          announcedAt: at(Double(n - 1) * 30 - 7)),
        actor: "hr")
      let recipients = (0..<20).map { String(format: "E%04d", (n * 7 + $0 * 3) % 60 + 1) }
      let noticeID = String(format: "RW-%02d", n)
      try ledger.sendNotice(
        NewNotice(
          id: noticeID, subject: "Remote work policy, version \(n)", body: Array("See the policy.\n".utf8),
          sentAt: at(Double(n - 1) * 30 - 7), sender: "hr", announces: VersionRef(policy: "remote-work", number: Int64(n))),
        recipients: RecipientList(recipients), actor: "hr")
      if n % 5 == 0 {
        try ledger.correct(
          NewCorrection(
            id: "\(noticeID)-A", kind: .amendment, target: .notice(noticeID), issuedAt: at(Double(n - 1) * 30 - 3),
            statement: "Version \(n) starts ten days later.", reason: "wrong start date",
            effectiveFrom: at(Double(n - 1) * 30 + 10)),
          recipients: .defaults, actor: "hr")
      }
      if n % 7 == 0 {
        try ledger.correct(
          NewCorrection(
            id: "\(noticeID)-R", kind: .retraction, target: .notice(noticeID), voidVersion: true,
            issuedAt: at(Double(n - 1) * 30 - 6), statement: "Yesterday's notice was sent in error.", reason: "sent in error"),
          recipients: .named(RecipientList(Array(recipients.prefix(15)))), actor: "hr")
      }
    }
  }
}
