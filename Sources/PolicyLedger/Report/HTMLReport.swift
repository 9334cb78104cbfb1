import Foundation

/// An audit report as one self-contained HTML file: inline CSS and one inline SVG per
/// policy, no scripts, nothing loaded from elsewhere.
///
/// Everything shown comes from ``ReportData`` (the ledger's queries); this type only lays
/// it out. The output depends on nothing but its inputs — no clock, no locale, no hash
/// order — so the same ledger and arguments give the same bytes.
///
/// It is longer than 400 lines on purpose: it is one page's template, its CSS and sections
/// in the order the report reads, sharing one escaping; the parts that stand alone (the
/// timeline, the diff, the time scale) have files of their own.
///
///     let data = try ledger.reportData(ReportRequest(policies: ["mobile-devices"]))
///     let html = HTMLReport(data: data, timeZone: nil, command: ["policy-ledger", "report", …]).render()
public struct HTMLReport: Sendable {
  /// What the report shows.
  public var data: ReportData
  /// The zone its times are shown in; nil for UTC.
  public var timeZone: TimeZone?
  /// The command line that makes this report again, shown shell-quoted.
  public var command: [String]
  /// The options that name the ledger (`--db PATH`), put into the commands the report suggests.
  public var ledgerArguments: [String]
  /// How the pictures draw time: to scale with long gaps cut (the default), or by logarithm.
  public var axis: TimeAxis = .linear

  /// A report of `data`, reproducible with `command`, drawn on a linear or logarithmic `axis`.
  public init(
    data: ReportData, timeZone: TimeZone?, command: [String], ledgerArguments: [String] = [], axis: TimeAxis = .linear
  ) {
    self.data = data
    self.timeZone = timeZone
    self.command = command
    self.ledgerArguments = ledgerArguments
    self.axis = axis
  }

  /// The whole HTML document, self-contained (styles and SVG inline).
  public func render() -> String {
    var out = HTMLText()
    let keys = data.policies.map(\.key)
    let subject = keys.count <= 3 ? keys.joined(separator: ", ") : "\(keys.count) policies"
    out.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    out.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
    out.line("title", "Policy ledger report: \(subject) (head \(data.head.seq))")
    out.raw("<style>\n\(HTMLReport.css)</style>\n</head>\n<body>\n<header>\n")
    out.line("h1", "Policy ledger report: \(subject)")
    out.raw("<p class=\"lede\">")
    out.text(
      "What the ledger says about \(keys.count == 1 ? "this policy" : "these policies"), as known "
        + (data.knownAt.map { "at \(time($0))" } ?? "at its head")
        + ", with statuses judged at \(time(data.statusAt)). Times are shown in \(zoneName()).")
    out.raw("</p>\n")
    meta(&out)
    out.raw("<nav>\n<h2>Contents</h2>\n<ol>\n")
    for (index, policy) in data.policies.enumerated() {
      out.raw("<li><a href=\"#p\(index + 1)\"><code>")
      out.text(policy.key)
      out.raw("</code></a> — ")
      out.text(summary(policy))
      out.raw("</li>\n")
    }
    out.raw("</ol>\n</nav>\n</header>\n<main>\n")
    for (index, policy) in data.policies.enumerated() {
      section(policy, id: "p\(index + 1)", into: &out)
    }
    out.raw("</main>\n<footer>\n<p>")
    out.text(
      "Made from ledger head \(data.head) (entry \(data.head.seq), the last recorded by \(time(data.recordedAt))). "
        + "This file loads nothing from elsewhere and runs no scripts; the same command on a ledger with this head "
        + "writes the same bytes.")
    out.raw("</p>\n</footer>\n</body>\n</html>\n")
    return out.text
  }

  // MARK: Header

  func meta(_ out: inout HTMLText) {
    out.raw("<table class=\"meta\">\n")
    func row(_ name: String, _ body: (inout HTMLText) -> Void) {
      out.raw("<tr><th scope=\"row\">")
      out.text(name)
      out.raw("</th><td>")
      body(&out)
      out.raw("</td></tr>\n")
    }
    row("Ledger head") { out in
      out.code(data.head.description)
      out.text(" — entry \(data.head.seq), the last recorded by \(time(data.recordedAt))")
    }
    row("As recorded at") { $0.text(time(data.recordedAt) + " (entries recorded later are not shown)") }
    row("As known at") { out in
      out.text(data.knownAt.map { time($0) + " (business time: what had happened by then)" } ?? "no limit: everything recorded")
    }
    row("Statuses judged at") { $0.text(time(data.statusAt)) }
    row("Window") { out in
      switch (data.from, data.to) {
      case (nil, nil): out.text("everything recorded")
      case (let from, let to):
        out.text("from \(from.map(time) ?? "the beginning") to \(to.map(time) ?? "the end") (picture and notices; the history lists every version)")
      }
    }
    row("Reproduce") { $0.command(command) }
    row("Check the ledger") { out in
      out.command(["policy-ledger", "verify"] + ledgerArguments + ["--expect", data.head.description])
      out.text(" proves that the ledger still begins with the history this report was made from.")
    }
    out.raw("</table>\n")
  }

  /// The options that select the report's view in `outstanding` and the like.
  var viewArguments: [String] {
    ["--as-recorded-at", data.recordedAt.iso8601()] + (data.knownAt.map { ["--as-known-at", $0.iso8601()] } ?? [])
  }

  func summary(_ policy: PolicyReport) -> String {
    let voids = policy.history.filter { $0.status == .void }.count
    let notices = policy.events.filter { $0.row.kind == .notice }.count
    let corrections = policy.events.filter { $0.row.kind != .notice }.count
    let outstanding = policy.outstanding.reduce(Int64(0)) { $0 + $1.count }
    var parts = [plural(policy.history.count, "version") + (voids > 0 ? " (\(voids) void)" : "")]
    parts.append(plural(notices, "notice"))
    parts.append(plural(corrections, "correction"))
    parts.append(outstanding == 0 ? "nobody outstanding" : "\(grouped(outstanding)) outstanding")
    if let current = policy.history.first(where: { $0.status == .inForce }) {
      parts.append("v\(current.version) in force")
    } else {
      parts.append("nothing in force")
    }
    return parts.joined(separator: ", ")
  }

  // MARK: One policy

  func section(_ policy: PolicyReport, id: String, into out: inout HTMLText) {
    out.raw("<section class=\"policy\" id=\"\(id)\">\n<h2>Policy <code>")
    out.text(policy.key)
    out.raw("</code></h2>\n<p class=\"summary\">")
    out.text(summary(policy) + " at \(time(data.statusAt)).")
    out.raw("</p>\n<figure>\n")
    out.raw(SVGTimeline(policy: policy, data: data, timeZone: timeZone, idPrefix: id, axis: axis).render())
    out.raw("<figcaption>")
    let known = data.knownAt.map { "at " + time($0) } ?? "at the ledger's head"
    out.text(
      "Rows: each version's effective period as known \(known) (solid where it is in force), with the notices and corrections "
        + "about it at the times they were issued. Lanes below: the version in force at each instant as known \(known), and "
        + "as known at that instant — where they differ, something was believed that later turned out otherwise.")
    out.raw("</figcaption>\n</figure>\n")
    history(policy, id: id, into: &out)
    events(policy, into: &out)
    acknowledgements(policy, into: &out)
    outstanding(policy, into: &out)
    CoverageSection(
      key: policy.key, coverage: policy.coverage, rosterKnown: policy.rosterKnown, when: time(data.statusAt),
      command: Self.withPositional(
        policy.key, ["policy-ledger", "coverage"], ledgerArguments + viewArguments + ["--at", data.statusAt.iso8601(), "--format", "csv"])
    ).render(into: &out)
    versions(policy, id: id, into: &out)
    out.raw("</section>\n")
  }

  func history(_ policy: PolicyReport, id: String, into out: inout HTMLText) {
    out.line("h3", "History")
    guard !policy.history.isEmpty else { return out.line("p", "No version of this policy is known in this view.") }
    out.raw("<table class=\"history\">\n<thead><tr>")
    for column in ["version", "title", "effective from", "effective until", "announced at", "status", "corrected by"] {
      out.raw("<th>")
      out.text(column)
      out.raw("</th>")
    }
    out.raw("</tr></thead>\n<tbody>\n")
    for row in policy.history {
      out.raw("<tr class=\"\(row.status.rawValue)\"><td><a href=\"#\(id)-v\(row.version)\">v\(row.version)</a></td><td>")
      out.text(row.title)
      out.raw("</td><td class=\"time\">")
      out.text(time(row.effectiveFrom))
      out.raw("</td><td class=\"time\">")
      out.text(row.effectiveUntil.map(time) ?? "open")
      out.raw("</td><td class=\"time\">")
      out.text(time(row.announcedAt))
      out.raw("</td><td class=\"word\"><span class=\"status \(row.status.rawValue)\">")
      out.text(row.status.rawValue)
      let correctedBy = row.correctedBy.joined(separator: "; ")
      out.raw("</span></td><td\(Self.wordClass(correctedBy))>")
      out.text(correctedBy)
      out.raw("</td></tr>\n")
    }
    out.raw("</tbody>\n</table>\n")
  }

  func events(_ policy: PolicyReport, into out: inout HTMLText) {
    out.line("h3", "Notices and corrections")
    guard !policy.events.isEmpty else { return out.line("p", "None in this view and window.") }
    out.raw("<table class=\"events\">\n<thead><tr>")
    for column in ["at", "kind", "id", "version", "subject or statement", "status", "recipients", "details"] {
      out.raw("<th>")
      out.text(column)
      out.raw("</th>")
    }
    out.raw("</tr></thead>\n<tbody>\n")
    for event in policy.events {
      let r = event.row
      out.raw("<tr class=\"\(r.kind.rawValue)\"><td class=\"time\">")
      out.text(time(r.at))
      out.raw("</td><td class=\"word\"><span class=\"kind \(r.kind.rawValue)\">")
      out.text(r.kind.rawValue)
      out.raw("</span></td><td\(Self.wordClass(r.id))><code>")
      out.text(r.id)
      out.raw("</code></td><td>")
      out.text(r.version.map { "v\($0)" } ?? "")
      out.raw("</td><td>")
      out.text(r.subject)
      out.raw("</td><td class=\"word\">")
      out.text(r.status)
      out.raw("</td><td class=\"number\">")
      out.text(grouped(event.recipientCount))
      out.raw("</td><td>")
      var details: [String] = []
      if r.kind == .notice {
        details.append("sent by \(event.sender ?? "") by \(event.channel ?? "")")
      } else {
        if let notice = event.targetNotice {
          details.append("corrects notice \(notice)" + (event.voidVersion ? ", voiding the version it announces" : ""))
        }
        if let version = event.targetVersion { details.append("corrects \(version)") }
        if let from = event.effectiveFrom { details.append("effective from → \(time(from))") }
        if let until = event.effectiveUntil { details.append("effective until → \(time(until))") }
        if let reason = event.reason { details.append("reason: \(reason)") }
      }
      for resend in event.resends {
        details.append("sent again at \(time(resend.sentAt)) to \(grouped(resend.recipientCount)) more")
      }
      out.text(details.joined(separator: "; "))
      out.raw("</td></tr>\n")
    }
    out.raw("</tbody>\n</table>\n")
  }

  /// Who acknowledged each notice, as known in the view: the count of its recipients, then
  /// the first acknowledgements (up to --outstanding-limit) with their times.
  func acknowledgements(_ policy: PolicyReport, into out: inout HTMLText) {
    out.line("h3", "Acknowledgements")
    guard !policy.acknowledgements.isEmpty else { return out.line("p", "No notice, so nothing to acknowledge.") }
    for group in policy.acknowledgements {
      out.raw("<div class=\"acks\">\n<h4>")
      out.text("notice \(group.notice): \(grouped(group.count)) of \(plural(group.recipients, "recipient")) acknowledged it")
      out.raw("</h4>\n")
      if !group.first.isEmpty {
        out.raw("<table>\n<thead><tr><th>at</th><th>employee</th></tr></thead>\n<tbody>\n")
        for ack in group.first {
          out.raw("<tr><td>")
          out.text(time(ack.at))
          out.raw("</td><td>")
          out.text(ack.employee)
          out.raw("</td></tr>\n")
        }
        out.raw("</tbody>\n</table>\n")
      }
      out.raw("<p class=\"more\">")
      if Int64(group.first.count) < group.count {
        out.text("The first \(grouped(Int64(group.first.count))) of \(grouped(group.count)), in order of acknowledgement. All recipients: ")
      } else {
        out.text("Every recipient, with acknowledgement status: ")
      }
      out.command(
        Self.withPositional(group.notice, ["policy-ledger", "recipients"] + ledgerArguments + viewArguments, ["--format", "csv"]))
      out.raw("</p>\n</div>\n")
    }
  }

  func outstanding(_ policy: PolicyReport, into out: inout HTMLText) {
    out.line("h3", "Outstanding recipients")
    guard !policy.outstanding.isEmpty else {
      return out.line("p", "Nobody: every recipient of a corrected notice received each correction of it (as known in this view).")
    }
    out.line(
      "p",
      "The recipients of each notice who did not receive a correction of it: they may still hold the withdrawn or changed instruction.")
    for group in policy.outstanding {
      out.raw("<div class=\"outstanding\">\n<h4>")
      out.text(
        "\(group.correctionKind.rawValue) \(group.correction) of notice \(group.notice): "
          + "\(plural(group.count, "recipient")) did not receive it")
      out.raw("</h4>\n<ul class=\"ids\">")
      for employee in group.employees {
        out.raw("<li>")
        out.text(employee)
        out.raw("</li>")
      }
      out.raw("</ul>\n<p class=\"more\">")
      if Int64(group.employees.count) < group.count {
        out.text("The first \(grouped(Int64(group.employees.count))) of \(grouped(group.count)), in employee-id order. All of them: ")
      } else {
        out.text("As CSV: ")
      }
      out.command(["policy-ledger", "outstanding"] + ledgerArguments + viewArguments + Self.option("--notice", group.notice) + ["--format", "csv"])
      out.raw("</p>\n</div>\n")
    }
  }

  func versions(_ policy: PolicyReport, id: String, into out: inout HTMLText) {
    out.line("h3", "Versions")
    var previous: (history: HistoryRow, version: ReportedVersion)?
    for (row, version) in zip(policy.history, policy.versions) {
      out.raw("<article class=\"version \(row.status.rawValue)\" id=\"\(id)-v\(row.version)\">\n<h4>")
      out.text("v\(row.version) · \(row.title) ")
      out.raw("<span class=\"status \(row.status.rawValue)\">")
      out.text(row.status.rawValue)
      out.raw("</span></h4>\n<p class=\"facts\">")
      var facts = ["effective \(time(row.effectiveFrom)) to \(row.effectiveUntil.map(time) ?? "open")"]
      if version.recordedFrom != row.effectiveFrom || version.recordedUntil != row.effectiveUntil {
        facts.append("first recorded as \(time(version.recordedFrom)) to \(version.recordedUntil.map(time) ?? "open")")
      }
      facts.append("announced \(time(row.announcedAt))")
      facts.append("recorded by \(version.by)")
      if !row.correctedBy.isEmpty { facts.append("corrected by \(row.correctedBy.joined(separator: ", "))") }
      facts.append("body SHA-256 \(version.bodySHA256)")
      out.text(facts.joined(separator: "; "))
      out.raw("</p>\n<pre class=\"body\">")
      out.text(version.body)
      out.raw("</pre>\n")
      if let previous {
        changes(from: previous, to: (row, version), key: policy.key, into: &out)
      }
      out.raw("</article>\n")
      previous = (row, version)
    }
  }

  func changes(
    from old: (history: HistoryRow, version: ReportedVersion), to new: (history: HistoryRow, version: ReportedVersion),
    key: String, into out: inout HTMLText
  ) {
    out.line("h5", "Changes from v\(old.history.version)")
    var notes: [String] = []
    if old.history.title != new.history.title { notes.append("title: “\(old.history.title)” → “\(new.history.title)”") }
    let oldPeriod = "\(time(old.history.effectiveFrom)) to \(old.history.effectiveUntil.map(time) ?? "open")"
    let newPeriod = "\(time(new.history.effectiveFrom)) to \(new.history.effectiveUntil.map(time) ?? "open")"
    if oldPeriod != newPeriod { notes.append("effective: \(oldPeriod) → \(newPeriod)") }
    if !notes.isEmpty {
      out.raw("<p class=\"facts\">")
      out.text(notes.joined(separator: "; "))
      out.raw("</p>\n")
    }
    let diff = LineDiff.unified(
      old: old.version.body, new: new.version.body, oldLabel: "\(key)@\(old.history.version)",
      newLabel: "\(key)@\(new.history.version)")
    guard !diff.isEmpty else { return out.line("p", "The text is the same.") }
    out.raw("<pre class=\"diff\">")
    for line in diff {
      let kind =
        switch line.kind {
        case .oldFile, .newFile: "file"
        case .hunk: "hunk"
        case .context: "ctx"
        case .deletion: "del"
        case .insertion: "ins"
        case .noNewline: "nonl"
        }
      // The line break inside the span: a block ends its line there, and copied text keeps it.
      out.raw("<span class=\"\(kind)\">")
      out.text(line.text + "\n")
      out.raw("</span>")
    }
    out.raw("</pre>\n")
  }

  // MARK: Text

  func time(_ instant: Instant) -> String {
    let iso = instant.iso8601(in: timeZone)
    return iso.replacingOccurrences(of: "T", with: " ")
  }

  func zoneName() -> String { timeZone.map(\.identifier) ?? "UTC" }

  func plural(_ count: some BinaryInteger, _ noun: String) -> String {
    "\(grouped(Int64(count))) \(noun)\(count == 1 ? "" : "s")"
  }

  /// 1234567 → "1,234,567", whatever the locale.
  func grouped(_ value: Int64) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
      if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
      result.append(digit)
    }
    return (value < 0 ? "-" : "") + result
  }

  /// An argument as a POSIX shell reads it back: quoted with `'…'` unless it is made only
  /// of characters that need no quoting.
  public static func shellQuoted(_ argument: String) -> String {
    let plain = !argument.isEmpty && argument.unicodeScalars.allSatisfy { scalar in
      scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "@%+=:,./_-".unicodeScalars.contains(scalar))
    }
    return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// ` class="word"` for an id short enough to keep on one line (`N-2020-07-10-0800`, which
  /// the table had broken into four); a longer one may still wrap anywhere, so that no id
  /// widens the page past the window.
  static func wordClass(_ text: String) -> String { text.count <= 32 ? " class=\"word\"" : "" }

  static let css = """
    :root { color-scheme: light; }
    body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a;
      background: #fff; margin: 0 auto; padding: 24px 32px 48px; max-width: 1280px; }
    h1, h2, h3, h4, th, td, a, code, li { overflow-wrap: anywhere; }
    h1 { font-size: 26px; margin: 0 0 4px; }
    h2 { font-size: 21px; margin: 36px 0 8px; border-bottom: 2px solid #ddd; padding-bottom: 4px; }
    nav h2 { font-size: 16px; border: none; margin: 16px 0 4px; }
    h3 { font-size: 17px; margin: 28px 0 8px; }
    h4 { font-size: 15px; margin: 18px 0 6px; }
    h5 { font-size: 14px; margin: 12px 0 4px; color: #444; }
    code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
    code { background: #f4f4f4; padding: 1px 4px; border-radius: 3px; }
    code.command span { white-space: pre; }
    td.time, td.word { white-space: nowrap; }
    .lede { color: #333; margin: 4px 0 12px; }
    table { border-collapse: collapse; margin: 6px 0 12px; width: 100%; }
    th, td { border: 1px solid #d8d8d8; padding: 4px 8px; text-align: left; vertical-align: top; }
    thead th { background: #f3f5f7; font-weight: 600; overflow-wrap: normal; white-space: nowrap; }
    table.meta { width: auto; }
    table.meta th { background: #f3f5f7; white-space: nowrap; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    tr.void td { background: #fbeeee; }
    tr.void td:nth-child(2) { text-decoration: line-through; text-decoration-color: #b03a2e; }
    .status { font-weight: 600; padding: 0 6px; border-radius: 8px; font-size: 13px; white-space: nowrap; }
    .status.void { background: #b03a2e; color: #fff; }
    .status.in_force { background: #22662a; color: #fff; }
    .status.scheduled, .status.superseded, .status.expired { background: #e6e6e6; color: #333; }
    .kind.notice { color: #1f4e9a; font-weight: 600; }
    .kind.retraction { color: #c0392b; font-weight: 600; }
    .kind.amendment { color: #a86400; font-weight: 600; }
    figure { margin: 12px 0; overflow-x: auto; }
    figure svg { width: 100%; min-width: 1100px; height: auto; display: block; border: 1px solid #e4e4e4; box-sizing: border-box;
      overflow: hidden; }
    figcaption { color: #555; font-size: 13px; margin-top: 4px; }
    .summary { color: #333; }
    .outstanding { border-left: 4px solid #c0392b; padding: 2px 12px; margin: 10px 0; background: #fdf6f5; }
    ul.ids { list-style: none; padding: 0; margin: 4px 0; columns: 10em auto; }
    ul.ids li { font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
    .more { font-size: 13px; color: #444; }
    article.version { border: 1px solid #e2e2e2; border-radius: 6px; padding: 4px 14px 10px; margin: 12px 0; }
    article.version.void { border-color: #b03a2e; background: #fffafa; }
    article.version.void pre.body { text-decoration: line-through; text-decoration-color: #b03a2e; }
    .facts { font-size: 13px; color: #444; overflow-wrap: anywhere; }
    pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f8f8f8; border: 1px solid #e6e6e6; padding: 8px 10px; margin: 6px 0; }
    pre.diff span { display: block; }
    pre.diff .file { color: #555; font-weight: 600; }
    pre.diff .hunk { color: #1f4e9a; background: #eef3fb; }
    pre.diff .del { background: #fbe9e7; color: #8b1d12; }
    pre.diff .ins { background: #e8f5e6; color: #1d5c1a; }
    pre.diff .nonl { color: #777; font-style: italic; }
    footer { margin-top: 40px; color: #555; font-size: 13px; border-top: 1px solid #ddd; }
    @media print { body { padding: 0; } figure { break-inside: avoid; } }

    """
}

/// HTML text built piece by piece; every value goes through ``HTML/escape(_:)``.
struct HTMLText {
  private(set) var text = ""

  mutating func raw(_ markup: String) { text += markup }
  mutating func text(_ value: String) { text += HTML.escape(value) }

  /// `<tag>value</tag>` on a line of its own.
  mutating func line(_ tag: String, _ value: String) {
    text += "<\(tag)>" + HTML.escape(value) + "</\(tag)>\n"
  }

  mutating func code(_ value: String) {
    text += "<code>" + HTML.escape(value) + "</code>"
  }

  /// A command line, one shell-quoted argument per span so that lines break only between arguments.
  mutating func command(_ arguments: [String]) {
    text += "<code class=\"command\">"
    text += arguments.map { "<span>" + HTML.escape(HTMLReport.shellQuoted($0)) + "</span>" }.joined(separator: " ")
    text += "</code>"
  }
}

extension HTMLReport {
  /// A printed command with a key or id as its argument: `before`, the value, `after`; or,
  /// when the value begins with `-` (the parser would read it as an option), `before`,
  /// `after`, `--` and the value last.
  static func withPositional(_ value: String, _ before: [String], _ after: [String]) -> [String] {
    value.hasPrefix("-") ? before + after + ["--", value] : before + [value] + after
  }

  /// An option and its value in a printed command: `--name=VALUE` when the value begins
  /// with `-` (as a separate word the parser would take it for an option), else two words.
  static func option(_ name: String, _ value: String) -> [String] {
    value.hasPrefix("-") ? [name + "=" + value] : [name, value]
  }
}

enum HTML {
  /// Escapes text for an HTML text node or a quoted attribute value: `& < > " '` become
  /// references, and control characters other than tab and line feed show as their
  /// Unicode control pictures (␀, ␛, ␍ …) so that every byte stays visible (a carriage
  /// return, which HTML reads as a line break, too). The bidi controls that embed, override
  /// or isolate (U+202A–U+202E, U+2066–U+2069) show as `\u{202E}`, as the terminal shows
  /// them: raw, one in a stored reason or title would turn the report's own text after it
  /// (dates, counts, statuses) around.
  static func escape(_ value: String) -> String {
    var result = ""
    result.reserveCapacity(value.utf8.count)
    for scalar in value.unicodeScalars {
      switch scalar {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&#39;"
      case "\t", "\n": result.unicodeScalars.append(scalar)
      case "\u{202A}"..."\u{202E}", "\u{2066}"..."\u{2069}":
        result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      default:
        if scalar.value < 0x20 {
          result.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
        } else if scalar.value == 0x7F {
          result.unicodeScalars.append("\u{2421}")
        } else if (0x80..<0xA0).contains(scalar.value) {
          result.unicodeScalars.append("\u{FFFD}")
        } else {
          result.unicodeScalars.append(scalar)
        }
      }
    }
    return result
  }
}
