import Foundation

/// One row of `timeline`.
public struct TimelineRow: TabularRow, Equatable, Sendable {
  /// What happened.
  public enum Kind: String, Sendable {
    /// A notice sent; a retraction or amendment issued; a notice acknowledged; a version
    /// announced (policy timelines only).
    case notice, retraction, amendment, acknowledgement, version
  }

  /// When: a notice's `sent_at`, a correction's `issued_at`, an acknowledgement's `at`.
  public var at: Instant
  /// What kind of entry.
  public var kind: Kind
  /// The notice or correction id (for an acknowledgement, the notice's).
  public var id: String
  /// The policy concerned, when there is one.
  public var policy: String?
  /// The version concerned, when there is one.
  public var version: Int64?
  /// A notice's subject (also for its acknowledgements), or a correction's statement.
  public var subject: String
  /// A notice's status as known in the view (`sent`, `acknowledged`, `amended`,
  /// `retracted`); `sent` for a correction, `acknowledged` for an acknowledgement.
  public var status: String
  /// What a correction row corrects: its notice's id, or the version as `KEY@N`; nil on other rows.
  public var target: String? = nil
  /// Journal order, the tie-breaker after `at`: the entry's sequence number; in an
  /// employee's timeline, for a notice or correction, that of the delivery that reached
  /// the employee (a resend's entry, or the message's own), whose time `at` is.
  public var seq: Int64

  /// `at, kind, id, policy, version, subject, status, target`.
  public static let columns = ["at", "kind", "id", "policy", "version", "subject", "status", "target"]

  /// The row's cells, in ``columns`` order.
  public func cells(timeZone: TimeZone?) -> [Cell] {
    [
      .time(at, timeZone), .text(kind.rawValue), .text(id), .text(policy), .integer(version), .text(subject), .text(status),
      .text(target),
    ]
  }
}

extension Ledger {
  /// The notices and corrections `employee` received and their acknowledgements, in
  /// order of `at`, then journal order; `from`/`to` include both ends.
  public func timeline(employee: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init()) throws -> [TimelineRow] {
    try read {
      let employeeID = try requireEmployee(employee)
      // The notices this employee had acknowledged, as known in the view.
      var acked = Set<Int64>()
      try store.forEachAck(byEmployee: employeeID) { notice, at, recordedAt in
        if view.knows(businessTime: at, recordedAt: recordedAt) { acked.insert(notice) }
      }
      var rows: [TimelineRow] = []
      try store.forEachNotice(deliveredTo: employeeID) { notice in
        if let r = try noticeRow(notice, view: view, acknowledged: acked.contains) { rows.append(r) }
      }
      try store.forEachCorrection(deliveredTo: employeeID) { correction in
        if let r = correctionRow(correction, view: view) { rows.append(r) }
      }
      try store.forEachAcknowledgement(byEmployee: employeeID) { ack in
        guard view.knows(businessTime: ack.at, recordedAt: ack.recordedAt) else { return }
        rows.append(
          TimelineRow(
            at: ack.at, kind: .acknowledgement, id: ack.id, policy: ack.policy, version: ack.version,
            subject: ack.subject, status: "acknowledged", seq: ack.seq))
      }
      return Ledger.ordered(rows, from: from, to: to)
    }
  }

  /// The versions of `policy` known in the view (kind `version`, at their `announced_at`,
  /// id `KEY@N`, subject the title, status `void` or `announced`), the notices announcing
  /// them and the corrections affecting them.
  public func timeline(policy: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init()) throws -> [TimelineRow] {
    try read {
      let policyID = try requirePolicy(policy)
      var rows: [TimelineRow] = []
      try store.forEachNotice(policy: policyID) { notice in
        if let r = try noticeRow(notice, view: view, acknowledged: { _ in false }) { rows.append(r) }
      }
      try store.forEachCorrection(policy: policyID) { correction in
        if let r = correctionRow(correction, view: view) { rows.append(r) }
      }
      for v in Bitemporal.view(try store.loadFacts(policyID: policyID, key: policy, viewer: nil), view) {
        rows.append(
          TimelineRow(
            at: v.facts.announcedAt, kind: .version, id: "\(policy)@\(v.facts.number)", policy: policy, version: v.facts.number,
            subject: v.facts.title, status: v.isVoid ? "void" : "announced", seq: v.facts.seq))
      }
      return Ledger.ordered(rows, from: from, to: to)
    }
  }

  /// A notice's timeline row; nil when the view does not know it.
  func noticeRow(_ row: LedgerStore.TimelineEvent, view: Bitemporal.View, acknowledged: (Int64) -> Bool) throws -> TimelineRow? {
    guard case .notice(let announces) = row.detail else { return nil }
    let notice = NoticeFacts(
      seq: row.seq, id: row.id, sentAt: row.at, recordedAt: row.recordedAt, announces: announces,
      viewerDelivery: Delivery(sentAt: row.at, recordedAt: row.recordedAt))
    guard view.knows(businessTime: notice.sentAt, recordedAt: notice.recordedAt) else { return nil }
    return TimelineRow(
      at: notice.sentAt, kind: .notice, id: notice.id, policy: row.policy, version: row.version,
      subject: row.subject, status: try noticeStatus(notice, acknowledged: acknowledged(notice.seq), view: view),
      seq: row.entry)
  }

  private func correctionRow(_ row: LedgerStore.TimelineEvent, view: Bitemporal.View) -> TimelineRow? {
    guard case .correction(let kind, let target) = row.detail, view.knows(businessTime: row.at, recordedAt: row.recordedAt)
    else {
      return nil
    }
    return TimelineRow(
      at: row.at, kind: kind == .retraction ? .retraction : .amendment, id: row.id,
      policy: row.policy, version: row.version, subject: row.subject, status: "sent", target: target, seq: row.entry)
  }

  /// The corrections that could affect `notice` — those targeting it, and those affecting
  /// any version it announces (rule 17: one notice, several versions) — judged by
  /// ``Bitemporal/noticeStatus``. Each row of a notice announcing several versions gets the same status.
  private func noticeStatus(_ notice: NoticeFacts, acknowledged: Bool, view: Bitemporal.View) throws -> String {
    var notice = notice
    var corrections: [CorrectionFacts]
    if notice.announces == nil {
      corrections = try store.correctionFacts(targetingNotice: notice.seq)
    } else {
      // Those affecting a version it announces include those targeting the notice.
      let versions = try store.versionsAnnounced(byNotice: notice.seq, inKeyOrder: false)
      notice.alsoAnnounces = versions.filter { $0 != notice.announces }
      corrections = try versions.flatMap { try store.correctionFacts(affectingVersion: $0) }
      if versions.count > 1 {
        var seen = Set<Int64>()
        corrections = corrections.filter { seen.insert($0.seq).inserted }
      }
    }
    return Bitemporal.noticeStatus(notice: notice, corrections: corrections, acknowledged: acknowledged, view: view)
  }

  static func ordered(_ rows: [TimelineRow], from: Instant?, to: Instant?) -> [TimelineRow] {
    rows.filter { row in (from.map { row.at >= $0 } ?? true) && (to.map { row.at <= $0 } ?? true) }
      .sorted { a, b in
        // Rule 17: a notice announcing several versions gives one row per version, by policy key.
        if (a.at, a.seq) != (b.at, b.seq) { return (a.at, a.seq) < (b.at, b.seq) }
        return (a.policy ?? "").utf8.lexicographicallyPrecedes((b.policy ?? "").utf8)
      }
  }
}
