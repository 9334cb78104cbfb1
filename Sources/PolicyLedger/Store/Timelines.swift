/// What the timelines read: the notices, corrections and acknowledgements of one employee
/// or one policy, each as a ``TimelineEvent``.
extension LedgerStore {
  /// One notice, correction or acknowledgement as a timeline shows it.
  struct TimelineEvent {
    enum Detail {
      /// A notice, and the seq of the version it announces.
      case notice(announces: Int64?)
      /// A correction, and what it targets: a notice id or `KEY@N`.
      case correction(CorrectionKind, target: String)
      case acknowledgement
    }

    var seq: Int64
    /// The notice's or correction's id; for an acknowledgement, the notice's.
    var id: String
    /// The business time: `sent_at`, `issued_at` or the acknowledgement's `at`; in an
    /// employee's timeline, the time of the delivery that reached the employee, and
    /// `recordedAt` that delivery's.
    var at: Instant
    var recordedAt: Instant
    /// A notice's subject (also for its acknowledgements), a correction's statement.
    var subject: String
    /// The version it concerns: announced, affected, or announced by the acknowledged notice.
    var policy: String?
    var version: Int64?
    var detail: Detail
    /// The journal entry whose place the row takes among rows at the same `at`: in an
    /// employee's timeline, the delivery that reached the employee (a resend's entry, or the
    /// message's own); elsewhere `seq`.
    var entry: Int64
  }

  /// Employee number `employee`'s acknowledgements: the notice's seq, the time and when it was recorded.
  func forEachAck(byEmployee employee: Int64, _ body: (_ notice: Int64, _ at: Instant, _ recordedAt: Instant) throws -> Void) throws {
    try db.cached("SELECT a.notice, a.at, j.recorded_at FROM acks a JOIN journal j ON j.seq = a.seq WHERE a.employee = ?")
      .forEach([employee]) { try body($0.int64(0), Instant(microseconds: $0.int64(1)), Instant(microseconds: $0.int64(2))) }
  }

  /// The notices delivered to employee number `employee`.
  func forEachNotice(deliveredTo employee: Int64, _ body: (TimelineEvent) throws -> Void) throws {
    try events(Event.noticesDeliveredTo, employee, Event.notice, entryColumn: Event.detail.rawValue + 1, body)
  }

  /// The notices of policy number `policy`.
  func forEachNotice(policy: Int64, _ body: (TimelineEvent) throws -> Void) throws {
    try events(Event.noticesOfPolicy, policy, Event.notice, body)
  }

  /// The corrections delivered to employee number `employee`.
  func forEachCorrection(deliveredTo employee: Int64, _ body: (TimelineEvent) throws -> Void) throws {
    try events(Event.correctionsDeliveredTo, employee, Event.correction, entryColumn: Event.detail.rawValue + 2, body)
  }

  /// The corrections of policy number `policy`.
  func forEachCorrection(policy: Int64, _ body: (TimelineEvent) throws -> Void) throws {
    try events(Event.correctionsOfPolicy, policy, Event.correction, body)
  }

  /// Every notice (of policy number `policy` when given) with its recipient count, in
  /// order of `sent_at`, then journal order.
  func forEachNotice(policy: Int64?, _ body: (TimelineEvent, _ recipientCount: Int64, _ announces: [String]) throws -> Void) throws {
    let statement = try policy == nil ? db.cached(Event.allNotices) : db.cached(Event.noticesOfPolicyInOrder)
    try statement.forEach(policy.map { [$0] } ?? []) { row in
      try body(
        TimelineEvent(
          seq: row.int64(Event.seq), id: row.string(Event.id), at: row.instant(Event.at),
          recordedAt: row.instant(Event.recordedAt), subject: row.string(Event.subject),
          policy: row.optionalString(Event.policy), version: row.optionalInt64(Event.version), detail: Event.notice(row),
          entry: row.int64(Event.seq)),
        row.int64(Event.detail.rawValue + 1),
        row.optionalString(Event.detail.rawValue + 2).map { $0.split(separator: "\u{1F}").map(String.init) } ?? [])
    }
  }

  /// Employee number `employee`'s acknowledgements.
  func forEachAcknowledgement(byEmployee employee: Int64, _ body: (TimelineEvent) throws -> Void) throws {
    try events(Event.acksByEmployee, employee, { _ in .acknowledgement }, body)
  }

  /// `entryColumn`: the column holding the row's ``TimelineEvent/entry``, when not `seq`.
  private func events(
    _ sql: String, _ key: Int64, _ detail: (Row) throws -> TimelineEvent.Detail, entryColumn: Int? = nil,
    _ body: (TimelineEvent) throws -> Void
  ) throws {
    try db.cached(sql).forEach([key]) { row in
      try body(
        TimelineEvent(
          seq: row.int64(Event.seq), id: row.string(Event.id), at: row.instant(Event.at),
          recordedAt: row.instant(Event.recordedAt), subject: row.string(Event.subject),
          policy: row.optionalString(Event.policy), version: row.optionalInt64(Event.version), detail: try detail(row),
          entry: row.int64(entryColumn ?? Event.seq.rawValue)))
    }
  }

  /// The columns of every timeline query, by name; each query gives its own expression
  /// for each (the `SELECT` lists below, in this order). The notice and correction
  /// queries have the same shape, a query of one table joined to the version it concerns;
  /// their tables and columns differ.
  private enum Event: Int, NamedColumns {
    case seq, id, at, recordedAt, subject, policy, version, detail

    static func notice(_ row: Row) -> TimelineEvent.Detail { .notice(announces: row.optionalInt64(Event.detail)) }
    static func correction(_ row: Row) throws -> TimelineEvent.Detail {
      .correction(try CorrectionKind(stored: row.string(Event.detail)), target: row.string(Event.detail.rawValue + 1))
    }

    // A notice announcing several versions (rule 17) gives one row per version, through
    // `notice_versions`; one announcing none gives one row with no version.
    /// An employee's notices at the delivery that reached them (rule 16): a resend's
    /// `sent_at` and `recorded_at`, or the notice's own.
    static let noticesDeliveredTo = """
      SELECT n.seq, n.id, coalesce(r.sent_at, n.sent_at), j.recorded_at, n.subject, p.key, v.version, nv.version,
        coalesce(d.via, d.message)
      FROM all_deliveries d JOIN notices n ON n.seq = d.message LEFT JOIN resends r ON r.seq = d.via
      JOIN journal j ON j.seq = coalesce(d.via, d.message)
      LEFT JOIN notice_versions nv ON nv.notice = n.seq
      LEFT JOIN versions v ON v.seq = nv.version LEFT JOIN policies p ON p.id = nv.policy
      WHERE d.employee = ?
      """

    /// The notices announcing a version of the policy, one row each (the row of that policy's version).
    static let noticesOfPolicy = """
      SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.subject, p.key, v.version, nv.version
      FROM notice_versions nv JOIN notices n ON n.seq = nv.notice JOIN journal j ON j.seq = n.seq
      JOIN versions v ON v.seq = nv.version JOIN policies p ON p.id = nv.policy
      WHERE nv.policy = ?
      """
    /// One row per notice (`notices`): the notice columns with its first version (key
    /// order), then the recipient count, then every version it announces as `KEY@N`,
    /// joined by U+001F (which no key holds) in key order.
    private static let listed = """
      SELECT n.seq, n.id, n.sent_at, j.recorded_at, n.subject, p.key, v.version, n.announces, \(reached), \(announcing)
      FROM notices n JOIN journal j ON j.seq = n.seq LEFT JOIN versions v ON v.seq = n.announces
      LEFT JOIN policies p ON p.id = n.policy
      """
    static let allNotices = "\(listed) ORDER BY n.sent_at, n.seq"
    static let noticesOfPolicyInOrder =
      "\(listed) WHERE n.seq IN (SELECT notice FROM notice_versions WHERE policy = ?) ORDER BY n.sent_at, n.seq"
    /// Everyone a notice reached, over all its deliveries: its own count and its resends' (rule 16).
    private static let reached = MessageDeliveries.reached("n.recipient_count", "n.seq")
    private static let announcing = """
      (SELECT group_concat(ref, char(31)) FROM (
        SELECT ap.key || '@' || av.version AS ref FROM notice_versions anv JOIN versions av ON av.seq = anv.version
        JOIN policies ap ON ap.id = anv.policy WHERE anv.notice = n.seq ORDER BY ap.key))
      """

    /// What a correction targets, after its other columns: the notice's id, or the version
    /// as `KEY@N` (a correction of a version affects that version, so `v` and `p` are it).
    private static let target = "CASE WHEN c.notice IS NOT NULL THEN tn.id ELSE p.key || '@' || v.version END"
    private static let corrections = """
      SELECT c.seq, c.id, c.issued_at, j.recorded_at, c.statement, p.key, v.version, c.kind, \(target)
      """
    /// An employee's corrections at the delivery that reached them, as notices above; a
    /// correction of a notice announcing several versions affects each (rules 2, 17): one
    /// row per version.
    static let correctionsDeliveredTo = """
      SELECT c.seq, c.id, coalesce(r.sent_at, c.issued_at), j.recorded_at, c.statement, p.key, v.version, c.kind, \(target),
        coalesce(d.via, d.message)
      FROM all_deliveries d JOIN corrections c ON c.seq = d.message LEFT JOIN resends r ON r.seq = d.via
      JOIN journal j ON j.seq = coalesce(d.via, d.message)
      LEFT JOIN notice_versions cv ON cv.notice = c.notice
      LEFT JOIN versions v ON v.seq = coalesce(cv.version, c.version) LEFT JOIN policies p ON p.id = v.policy
      LEFT JOIN notices tn ON tn.seq = c.notice
      WHERE d.employee = ?
      """

    /// The corrections of the policy's versions and of the notices announcing them, one row each.
    static let correctionsOfPolicy = """
      \(corrections) FROM corrections c JOIN journal j ON j.seq = c.seq
      JOIN versions v ON v.seq = c.version JOIN policies p ON p.id = v.policy LEFT JOIN notices tn ON tn.seq = c.notice
      WHERE c.policy = ?1 AND c.version IS NOT NULL
      UNION ALL
      \(corrections) FROM notice_versions cv JOIN corrections c ON c.notice = cv.notice JOIN journal j ON j.seq = c.seq
      JOIN versions v ON v.seq = cv.version JOIN policies p ON p.id = cv.policy LEFT JOIN notices tn ON tn.seq = c.notice
      WHERE cv.policy = ?1
      """

    static let acksByEmployee = """
      SELECT a.seq, n.id, a.at, j.recorded_at, n.subject, p.key, v.version, NULL
      FROM acks a JOIN notices n ON n.seq = a.notice JOIN journal j ON j.seq = a.seq
      LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy
      WHERE a.employee = ?
      """
  }
}
