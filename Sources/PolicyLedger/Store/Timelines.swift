/// What the timelines read: the notices, corrections and acknowledgements of one employee
/// or one policy, each row with its journal seq, business and recorded times, and the
/// `KEY@N` of the version it concerns.
extension LedgerStore {
  /// A notice as a timeline shows it.
  struct TimelineNotice {
    var facts: NoticeFacts
    var subject: String
    var policy: String?
    var version: Int64?
  }

  /// A correction as a timeline shows it: the version it affects, its statement as subject.
  struct TimelineCorrection {
    var seq: Int64
    var id: String
    var kind: CorrectionKind
    var issuedAt: Instant
    var recordedAt: Instant
    var statement: String
    var policy: String?
    var version: Int64?
  }

  /// An acknowledgement as a timeline shows it: the notice's id, subject and version.
  struct TimelineAck {
    var seq: Int64
    var notice: String
    var at: Instant
    var recordedAt: Instant
    var subject: String
    var policy: String?
    var version: Int64?
  }

  /// Employee number `employee`'s acknowledgements: the notice's seq, the time and when it was recorded.
  func forEachAck(byEmployee employee: Int64, _ body: (_ notice: Int64, _ at: Instant, _ recordedAt: Instant) throws -> Void) throws {
    try db.cached("SELECT a.notice, a.at, j.recorded_at FROM acks a JOIN journal j ON j.seq = a.seq WHERE a.employee = ?")
      .forEach([employee]) { try body($0.int64(0), Instant(microseconds: $0.int64(1)), Instant(microseconds: $0.int64(2))) }
  }

  /// The notices delivered to employee number `employee`, with `receivedByViewer` set.
  func forEachNotice(deliveredTo employee: Int64, _ body: (TimelineNotice) throws -> Void) throws {
    try db.cached(NoticeColumns.deliveredTo).forEach([employee]) { try body(LedgerStore.timelineNotice($0)) }
  }

  /// The notices of policy number `policy`, with `receivedByViewer` set.
  func forEachNotice(policy: Int64, _ body: (TimelineNotice) throws -> Void) throws {
    try db.cached(NoticeColumns.ofPolicy).forEach([policy]) { try body(LedgerStore.timelineNotice($0)) }
  }

  /// The corrections delivered to employee number `employee`.
  func forEachCorrection(deliveredTo employee: Int64, _ body: (TimelineCorrection) throws -> Void) throws {
    try db.cached(CorrectionColumns.deliveredTo).forEach([employee]) { try body(try LedgerStore.timelineCorrection($0)) }
  }

  /// The corrections of policy number `policy`.
  func forEachCorrection(policy: Int64, _ body: (TimelineCorrection) throws -> Void) throws {
    try db.cached(CorrectionColumns.ofPolicy).forEach([policy]) { try body(try LedgerStore.timelineCorrection($0)) }
  }

  /// Employee number `employee`'s acknowledgements, as timeline rows.
  func forEachTimelineAck(byEmployee employee: Int64, _ body: (TimelineAck) throws -> Void) throws {
    typealias C = AckColumns
    try db.cached(C.byEmployee).forEach([employee]) { row in
      try body(
        TimelineAck(
          seq: row.int64(C.seq), notice: row.string(C.notice), at: row.instant(C.at), recordedAt: row.instant(C.recordedAt),
          subject: row.string(C.subject), policy: row.optionalString(C.policy), version: row.optionalInt64(C.version)))
    }
  }

  private static func timelineNotice(_ row: Row) -> TimelineNotice {
    typealias C = NoticeColumns
    return TimelineNotice(
      facts: NoticeFacts(
        seq: row.int64(C.seq), id: row.string(C.id), sentAt: row.instant(C.sentAt), recordedAt: row.instant(C.recordedAt),
        announces: row.optionalInt64(C.announces), receivedByViewer: true),
      subject: row.string(C.subject), policy: row.optionalString(C.policy), version: row.optionalInt64(C.version))
  }

  private static func timelineCorrection(_ row: Row) throws -> TimelineCorrection {
    typealias C = CorrectionColumns
    return TimelineCorrection(
      seq: row.int64(C.seq), id: row.string(C.id), kind: try CorrectionKind(stored: row.string(C.kind)),
      issuedAt: row.instant(C.issuedAt), recordedAt: row.instant(C.recordedAt), statement: row.string(C.statement),
      policy: row.optionalString(C.policy), version: row.optionalInt64(C.version))
  }

  private enum NoticeColumns: Int, ResultColumns {
    case seq, id, sentAt, recordedAt, subject, announces, policy, version

    var sql: String {
      switch self {
      case .seq: "n.seq"
      case .id: "n.id"
      case .sentAt: "n.sent_at"
      case .recordedAt: "j.recorded_at"
      case .subject: "n.subject"
      case .announces: "n.announces"
      case .policy: "p.key"
      case .version: "v.version"
      }
    }

    private static let joins =
      "JOIN journal j ON j.seq = n.seq LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy"
    static let deliveredTo =
      "SELECT \(selectList) FROM deliveries d JOIN notices n ON n.seq = d.message \(joins) WHERE d.employee = ?"
    static let ofPolicy = "SELECT \(selectList) FROM notices n \(joins) WHERE n.policy = ?"
  }

  private enum CorrectionColumns: Int, ResultColumns {
    case seq, id, kind, issuedAt, recordedAt, statement, policy, version

    var sql: String {
      switch self {
      case .seq: "c.seq"
      case .id: "c.id"
      case .kind: "c.kind"
      case .issuedAt: "c.issued_at"
      case .recordedAt: "j.recorded_at"
      case .statement: "c.statement"
      case .policy: "p.key"
      case .version: "v.version"
      }
    }

    private static let joins =
      "JOIN journal j ON j.seq = c.seq LEFT JOIN versions v ON v.seq = c.affected_version LEFT JOIN policies p ON p.id = c.policy"
    static let deliveredTo =
      "SELECT \(selectList) FROM deliveries d JOIN corrections c ON c.seq = d.message \(joins) WHERE d.employee = ?"
    static let ofPolicy = "SELECT \(selectList) FROM corrections c \(joins) WHERE c.policy = ?"
  }

  private enum AckColumns: Int, ResultColumns {
    case seq, notice, at, recordedAt, subject, policy, version

    var sql: String {
      switch self {
      case .seq: "a.seq"
      case .notice: "n.id"
      case .at: "a.at"
      case .recordedAt: "j.recorded_at"
      case .subject: "n.subject"
      case .policy: "p.key"
      case .version: "v.version"
      }
    }

    static let byEmployee = """
      SELECT \(selectList)
      FROM acks a JOIN notices n ON n.seq = a.notice JOIN journal j ON j.seq = a.seq
      LEFT JOIN versions v ON v.seq = n.announces LEFT JOIN policies p ON p.id = n.policy
      WHERE a.employee = ?
      """
  }
}
