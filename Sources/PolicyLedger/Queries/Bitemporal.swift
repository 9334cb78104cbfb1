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
/// - Rule 2's "affected version" of a correction (its target version, or each version its
///   target notice announces: rule 17) is read through the `notice_versions` table, which
///   `Projector.apply` fills at write time, when `LedgerStore.loadFacts` loads a policy's
///   facts: a correction of a notice appears once in each announced policy's facts, with
///   that policy's version as `CorrectionFacts.affectedVersion`, which
///   `affects(_:version:)` and `voids(_:version:)` read.
/// - `outstanding` (rule 9) restates rule 1 (an entry is known when its business time ≤ k
///   and its `recorded_at` ≤ r), rule 16 (a delivery — the message's own entry or a
///   resend — is known when its `sent_at` ≤ k and its `recorded_at` ≤ r; "E received M"
///   when some known delivery of M reached E) and rule 2 (both ways a correction affects a
///   notice) as one SQL statement in `LedgerStore.forEachOutstanding`
///   (Store/OutstandingRows.swift), so that it need not load every policy's facts;
///   `correct resend --outstanding` restates rule 9 for one correction as the whole journal
///   stands (`LedgerStore.outstandingRecipients`, Ledger/Resending.swift). Both are checked
///   against ReplayModel on random histories with resends (BitemporalPropertyTests).
/// - Rule 18 (no second retraction) is a lookup at write time,
///   `LedgerStore.earlierRetraction`, restating rule 3's "void" for the whole journal.
///
/// - `employees` and `coverage` restate rule 19 (an employee's state at t is the known
///   roster row with the greatest `at` ≤ t, ties in journal order: (seq, ordinal), a single
///   entry's row or an imported row) as one statement over the whole workforce,
///   `LedgerStore.forEachEmployed` (Store/Roster.swift); the replay model's property tests
///   compare it with `rosterState(_:at:in:)`.
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

  /// Rule 16: whether the view knows the delivery that reached the viewer — its
  /// `sent_at` ≤ k and its `recorded_at` ≤ r. Nil (no delivery reached the viewer) is unknown.
  static func knows(_ delivery: Delivery?, in view: View) -> Bool {
    delivery.map { view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) } ?? false
  }

  /// Whether the view counts correction `c`: known (rule 1) and, as told to E, reached E
  /// by a delivery the view knows, from that delivery's time (rules 12 and 16).
  static func counts(_ c: CorrectionFacts, in view: View) -> Bool {
    view.knows(businessTime: c.issuedAt, recordedAt: c.recordedAt) && (view.toldTo == nil || knows(c.viewerDelivery, in: view))
  }

  /// Rules 1 and 12: whether the view knows version `v`.
  ///
  /// Rule 1's second clause asks for *some* delivery of an announcing notice with
  /// `sent_at` ≤ k and `recorded_at` ≤ r; the notice's own entry (its first delivery) is
  /// the one to look at, because a resend is never sent earlier (rule 16) nor recorded
  /// earlier (journal order). ReplayModel checks this against every delivery.
  static func knows(_ v: VersionFacts, notices: ArraySlice<NoticeFacts>, in view: View) -> Bool {
    guard view.recorded(v.recordedAt) else { return false }
    let announcing = notices.filter { $0.announces == v.seq && view.recorded($0.recordedAt) }
    if view.toldTo != nil && !announcing.isEmpty {
      // Rule 12: only through a notice that reached E, from that delivery's time.
      return announcing.contains { knows($0.viewerDelivery, in: view) }
    }
    return view.knows(businessTime: v.announcedAt, recordedAt: v.recordedAt)
      || announcing.contains { view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) }
  }

  /// The run of `sorted` (notices sorted by the version they announce) that announces
  /// version `seq`.
  static func notices(announcing seq: Int64, in sorted: [NoticeFacts]) -> ArraySlice<NoticeFacts> {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle].announces! < seq { low = middle + 1 } else { high = middle }
    }
    var end = low
    while end < sorted.count && sorted[end].announces == seq { end += 1 }
    return sorted[low..<end]
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
    self.view(SortedFacts(facts), view)
  }

  /// A policy's facts in the orders ``view(_:_:)`` reads them, sorted once for many views
  /// of one policy (``Ledger/knownPeriods(_:from:to:view:)`` takes one at each change
  /// point): versions by number, notices by the version they announce, corrections in
  /// journal order.
  package struct SortedFacts {
    fileprivate let versions: [VersionFacts]
    /// Each version's notices are found by binary search here (``notices(announcing:in:)``):
    /// filtering every notice for every version made a view of a policy with thousands of
    /// versions and notices quadratic, and a report (a view per event) cubic.
    fileprivate let noticesByVersion: [NoticeFacts]
    fileprivate let corrections: [CorrectionFacts]

    package init(_ facts: PolicyFacts) {
      versions = facts.versions.sorted { $0.number < $1.number }
      noticesByVersion = facts.notices.filter { $0.announces != nil }.sorted { $0.announces! < $1.announces! }
      corrections = facts.corrections.sorted { $0.seq < $1.seq }
    }
  }

  /// ``view(_:_:)`` of facts already sorted.
  package static func view(_ facts: SortedFacts, _ view: View) -> [ViewedVersion] {
    let counted = facts.corrections.filter { counts($0, in: view) }
    return facts.versions.compactMap { v in
      guard knows(v, notices: notices(announcing: v.seq, in: facts.noticesByVersion), in: view) else { return nil }
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
    status(of: v, StatusContext(versions, at: t))
  }

  /// ``status(of:among:at:)`` of each of `versions`, in their order: what the statuses
  /// share is found once, so a history of n versions costs n steps, not n².
  package static func statuses(of versions: [ViewedVersion], at t: Instant) -> [Status] {
    let context = StatusContext(versions, at: t)
    return versions.map { status(of: $0, context) }
  }

  /// What every version's status at `t` compares it with: the version in force, and the
  /// highest-ranking non-void version that had begun. Rule 6's order is total (no two
  /// versions of a policy share a number), so "some such version outranks v" is "the
  /// highest outranks v".
  private struct StatusContext {
    var t: Instant
    var inForce: ViewedVersion?
    var highestBegun: ViewedVersion?

    init(_ versions: [ViewedVersion], at t: Instant) {
      self.t = t
      inForce = Bitemporal.inForce(versions, at: t)
      highestBegun = versions.filter { !$0.isVoid && $0.effectiveFrom <= t }.max { $1.outranks($0) }
    }
  }

  private static func status(of v: ViewedVersion, _ context: StatusContext) -> Status {
    if v.isVoid { return .void }
    if context.inForce?.facts.seq == v.facts.seq { return .inForce }
    if v.effectiveFrom > context.t { return .scheduled }
    if context.highestBegun?.outranks(v) ?? false { return .superseded }
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
    c.targetNotice == n.seq
      || c.targetVersion.map { $0 == n.announces || n.alsoAnnounces.contains($0) } ?? false
  }

  // MARK: - The workforce (rules 19–21)

  /// Rule 19: of one employee's roster rows, the known one with the greatest `at` ≤ t
  /// (ties: journal order, (seq, ordinal) — the rows of one import in file order), which
  /// says whether they were employed at t and in which groups.
  package static func rosterState(_ entries: [RosterFacts], at t: Instant, in view: View) -> RosterFacts? {
    entries.filter { $0.at <= t && view.knows(businessTime: $0.at, recordedAt: $0.recordedAt) }
      .max { ($0.at, $0.seq, $0.ordinal) < ($1.at, $1.seq, $1.ordinal) }
  }

  /// Rule 20: whether version `v` applies to an employee in `groups` (besides `all`).
  package static func applies(_ v: VersionFacts, toGroups groups: [String]) -> Bool {
    guard let audience = v.appliesTo else { return true }
    return groups.contains { Groups.contains(audience, $0) }
  }

  /// Rule 21's `status`: the first that applies of acknowledged, told, not_told.
  public enum CoverageStatus: String, Sendable, CaseIterable {
    case acknowledged, told, notTold = "not_told"
  }

  /// The notice that told an employee of a version, and when: the `sent_at` of the
  /// delivery of it that reached them.
  package struct Telling: Sendable, Equatable {
    package var notice: NoticeFacts
    package var at: Instant
  }

  /// What rule 21 says one employee was told about version `v`, from `facts` whose
  /// `viewerDelivery` fields are that employee's: the earliest known delivery ≤ t to them of
  /// a notice announcing `v` (the first notice in journal order on a tie), and the version
  /// in force at t as told to them (rule 12, ``view(_:_:)`` with `toldTo` set).
  package static func telling(_ facts: PolicyFacts, version v: VersionFacts, at t: Instant, in view: View)
    -> (told: Telling?, believes: ViewedVersion?)
  {
    let told = facts.notices.compactMap { n -> Telling? in
      guard n.announces == v.seq, let d = n.viewerDelivery, d.sentAt <= t, knows(d, in: view) else { return nil }
      return Telling(notice: n, at: d.sentAt)
    }.min { ($0.at, $0.notice.seq) < ($1.at, $1.notice.seq) }
    var toldView = view
    if toldView.toldTo == nil { toldView.toldTo = "" }
    return (told, inForce(Bitemporal.view(facts, toldView), at: t))
  }

  /// Rule 21's `acknowledged_at`: the earliest known acknowledgement ≤ t, among `acks`
  /// (one employee's), of a notice announcing `v`.
  package static func acknowledgedAt(_ acks: [AckFacts], version v: VersionFacts, notices: [NoticeFacts], at t: Instant, in view: View)
    -> Instant?
  {
    let announcing = Set(notices.filter { $0.announces == v.seq }.map(\.seq))
    return acks.filter {
      announcing.contains($0.notice) && $0.at <= t && view.knows(businessTime: $0.at, recordedAt: $0.recordedAt)
    }.map(\.at).min()
  }

  /// Rule 21's `status` from what the employee was told and acknowledged.
  package static func coverageStatus(toldAt: Instant?, acknowledgedAt: Instant?) -> CoverageStatus {
    if acknowledgedAt != nil { return .acknowledged }
    return toldAt != nil ? .told : .notTold
  }
}

/// One roster row (rule 19): a single entry's (ordinal 0) or one row of an import
/// (ordinal 1, 2, 3 … in file order), known from its entry's `recorded_at`.
package struct RosterFacts: Sendable, Equatable {
  package var seq: Int64
  package var ordinal: Int64
  package var at: Instant
  package var recordedAt: Instant
  package var employed: Bool
  package var groups: [String]

  package init(seq: Int64, ordinal: Int64 = 0, at: Instant, recordedAt: Instant, employed: Bool, groups: [String]) {
    self.seq = seq
    self.ordinal = ordinal
    self.at = at
    self.recordedAt = recordedAt
    self.employed = employed
    self.groups = groups
  }
}

/// One acknowledgement: of notice `notice` (its seq), at `at`.
package struct AckFacts: Sendable, Equatable {
  package var notice: Int64
  package var at: Instant
  package var recordedAt: Instant

  package init(notice: Int64, at: Instant, recordedAt: Instant) {
    self.notice = notice
    self.at = at
    self.recordedAt = recordedAt
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
  /// The groups it applies to (rule 20); nil is `all`.
  package var appliesTo: [String]? = nil
}

/// One delivery of a message (rule 16): its own entry's, or a resend's.
package struct Delivery: Sendable, Equatable {
  package var sentAt: Instant
  package var recordedAt: Instant

  package init(sentAt: Instant, recordedAt: Instant) {
    self.sentAt = sentAt
    self.recordedAt = recordedAt
  }
}

/// What the ledger recorded about one notice, and the delivery of it that reached the
/// viewer (an employee receives a message at most once: rule 16).
package struct NoticeFacts: Sendable, Equatable {
  package var seq: Int64
  package var id: String
  /// The first delivery's time.
  package var sentAt: Instant
  package var recordedAt: Instant
  /// The version of this policy it announces (facts are loaded per policy, and a notice
  /// announces at most one version of each: rule 17).
  package var announces: Int64?
  package var viewerDelivery: Delivery?
  /// The other versions it announces, of other policies, when the caller needs them:
  /// a notice's status (rule 2: a correction of any of them affects the notice).
  package var alsoAnnounces: [Int64] = []
}

/// What the ledger recorded about one correction, and whether the viewer received it.
package struct CorrectionFacts: Sendable, Equatable {
  package var seq: Int64
  package var id: String
  package var kind: CorrectionKind
  package var targetNotice: Int64?
  package var targetVersion: Int64?
  /// The version it affects: its target, or the version its target notice announces (of a
  /// notice announcing several, the one of the policy whose facts these are: rule 17).
  package var affectedVersion: Int64?
  package var voidVersion: Bool
  package var issuedAt: Instant
  package var recordedAt: Instant
  package var effectiveFrom: Instant?
  package var effectiveUntil: Instant?
  /// The delivery of it that reached the viewer, if any.
  package var viewerDelivery: Delivery?
}

/// Everything recorded about one policy.
package struct PolicyFacts: Sendable, Equatable {
  package var key: String
  package var versions: [VersionFacts]
  package var notices: [NoticeFacts]
  package var corrections: [CorrectionFacts]
}
