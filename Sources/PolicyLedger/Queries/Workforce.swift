import Foundation

/// One row of `employees`: an employee employed at the instant asked about.
public struct EmployeeRow: TabularRow, Equatable, Sendable {
  /// The employee id.
  public var employee: String
  /// As recorded, without `all`.
  public var groups: [String]
  /// The `at` of the roster entry that set this state.
  public var since: Instant

  /// `employee, groups, since`.
  public static let columns = ["employee", "groups", "since"]

  /// The row's values in column order; `since` in `timeZone` (UTC when nil).
  public func cells(timeZone: TimeZone?) -> [Cell] { [.text(employee), .list(groups), .time(since, timeZone)] }
}

/// One row of `coverage` (rule 21).
public struct CoverageRow: TabularRow, Equatable, Sendable {
  /// The policy key.
  public var policy: String
  /// The version in force at t.
  public var version: Int64
  /// The employee id.
  public var employee: String
  /// `acknowledged`, `told` or `not_told`: the first that applies.
  public var status: Bitemporal.CoverageStatus
  /// The earliest `sent_at` (no later than t) of a known delivery to the employee of a
  /// notice announcing the version; nil when none.
  public var toldAt: Instant?
  /// That notice's id (the first in journal order on a tie).
  public var notice: String?
  /// The earliest known acknowledgement (no later than t) of a notice announcing the version.
  public var acknowledgedAt: Instant?
  /// The version in force at t as told to the employee (rule 12); nil when none.
  public var believesVersion: Int64?

  /// `policy, version, employee, status, told_at, notice, acknowledged_at, believes_version`.
  public static let columns = [
    "policy", "version", "employee", "status", "told_at", "notice", "acknowledged_at", "believes_version",
  ]

  /// The row's values in column order; times in `timeZone` (UTC when nil).
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [
      .text(policy), .integer(version), .text(employee), .text(status.rawValue), .time(toldAt, timeZone), .text(notice),
      .time(acknowledgedAt, timeZone), believesVersion.map(Cell.integer) ?? .null,
    ]
  }
}

/// One row of `coverage --summary`: the counts of one group.
public struct CoverageSummaryRow: TabularRow, Equatable, Sendable {
  /// The policy key.
  public var policy: String
  /// The version in force at t.
  public var version: Int64
  /// The group counted (`all` for everyone).
  public var group: String
  /// `acknowledged` + `told` + `not_told`.
  public var employed: Int64
  /// Those who acknowledged a notice announcing the version.
  public var acknowledged: Int64
  /// Told and not acknowledged.
  public var told: Int64
  /// Those no known delivery of such a notice reached by t.
  public var notTold: Int64

  /// `policy, version, group, employed, acknowledged, told, not_told`.
  public static let columns = ["policy", "version", "group", "employed", "acknowledged", "told", "not_told"]

  /// The row's values in column order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.text(policy), .integer(version), .text(group), .integer(employed), .integer(acknowledged), .integer(told), .integer(notTold)]
  }
}

extension Ledger {
  /// `employees`: who was employed at `t` as known in `view` (rule 19), in which groups,
  /// ordered by employee; with `group`, only its members (`all`: everyone).
  public func employees(at t: Instant, group: String? = nil, view: Bitemporal.View = .init(), _ body: (EmployeeRow) throws -> Void)
    throws
  {
    if let group, group != Groups.all { try Groups.check(group, field: "--group") }
    try read {
      if let group { try requireGroup(group) }
      try store.forEachEmployed(at: t, knownAt: view.knownAt, recordedAt: view.recordedAt) { _, id, groups, since in
        let list = Groups.split(groups)
        if let group, group != Groups.all, !Groups.contains(list, group) { return }
        try body(EmployeeRow(employee: id, groups: list, since: since))
      }
    }
  }

  /// `coverage KEY --at T` (rule 21): one row per employee employed at `t` in a group the
  /// version in force applies to, ordered by employee, streamed to `body`. `group` keeps
  /// the members of one group (`all`: everyone), `status` the rows with that status.
  ///
  /// Rule 12 for every employee at once: each employee's *delivery signature* — which of
  /// the policy's notices and corrections known in the view reached them — takes few
  /// distinct values, and rule 12 (`Bitemporal.telling(_:version:at:in:)`) is evaluated
  /// once per distinct signature. Memory: 4 bytes per employee number for the signatures,
  /// 8 for the acknowledgement times, and the rows are streamed in employee order.
  /// - Throws: "no workforce recorded …" when no roster entry is known in the view (before
  ///   anything else is judged), "no policy 'KEY'" for a key never recorded.
  public func coverage(
    _ key: String, at t: Instant, view: Bitemporal.View = .init(), group: String? = nil,
    status: Bitemporal.CoverageStatus? = nil, _ body: (CoverageRow, _ groups: [String]) throws -> Void
  ) throws {
    try read {
      guard try store.hasRoster(knownAt: view.knownAt, recordedAt: view.recordedAt) else {
        throw LedgerError(.refused, "no workforce recorded: add employees with 'employee join' or 'import employees'")
      }
      if let group, group != Groups.all { try Groups.check(group, field: "--group") }
      let id = try requirePolicy(key)
      if let group { try requireGroup(group) }
      var view = view
      view.toldTo = nil
      let facts = try store.loadFacts(policyID: id, key: key, viewer: nil)
      guard let inForce = Bitemporal.inForce(Bitemporal.view(facts, view), at: t) else { return }
      let v = inForce.facts

      // Each employee's signature: the set of the policy's messages known in the view that
      // reached them, each with the delivery that did (its own entry, or a resend), interned
      // as a number (0: none), built message by message.
      let highest = try store.highestEmployeeNumber()
      guard highest <= EmployeeDirectory.maxNumber else {
        throw LedgerError(.damaged, "the employee directory numbers employees up to \(highest); run 'policy-ledger verify'")
      }
      var signatureOf = [UInt32](repeating: 0, count: Int(highest) + 1)
      var members: [[Reached]] = [[]]
      var next: [UInt64: UInt32] = [:]
      // (message seq, its own delivery) of each message known in the view; a resend is never
      // earlier than its message, so a message the view does not know has no known resend.
      let messages: [(seq: Int64, own: Delivery)] =
        facts.notices.filter { view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) }
        .map { ($0.seq, Delivery(sentAt: $0.sentAt, recordedAt: $0.recordedAt)) }
        + facts.corrections.filter { view.knows(businessTime: $0.issuedAt, recordedAt: $0.recordedAt) }
        .map { ($0.seq, Delivery(sentAt: $0.issuedAt, recordedAt: $0.recordedAt)) }
      var deliveries: [Delivery] = []  // the index in a step is (message index, delivery index)
      for message in messages {
        var resendIndex: [Int64: Int] = [:]
        let ownIndex = deliveries.count
        deliveries.append(message.own)
        for resend in try store.resendDeliveries(ofMessage: message.seq) {
          resendIndex[resend.seq] = deliveries.count
          deliveries.append(resend.delivery)
        }
        try store.forEachRecipientNumber(ofMessage: message.seq) { employee, via in
          guard employee >= 0, employee <= highest else { return }
          let delivery = via.flatMap { resendIndex[$0] } ?? ownIndex
          let from = signatureOf[Int(employee)]
          let step = UInt64(from) << 32 | UInt64(delivery)
          if let to = next[step] {
            signatureOf[Int(employee)] = to
          } else {
            let to = UInt32(members.count)
            members.append(members[Int(from)] + [Reached(message: message.seq, delivery: deliveries[delivery])])
            next[step] = to
            signatureOf[Int(employee)] = to
          }
        }
      }

      // Each employee's earliest known acknowledgement ≤ t of a notice announcing V.
      var acknowledged = [Int64](repeating: .max, count: Int(highest) + 1)
      let bound = min(t, view.knownAt ?? t)
      for notice in facts.notices where notice.announces == v.seq {
        try store.forEachAcknowledgement(ofNotice: notice.seq, atOrBefore: bound, recordedBy: view.recordedAt) { employee, at in
          guard employee >= 0, employee <= highest else { return }
          acknowledged[Int(employee)] = min(acknowledged[Int(employee)], at.microseconds)
        }
      }

      // Rule 12 and rule 21's told_at, once per signature.
      var evaluated: [UInt32: (told: Bitemporal.Telling?, believes: Int64?)] = [:]
      func telling(_ signature: UInt32) -> (told: Bitemporal.Telling?, believes: Int64?) {
        if let known = evaluated[signature] { return known }
        var received: [Int64: Delivery] = [:]
        for reached in members[Int(signature)] { received[reached.message] = reached.delivery }
        var mine = facts
        for i in mine.notices.indices { mine.notices[i].viewerDelivery = received[mine.notices[i].seq] }
        for i in mine.corrections.indices { mine.corrections[i].viewerDelivery = received[mine.corrections[i].seq] }
        let (told, believes) = Bitemporal.telling(mine, version: v, at: t, in: view)
        let result = (told, believes?.facts.number)
        evaluated[signature] = result
        return result
      }

      try store.forEachEmployed(at: t, knownAt: view.knownAt, recordedAt: view.recordedAt) { number, employee, groupText, _ in
        let groups = Groups.split(groupText)
        guard Bitemporal.applies(v, toGroups: groups) else { return }
        if let group, group != Groups.all, !Groups.contains(groups, group) { return }
        let (told, believes) = telling(signatureOf[Int(number)])
        let ackMicros = acknowledged[Int(number)]
        let ackAt = ackMicros == .max ? nil : Instant(microseconds: ackMicros)
        let rowStatus = Bitemporal.coverageStatus(toldAt: told?.at, acknowledgedAt: ackAt)
        if let status, status != rowStatus { return }
        try body(
          CoverageRow(
            policy: key, version: v.number, employee: employee, status: rowStatus, toldAt: told?.at, notice: told?.notice.id,
            acknowledgedAt: ackAt, believesVersion: believes),
          groups)
      }
    }
  }

  /// `coverage --summary`: one row for `all`, then one per group the version applies to
  /// (or, when it applies to `all`, per group any counted employee is in), by name, zero
  /// counts included. Empty when nothing is in force.
  public func coverageSummary(
    _ key: String, at t: Instant, view: Bitemporal.View = .init(), group: String? = nil,
    status: Bitemporal.CoverageStatus? = nil
  ) throws -> [CoverageSummaryRow] {
    // One snapshot for the rows and the version's audience.
    try read { try summary(key, at: t, view: view, group: group, status: status) }
  }

  private func summary(
    _ key: String, at t: Instant, view: Bitemporal.View, group: String?, status: Bitemporal.CoverageStatus?
  ) throws -> [CoverageSummaryRow] {
    // Keyed by the group's bytes (ExactText): two spellings of one accented name are two groups.
    var counts: [ExactText: (acknowledged: Int64, told: Int64, notTold: Int64)] = [:]
    var version: Int64? = nil
    try coverage(key, at: t, view: view, group: group, status: status) { row, groups in
      version = row.version
      for name in [Groups.all] + groups {
        var c = counts[ExactText(name)] ?? (0, 0, 0)
        switch row.status {
        case .acknowledged: c.acknowledged += 1
        case .told: c.told += 1
        case .notTold: c.notTold += 1
        }
        counts[ExactText(name)] = c
      }
    }
    if version == nil {
      // No row: nothing in force (no summary), or nobody in scope (zero counts).
      guard let id = try store.policyID(key) else { return [] }
      var plain = view
      plain.toldTo = nil
      let facts = try store.loadFacts(policyID: id, key: key, viewer: nil)
      guard let audience = Bitemporal.inForce(Bitemporal.view(facts, plain), at: t).map({ ($0.facts.number, $0.facts.appliesTo) })
      else { return [] }
      version = audience.0
      for name in audience.1 ?? [] { counts[ExactText(name)] = (0, 0, 0) }
      counts[ExactText(Groups.all)] = (0, 0, 0)
    }
    var names = Set(counts.keys)
    names.remove(ExactText(Groups.all))
    // A version for some groups lists each of them, counted or not.
    if let id = try store.policyID(key) {
      let facts = try store.loadFacts(policyID: id, key: key, viewer: nil)
      if let audience = facts.versions.first(where: { $0.number == version })?.appliesTo {
        names = Set(audience.map(ExactText.init))
      }
    }
    return ([Groups.all] + names.map(\.text).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).map { name in
      let c = counts[ExactText(name)] ?? (0, 0, 0)
      return CoverageSummaryRow(
        policy: key, version: version!, group: name, employed: c.acknowledged + c.told + c.notTold,
        acknowledged: c.acknowledged, told: c.told, notTold: c.notTold)
    }
  }
}

/// One message in an employee's delivery signature, with the delivery that reached them.
private struct Reached {
  var message: Int64
  var delivery: Delivery
}
