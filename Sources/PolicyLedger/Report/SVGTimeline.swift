import Foundation

/// One policy's timeline as an inline SVG element: no scripts, no external references.
///
/// It is longer than 400 lines on purpose: one drawing whose rows, lanes, marks and legend
/// share one axis and one set of layout measures; what stands alone (``TimeScale``, the SVG
/// element writer) has its own file.
///
/// All rows share one time axis. First a row per version: a pale bar over its effective
/// period as known in the report's view, solid where the version is in force (a dashed
/// outline where an amendment moved the period first recorded), hatched and struck through
/// when void; on it the notices announcing it (circles) and the corrections affecting it
/// (crosses for retractions, diamonds for amendments, each linked by an arc to the notice
/// or version it corrects) at their business times. Below, two lanes to compare: the
/// version in force at each instant as known in the report's view
/// (``Ledger/inForcePeriods(_:from:to:view:)``), and the version believed in force at each
/// moment as known at that moment — knowledge time (``Ledger/knownPeriods(_:from:to:view:)``).
/// Where they differ, something was believed that later turned out otherwise: a version
/// sent in error shows as a hatched stretch between its notice and its retraction.
///
/// The axis is linear: time is drawn to scale between breaks at every instant something
/// happens, except that a gap more than twice as long as all the rest together is cut short and marked
/// with a break on the axis (``TimeScale``), so that a six-hour morning stays visible beside
/// half a year. Every break is a real instant (ticks are labelled where there is room;
/// every mark and bar has a tooltip).
struct SVGTimeline {
  let policy: PolicyReport
  let data: ReportData
  let timeZone: TimeZone?
  /// Prefix of the ids inside this SVG: several SVGs share one HTML document's id space.
  let idPrefix: String
  var axis: TimeAxis = .linear

  // Layout, in SVG user units (the picture scales with the page).
  static let width = 1200.0
  static let labelColumn = 150.0
  static let tail = 60.0
  static let rightMargin = 12.0
  static let rowHeight = 40.0
  static let barOffset = 20.0
  static let barHeight = 16.0
  static let laneHeight = 22.0
  /// Estimated advance per character of the 11-unit sans-serif text, regular and bold, and of 10-unit labels.
  static let charWidth = 6.2
  static let boldCharWidth = 7.0
  static let smallCharWidth = 6.1

  /// Fill and stroke per version, cycling; red and orange are kept for corrections.
  static let palette: [(fill: String, stroke: String)] = [
    ("#9ecae1", "#2f6795"), ("#a1d99b", "#357a35"), ("#bcbddc", "#5e4a99"), ("#99d8c9", "#23706a"),
    ("#f0d58c", "#80620f"), ("#f4b6cf", "#983c6e"), ("#d3c2ae", "#6e5744"), ("#a6dff0", "#236f87"),
  ]
  static let noticeColor = "#1f4e9a"
  static let retractionColor = "#c0392b"
  static let amendmentColor = "#c77700"
  static let voidColor = "#b03a2e"

  static func colors(_ version: Int64) -> (fill: String, stroke: String) {
    palette[Int(((version - 1) % Int64(palette.count) + Int64(palette.count)) % Int64(palette.count))]
  }

  func render() -> String {
    let scale = TimeScale(
      instants: instants(), from: data.from, to: data.to, left: Self.labelColumn, right: Self.width - Self.rightMargin - Self.tail,
      axis: axis)
    var svg = SVGWriter()
    let rows = shownVersions(scale)
    let rowsTop = 30.0
    let lanesTitleY = rowsTop + Double(rows.count) * Self.rowHeight + 20
    let inForceTop = lanesTitleY + 10
    let knownTop = inForceTop + Self.laneHeight + 8
    let axisY = knownTop + Self.laneHeight + 10
    let legendY = axisY + 90
    let height = legendY + 40

    svg.open(
      "svg",
      [
        ("xmlns", "http://www.w3.org/2000/svg"), ("viewBox", "0 0 \(fmt(Self.width)) \(fmt(height))"),
        ("width", fmt(Self.width)), ("height", fmt(height)), ("role", "img"), ("aria-labelledby", "\(idPrefix)-title"),
        ("class", "timeline"), ("font-family", "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"),
        ("font-size", "11"),
      ])
    svg.element("title", [("id", "\(idPrefix)-title")], text: "Timeline of policy \(policy.key)")
    svg.raw(
      """
      <defs><pattern id="\(idPrefix)-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">\
      <rect width="6" height="6" fill="#f6e3e1"/><line x1="0" y1="0" x2="0" y2="6" stroke="\(Self.voidColor)" stroke-width="1.4"/>\
      </pattern></defs>

      """)
    svg.element("rect", [("x", "0"), ("y", "0"), ("width", fmt(Self.width)), ("height", fmt(height)), ("fill", "#ffffff")])

    // Grid: a faint line at every break.
    for x in scale.xs {
      svg.element("line", [("x1", fmt(x)), ("y1", fmt(rowsTop - 4)), ("x2", fmt(x)), ("y2", fmt(axisY)), ("stroke", "#ececec")])
    }
    svg.element(
      "text", [("x", "8"), ("y", "18"), ("font-weight", "700"), ("font-size", "12")],
      text: "Versions over valid time, as known \(knownPhrase()), with the notices and corrections about them")
    if rows.isEmpty {
      svg.element("text", [("x", fmt(Self.labelColumn)), ("y", fmt(rowsTop + 16)), ("fill", "#666")], text: "No version is known in this view.")
    }

    // One row per version.
    var rowOf: [Int64: Int] = [:]
    var previousTitle: String?
    for (index, row) in rows.enumerated() {
      rowOf[row.history.version] = index
      drawVersion(row, showTitle: row.history.title != previousTitle, top: rowsTop + Double(index) * Self.rowHeight, scale: scale, into: &svg)
      previousTitle = row.history.title
    }
    drawEvents(rowOf: rowOf, rowsTop: rowsTop, lanesBottom: knownTop + Self.laneHeight, scale: scale, into: &svg)

    // Two lanes to compare: valid time as known now, and knowledge time.
    svg.element(
      "text", [("x", "8"), ("y", fmt(lanesTitleY)), ("font-weight", "700"), ("font-size", "12")],
      text: "In force at each instant, as known \(knownPhrase()) — and as it was known at the time")
    drawLane(
      policy.inForcePeriods, top: inForceTop, end: scale.x(until: nil), label: "in force", note: laneNote(),
      believed: false, scale: scale, into: &svg)
    drawLane(
      policy.knownPeriods, top: knownTop, end: data.knownAt.map { min(scale.x($0), scale.x(until: nil)) } ?? scale.x(until: nil),
      label: "believed then", note: "as known at the time", believed: true, scale: scale, into: &svg)

    if let k = data.knownAt, scale.contains(k) {
      let x = scale.x(k)
      svg.element(
        "line",
        [("x1", fmt(x)), ("y1", fmt(rowsTop - 6)), ("x2", fmt(x)), ("y2", fmt(axisY)), ("stroke", "#222"), ("stroke-width", "1.2"),
         ("stroke-dasharray", "2 3")],
        title: "as known at \(time(k))")
    }
    drawAxis(y: axisY, scale: scale, into: &svg)
    drawLegend(y: legendY, into: &svg)
    svg.close("svg")
    return svg.text
  }

  // MARK: What is drawn

  struct Row {
    var history: HistoryRow
    var version: ReportedVersion
  }

  /// Every instant the picture must place exactly.
  func instants() -> [Instant] {
    var all: [Instant] = []
    for (row, version) in zip(policy.history, policy.versions) {
      all += [row.effectiveFrom, version.recordedFrom] + [row.effectiveUntil, version.recordedUntil].compactMap { $0 }
    }
    for event in policy.events { all += [event.row.at] + event.resends.map(\.sentAt) }
    for period in policy.knownPeriods + policy.inForcePeriods { all += [period.from] + (period.until.map { [$0] } ?? []) }
    if let k = data.knownAt { all.append(k) }
    return all
  }

  /// The versions that start in the window, are in force in it, or have a mark in it
  /// (without --from and --to, every version).
  func shownVersions(_ scale: TimeScale) -> [Row] {
    let marked = Set(policy.events.filter { scale.contains($0.row.at) }.compactMap(\.row.version))
    let inForce = Set(
      policy.inForcePeriods.filter { p in p.from <= scale.end && (p.until.map { $0 > scale.start } ?? true) }.compactMap(\.version))
    return zip(policy.history, policy.versions).compactMap { history, version in
      let shown = scale.contains(history.effectiveFrom) || inForce.contains(history.version) || marked.contains(history.version)
      return shown ? Row(history: history, version: version) : nil
    }
  }

  func drawVersion(_ row: Row, showTitle: Bool, top: Double, scale: TimeScale, into svg: inout SVGWriter) {
    let h = row.history
    let isVoid = h.status == .void
    let (fill, stroke) = Self.colors(h.version)
    let barTop = top + Self.barOffset
    // Row label: version number and status.
    svg.element("text", [("x", "8"), ("y", fmt(barTop + 12)), ("font-weight", "700"), ("font-size", "12")], text: "v\(h.version)")
    svg.element(
      "text",
      [("x", "46"), ("y", fmt(barTop + 12)), ("fill", isVoid ? Self.voidColor : h.status == .inForce ? "#22662a" : "#555"),
       ("font-weight", isVoid || h.status == .inForce ? "700" : "400")],
      text: h.status.rawValue.replacingOccurrences(of: "_", with: " "))
    svg.element(
      "line", [("x1", "8"), ("y1", fmt(top + Self.rowHeight - 0.5)), ("x2", fmt(Self.width - Self.rightMargin)),
        ("y2", fmt(top + Self.rowHeight - 0.5)), ("stroke", "#f0f0f0")])

    // The period first recorded, when an amendment has moved it.
    let v = row.version
    if v.recordedFrom != h.effectiveFrom || v.recordedUntil != h.effectiveUntil,
      let (x1, x2) = scale.span(from: v.recordedFrom, until: v.recordedUntil)
    {
      svg.element(
        "rect",
        [("x", fmt(x1)), ("y", fmt(barTop - 3)), ("width", fmt(max(x2 - x1, 1))), ("height", fmt(Self.barHeight + 6)),
         ("fill", "none"), ("stroke", "#666"), ("stroke-dasharray", "4 3")],
        title: "v\(h.version) as first recorded: \(period(v.recordedFrom, v.recordedUntil))")
    }
    guard h.effectiveUntil.map({ $0 > h.effectiveFrom }) ?? true else {
      svg.element("text", [("x", fmt(Self.labelColumn + 4)), ("y", fmt(barTop + 12)), ("fill", "#666")], text: "empty period in this view")
      return
    }
    guard let (x1, x2) = scale.span(from: h.effectiveFrom, until: h.effectiveUntil) else { return }
    let width = max(x2 - x1, 2)
    let tip = "v\(h.version) \(h.status.rawValue): \(h.title) — effective \(period(h.effectiveFrom, h.effectiveUntil))"
      + (h.correctedBy.isEmpty ? "" : "; corrected by \(h.correctedBy.joined(separator: ", "))")
    // The whole period, pale; solid where the version is in force.
    svg.element(
      "rect",
      [("x", fmt(x1)), ("y", fmt(barTop)), ("width", fmt(width)), ("height", fmt(Self.barHeight)), ("rx", "2"),
       ("fill", isVoid ? "url(#\(idPrefix)-hatch)" : fill), ("fill-opacity", isVoid ? "1" : "0.3"),
       ("stroke", isVoid ? Self.voidColor : stroke), ("stroke-opacity", isVoid ? "1" : "0.45"),
       ("stroke-width", isVoid ? "1.5" : "1")],
      title: tip)
    for segment in policy.inForcePeriods where segment.version == h.version {
      guard let (s1, s2) = scale.span(from: segment.from, until: segment.until), s2 > s1 else { continue }
      svg.element(
        "rect",
        [("x", fmt(s1)), ("y", fmt(barTop)), ("width", fmt(s2 - s1)), ("height", fmt(Self.barHeight)), ("fill", fill),
         ("stroke", stroke)],
        title: "v\(h.version) in force \(period(segment.from, segment.until)) (as known \(knownPhrase()))")
    }
    // Arrows where the period runs on past the window (or has no end).
    let arrow = isVoid ? Self.voidColor : stroke
    if scale.runsOnRight(h.effectiveUntil) {
      let y = barTop + Self.barHeight / 2
      svg.element(
        "path", [("d", "M \(fmt(x2 - 1)) \(fmt(y - 6)) L \(fmt(x2 + 6)) \(fmt(y)) L \(fmt(x2 - 1)) \(fmt(y + 6)) Z"), ("fill", arrow)])
    }
    if h.effectiveFrom < scale.start {
      let y = barTop + Self.barHeight / 2
      svg.element(
        "path", [("d", "M \(fmt(x1 + 1)) \(fmt(y - 6)) L \(fmt(x1 - 6)) \(fmt(y)) L \(fmt(x1 + 1)) \(fmt(y + 6)) Z"), ("fill", arrow)])
    }
    // The title where it changes, and VOID on void versions, inside the bar when it fits.
    let label = isVoid ? (showTitle ? "VOID · " + h.title : "VOID") : showTitle ? h.title : ""
    let shown = SVGWriter.fit(label, width: width - 12, charWidth: isVoid ? Self.boldCharWidth : Self.charWidth)
    if !shown.isEmpty {
      svg.element(
        "text",
        [("x", fmt(x1 + 6)), ("y", fmt(barTop + 12)), ("fill", isVoid ? Self.voidColor : "#1a1a1a"),
         ("font-weight", isVoid ? "700" : "400"), ("stroke", "#fff"), ("stroke-width", "3"), ("stroke-linejoin", "round"),
         ("paint-order", "stroke")],
        text: shown)
    }
    if isVoid {
      // Struck through from end to end.
      svg.element(
        "line", [("x1", fmt(x1)), ("y1", fmt(barTop + 8)), ("x2", fmt(x1 + width)), ("y2", fmt(barTop + 8)), ("stroke", Self.voidColor),
          ("stroke-width", "1.6")])
    }
  }

  func drawEvents(rowOf: [Int64: Int], rowsTop: Double, lanesBottom: Double, scale: TimeScale, into svg: inout SVGWriter) {
    func markY(_ row: Int) -> Double { rowsTop + Double(row) * Self.rowHeight + Self.barOffset }
    // Where each notice's mark is, for the arcs from its corrections. Keyed by the id's
    // bytes: two ids that differ only in how an accent is spelt are two notices.
    var noticeMark: [ExactText: (x: Double, y: Double)] = [:]
    var labelEnd: [Int: Double] = [:]
    for event in policy.events where event.row.kind == .notice {
      guard let version = event.row.version, let row = rowOf[version], scale.contains(event.row.at) else { continue }
      noticeMark[ExactText(event.row.id)] = (scale.x(event.row.at), markY(row))
    }
    // Links first, so that the marks sit on top of them.
    for event in policy.events where event.row.kind == .retraction || event.row.kind == .amendment {
      guard let version = event.row.version, let row = rowOf[version], scale.contains(event.row.at) else { continue }
      let x = scale.x(event.row.at)
      let y = markY(row)
      let color = event.row.kind == .retraction ? Self.retractionColor : Self.amendmentColor
      var target: (x: Double, y: Double)?
      if let notice = event.targetNotice { target = noticeMark[ExactText(notice)] }
      // A correction of a version (its target is the version it affects) links to the start of its bar.
      if event.targetVersion != nil, let h = policy.history.first(where: { $0.version == version }) {
        target = (scale.x(h.effectiveFrom), y)
      }
      if let target {
        let mid = (x + target.x) / 2
        let lift = min(7, 3 + abs(x - target.x) / 20)
        svg.element(
          "path",
          [("d", "M \(fmt(x)) \(fmt(y)) Q \(fmt(mid)) \(fmt(min(y, target.y) - lift * 2)) \(fmt(target.x)) \(fmt(target.y))"),
           ("fill", "none"), ("stroke", color), ("stroke-width", "1.4"), ("stroke-dasharray", "4 2")])
      }
      // A guide down to the lanes below, where the correction changed what was believed.
      svg.element(
        "line", [("x1", fmt(x)), ("y1", fmt(y + 6)), ("x2", fmt(x)), ("y2", fmt(lanesBottom)), ("stroke", color),
          ("stroke-width", "1"), ("stroke-dasharray", "2 3"), ("opacity", "0.7")])
    }
    // A message delivered again (rule 16): a ring of its colour at each resend's time.
    for event in policy.events {
      guard let version = event.row.version, let row = rowOf[version] else { continue }
      for resend in event.resends where scale.contains(resend.sentAt) {
        svg.element(
          "circle",
          [("cx", fmt(scale.x(resend.sentAt))), ("cy", fmt(markY(row))), ("r", "4"), ("fill", "#fff"),
           ("stroke", color(of: event.row.kind)), ("stroke-width", "2")],
          title: "\(event.row.kind.rawValue) \(event.row.id) sent again at \(time(resend.sentAt)) to \(resend.recipientCount) more")
      }
    }
    for event in policy.events {
      guard let version = event.row.version, let row = rowOf[version], scale.contains(event.row.at) else { continue }
      let x = scale.x(event.row.at)
      let y = markY(row)
      let tip = eventTip(event)
      switch event.row.kind {
      case .notice:
        svg.element(
          "circle", [("cx", fmt(x)), ("cy", fmt(y)), ("r", "5"), ("fill", Self.noticeColor), ("stroke", "#fff"), ("stroke-width", "1.5")],
          title: tip)
      case .retraction:
        svg.open("g", [("stroke", Self.retractionColor), ("stroke-width", "2.6"), ("stroke-linecap", "round")])
        svg.element("title", [], text: tip)
        svg.element("circle", [("cx", fmt(x)), ("cy", fmt(y)), ("r", "7"), ("fill", "#fff"), ("stroke", "none")])
        svg.element("line", [("x1", fmt(x - 4.5)), ("y1", fmt(y - 4.5)), ("x2", fmt(x + 4.5)), ("y2", fmt(y + 4.5))])
        svg.element("line", [("x1", fmt(x - 4.5)), ("y1", fmt(y + 4.5)), ("x2", fmt(x + 4.5)), ("y2", fmt(y - 4.5))])
        svg.close("g")
      case .amendment:
        svg.element(
          "path",
          [("d", "M \(fmt(x)) \(fmt(y - 6.5)) L \(fmt(x + 6.5)) \(fmt(y)) L \(fmt(x)) \(fmt(y + 6.5)) L \(fmt(x - 6.5)) \(fmt(y)) Z"),
           ("fill", Self.amendmentColor), ("stroke", "#fff"), ("stroke-width", "1.2")],
          title: tip)
      case .acknowledgement, .version:
        continue
      }
      // A label above the mark, right of it or else left of it, when the row has room.
      let label = SVGWriter.fit(event.row.id, width: 160, charWidth: Self.smallCharWidth)
      let length = Double(label.count) * Self.smallCharWidth
      let free = (labelEnd[row] ?? 0) + 8
      for start in [x - 3, x - 6 - length] where start >= free && start >= 2 && start + length <= Self.width - 2 {
        svg.element(
          "text", [("x", fmt(start)), ("y", fmt(y - 9)), ("font-size", "10"), ("fill", color(of: event.row.kind))], text: label)
        labelEnd[row] = start + length
        break
      }
    }
  }

  /// A lane of periods ending at `end`; `believed` labels void versions as believed and later void.
  func drawLane(
    _ periods: [InForcePeriod], top: Double, end laneEnd: Double, label: String, note: String, believed: Bool, scale: TimeScale,
    into svg: inout SVGWriter
  ) {
    let voided = Set(policy.history.filter { $0.status == .void }.map(\.version))
    svg.element("text", [("x", "8"), ("y", fmt(top + 10)), ("font-weight", "700")], text: label)
    svg.element("text", [("x", "8"), ("y", fmt(top + 21)), ("font-size", "9.5"), ("fill", "#555")], text: note)
    svg.element(
      "rect", [("x", fmt(Self.labelColumn)), ("y", fmt(top)), ("width", fmt(max(laneEnd - Self.labelColumn, 0))),
        ("height", fmt(Self.laneHeight)), ("fill", "#fafafa"), ("stroke", "#ddd")])
    for period in periods {
      guard period.until.map({ $0 > scale.start }) ?? true, period.from <= scale.end else { continue }
      let x1 = scale.x(period.from)
      let x2 = min(period.until.map { scale.x($0) } ?? laneEnd, laneEnd)
      guard x2 > x1 else { continue }
      let through = period.until.map { " to \(time($0))" } ?? " on"
      let what = believed ? "believed in force" : "in force"
      guard let version = period.version else {
        svg.element(
          "rect", [("x", fmt(x1)), ("y", fmt(top)), ("width", fmt(x2 - x1)), ("height", fmt(Self.laneHeight)), ("fill", "#eeeeee")],
          title: "nothing \(what) from \(time(period.from))\(through)")
        let text = SVGWriter.fit("nothing in force", width: x2 - x1 - 8, charWidth: Self.charWidth)
        if text == "nothing in force" {
          svg.element("text", [("x", fmt(x1 + 5)), ("y", fmt(top + 15)), ("fill", "#666")], text: text)
        }
        continue
      }
      let isVoid = voided.contains(version)
      let (fill, stroke) = Self.colors(version)
      svg.element(
        "rect",
        [("x", fmt(x1)), ("y", fmt(top)), ("width", fmt(x2 - x1)), ("height", fmt(Self.laneHeight)),
         ("fill", isVoid ? "url(#\(idPrefix)-hatch)" : fill), ("stroke", isVoid ? Self.voidColor : stroke),
         ("stroke-width", isVoid ? "2" : "1")],
        title: "v\(version) \(what) from \(time(period.from))\(through)" + (isVoid ? " (void as known \(knownPhrase()))" : ""))
      // The longest label that fits: in full, the version alone, or in small type.
      let full = isVoid ? "v\(version) believed, later void" : "v\(version)"
      let width = x2 - x1 - 6
      let choices: [(String, Double, String)] = [
        (full, Self.boldCharWidth, "11"), ("v\(version)", Self.boldCharWidth, "11"), ("v\(version)", Self.boldCharWidth * 0.75, "8.5"),
        ("\(version)", Self.boldCharWidth * 0.75, "8.5"),
      ]
      if let (text, _, size) = choices.first(where: { Double($0.0.count) * $0.1 <= width }) {
        svg.element(
          "text",
          [("x", fmt(x1 + 3)), ("y", fmt(top + 15)), ("font-weight", "700"), ("font-size", size),
           ("fill", isVoid ? Self.voidColor : "#1a1a1a"), ("stroke", "#fff"), ("stroke-width", "3"), ("stroke-linejoin", "round"),
           ("paint-order", "stroke")],
          text: text)
      }
    }
  }

  func drawAxis(y: Double, scale: TimeScale, into svg: inout SVGWriter) {
    svg.element("line", [("x1", fmt(Self.labelColumn)), ("y1", fmt(y)), ("x2", fmt(scale.x(until: nil))), ("y2", fmt(y)), ("stroke", "#444")])
    var lastX = -Double.infinity
    var lastDate = ""
    for (instant, x) in zip(scale.breaks, scale.xs) {
      svg.element("line", [("x1", fmt(x)), ("y1", fmt(y)), ("x2", fmt(x)), ("y2", fmt(y + 4)), ("stroke", "#444")])
      guard x - lastX >= 12 else { continue }
      let (date, clock) = dateAndClock(instant)
      let text = date == lastDate ? clock : clock == "00:00" ? date : "\(date) \(clock)"
      svg.element(
        "text", [("transform", "translate(\(fmt(x + 3)) \(fmt(y + 10))) rotate(-45)"), ("text-anchor", "end"), ("font-size", "10"),
          ("fill", "#333")], text: text)
      lastX = x
      lastDate = date
    }
    // Each cut gap: the axis broken by two slanted strokes, with the gap's length as a tooltip.
    for cut in scale.cuts {
      let middle = (cut.from + cut.to) / 2
      svg.element(
        "rect", [("x", fmt(middle - 5)), ("y", fmt(y - 6)), ("width", "10"), ("height", "12"), ("fill", "#fff")],
        title: "axis cut: this gap is not drawn to scale")
      for dx in [-3.0, 3.0] {
        svg.element(
          "line",
          [("x1", fmt(middle + dx - 3)), ("y1", fmt(y + 6)), ("x2", fmt(middle + dx + 3)), ("y2", fmt(y - 6)), ("stroke", "#444"),
           ("stroke-width", "1.4"), ("class", "axis-cut")])
      }
    }
  }

  func drawLegend(y: Double, into svg: inout SVGWriter) {
    var x = 8.0
    func item(_ text: String) {
      svg.element("text", [("x", fmt(x + 22)), ("y", fmt(y + 4)), ("fill", "#333")], text: text)
      x += 40 + Double(text.count) * Self.charWidth
    }
    let (fill, stroke) = Self.colors(1)
    svg.element("rect", [("x", fmt(x)), ("y", fmt(y - 6)), ("width", "16"), ("height", "12"), ("fill", fill), ("stroke", stroke)])
    item("in force")
    svg.element(
      "rect", [("x", fmt(x)), ("y", fmt(y - 6)), ("width", "16"), ("height", "12"), ("fill", fill), ("fill-opacity", "0.3"),
        ("stroke", stroke), ("stroke-opacity", "0.45")])
    item("effective period")
    svg.element(
      "rect", [("x", fmt(x)), ("y", fmt(y - 6)), ("width", "16"), ("height", "12"), ("fill", "url(#\(idPrefix)-hatch)"),
        ("stroke", Self.voidColor)])
    svg.element("line", [("x1", fmt(x)), ("y1", fmt(y)), ("x2", fmt(x + 16)), ("y2", fmt(y)), ("stroke", Self.voidColor), ("stroke-width", "1.6")])
    item("void")
    svg.element(
      "rect", [("x", fmt(x)), ("y", fmt(y - 7)), ("width", "16"), ("height", "14"), ("fill", "none"), ("stroke", "#666"),
        ("stroke-dasharray", "4 3")])
    item("period as first recorded")
    svg.element("circle", [("cx", fmt(x + 8)), ("cy", fmt(y)), ("r", "5"), ("fill", Self.noticeColor)])
    item("notice")
    svg.element(
      "path", [("d", "M \(fmt(x + 4)) \(fmt(y - 4)) L \(fmt(x + 12)) \(fmt(y + 4)) M \(fmt(x + 4)) \(fmt(y + 4)) L \(fmt(x + 12)) \(fmt(y - 4))"),
        ("stroke", Self.retractionColor), ("stroke-width", "2.6"), ("stroke-linecap", "round")])
    item("retraction")
    svg.element(
      "path", [("d", "M \(fmt(x + 8)) \(fmt(y - 6)) L \(fmt(x + 14)) \(fmt(y)) L \(fmt(x + 8)) \(fmt(y + 6)) L \(fmt(x + 2)) \(fmt(y)) Z"),
        ("fill", Self.amendmentColor)])
    item("amendment")
    svg.element(
      "path", [("d", "M \(fmt(x)) \(fmt(y + 3)) Q \(fmt(x + 8)) \(fmt(y - 9)) \(fmt(x + 16)) \(fmt(y + 3))"), ("fill", "none"),
        ("stroke", Self.retractionColor), ("stroke-dasharray", "4 2"), ("stroke-width", "1.4")])
    item("what a correction corrects")
    svg.element(
      "text", [("x", "8"), ("y", fmt(y + 24)), ("fill", "#555"), ("font-size", "10")],
      text: "Times in \(zoneName()). "
        + (axis == .linear
          ? "Time is drawn to scale, except where the axis is cut (//): a gap more than twice as long as"
            + " all the rest together is drawn short there."
          : "The axis breaks at every instant shown and draws each gap by the logarithm of its length:"
            + " short stretches stay visible beside long ones, so distances are not to scale.")
        + " Hover a bar or mark for its details.")
  }

  // MARK: Text

  func color(of kind: TimelineRow.Kind) -> String {
    switch kind {
    case .notice: Self.noticeColor
    case .retraction: Self.retractionColor
    case .amendment: Self.amendmentColor
    case .acknowledgement, .version: "#333"
    }
  }

  func eventTip(_ event: ReportedEvent) -> String {
    let r = event.row
    var text = "\(r.kind.rawValue) \(r.id) at \(time(r.at)): \(r.subject)"
    if let version = r.version { text += " [\(policy.key)@\(version)]" }
    if let notice = event.targetNotice { text += "; corrects notice \(notice)" }
    if let reason = event.reason { text += "; reason: \(reason)" }
    text += "; \(event.recipientCount) recipient\(event.recipientCount == 1 ? "" : "s"); \(r.status)"
    return text
  }

  func knownPhrase() -> String {
    data.knownAt.map { "at \(time($0))" } ?? "at the ledger's head"
  }

  /// The upper lane's note: `as known at DAY` when `--as-known-at` is a day's start, else
  /// `known DAY HH:MM[:SS]`, shorter so that the clock fits the label column
  /// (``ReportLayoutTests`` measures it in Chromium); a fraction of a second is left to
  /// the lanes' title above, which gives the instant whole.
  func laneNote() -> String {
    guard let knownAt = data.knownAt else { return "as known at the head" }
    let (date, clock) = dateAndClock(knownAt)
    return clock == "00:00" || clock.isEmpty ? "as known at \(date)" : "known \(date) \(clock.prefix(8))"
  }

  func zoneName() -> String { timeZone.map { $0.identifier } ?? "UTC" }

  func time(_ instant: Instant) -> String {
    let (date, clock) = dateAndClock(instant)
    return "\(date) \(clock)"
  }

  func period(_ from: Instant, _ until: Instant?) -> String {
    "\(time(from)) to \(until.map(time) ?? "open")"
  }

  /// `2020-07-10` and `08:00` (with seconds when not zero) in the report's zone.
  func dateAndClock(_ instant: Instant) -> (String, String) {
    let iso = Array(instant.iso8601(in: timeZone))
    guard iso.count >= 20, iso[10] == "T" else { return (String(iso), "") }
    let date = String(iso[0..<10])
    let seconds = String(iso[17..<19])
    var clock = String(iso[11..<16])
    let rest = iso[19...].prefix { $0 != "Z" && $0 != "+" && $0 != "-" }
    if seconds != "00" || !rest.isEmpty { clock += ":" + seconds + String(rest) }
    return (date, clock)
  }
}
