/// The bitemporal rules of the contract (spec section 3), in one place.
///
/// Everything here is a pure function of the facts recorded about one policy — its
/// versions, the notices announcing them and the corrections affecting them — and of
/// the point of view asked about. Queries load those facts with a few indexed lookups
/// (`PolicyFacts`, `LedgerStore.loadFacts`) and ask these functions for what was known,
/// void, or in force.
///
/// Two rules are also stated elsewhere, for speed, and each restatement is tested against
/// the functions here (OutstandingTests, on random histories):
/// - Rule 2's "affected version" of a correction (its target version, or the version its
///   target notice announces) is computed once, at write time, in `Projector.apply` (the
///   `corrections.affected_version` column); `affects(_:version:)` and
///   `voids(_:version:)` read it back as `CorrectionFacts.affectedVersion`.
/// - `outstanding` (rule 9) restates rule 1 (an entry is known when its business time ≤ k
///   and its `recorded_at` ≤ r) and rule 2 (both ways a correction affects a notice) as one
///   SQL statement in `LedgerStore.forEachOutstanding` (Store/OutstandingRows.swift), so
///   that it need not load every policy's facts.
///
/// Recording also applies rule 4 (an amendment must not leave an empty period) through
/// `period(of:amendments:)`, in `Ledger.checkAmendment`.
public enum Bitemporal {
  /// The point of view of a query: what had happened by `knownAt` (business time, k),
  /// what had been recorded by `recordedAt` (r), and optionally as told to one employee.
  public struct View: Sendable, Equatable {
    /// k: count only what had happened by this instant (business time); nil for no limit.
    public var knownAt: Instant?
    /// r: count only what the ledger had recorded by this instant; nil for no limit.
    public var recordedAt: Instant?
    /// E: answer as told to this employee; nil for everyone.
    public var toldTo: String?

    /// A view as known at `knownAt`, as recorded by `recordedAt`, as told to `toldTo`; each nil for no limit.
    public init(knownAt: Instant? = nil, recordedAt: Instant? = nil, toldTo: String? = nil) {
      self.knownAt = knownAt
      self.recordedAt = recordedAt
      self.toldTo = toldTo
    }

    /// Rule 1: an entry is known at (k, r) iff its business time ≤ k and `recorded_at` ≤ r.
    public func knows(businessTime: Instant, recordedAt recorded: Instant) -> Bool {
      (knownAt.map { businessTime <= $0 } ?? true) && (recordedAt.map { recorded <= $0 } ?? true)
    }

    func recorded(_ recorded: Instant) -> Bool { recordedAt.map { recorded <= $0 } ?? true }
  }

  /// A version as the view sees it.
  package struct ViewedVersion: Sendable, Equatable {
    package var facts: VersionFacts
    package var isVoid: Bool
    package var effectiveFrom: Instant
    package var effectiveUntil: Instant?
    /// Ids of the corrections this view knows that affect the version, in journal order.
    package var correctedBy: [String]

    /// Rule 4: the period `[effective_from, effective_until)`.
    package func contains(_ t: Instant) -> Bool {
      effectiveFrom <= t && (effectiveUntil.map { t < $0 } ?? true)
    }

    /// Rule 6's order: the greater `effective_from`, then the greater version number.
    package func outranks(_ other: ViewedVersion) -> Bool {
      (effectiveFrom, facts.number) > (other.effectiveFrom, other.facts.number)
    }
  }

  /// A version's status in `history`: the first that applies of void, in force, scheduled, superseded, expired.
  public enum Status: String, Sendable, CaseIterable {
    /// In order of precedence: `void` (retracted, as known in the view), `in_force` (the
    /// version in force at that instant), `scheduled` (its period starts later),
    /// `superseded` (a version outranking it had begun), `expired` (its period had ended).
    case void, inForce = "in_force", scheduled, superseded, expired
  }

  /// Rule 2: whether correction `c` affects version `v`.
  static func affects(_ c: CorrectionFacts, version v: Int64) -> Bool {
    c.affectedVersion == v
  }

  /// Rule 3: whether retraction `c` voids version `v`.
  static func voids(_ c: CorrectionFacts, version v: Int64) -> Bool {
    c.kind == .retraction && c.affectedVersion == v && (c.targetVersion == v || c.voidVersion)
  }

  /// Whether the view counts correction `c`: known (rule 1) and, as told to E, received by E (rule 12).
  static func counts(_ c: CorrectionFacts, in view: View) -> Bool {
    view.knows(businessTime: c.issuedAt, recordedAt: c.recordedAt) && (view.toldTo == nil || c.receivedByViewer)
  }

  /// Rules 1 and 12: whether the view knows version `v`.
  static func knows(_ v: VersionFacts, notices: [NoticeFacts], in view: View) -> Bool {
    guard view.recorded(v.recordedAt) else { return false }
    if view.toldTo != nil {
      let announcing = notices.filter { $0.announces == v.seq && view.recorded($0.recordedAt) }
      if !announcing.isEmpty {
        return announcing.contains { $0.receivedByViewer && view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) }
      }
    }
    return view.knows(businessTime: v.announcedAt, recordedAt: v.recordedAt)
  }

  /// Rule 4: the effective period after every amendment in `corrections` that affects
  /// `v` and sets a bound, applied in journal order.
  package static func period(of v: VersionFacts, amendments corrections: [CorrectionFacts]) -> (from: Instant, until: Instant?) {
    var from = v.effectiveFrom
    var until = v.effectiveUntil
    for c in corrections.sorted(by: { $0.seq < $1.seq }) where c.kind == .amendment && affects(c, version: v.seq) {
      if let f = c.effectiveFrom { from = f }
      if let u = c.effectiveUntil { until = u }
    }
    return (from, until)
  }

  /// Every version of the policy that the view knows, with its void flag, its period
  /// and its corrections (rules 1–4 and 12), in version order.
  package static func view(_ facts: PolicyFacts, _ view: View) -> [ViewedVersion] {
    let counted = facts.corrections.filter { counts($0, in: view) }.sorted { $0.seq < $1.seq }
    return facts.versions.sorted { $0.number < $1.number }.compactMap { v in
      guard knows(v, notices: facts.notices, in: view) else { return nil }
      let mine = counted.filter { affects($0, version: v.seq) }
      let (from, until) = period(of: v, amendments: mine)
      return ViewedVersion(
        facts: v, isVoid: mine.contains { voids($0, version: v.seq) }, effectiveFrom: from, effectiveUntil: until,
        correctedBy: mine.map(\.id))
    }
  }

  /// Rules 5 and 6: the version in force at `t`, or nil.
  package static func inForce(_ versions: [ViewedVersion], at t: Instant) -> ViewedVersion? {
    versions.filter { !$0.isVoid && $0.contains(t) }.max { $1.outranks($0) }
  }

  /// The history status of `v` at `t` (spec section 5, `history`): the first that applies
  /// of void, in_force, scheduled, superseded, expired.
  package static func status(of v: ViewedVersion, among versions: [ViewedVersion], at t: Instant) -> Status {
    if v.isVoid { return .void }
    if inForce(versions, at: t)?.facts.seq == v.facts.seq { return .inForce }
    if v.effectiveFrom > t { return .scheduled }
    if versions.contains(where: { !$0.isVoid && $0.outranks(v) && $0.effectiveFrom <= t }) { return .superseded }
    return .expired
  }

  /// A notice's status in a timeline (spec section 5): the last that applies of sent,
  /// acknowledged, amended, retracted, as known in `view`.
  package static func noticeStatus(
    notice: NoticeFacts, corrections: [CorrectionFacts], acknowledged: Bool, view: View
  ) -> String {
    let known = corrections.filter {
      view.knows(businessTime: $0.issuedAt, recordedAt: $0.recordedAt) && affects($0, notice: notice)
    }
    if known.contains(where: { $0.kind == .retraction }) { return "retracted" }
    if known.contains(where: { $0.kind == .amendment }) { return "amended" }
    return acknowledged ? "acknowledged" : "sent"
  }

  /// Rule 2: a correction affects a notice it targets, or one announcing the version it targets.
  static func affects(_ c: CorrectionFacts, notice n: NoticeFacts) -> Bool {
    c.targetNotice == n.seq || (c.targetVersion != nil && c.targetVersion == n.announces)
  }
}

/// What the ledger recorded about one version.
package struct VersionFacts: Sendable, Equatable {
  package var seq: Int64
  package var policy: String
  package var number: Int64
  package var title: String
  package var effectiveFrom: Instant
  package var effectiveUntil: Instant?
  package var announcedAt: Instant
  package var recordedAt: Instant
  package var bodySHA256: String
}

/// What the ledger recorded about one notice, and whether the viewer received it.
package struct NoticeFacts: Sendable, Equatable {
  package var seq: Int64
  package var id: String
  package var sentAt: Instant
  package var recordedAt: Instant
  package var announces: Int64?
  package var receivedByViewer: Bool
}

/// What the ledger recorded about one correction, and whether the viewer received it.
package struct CorrectionFacts: Sendable, Equatable {
  package var seq: Int64
  package var id: String
  package var kind: CorrectionKind
  package var targetNotice: Int64?
  package var targetVersion: Int64?
  /// The version it affects: its target, or the version its target notice announces.
  package var affectedVersion: Int64?
  package var voidVersion: Bool
  package var issuedAt: Instant
  package var recordedAt: Instant
  package var effectiveFrom: Instant?
  package var effectiveUntil: Instant?
  package var receivedByViewer: Bool
}

/// Everything recorded about one policy.
package struct PolicyFacts: Sendable, Equatable {
  package var key: String
  package var versions: [VersionFacts]
  package var notices: [NoticeFacts]
  package var corrections: [CorrectionFacts]
}
