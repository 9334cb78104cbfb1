import Foundation

/// One row of `in-force`.
public struct InForceRow: TabularRow, Equatable, Sendable {
  /// The policy's key.
  public var policy: String
  /// The version number.
  public var version: Int64
  /// The version's title.
  public var title: String
  /// The start of its effective period, after amendments known in the view.
  public var effectiveFrom: Instant
  /// The end of its effective period (excluded), after amendments; nil for "until further notice".
  public var effectiveUntil: Instant?
  /// When it was announced.
  public var announcedAt: Instant
  /// The SHA-256 of its text.
  public var bodySHA256: String

  /// `policy, version, title, effective_from, effective_until, announced_at, body_sha256`.
  public static let columns = ["policy", "version", "title", "effective_from", "effective_until", "announced_at", "body_sha256"]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [
      .text(policy), .integer(version), .text(title), .time(effectiveFrom, timeZone), .time(effectiveUntil, timeZone),
      .time(announcedAt, timeZone), .text(bodySHA256),
    ]
  }

  init(_ v: Bitemporal.ViewedVersion) {
    policy = v.facts.policy
    version = v.facts.number
    title = v.facts.title
    effectiveFrom = v.effectiveFrom
    effectiveUntil = v.effectiveUntil
    announcedAt = v.facts.announcedAt
    bodySHA256 = v.facts.bodySHA256
  }
}

/// One row of `history`.
public struct HistoryRow: TabularRow, Equatable, Sendable {
  /// The policy's key.
  public var policy: String
  /// The version number.
  public var version: Int64
  /// The version's title.
  public var title: String
  /// The start of its effective period, after amendments known in the view.
  public var effectiveFrom: Instant
  /// The end of its effective period (excluded), after amendments; nil for "until further notice".
  public var effectiveUntil: Instant?
  /// When it was announced.
  public var announcedAt: Instant
  /// Its status at the instant asked about.
  public var status: Bitemporal.Status
  /// The ids of the corrections known in the view that affect it, in journal order.
  public var correctedBy: [String]
  /// The groups the version applies to (rule 20): `["all"]` for everyone.
  public var appliesTo: [String] = [Groups.all]

  /// `policy, version, title, effective_from, effective_until, announced_at, status, corrected_by`.
  public static let columns = [
    "policy", "version", "title", "effective_from", "effective_until", "announced_at", "status", "corrected_by",
    "applies_to",
  ]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [
      .text(policy), .integer(version), .text(title), .time(effectiveFrom, timeZone), .time(effectiveUntil, timeZone),
      .time(announcedAt, timeZone), .text(status.rawValue), .list(correctedBy), .list(appliesTo),
    ]
  }
}

extension Ledger {
  /// Rule 6: the version of `policy` in force at `t` in `view` — of every policy, one row
  /// each, when `policy` is nil. An empty result when nothing is in force.
  /// - Throws: "no policy 'KEY'" for a key the ledger never recorded (rule 15).
  public func inForce(_ policy: String?, at t: Instant, view: Bitemporal.View = .init()) throws -> [InForceRow] {
    try read {
      if let policy {
        let id = try requirePolicy(policy)
        try requireViewer(view)
        let facts = try store.loadFacts(policyID: id, key: policy, viewer: view.toldTo)
        return Bitemporal.inForce(Bitemporal.view(facts, view), at: t).map { [InForceRow($0)] } ?? []
      }
      try requireViewer(view)
      var rows: [InForceRow] = []
      try store.forEachPolicy { id, key in
        let facts = try store.loadFacts(policyID: id, key: key, viewer: view.toldTo)
        if let v = Bitemporal.inForce(Bitemporal.view(facts, view), at: t) { rows.append(InForceRow(v)) }
      }
      return rows
    }
  }

  /// Every version of `policy` known in `view`, with its status at `t` (default: k when
  /// given, else now) and the corrections affecting it.
  public func history(_ policy: String, at t: Instant? = nil, view: Bitemporal.View = .init()) throws -> [HistoryRow] {
    try read {
      let id = try requirePolicy(policy)
      try requireViewer(view)
      let facts = try store.loadFacts(policyID: id, key: policy, viewer: view.toldTo)
      let versions = Bitemporal.view(facts, view)
      let at = t ?? view.knownAt ?? .now()
      return zip(versions, Bitemporal.statuses(of: versions, at: at)).map { v, status in
        HistoryRow(
          policy: policy, version: v.facts.number, title: v.facts.title, effectiveFrom: v.effectiveFrom,
          effectiveUntil: v.effectiveUntil, announcedAt: v.facts.announcedAt,
          status: status, correctedBy: v.correctedBy,
          appliesTo: v.facts.appliesTo ?? [Groups.all])
      }
    }
  }
}

extension Ledger {
  /// Policy `key`'s number.
  /// - Throws: "no policy 'KEY'" (``LedgerError/Code/notFound``) for a key the ledger
  ///   never recorded (rule 15).
  func requirePolicy(_ key: String) throws -> Int64 {
    guard let id = try store.policyID(key) else {
      throw LedgerError(.notFound, "no policy '\(Identifier.printable(key))'").suggesting(
        try NearestNames.suggestions(for: key) { try store.forEachPolicyKey($0) })
    }
    return id
  }

  /// Employee `name`'s directory number (rule 15): an employee is known once any
  /// delivery reached them (and, with the workforce, once on the roster — both go through
  /// the one employee directory, so this is the one check).
  /// - Throws: "no employee 'E'" (``LedgerError/Code/notFound``), with the nearest known
  ///   employee ids, for an employee the ledger never saw.
  func requireEmployee(_ name: String) throws -> Int64 {
    guard let id = try store.employeeID(name) else {
      throw LedgerError(.notFound, "no employee '\(Identifier.printable(name))' in this ledger: not on the roster, and nothing was sent to them").suggesting(
        try NearestNames.suggestions(for: name) { try store.forEachEmployeeName($0) })
    }
    return id
  }

  /// A group given to `--group` must be one the ledger has recorded, as a key or an id must
  /// (rule 15, judged over the whole journal): one on a roster row or in a version's
  /// `--applies-to`, or `all`. A misspelt group would otherwise answer with no rows, which
  /// reads as "nobody in it" or, for coverage, as nobody left to tell.
  /// - Throws: "no group 'G' in this ledger" (``LedgerError/Code/notFound``), with the
  ///   nearest recorded group names.
  func requireGroup(_ group: String) throws {
    guard group != Groups.all, !(try store.groupIsRecorded(group)) else { return }
    throw LedgerError(.notFound, "no group '\(Identifier.printable(group))' in this ledger").suggesting(
      try NearestNames.suggestions(for: group) { try store.forEachGroupName($0) })
  }

  /// Rule 15 for a view as told to an employee: that employee must be known.
  func requireViewer(_ view: Bitemporal.View) throws {
    if let viewer = view.toldTo { _ = try requireEmployee(viewer) }
  }

  /// "no notice 'ID' in this ledger", with the nearest notice ids (rule 15).
  func unknownNotice(_ id: String) throws -> LedgerError {
    let suggestions = try NearestNames.suggestions(for: id) { try store.forEachMessageID(corrections: false, $0) }
    guard !suggestions.isEmpty else { return LedgerError.noNotice(id) }
    return LedgerError(
      .notFound,
      "no notice '\(Identifier.printable(id))' in this ledger; did you mean \(NearestNames.phrase(suggestions))? (list notices with 'policy-ledger notices')")
  }
}
