import PolicyLedger

/// A second, independent reading of the bitemporal rules (spec section 3, rules 1–18, and
/// section 5's `history`, `timeline` and `outstanding`), written from the spec alone.
///
/// It holds every entry exactly as recorded, in journal order, and answers each question by
/// scanning all of them: no indexes, no caches, nothing shared with the library's `Queries`.
/// It is meant to be slow and obviously right; the property tests compare the library with it.
/// Where the spec leaves room for more than one reading, the one chosen here is written down in
/// `docs/semantics.md` ("Readings of the contract").
struct ReplayModel {
  // MARK: - Entries, as recorded

  struct Version {
    var seq: Int
    var policy: String
    var number: Int64
    var title: String
    var bodySHA256: String
    var effectiveFrom: Instant
    var effectiveUntil: Instant?
    var announcedAt: Instant
    var recordedAt: Instant
    var ref: VersionRef { VersionRef(policy: policy, number: number) }
  }

  struct Notice {
    var seq: Int
    var id: String
    var subject: String
    var sentAt: Instant
    /// Rule 17: the versions it announces, at most one per policy.
    var announces: [VersionRef]
    var recipients: Set<String>
    var recordedAt: Instant
  }

  struct Correction {
    var seq: Int
    var id: String
    var kind: CorrectionKind
    var target: CorrectionTarget
    var voidVersion: Bool
    var issuedAt: Instant
    var statement: String
    var reason: String
    var effectiveFrom: Instant?
    var effectiveUntil: Instant?
    var recipients: Set<String>
    var recordedAt: Instant
  }

  struct Ack {
    var seq: Int
    var notice: String
    var employee: String
    var at: Instant
    var recordedAt: Instant
  }

  /// `notice resend` / `correct resend` (rule 16): the message delivered again.
  struct Resend {
    var seq: Int
    var message: String
    var sentAt: Instant
    var recipients: Set<String>
    var recordedAt: Instant
  }

  enum Entry {
    case version(Version)
    case notice(Notice)
    case correction(Correction)
    case ack(Ack)
    case resend(Resend)
  }

  /// One delivery of a message: its own entry (the first) or a resend.
  struct Delivery {
    var seq: Int
    var sentAt: Instant
    var recordedAt: Instant
    var recipients: Set<String>
  }

  /// Every entry, in journal order (`entries[i]` has sequence number `i + 1`).
  private(set) var entries: [Entry] = [] {
    didSet { split() }
  }

  // The same entries, one list per kind, each in journal order.
  private(set) var versions: [Version] = []
  private(set) var notices: [Notice] = []
  private(set) var corrections: [Correction] = []
  private(set) var acks: [Ack] = []
  private(set) var resends: [Resend] = []

  private mutating func split() {
    resends = entries.compactMap { if case .resend(let r) = $0 { r } else { nil } }
    versions = entries.compactMap { if case .version(let v) = $0 { v } else { nil } }
    notices = entries.compactMap { if case .notice(let n) = $0 { n } else { nil } }
    corrections = entries.compactMap { if case .correction(let c) = $0 { c } else { nil } }
    acks = entries.compactMap { if case .ack(let a) = $0 { a } else { nil } }
  }

  func version(_ ref: VersionRef) -> Version? {
    versions.first { $0.policy == ref.policy && $0.number == ref.number }
  }

  func notice(_ id: String) -> Notice? { notices.first { $0.id == id } }

  func correction(_ id: String) -> Correction? { corrections.first { $0.id == id } }

  /// Rule 16: every delivery of message `id` in the journal, the first (its own entry) and
  /// each resend, in journal order.
  func deliveries(of id: String) -> [Delivery] {
    var first: [Delivery] = []
    if let n = notice(id) { first = [Delivery(seq: n.seq, sentAt: n.sentAt, recordedAt: n.recordedAt, recipients: n.recipients)] }
    if let c = correction(id) {
      first = [Delivery(seq: c.seq, sentAt: c.issuedAt, recordedAt: c.recordedAt, recipients: c.recipients)]
    }
    return first
      + resends.filter { $0.message == id }.map {
        Delivery(seq: $0.seq, sentAt: $0.sentAt, recordedAt: $0.recordedAt, recipients: $0.recipients)
      }
  }

  /// Everyone any delivery of message `id` in the journal reached.
  func everyRecipient(of id: String) -> Set<String> {
    deliveries(of: id).reduce(into: []) { $0.formUnion($1.recipients) }
  }

  /// Rule 16: "E received M" in the view — the earliest known delivery of M that reached E.
  func delivery(of id: String, to employee: String, _ view: View) -> Delivery? {
    deliveries(of: id).filter { $0.recipients.contains(employee) && isKnown(businessTime: $0.sentAt, recordedAt: $0.recordedAt, view) }
      .min { ($0.sentAt, $0.seq) < ($1.sentAt, $1.seq) }
  }

  /// Rule 15: an employee is known once any delivery reached them (the whole journal).
  func isEmployeeKnown(_ employee: String) -> Bool {
    notices.contains { $0.recipients.contains(employee) } || corrections.contains { $0.recipients.contains(employee) }
      || resends.contains { $0.recipients.contains(employee) }
  }

  func checkEmployee(_ employee: String?) throws(ModelError) {
    if let employee, !isEmployeeKnown(employee) { throw ModelError(description: "no employee '\(employee)'") }
  }

  /// Rule 3 over the whole journal: whether version `ref` is void (for rule 18).
  func isVoidInJournal(_ ref: VersionRef) -> Bool {
    corrections.contains { c in
      guard c.kind == .retraction else { return false }
      switch c.target {
      case .version(let r): return r == ref
      case .notice(let id): return c.voidVersion && notice(id)?.announces.contains(ref) == true
      }
    }
  }

  /// Rule 9 as the whole journal stands, for correction `c`: recipients of the notices it
  /// affects whom it has not reached (`correct resend --outstanding`).
  func outstandingRecipients(of c: Correction) -> Set<String> {
    let got = everyRecipient(of: c.id)
    return notices.filter { affects(c, notice: $0) }.reduce(into: Set<String>()) { $0.formUnion(everyRecipient(of: $1.id)) }
      .subtracting(got)
  }

  // MARK: - Proposed entries and the model's own validity rule

  enum Recipients: Equatable {
    case defaults
    case none
    case named([String])
  }

  enum Proposal {
    case version(policy: String, title: String, bodySHA256: String, from: Instant, until: Instant?, announcedAt: Instant?)
    case notice(id: String, subject: String, sentAt: Instant, announces: [VersionRef], recipients: [String])
    case correction(
      id: String, kind: CorrectionKind, target: CorrectionTarget, voidVersion: Bool, issuedAt: Instant,
      statement: String, reason: String, from: Instant?, until: Instant?, recipients: Recipients)
    case ack(notice: String, employee: String, at: Instant)
    case resend(message: String, sentAt: Instant, recipients: ResendRecipients)
  }

  enum ResendRecipients: Equatable {
    case named([String])
    case outstanding
  }

  /// Why the ledger must refuse `proposal`, or nil when it must accept it. Only the rules that
  /// depend on the history are checked here (ids and texts in the tests are always well formed).
  func refusal(_ proposal: Proposal) -> String? {
    switch proposal {
    case .version(_, _, _, let from, let until, _):
      if let until, until <= from { return "effective_until must be after effective_from" }
      return nil

    case .notice(let id, _, _, let announces, let recipients):
      if isMessageID(id) { return "id '\(id)' already names a notice or correction" }
      for ref in announces where version(ref) == nil { return "no version \(ref)" }
      if Set(announces.map(\.policy)).count != announces.count { return "two versions of one policy (rule 17)" }
      if recipients.isEmpty { return "a notice needs at least one recipient" }
      if Set(recipients).count != recipients.count { return "duplicate recipient" }
      return nil

    case .correction(let id, let kind, let target, let voidVersion, let issuedAt, _, _, let from, let until, let recipients):
      if isMessageID(id) { return "id '\(id)' already names a notice or correction" }
      if kind == .retraction && (from != nil || until != nil) { return "a retraction sets no effective period" }
      if voidVersion {
        guard kind == .retraction, case .notice = target else { return "void_version needs a retraction of a notice" }
      }
      let targetTime: Instant
      let affected: Version?
      switch target {
      case .notice(let noticeID):
        guard let n = notice(noticeID) else { return "no notice '\(noticeID)'" }
        if voidVersion && n.announces.isEmpty { return "the notice announces no version to void" }
        // Rule 17: a notice announcing several versions is not amended; its versions are.
        if kind == .amendment && n.announces.count > 1 { return "amend the version: --version KEY@N" }
        targetTime = n.sentAt
        affected = n.announces.first.flatMap(version)
      case .version(let ref):
        guard let v = version(ref) else { return "no version \(ref)" }
        targetTime = v.announcedAt
        affected = v
      }
      if issuedAt < targetTime { return "issued before its target" }  // spec section 7
      if kind == .retraction {
        // Rule 18: no second retraction of a notice, of a version, or of a void version.
        switch target {
        case .notice(let noticeID):
          if corrections.contains(where: { $0.kind == .retraction && $0.target == .notice(noticeID) }) {
            return "the notice is already retracted"
          }
          if voidVersion, notice(noticeID)!.announces.contains(where: isVoidInJournal) { return "a version of it is already void" }
        case .version(let ref):
          if isVoidInJournal(ref) { return "the version is already retracted or void" }
        }
      }
      if kind == .amendment && (from != nil || until != nil) {
        guard let affected else { return "the notice announces no version, so there is no period to amend" }
        // Rule 4: every amendment in the journal so far, then this one, in journal order.
        var (f, u) = (affected.effectiveFrom, affected.effectiveUntil)
        for c in corrections where c.kind == .amendment && affects(c, version: affected) {
          if let x = c.effectiveFrom { f = x }
          if let x = c.effectiveUntil { u = x }
        }
        if let from { f = from }
        if let until { u = until }
        if let u, u <= f { return "the amendment would leave \(affected.ref) an empty period" }
      }
      if case .named(let ids) = recipients, Set(ids).count != ids.count { return "duplicate recipient" }
      return nil

    case .ack(let noticeID, let employee, let at):
      guard notice(noticeID) != nil else { return "no notice '\(noticeID)'" }
      guard let reached = deliveries(of: noticeID).first(where: { $0.recipients.contains(employee) }) else {
        return "'\(employee)' is not a recipient of '\(noticeID)'"
      }
      // Rule 14: no earlier than the delivery that reached the employee.
      if at < reached.sentAt { return "acknowledged before the notice reached them" }
      if acks.contains(where: { $0.notice == noticeID && $0.employee == employee }) { return "already acknowledged" }
      return nil

    case .resend(let id, let sentAt, let recipients):
      // Rule 16.
      guard let first = deliveries(of: id).first else { return "no notice or correction '\(id)'" }
      if sentAt < first.sentAt { return "a resend before the first delivery" }
      switch recipients {
      case .named(let ids):
        if ids.isEmpty { return "an empty resend" }
        let already = everyRecipient(of: id)
        var seen = Set<String>()
        for e in ids {
          if already.contains(e) { return "'\(e)' already received '\(id)'" }
          if !seen.insert(e).inserted { return "duplicate recipient" }
        }
        return nil
      case .outstanding:
        guard let c = correction(id) else { return "--outstanding is for corrections" }
        if outstandingRecipients(of: c).isEmpty { return "nothing is outstanding" }
        return nil
      }
    }
  }

  private func isMessageID(_ id: String) -> Bool {
    notices.contains { $0.id == id } || corrections.contains { $0.id == id }
  }

  /// Appends an accepted proposal. `recordedAt` may be fixed later with ``setRecordedTimes(_:)``.
  mutating func record(_ proposal: Proposal, recordedAt: Instant) {
    precondition(refusal(proposal) == nil, "the model records only valid entries")
    let seq = entries.count + 1
    switch proposal {
    case .version(let policy, let title, let sha, let from, let until, let announcedAt):
      // Rule 11: numbered 1, 2, 3 … per policy in journal order. Rule 7: announced_at defaults.
      let number = Int64(versions.filter { $0.policy == policy }.count + 1)
      entries.append(
        .version(
          Version(
            seq: seq, policy: policy, number: number, title: title, bodySHA256: sha, effectiveFrom: from,
            effectiveUntil: until, announcedAt: announcedAt ?? from, recordedAt: recordedAt)))
    case .notice(let id, let subject, let sentAt, let announces, let recipients):
      entries.append(
        .notice(
          Notice(
            seq: seq, id: id, subject: subject, sentAt: sentAt, announces: announces, recipients: Set(recipients),
            recordedAt: recordedAt)))
    case .correction(let id, let kind, let target, let voidVersion, let issuedAt, let statement, let reason, let from, let until, let recipients):
      let delivered: Set<String>
      switch recipients {
      case .none: delivered = []
      case .named(let ids): delivered = Set(ids)
      case .defaults:
        // Rule 8: the target notice's recipients, or those of every notice in the journal now
        // that announces the target version — reached by any delivery in the journal now.
        switch target {
        case .notice(let noticeID): delivered = everyRecipient(of: noticeID)
        case .version(let ref):
          delivered = notices.filter { $0.announces.contains(ref) }.reduce(into: []) { $0.formUnion(everyRecipient(of: $1.id)) }
        }
      }
      entries.append(
        .correction(
          Correction(
            seq: seq, id: id, kind: kind, target: target, voidVersion: voidVersion, issuedAt: issuedAt,
            statement: statement, reason: reason, effectiveFrom: from, effectiveUntil: until, recipients: delivered,
            recordedAt: recordedAt)))
    case .ack(let noticeID, let employee, let at):
      entries.append(.ack(Ack(seq: seq, notice: noticeID, employee: employee, at: at, recordedAt: recordedAt)))
    case .resend(let id, let sentAt, let recipients):
      let delivered: Set<String>
      switch recipients {
      case .named(let ids): delivered = Set(ids)
      case .outstanding: delivered = outstandingRecipients(of: correction(id)!)
      }
      entries.append(.resend(Resend(seq: seq, message: id, sentAt: sentAt, recipients: delivered, recordedAt: recordedAt)))
    }
  }

  /// Replaces every entry's `recorded_at` with the ledger's, in journal order.
  mutating func setRecordedTimes(_ times: [Instant]) {
    precondition(times.count == entries.count, "one recorded_at per entry")
    for (i, time) in times.enumerated() {
      switch entries[i] {
      case .version(var v): v.recordedAt = time; entries[i] = .version(v)
      case .notice(var n): n.recordedAt = time; entries[i] = .notice(n)
      case .correction(var c): c.recordedAt = time; entries[i] = .correction(c)
      case .ack(var a): a.recordedAt = time; entries[i] = .ack(a)
      case .resend(var r): r.recordedAt = time; entries[i] = .resend(r)
      }
    }
  }

  // MARK: - The rules

  /// The instants a question is asked at: k, r (nil: no limit) and the employee E (nil: anyone).
  struct View: Equatable, CustomStringConvertible {
    var knownAt: Instant?
    var recordedAt: Instant?
    var toldTo: String?

    var description: String {
      "k=\(knownAt.map(\.description) ?? "∞") r=\(recordedAt.map(\.description) ?? "∞") toldTo=\(toldTo ?? "-")"
    }
  }

  /// Rule 1.
  func isKnown(businessTime: Instant, recordedAt: Instant, _ view: View) -> Bool {
    (view.knownAt.map { businessTime <= $0 } ?? true) && (view.recordedAt.map { recordedAt <= $0 } ?? true)
  }

  /// Rules 1, 12 and 16: a correction counts when known, and, as told to E, when a known
  /// delivery of it reached E.
  func counts(_ c: Correction, _ view: View) -> Bool {
    isKnown(businessTime: c.issuedAt, recordedAt: c.recordedAt, view)
      && (view.toldTo.map { delivery(of: c.id, to: $0, view) != nil } ?? true)
  }

  /// Rule 2, versions.
  func affects(_ c: Correction, version v: Version) -> Bool {
    switch c.target {
    case .version(let ref): ref == v.ref
    case .notice(let id): notice(id)?.announces.contains(v.ref) == true
    }
  }

  /// Rule 2, notices.
  func affects(_ c: Correction, notice n: Notice) -> Bool {
    switch c.target {
    case .notice(let id): id == n.id
    case .version(let ref): n.announces.contains(ref)
    }
  }

  /// Rules 1, 12 and 16: whether the version is known in the view.
  func isKnown(_ v: Version, _ view: View) -> Bool {
    if let r = view.recordedAt, v.recordedAt > r { return false }
    let announcing = notices.filter { n in
      n.announces.contains(v.ref) && (view.recordedAt.map { n.recordedAt <= $0 } ?? true)
    }
    guard let employee = view.toldTo, !announcing.isEmpty else {
      // Rule 1: from its announced_at, or from any known delivery of a notice announcing it
      // (every delivery is looked at here, resends included).
      return isKnown(businessTime: v.announcedAt, recordedAt: v.recordedAt, view)
        || announcing.contains { n in
          deliveries(of: n.id).contains { isKnown(businessTime: $0.sentAt, recordedAt: $0.recordedAt, view) }
        }
    }
    // Rule 12: only through a notice that reached E, from that delivery's time.
    return announcing.contains { n in delivery(of: n.id, to: employee, view) != nil }
  }

  /// Rule 3.
  func isVoid(_ v: Version, _ view: View) -> Bool {
    corrections.contains { c in
      guard c.kind == .retraction, counts(c, view) else { return false }
      switch c.target {
      case .version(let ref): return ref == v.ref
      case .notice(let id): return c.voidVersion && notice(id)?.announces.contains(v.ref) == true
      }
    }
  }

  /// Rule 4: the period after every amendment that counts in the view, in journal order.
  func period(_ v: Version, _ view: View) -> (from: Instant, until: Instant?) {
    var (from, until) = (v.effectiveFrom, v.effectiveUntil)
    for c in corrections where c.kind == .amendment && counts(c, view) && affects(c, version: v) {
      if let x = c.effectiveFrom { from = x }
      if let x = c.effectiveUntil { until = x }
    }
    return (from, until)
  }

  func contains(_ period: (from: Instant, until: Instant?), _ t: Instant) -> Bool {
    period.from <= t && (period.until.map { t < $0 } ?? true)
  }

  /// Rule 6's order: a later effective_from, then a greater version number.
  func outranks(_ a: Version, _ b: Version, _ view: View) -> Bool {
    let (pa, pb) = (period(a, view), period(b, view))
    return pa.from > pb.from || (pa.from == pb.from && a.number > b.number)
  }

  struct ModelError: Error, Equatable, CustomStringConvertible {
    var description: String
  }

  /// Rule 15.
  func checkPolicy(_ policy: String) throws(ModelError) {
    if !versions.contains(where: { $0.policy == policy }) { throw ModelError(description: "no policy '\(policy)'") }
  }

  /// Rules 5 and 6.
  func inForceVersion(_ policy: String, at t: Instant, _ view: View) -> Version? {
    let candidates = versions.filter { v in
      v.policy == policy && isKnown(v, view) && !isVoid(v, view) && contains(period(v, view), t)
    }
    var best: Version? = nil
    for v in candidates {
      if let b = best, !outranks(v, b, view) { continue }
      best = v
    }
    return best
  }

  // MARK: - Answers

  struct InForceAnswer: Equatable, CustomStringConvertible {
    var policy: String
    var version: Int64
    var title: String
    var effectiveFrom: Instant
    var effectiveUntil: Instant?
    var announcedAt: Instant
    var bodySHA256: String

    var description: String {
      "\(policy)@\(version) [\(effectiveFrom), \(effectiveUntil.map(\.description) ?? "open")) announced \(announcedAt)"
    }
  }

  /// `in-force [KEY] --at t`: one row per policy with a version in force, by policy key.
  func inForce(_ policy: String?, at t: Instant, _ view: View) throws(ModelError) -> [InForceAnswer] {
    let keys: [String]
    if let policy {
      try checkPolicy(policy)
      try checkEmployee(view.toldTo)
      keys = [policy]
    } else {
      try checkEmployee(view.toldTo)
      keys = Set(versions.map(\.policy)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
    return keys.compactMap { key in
      inForceVersion(key, at: t, view).map { v in
        let p = period(v, view)
        return InForceAnswer(
          policy: v.policy, version: v.number, title: v.title, effectiveFrom: p.from, effectiveUntil: p.until,
          announcedAt: v.announcedAt, bodySHA256: v.bodySHA256)
      }
    }
  }

  struct HistoryAnswer: Equatable, CustomStringConvertible {
    var policy: String
    var version: Int64
    var title: String
    var effectiveFrom: Instant
    var effectiveUntil: Instant?
    var announcedAt: Instant
    var status: String
    var correctedBy: [String]

    var description: String {
      "\(policy)@\(version) [\(effectiveFrom), \(effectiveUntil.map(\.description) ?? "open")) \(status) corrected_by=\(correctedBy.joined(separator: ";"))"
    }
  }

  /// `history KEY --at T`: every version known in the view, by version number.
  func history(_ policy: String, at t: Instant, _ view: View) throws(ModelError) -> [HistoryAnswer] {
    try checkPolicy(policy)
    try checkEmployee(view.toldTo)
    let known = versions.filter { $0.policy == policy && isKnown($0, view) }
    let winner = inForceVersion(policy, at: t, view)
    return known.map { v in
      let p = period(v, view)
      // The first status that applies, in the spec's order.
      let status: String
      if isVoid(v, view) {
        status = "void"
      } else if winner?.seq == v.seq {
        status = "in_force"
      } else if p.from > t {
        status = "scheduled"
      } else if known.contains(where: { w in
        w.seq != v.seq && !isVoid(w, view) && outranks(w, v, view) && period(w, view).from <= t
      }) {
        status = "superseded"
      } else if let until = p.until, until <= t {
        status = "expired"
      } else {
        status = "(no status applies)"  // unreachable by the rules; a mismatch shows it
      }
      let correctedBy = corrections.filter { counts($0, view) && affects($0, version: v) }.map(\.id)
      return HistoryAnswer(
        policy: v.policy, version: v.number, title: v.title, effectiveFrom: p.from, effectiveUntil: p.until,
        announcedAt: v.announcedAt, status: status, correctedBy: correctedBy)
    }
  }

  struct TimelineAnswer: Equatable, CustomStringConvertible {
    var at: Instant
    var kind: String
    var id: String
    var policy: String?
    var version: Int64?
    var subject: String
    var status: String
    var target: String? = nil

    var description: String {
      "\(at) \(kind) \(id) \(policy ?? "-")@\(version.map(String.init) ?? "-") \(subject) \(status) target=\(target ?? "-")"
    }
  }

  /// A notice's timeline status: the last of sent, acknowledged (by `employee`), amended,
  /// retracted that applies, as known in the view.
  func noticeStatus(_ n: Notice, employee: String?, _ view: View) -> String {
    let known = corrections.filter { counts($0, view) && affects($0, notice: n) }
    if known.contains(where: { $0.kind == .retraction }) { return "retracted" }
    if known.contains(where: { $0.kind == .amendment }) { return "amended" }
    if let employee, acks.contains(where: { a in
      a.notice == n.id && a.employee == employee && isKnown(businessTime: a.at, recordedAt: a.recordedAt, view)
    }) {
      return "acknowledged"
    }
    return "sent"
  }

  /// The versions a correction is about: its target, or every version its target notice
  /// announces (rule 17), by policy key; empty when the notice announces none.
  func subjectVersions(of c: Correction) -> [VersionRef] {
    switch c.target {
    case .version(let ref): [ref]
    case .notice(let id): byKey(notice(id)!.announces)
    }
  }

  /// Rule 17's order: by policy key, byte by byte.
  func byKey(_ refs: [VersionRef]) -> [VersionRef] {
    refs.sorted { $0.policy.utf8.lexicographicallyPrecedes($1.policy.utf8) }
  }

  /// One timeline row per announced version (rule 17), or one with none.
  private func perVersion(_ refs: [VersionRef]) -> [VersionRef?] {
    refs.isEmpty ? [nil] : byKey(refs).map { $0 }
  }

  private func inRange(_ at: Instant, _ from: Instant?, _ to: Instant?) -> Bool {
    (from.map { $0 <= at } ?? true) && (to.map { at <= $0 } ?? true)
  }

  /// `timeline --employee E`: the notices and corrections E received and E's acknowledgements,
  /// known in the view, with `from ≤ at ≤ to`, by `at` then journal order: a message's row is
  /// the delivery that reached E, at its time and in its entry's place (a resend's, or the
  /// message's own). An employee to whom
  /// the journal never sent anything is an error, as an unknown policy is (rule 15).
  func timeline(employee: String, from: Instant?, to: Instant?, _ view: View) throws(ModelError) -> [TimelineAnswer] {
    try checkEmployee(employee)
    var rows: [(seq: Int, row: TimelineAnswer)] = []
    for entry in entries {
      switch entry {
      case .version, .resend: continue
      case .notice(let n):
        // Rule 16: at the known delivery that reached the employee, at its own time.
        guard let d = delivery(of: n.id, to: employee, view), inRange(d.sentAt, from, to) else { continue }
        for ref in perVersion(n.announces) {
          rows.append(
            (
              d.seq,
              TimelineAnswer(
                at: d.sentAt, kind: "notice", id: n.id, policy: ref?.policy, version: ref?.number,
                subject: n.subject, status: noticeStatus(n, employee: employee, view))
            ))
        }
      case .correction(let c):
        guard let d = delivery(of: c.id, to: employee, view), inRange(d.sentAt, from, to) else { continue }
        for var row in correctionRows(c) {
          row.at = d.sentAt
          rows.append((d.seq, row))
        }
      case .ack(let a):
        guard a.employee == employee, isKnown(businessTime: a.at, recordedAt: a.recordedAt, view),
          inRange(a.at, from, to)
        else { continue }
        let n = notice(a.notice)!
        rows.append(
          (
            a.seq,
            TimelineAnswer(
              at: a.at, kind: "acknowledgement", id: n.id, policy: byKey(n.announces).first?.policy,
              version: byKey(n.announces).first?.number,
              subject: n.subject, status: "acknowledged")
          ))
      }
    }
    return ordered(rows)
  }

  /// `timeline --policy KEY`: the notices announcing a version of the policy and the corrections
  /// affecting one, known in the view, with `from ≤ at ≤ to`, by `at` then journal order.
  func timeline(policy: String, from: Instant?, to: Instant?, _ view: View) throws(ModelError) -> [TimelineAnswer] {
    try checkPolicy(policy)
    var rows: [(seq: Int, row: TimelineAnswer)] = []
    for entry in entries {
      switch entry {
      case .version(let v):
        // Its versions known in the view, at their announced_at.
        guard v.policy == policy, isKnown(v, view), inRange(v.announcedAt, from, to) else { continue }
        rows.append(
          (
            v.seq,
            TimelineAnswer(
              at: v.announcedAt, kind: "version", id: v.ref.description, policy: policy, version: v.number, subject: v.title,
              status: isVoid(v, view) ? "void" : "announced")
          ))
      case .ack, .resend: continue
      case .notice(let n):
        guard let ref = n.announces.first(where: { $0.policy == policy }),
          isKnown(businessTime: n.sentAt, recordedAt: n.recordedAt, view), inRange(n.sentAt, from, to)
        else { continue }
        rows.append(
          (
            n.seq,
            TimelineAnswer(
              at: n.sentAt, kind: "notice", id: n.id, policy: policy, version: ref.number,
              subject: n.subject, status: noticeStatus(n, employee: nil, view))
          ))
      case .correction(let c):
        guard isKnown(businessTime: c.issuedAt, recordedAt: c.recordedAt, view), inRange(c.issuedAt, from, to)
        else { continue }
        for row in correctionRows(c) where row.policy == policy { rows.append((c.seq, row)) }
      }
    }
    return ordered(rows)
  }

  /// A correction's rows: one per version it is about (rule 17), or one with none.
  private func correctionRows(_ c: Correction) -> [TimelineAnswer] {
    let target: String
    switch c.target {
    case .notice(let id): target = id
    case .version(let r): target = r.description
    }
    return perVersion(subjectVersions(of: c)).map { ref in
      TimelineAnswer(
        at: c.issuedAt, kind: c.kind.rawValue, id: c.id, policy: ref?.policy, version: ref?.number,
        subject: c.statement, status: "sent", target: target)
    }
  }

  /// By `at`, then journal order, then (the rows of one entry: rule 17) policy key.
  private func ordered(_ rows: [(seq: Int, row: TimelineAnswer)]) -> [TimelineAnswer] {
    rows.sorted { a, b in
      if (a.row.at, a.seq) != (b.row.at, b.seq) { return (a.row.at, a.seq) < (b.row.at, b.seq) }
      return (a.row.policy ?? "").utf8.lexicographicallyPrecedes((b.row.policy ?? "").utf8)
    }.map(\.row)
  }

  /// One row of `recipients ID` in a view.
  struct RecipientAnswer: Equatable, CustomStringConvertible {
    var employee: String
    var status: String
    var acknowledgedAt: Instant?
    var sentAt: Instant

    var description: String { "\(employee) \(status) \(acknowledgedAt.map(Grid.name) ?? "-") \(Grid.name(sentAt))" }
  }

  /// `recipients ID` as known in a view (rules 1, 14, 16): each employee whom a known
  /// delivery of the message reached (the first or a resend), at the earliest such delivery,
  /// by employee id, with the acknowledgement known in the view. A correction's rows are
  /// `received`. Rule 16 as written, not the library's one-delivery-per-person invariant.
  func recipients(of id: String, _ view: View) throws(ModelError) -> [RecipientAnswer] {
    guard notice(id) != nil || correction(id) != nil else { throw ModelError(description: "no notice or correction '\(id)'") }
    var rows: [RecipientAnswer] = []
    for employee in everyRecipient(of: id).sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
      guard let delivery = self.delivery(of: id, to: employee, view) else { continue }
      let ack = acks.first { $0.notice == id && $0.employee == employee && isKnown(businessTime: $0.at, recordedAt: $0.recordedAt, view) }
      let status = correction(id) != nil ? "received" : ack == nil ? "unacknowledged" : "acknowledged"
      rows.append(RecipientAnswer(employee: employee, status: status, acknowledgedAt: ack?.at, sentAt: delivery.sentAt))
    }
    return rows
  }

  struct OutstandingAnswer: Equatable, CustomStringConvertible {
    var notice: String
    var employee: String
    var correction: String
    var correctionKind: CorrectionKind

    var description: String { "\(notice) \(employee) \(correction) \(correctionKind.rawValue)" }
  }

  /// Rule 9: one row for each known correction C, each known notice N that C affects, and each
  /// recipient of N (by a known delivery) whom no known delivery of C reached; ordered by the
  /// notice, correction and employee columns (their ids, compared byte by byte).
  func outstanding(notice only: String?, _ view: View) throws(ModelError) -> [OutstandingAnswer] {
    if let only, notice(only) == nil {
      // Rule 15: "no notice" only for an id never recorded; a correction's is named as one.
      if corrections.contains(where: { $0.id == only }) {
        throw ModelError(description: "'\(only)' is a correction, not a notice; give a notice's id (what it corrects: 'policy-ledger show \(only)')")
      }
      throw ModelError(description: "no notice '\(only)'")
    }
    var rows: [OutstandingAnswer] = []
    for c in corrections where counts(c, view) {
      for n in notices where affects(c, notice: n) && isKnown(businessTime: n.sentAt, recordedAt: n.recordedAt, view) {
        if let only, n.id != only { continue }
        for employee in everyRecipient(of: n.id)
        where delivery(of: n.id, to: employee, view) != nil && delivery(of: c.id, to: employee, view) == nil {
          rows.append(OutstandingAnswer(notice: n.id, employee: employee, correction: c.id, correctionKind: c.kind))
        }
      }
    }
    func bytes(_ row: OutstandingAnswer) -> [[UInt8]] { [Array(row.notice.utf8), Array(row.correction.utf8), Array(row.employee.utf8)] }
    return rows.sorted { a, b in
      bytes(a).lexicographicallyPrecedes(bytes(b)) { $0.lexicographicallyPrecedes($1) }
    }
  }
}
