/// The bitemporal rules of the contract (spec section 3), in one place.
///
/// Everything here is a pure function of the facts recorded about one policy — its
/// versions, the notices announcing them and the corrections affecting them — and of
/// the point of view asked about. Queries load those facts with a few indexed lookups
/// (``PolicyFacts``, `LedgerStore.loadFacts`) and ask these functions for what was known,
/// void, or in force.
///
/// Two rules are also stated elsewhere, for speed, and each restatement is tested against
/// the functions here (OutstandingTests, on random histories):
/// - Rule 2's "affected version" of a correction (its target version, or each version its
///   target notice announces: rule 17) is read through the `notice_versions` table, which
///   `Projector.apply` fills at write time, when `LedgerStore.loadFacts` loads a policy's
///   facts: a correction of a notice appears once in each announced policy's facts, with
///   that policy's version as `CorrectionFacts.affectedVersion`, which
///   ``affects(_:version:)`` and ``voids(_:version:)`` read.
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
/// Recording also applies rule 4 (an amendment must not leave an empty period) through
/// ``period(of:amendments:)``, in `Ledger.checkAmendment`.
public enum Bitemporal {
  /// The point of view of a query: what had happened by `knownAt` (business time, k),
  /// what had been recorded by `recordedAt` (r), and optionally as told to one employee.
  public struct View: Sendable, Equatable {
    public var knownAt: Instant?
    public var recordedAt: Instant?
    public var toldTo: String?

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
  public struct ViewedVersion: Sendable, Equatable {
    public var facts: VersionFacts
    public var isVoid: Bool
    public var effectiveFrom: Instant
    public var effectiveUntil: Instant?
    /// Ids of the corrections this view knows that affect the version, in journal order.
    public var correctedBy: [String]

    /// Rule 4: the period `[effective_from, effective_until)`.
    public func contains(_ t: Instant) -> Bool {
      effectiveFrom <= t && (effectiveUntil.map { t < $0 } ?? true)
    }

    /// Rule 6's order: the greater `effective_from`, then the greater version number.
    public func outranks(_ other: ViewedVersion) -> Bool {
      (effectiveFrom, facts.number) > (other.effectiveFrom, other.facts.number)
    }
  }

  public enum Status: String, Sendable, CaseIterable {
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
  static func knows(_ v: VersionFacts, notices: [NoticeFacts], in view: View) -> Bool {
    guard view.recorded(v.recordedAt) else { return false }
    let announcing = notices.filter { $0.announces == v.seq && view.recorded($0.recordedAt) }
    if view.toldTo != nil && !announcing.isEmpty {
      // Rule 12: only through a notice that reached E, from that delivery's time.
      return announcing.contains { knows($0.viewerDelivery, in: view) }
    }
    return view.knows(businessTime: v.announcedAt, recordedAt: v.recordedAt)
      || announcing.contains { view.knows(businessTime: $0.sentAt, recordedAt: $0.recordedAt) }
  }

  /// Rule 4: the effective period after every amendment in `corrections` that affects
  /// `v` and sets a bound, applied in journal order.
  public static func period(of v: VersionFacts, amendments corrections: [CorrectionFacts]) -> (from: Instant, until: Instant?) {
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
  public static func view(_ facts: PolicyFacts, _ view: View) -> [ViewedVersion] {
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
  public static func inForce(_ versions: [ViewedVersion], at t: Instant) -> ViewedVersion? {
    versions.filter { !$0.isVoid && $0.contains(t) }.max { $1.outranks($0) }
  }

  /// The history status of `v` at `t` (spec section 5, `history`): the first that applies
  /// of void, in_force, scheduled, superseded, expired.
  public static func status(of v: ViewedVersion, among versions: [ViewedVersion], at t: Instant) -> Status {
    if v.isVoid { return .void }
    if inForce(versions, at: t)?.facts.seq == v.facts.seq { return .inForce }
    if v.effectiveFrom > t { return .scheduled }
    if versions.contains(where: { !$0.isVoid && $0.outranks(v) && $0.effectiveFrom <= t }) { return .superseded }
    return .expired
  }

  /// A notice's status in a timeline (spec section 5): the last that applies of sent,
  /// acknowledged, amended, retracted, as known in `view`.
  public static func noticeStatus(
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
}

/// What the ledger recorded about one version.
public struct VersionFacts: Sendable, Equatable {
  public var seq: Int64
  public var policy: String
  public var number: Int64
  public var title: String
  public var effectiveFrom: Instant
  public var effectiveUntil: Instant?
  public var announcedAt: Instant
  public var recordedAt: Instant
  public var bodySHA256: String
}

/// One delivery of a message (rule 16): its own entry's, or a resend's.
public struct Delivery: Sendable, Equatable {
  public var sentAt: Instant
  public var recordedAt: Instant

  public init(sentAt: Instant, recordedAt: Instant) {
    self.sentAt = sentAt
    self.recordedAt = recordedAt
  }
}

/// What the ledger recorded about one notice, and the delivery of it that reached the
/// viewer (an employee receives a message at most once: rule 16).
public struct NoticeFacts: Sendable, Equatable {
  public var seq: Int64
  public var id: String
  /// The first delivery's time.
  public var sentAt: Instant
  public var recordedAt: Instant
  /// The version of this policy it announces (facts are loaded per policy, and a notice
  /// announces at most one version of each: rule 17).
  public var announces: Int64?
  public var viewerDelivery: Delivery?
  /// The other versions it announces, of other policies, when the caller needs them:
  /// a notice's status (rule 2: a correction of any of them affects the notice).
  public var alsoAnnounces: [Int64] = []
}

/// What the ledger recorded about one correction, and whether the viewer received it.
public struct CorrectionFacts: Sendable, Equatable {
  public var seq: Int64
  public var id: String
  public var kind: CorrectionKind
  public var targetNotice: Int64?
  public var targetVersion: Int64?
  /// The version it affects: its target, or the version its target notice announces (of a
  /// notice announcing several, the one of the policy whose facts these are: rule 17).
  public var affectedVersion: Int64?
  public var voidVersion: Bool
  public var issuedAt: Instant
  public var recordedAt: Instant
  public var effectiveFrom: Instant?
  public var effectiveUntil: Instant?
  /// The delivery of it that reached the viewer, if any.
  public var viewerDelivery: Delivery?
}

/// Everything recorded about one policy.
public struct PolicyFacts: Sendable, Equatable {
  public var key: String
  public var versions: [VersionFacts]
  public var notices: [NoticeFacts]
  public var corrections: [CorrectionFacts]
}
