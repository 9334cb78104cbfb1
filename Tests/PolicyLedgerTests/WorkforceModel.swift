@testable import PolicyLedger

/// The replay model's reading of the workforce rules (spec rules 19–21), written from the
/// spec alone: a roster kept as recorded, each version's audience, and ``ReplayModel`` for
/// everything else (rule 12's "as told to E" included). Every answer scans everything.
struct WorkforceModel {
  var model = ReplayModel()
  /// Roster entries in journal order (`index` orders them among themselves).
  var roster: [Roster] = []
  /// The groups each version applies to; nil (or absent) is `all`.
  var audiences: [VersionRef: [String]] = [:]

  struct Roster {
    /// The entry's place in the journal.
    var index: Int
    /// The row's line among an import's rows (1, 2, 3 … in file order); 0 for a single entry.
    var line: Int = 0
    var employee: String
    var join: Bool
    var at: Instant
    var groups: [String]
    var recordedAt: Instant
  }

  /// Rule 19, as recording judges a leave: over the whole journal (`extra`: the earlier
  /// rows of an import being judged, after everything recorded). Ties go to the later row
  /// in journal order: (entry, line).
  func employedAtWhole(_ employee: String, at t: Instant, extra: [Roster] = []) -> Bool {
    (roster + extra).filter { $0.employee == employee && $0.at <= t }
      .max { ($0.at, $0.index, $0.line) < ($1.at, $1.index, $1.line) }?.join ?? false
  }

  /// Rule 19 in a view: the known entry with the greatest `at` ≤ t.
  func state(_ employee: String, at t: Instant, _ view: ReplayModel.View) -> Roster? {
    roster.filter {
      $0.employee == employee && $0.at <= t && model.isKnown(businessTime: $0.at, recordedAt: $0.recordedAt, view)
    }.max { ($0.at, $0.index, $0.line) < ($1.at, $1.index, $1.line) }
  }

  func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

  /// `employees --at t` (optionally `--group`).
  func employees(at t: Instant, group: String?, _ view: ReplayModel.View) -> [EmployeeRow] {
    let names = Set(roster.map(\.employee)).sorted { bytes($0).lexicographicallyPrecedes(bytes($1)) }
    return names.compactMap { name in
      guard let s = state(name, at: t, view), s.join else { return nil }
      // Groups are names, matched as bytes (Swift's == would match two spellings of one accent).
      if let group, group != "all", !s.groups.contains(where: { bytes($0) == bytes(group) }) { return nil }
      return EmployeeRow(employee: name, groups: s.groups, since: s.at)
    }
  }

  /// Rule 21.
  func coverage(_ policy: String, at t: Instant, _ view: ReplayModel.View) throws(ReplayModel.ModelError) -> [CoverageRow] {
    guard roster.contains(where: { model.isKnown(businessTime: $0.at, recordedAt: $0.recordedAt, view) }) else {
      throw ReplayModel.ModelError(description: "no workforce recorded")
    }
    try model.checkPolicy(policy)
    guard let v = model.inForceVersion(policy, at: t, view) else { return [] }
    let audience = audiences[v.ref]
    var rows: [CoverageRow] = []
    for row in employees(at: t, group: nil, view) {
      if let audience, !row.groups.contains(where: { g in audience.contains { bytes($0) == bytes(g) } }) { continue }
      let e = row.employee
      // The earliest known delivery ≤ t to E of a notice announcing V (a notice's own, or a
      // resend of it), the first notice in journal order on a tie.
      let told = model.notices.compactMap { n -> (id: String, seq: Int, sentAt: Instant)? in
        guard n.announces.contains(v.ref), let d = model.delivery(of: n.id, to: e, view), d.sentAt <= t else { return nil }
        return (n.id, n.seq, d.sentAt)
      }.min { ($0.sentAt, $0.seq) < ($1.sentAt, $1.seq) }
      let announcing = Set(model.notices.filter { $0.announces.contains(v.ref) }.map(\.id))
      let acked = model.acks.filter {
        $0.employee == e && announcing.contains($0.notice) && $0.at <= t
          && model.isKnown(businessTime: $0.at, recordedAt: $0.recordedAt, view)
      }.map(\.at).min()
      var toldView = view
      toldView.toldTo = e
      let believes = model.inForceVersion(policy, at: t, toldView)?.number
      let status: Bitemporal.CoverageStatus = acked != nil ? .acknowledged : told != nil ? .told : .notTold
      rows.append(
        CoverageRow(
          policy: policy, version: v.number, employee: e, status: status, toldAt: told?.sentAt, notice: told?.id,
          acknowledgedAt: acked, believesVersion: believes))
    }
    return rows
  }

  /// Rule 21's `--summary`: `all`, then each group of the version's audience (or, for a
  /// version for everyone, each group a counted employee is in), by their bytes, each with
  /// the statuses of the counted employees in it; zero counts included.
  func coverageSummary(_ policy: String, at t: Instant, _ view: ReplayModel.View) throws(ReplayModel.ModelError) -> [CoverageSummaryRow] {
    let rows = try coverage(policy, at: t, view)
    guard let v = model.inForceVersion(policy, at: t, view) else { return [] }
    var groupsOf: [String: [[UInt8]]] = [:]
    for row in employees(at: t, group: nil, view) { groupsOf[row.employee] = row.groups.map(bytes) }
    var names: [[UInt8]] = audiences[v.ref].map { $0.map(bytes) } ?? rows.flatMap { groupsOf[$0.employee] ?? [] }
    names = names.reduce(into: [[UInt8]]()) { if !$0.contains($1) { $0.append($1) } }
    names.sort { $0.lexicographicallyPrecedes($1) }
    return ([bytes(Groups.all)] + names).map { name in
      let counted = rows.filter { name == bytes(Groups.all) || (groupsOf[$0.employee] ?? []).contains(name) }
      let acknowledged = Int64(counted.filter { $0.status == .acknowledged }.count)
      let told = Int64(counted.filter { $0.status == .told }.count)
      let notTold = Int64(counted.filter { $0.status == .notTold }.count)
      return CoverageSummaryRow(
        policy: policy, version: v.number, group: String(decoding: name, as: UTF8.self), employed: Int64(counted.count),
        acknowledged: acknowledged, told: told, notTold: notTold)
    }
  }
}
