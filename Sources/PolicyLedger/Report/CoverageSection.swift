import Foundation

/// A policy's coverage in the report (spec rule 21), at the report's status instant and in
/// its view: the counts per group, and the first employees not told or believing another
/// version than the one in force.
public struct ReportedCoverage: Sendable, Equatable {
  /// The version in force at the status instant.
  public var version: Int64
  /// `coverage --summary`: `all` first, then each group.
  public var groups: [CoverageSummaryRow]
  /// The rows not told, or believing another version, in employee order, at most the
  /// report's limit.
  public var attention: [CoverageRow]
  /// How many rows need attention in all.
  public var attentionCount: Int64
}

extension Ledger {
  /// The coverage of `key` at `t` in `view` for a report; nil when the ledger has no
  /// roster known in the view or nothing is in force.
  func reportedCoverage(_ key: String, at t: Instant, view: Bitemporal.View, limit: Int) throws -> ReportedCoverage? {
    guard try store.hasRoster(knownAt: view.knownAt, recordedAt: view.recordedAt) else { return nil }
    let groups = try coverageSummary(key, at: t, view: view)
    guard let version = groups.first?.version else { return nil }
    var attention: [CoverageRow] = []
    var count: Int64 = 0
    try coverage(key, at: t, view: view) { row, _ in
      guard row.status == .notTold || row.believesVersion != row.version else { return }
      count += 1
      if attention.count < limit { attention.append(row) }
    }
    return ReportedCoverage(version: version, groups: groups, attention: attention, attentionCount: count)
  }
}

/// Renders a ``ReportedCoverage``: a stacked bar per group (acknowledged, told, not told)
/// as inline SVG, and the list of employees who need attention, capped with a count of the
/// rest and the command that lists them all.
struct CoverageSection {
  let key: String
  let coverage: ReportedCoverage?
  /// Whether a roster is known in the view (what a nil `coverage` means).
  let rosterKnown: Bool
  let when: String
  let command: [String]

  static let colors = [("acknowledged", "#2e7d32"), ("told", "#81c784"), ("not told", "#c0392b")]

  func render(into out: inout HTMLText) {
    out.raw("<div class=\"coverage-section\">\n")
    body(into: &out)
    out.raw("</div>\n")
  }

  func body(into out: inout HTMLText) {
    out.line("h3", "Coverage")
    guard let coverage else {
      guard rosterKnown else { return out.line("p", "No roster is recorded in this view: no coverage to show.") }
      return out.line(
        "p",
        "Nothing is in force at \(when) in this view: coverage counts whom a version in force was meant for, so there is "
          + "none to show. Who still holds a withdrawn or changed notice is under Outstanding recipients; what one "
          + "employee believes, 'in-force --as-told-to'.")
    }
    out.line(
      "p",
      "Who version \(coverage.version), in force at \(when), was meant for (its groups, among the employees employed then), "
        + "who was told of it and who acknowledged it.")
    out.raw(chart(coverage.groups))
    if coverage.attentionCount == 0 {
      out.line("p", "Everyone it applies to was told, and believes the version in force.")
    } else {
      out.raw("<h4>")
      out.text("Not told, or believing another version: \(coverage.attentionCount)")
      out.raw("</h4>\n<ul class=\"ids\">")
      for row in coverage.attention {
        out.raw("<li>")
        let believes = row.believesVersion.map { "believes v\($0)" } ?? "believes nothing in force"
        out.text("\(row.employee) (\(row.status.rawValue.replacingOccurrences(of: "_", with: " ")), \(believes))")
        out.raw("</li>")
      }
      out.raw("</ul>\n<p class=\"more\">")
      if Int64(coverage.attention.count) < coverage.attentionCount {
        out.text("The first \(coverage.attention.count) of \(coverage.attentionCount), in employee-id order. All of them: ")
      } else {
        out.text("Every row, as CSV: ")
      }
      out.command(command)
      out.raw("</p>\n")
    }
  }

  /// One horizontal stacked bar per group, scaled to the largest group.
  func chart(_ groups: [CoverageSummaryRow]) -> String {
    let labelWidth = 140.0, barWidth = 420.0, row = 22.0, top = 24.0
    let height = top + row * Double(groups.count) + 8
    var svg = SVGWriter()
    svg.open(
      "svg",
      [
        ("xmlns", "http://www.w3.org/2000/svg"), ("class", "coverage"), ("width", fmt(labelWidth + barWidth + 120)),
        ("height", fmt(height)), ("role", "img"), ("aria-label", "coverage of \(key) by group"),
      ])
    svg.raw("\n")
    var x = labelWidth
    for (name, color) in Self.colors {
      svg.element("rect", [("x", fmt(x)), ("y", "6"), ("width", "10"), ("height", "10"), ("fill", color)])
      svg.element("text", [("x", fmt(x + 14)), ("y", "15"), ("font-size", "11")], text: name)
      x += 110
    }
    let largest = max(1, groups.map(\.employed).max() ?? 1)
    for (i, group) in groups.enumerated() {
      let y = top + row * Double(i)
      svg.element(
        "text", [("x", fmt(labelWidth - 6)), ("y", fmt(y + 14)), ("font-size", "12"), ("text-anchor", "end")],
        text: SVGWriter.fit(group.group, width: labelWidth - 10, charWidth: 7))
      var x = labelWidth
      for (count, (name, color)) in zip([group.acknowledged, group.told, group.notTold], Self.colors) where count > 0 {
        let width = barWidth * Double(count) / Double(largest)
        svg.element(
          "rect", [("x", fmt(x)), ("y", fmt(y + 3)), ("width", fmt(width)), ("height", fmt(row - 6)), ("fill", color)],
          title: "\(group.group): \(count) \(name)")
        x += width
      }
      svg.element(
        "text", [("x", fmt(x + 6)), ("y", fmt(y + 14)), ("font-size", "11")],
        text: "\(group.acknowledged + group.told) of \(group.employed) told")
    }
    svg.close("svg")
    return svg.text
  }
}
