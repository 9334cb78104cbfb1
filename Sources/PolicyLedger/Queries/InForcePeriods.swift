/// A stretch of time in which the same version was in force (or nothing was).
public struct InForcePeriod: Sendable, Equatable {
  /// When the period starts.
  public var from: Instant
  /// When the answer changed; nil for the last period, which holds to the end of the range asked about.
  public var until: Instant?
  /// The version in force; nil when nothing was.
  public var version: Int64?

  /// The period from `from` to `until` in which `version` (or nothing) was in force.
  public init(from: Instant, until: Instant?, version: Int64?) {
    self.from = from
    self.until = until
    self.version = version
  }
}

extension Ledger {
  /// The policy over valid time in one view: the version in force at each instant from
  /// `from` (default: the first effective bound) to `to` (default: no end), as `inForce`
  /// answers it in `view`.
  ///
  /// The answer can only change at an effective bound of a version or an amendment, so
  /// the rules (`Bitemporal.inForce(_:at:)`) are asked at each of those, and equal
  /// neighbours merged.
  /// - Throws: "no policy 'KEY'" for a key the ledger never recorded.
  public func inForcePeriods(_ policy: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init())
    throws -> [InForcePeriod]
  {
    try read {
      let policyID = try requirePolicy(policy)
      try requireViewer(view)
      let facts = try store.loadFacts(policyID: policyID, key: policy, viewer: view.toldTo)
      // Only entries recorded in the view move a bound: one recorded later (a backdated
      // amendment, an earlier version) would otherwise start the first period earlier, and
      // a report pinned to `recordedAt` would change after it.
      var bounds: [Instant] = []
      for v in facts.versions where view.recorded(v.recordedAt) { bounds += [v.effectiveFrom] + (v.effectiveUntil.map { [$0] } ?? []) }
      for c in facts.corrections where view.recorded(c.recordedAt) { bounds += [c.effectiveFrom, c.effectiveUntil].compactMap { $0 } }
      let versions = Bitemporal.view(facts, view)
      return Ledger.periods(at: bounds, from: from, to: to) { t in Bitemporal.inForce(versions, at: t)?.facts.number }
    }
  }

  /// The policy as it was known at each moment (knowledge time): for each instant x, the
  /// version in force at x as known at x — the view's `knownAt` becomes x, its `recordedAt`
  /// and `toldTo` are kept — from `from` (default: the policy's first business time or
  /// effective bound) to `to` or the view's `knownAt`, whichever is earlier (default: no end).
  ///
  /// The answer can only change where knowledge or validity changes: at the business time
  /// of one of the policy's entries, or at an effective bound of a version or an amendment.
  /// The rules are asked at each such instant, and equal neighbours merged.
  /// - Throws: "no policy 'KEY'" for a key the ledger never recorded.
  public func knownPeriods(_ policy: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init())
    throws -> [InForcePeriod]
  {
    try read {
      let policyID = try requirePolicy(policy)
      try requireViewer(view)
      let facts = try store.loadFacts(policyID: policyID, key: policy, viewer: view.toldTo)
      // Only entries recorded in the view are change points (as for ``inForcePeriods``).
      func recorded(_ delivery: Delivery?) -> Instant? { delivery.flatMap { view.recorded($0.recordedAt) ? $0.sentAt : nil } }
      var changes: [Instant] = []
      for v in facts.versions where view.recorded(v.recordedAt) {
        changes += [v.announcedAt, v.effectiveFrom] + (v.effectiveUntil.map { [$0] } ?? [])
      }
      // A resend that reached the viewer changes what they know at its own time (rule 16).
      for n in facts.notices where view.recorded(n.recordedAt) { changes += [n.sentAt, recorded(n.viewerDelivery)].compactMap { $0 } }
      for c in facts.corrections where view.recorded(c.recordedAt) {
        changes += [c.issuedAt, recorded(c.viewerDelivery), c.effectiveFrom, c.effectiveUntil].compactMap { $0 }
      }
      let end = [to, view.knownAt].compactMap { $0 }.min()
      let sorted = Bitemporal.SortedFacts(facts)
      return Ledger.periods(at: changes, from: from, to: end) { x in
        let asOf = Bitemporal.View(knownAt: x, recordedAt: view.recordedAt, toldTo: view.toldTo)
        return Bitemporal.inForce(Bitemporal.view(sorted, asOf), at: x)?.facts.number
      }
    }
  }

  /// Asks `answer` at `from` and at each change point after it up to `to`, and merges equal neighbours.
  private static func periods(at changes: [Instant], from: Instant?, to: Instant?, _ answer: (Instant) -> Int64?)
    -> [InForcePeriod]
  {
    let points = Set(changes).sorted()
    guard let first = from ?? points.first else { return [] }
    if let to, to < first { return [] }
    var periods: [InForcePeriod] = []
    for x in [first] + points.filter({ p in p > first && (to.map { p <= $0 } ?? true) }) {
      let version = answer(x)
      if let last = periods.last, last.version == version { continue }
      if !periods.isEmpty { periods[periods.count - 1].until = x }
      periods.append(InForcePeriod(from: x, until: nil, version: version))
    }
    return periods
  }

  /// The keys of the policies with a version recorded by `recordedAt` (default: any), in key order.
  public func policyKeys(recordedBy recordedAt: Instant? = nil) throws -> [String] {
    try read {
      try store.policyKeys(recordedBy: recordedAt)
    }
  }
}
