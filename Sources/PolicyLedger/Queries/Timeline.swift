import Foundation

/// One row of `timeline`.
public struct TimelineRow: TabularRow, Equatable, Sendable {
  public enum Kind: String, Sendable { case notice, retraction, amendment, acknowledgement }

  public var at: Instant
  public var kind: Kind
  public var id: String
  public var policy: String?
  public var version: Int64?
  public var subject: String
  public var status: String
  /// Journal order, the tie-breaker after `at`.
  public var seq: Int64

  public static let columns = ["at", "kind", "id", "policy", "version", "subject", "status"]

  public func cells(timeZone: TimeZone?) -> [Cell] {
    [.time(at, timeZone), .text(kind.rawValue), .text(id), .text(policy), .integer(version), .text(subject), .text(status)]
  }
}

extension Ledger {
  /// The notices and corrections `employee` received and their acknowledgements, in
  /// order of `at`, then journal order; `from`/`to` include both ends.
  public func timeline(employee: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init()) throws -> [TimelineRow] {
    try read {
      guard let employeeID = try db.employeeID(employee) else {
        throw LedgerError("no employee '\(employee)' in this ledger: nothing was sent to them")
      }
      // The notices this employee had acknowledged, as known in the view.
      var acked = Set<Int64>()
      try db.cached("SELECT a.notice, a.at, j.recorded_at FROM acks a JOIN journal j ON j.seq = a.seq WHERE a.employee = ?")
        .forEach([employeeID]) { row in
          if view.knows(businessTime: Instant(microseconds: row.int64(1)), recordedAt: Instant(microseconds: row.int64(2))) {
            acked.insert(row.int64(0))
          }
        }
      var rows: [TimelineRow] = []
      try db.cached(
        """
        SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.subject, n.announces, p.key, v.version
        FROM deliveries d JOIN notices n ON n.seq = d.message JOIN journal j ON j.seq = n.seq
        LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy
        WHERE d.employee = ?
        """
      ).forEach([employeeID]) { row in
        if let r = try noticeRow(row, view: view, acknowledged: acked.contains) { rows.append(r) }
      }
      try db.cached(
        """
        SELECT c.seq, c.id, c.kind, c.issued_at, j.recorded_at, c.statement, p.key, v.version
        FROM deliveries d JOIN corrections c ON c.seq = d.message JOIN journal j ON j.seq = c.seq
        LEFT JOIN versions v ON v.seq = c.affected_version LEFT JOIN policies p ON p.id = c.policy
        WHERE d.employee = ?
        """
      ).forEach([employeeID]) { row in
        if let r = correctionRow(row, view: view) { rows.append(r) }
      }
      try db.cached(
        """
        SELECT a.seq, n.id, a.at, j.recorded_at, n.subject, p.key, v.version
        FROM acks a JOIN notices n ON n.seq = a.notice JOIN journal j ON j.seq = a.seq
        LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy
        WHERE a.employee = ?
        """
      ).forEach([employeeID]) { row in
        let at = Instant(microseconds: row.int64(2))
        guard view.knows(businessTime: at, recordedAt: Instant(microseconds: row.int64(3))) else { return }
        rows.append(
          TimelineRow(
            at: at, kind: .acknowledgement, id: row.string(1), policy: row.optionalString(5),
            version: row.optionalInt64(6), subject: row.string(4), status: "acknowledged", seq: row.int64(0)))
      }
      return Ledger.ordered(rows, from: from, to: to)
    }
  }

  /// The notices announcing versions of `policy` and the corrections affecting them.
  public func timeline(policy: String, from: Instant? = nil, to: Instant? = nil, view: Bitemporal.View = .init()) throws -> [TimelineRow] {
    try read {
      let policyID = try requirePolicy(policy)
      var rows: [TimelineRow] = []
      try db.cached(
        """
        SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.subject, n.announces, p.key, v.version
        FROM notices n JOIN journal j ON j.seq = n.seq
        LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy
        WHERE n.policy = ?
        """
      ).forEach([policyID]) { row in
        if let r = try noticeRow(row, view: view, acknowledged: { _ in false }) { rows.append(r) }
      }
      try db.cached(
        """
        SELECT c.seq, c.id, c.kind, c.issued_at, j.recorded_at, c.statement, p.key, v.version
        FROM corrections c JOIN journal j ON j.seq = c.seq
        LEFT JOIN versions v ON v.seq = c.affected_version LEFT JOIN policies p ON p.id = c.policy
        WHERE c.policy = ?
        """
      ).forEach([policyID]) { row in
        if let r = correctionRow(row, view: view) { rows.append(r) }
      }
      return Ledger.ordered(rows, from: from, to: to)
    }
  }

  /// A notice's timeline row from `seq, id, sent_at, recorded_at, subject, announces, key, version`;
  /// nil when the view does not know it.
  private func noticeRow(_ row: Row, view: Bitemporal.View, acknowledged: (Int64) -> Bool) throws -> TimelineRow? {
    let notice = NoticeFacts(
      seq: row.int64(0), id: row.string(1), sentAt: Instant(microseconds: row.int64(2)),
      recordedAt: Instant(microseconds: row.int64(3)), announces: row.optionalInt64(5), receivedByViewer: true)
    guard view.knows(businessTime: notice.sentAt, recordedAt: notice.recordedAt) else { return nil }
    return TimelineRow(
      at: notice.sentAt, kind: .notice, id: notice.id, policy: row.optionalString(6), version: row.optionalInt64(7),
      subject: row.string(4), status: try noticeStatus(notice, acknowledged: acknowledged(notice.seq), view: view),
      seq: notice.seq)
  }

  private func correctionRow(_ row: Row, view: Bitemporal.View) -> TimelineRow? {
    let at = Instant(microseconds: row.int64(3))
    guard view.knows(businessTime: at, recordedAt: Instant(microseconds: row.int64(4))) else { return nil }
    return TimelineRow(
      at: at, kind: row.string(2) == "retraction" ? .retraction : .amendment, id: row.string(1),
      policy: row.optionalString(6), version: row.optionalInt64(7), subject: row.string(5), status: "sent",
      seq: row.int64(0))
  }

  /// The corrections that could affect `notice`, judged by ``Bitemporal/noticeStatus``.
  private func noticeStatus(_ notice: NoticeFacts, acknowledged: Bool, view: Bitemporal.View) throws -> String {
    let corrections: [CorrectionFacts]
    if let version = notice.announces {
      corrections = try db.cached(
        "SELECT \(Ledger.correctionFactsColumns) FROM corrections c JOIN journal j ON j.seq = c.seq WHERE c.affected_version = ?1"
      ).map([version, -1], Ledger.correctionFacts)
    } else {
      corrections = try db.cached(
        "SELECT \(Ledger.correctionFactsColumns) FROM corrections c JOIN journal j ON j.seq = c.seq WHERE c.notice = ?1"
      ).map([notice.seq, -1], Ledger.correctionFacts)
    }
    return Bitemporal.noticeStatus(notice: notice, corrections: corrections, acknowledged: acknowledged, view: view)
  }

  static func ordered(_ rows: [TimelineRow], from: Instant?, to: Instant?) -> [TimelineRow] {
    rows.filter { row in (from.map { row.at >= $0 } ?? true) && (to.map { row.at <= $0 } ?? true) }
      .sorted { ($0.at, $0.seq) < ($1.at, $1.seq) }
  }
}
