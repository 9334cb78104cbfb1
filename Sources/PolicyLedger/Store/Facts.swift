/// Loading what the ledger recorded about one policy, with indexed lookups only: the
/// facts ``Bitemporal``'s rules are applied to.
extension LedgerStore {
  /// The facts of the policy that version `seq` belongs to; nil when no version has that seq.
  func loadFacts(policyOfVersion seq: Int64, viewer: String?) throws -> PolicyFacts? {
    guard
      let (id, key) = try db.cached("SELECT p.id, p.key FROM versions v JOIN policies p ON p.id = v.policy WHERE v.seq = ?")
        .first([seq], { ($0.int64(0), $0.string(1)) })
    else { return nil }
    return try loadFacts(policyID: id, key: key, viewer: viewer)
  }

  /// The facts of policy `policyID` (its key `key`), with `viewerDelivery` filled in for `viewer`.
  /// - Throws: `LedgerError` (``LedgerError/Code/damaged``) for a correction of a kind this
  ///   version does not know.
  func loadFacts(policyID: Int64, key: String, viewer: String?) throws -> PolicyFacts {
    // No viewer, or one the directory does not have (who received nothing): the statements
    // without the joins that find the delivery that reached the viewer.
    let employee = try viewer.flatMap { try employeeID($0) }
    let (noticesSQL, correctionsSQL, values): (String, String, [any SQLiteBindable]) =
      if let employee { (NoticeColumns.select, CorrectionColumns.byPolicy, [policyID, employee]) } else {
        (NoticeColumns.selectForNobody, CorrectionColumns.byPolicyForNobody, [policyID])
      }
    let versions = try db.cached(VersionColumns.select).map([policyID]) { row in
      VersionFacts(
        seq: row.int64(VersionColumns.seq), policy: key, number: row.int64(VersionColumns.version),
        title: row.string(VersionColumns.title), effectiveFrom: row.instant(VersionColumns.effectiveFrom),
        effectiveUntil: row.optionalInstant(VersionColumns.effectiveUntil),
        announcedAt: row.instant(VersionColumns.announcedAt), recordedAt: row.instant(VersionColumns.recordedAt),
        bodySHA256: row.string(VersionColumns.bodySHA256),
        appliesTo: row.optionalString(VersionColumns.appliesTo.rawValue).map(Groups.split))
    }
    let notices = try db.cached(noticesSQL).map(values) { row in
      NoticeFacts(
        seq: row.int64(NoticeColumns.seq), id: row.string(NoticeColumns.id), sentAt: row.instant(NoticeColumns.sentAt),
        recordedAt: row.instant(NoticeColumns.recordedAt), announces: row.optionalInt64(NoticeColumns.announces),
        viewerDelivery: row.optionalInt64(NoticeColumns.deliveredAt).map {
          Delivery(sentAt: Instant(microseconds: $0), recordedAt: row.instant(NoticeColumns.deliveryRecordedAt))
        })
    }
    var corrections = try db.cached(correctionsSQL).map(values, LedgerStore.correctionFacts)
    corrections.sort { $0.seq < $1.seq }
    return PolicyFacts(key: key, versions: versions, notices: notices, corrections: corrections)
  }

  /// Every correction affecting version `seq`, as nobody's view: no `viewerDelivery`.
  func correctionFacts(affectingVersion seq: Int64) throws -> [CorrectionFacts] {
    try db.cached(CorrectionColumns.byAffectedVersion).map([seq], LedgerStore.correctionFacts)
  }

  /// Every correction targeting notice `seq`, as nobody's view.
  func correctionFacts(targetingNotice seq: Int64) throws -> [CorrectionFacts] {
    try db.cached(CorrectionColumns.byNotice).map([seq], LedgerStore.correctionFacts)
  }

  /// A policy's versions, in version order; `?1` is the policy's number.
  private enum VersionColumns: Int, ResultColumns {
    case seq, version, title, effectiveFrom, effectiveUntil, announcedAt, recordedAt, bodySHA256, appliesTo

    var sql: String {
      switch self {
      case .seq: "v.seq"
      case .version: "v.version"
      case .title: "v.title"
      case .effectiveFrom: "v.effective_from"
      case .effectiveUntil: "v.effective_until"
      case .announcedAt: "v.announced_at"
      case .recordedAt: "j.recorded_at"
      case .bodySHA256: "v.body_sha256"
      case .appliesTo: "v.applies_to"
      }
    }

    static let select =
      "SELECT \(selectList) FROM versions v JOIN journal j ON j.seq = v.seq WHERE v.policy = ? ORDER BY v.version"
  }

  /// The notices announcing a version of the policy (rule 17: through `notice_versions`),
  /// in journal order, each with that version; `?1` is the policy's number, `?2` the
  /// viewer's employee number.
  private enum NoticeColumns: Int, ResultColumns {
    case seq, id, sentAt, recordedAt, announces, deliveredAt, deliveryRecordedAt

    var sql: String {
      switch self {
      case .seq: "n.seq"
      case .id: "n.id"
      case .sentAt: "n.sent_at"
      case .recordedAt: "j.recorded_at"
      case .announces: "nv.version"
      case .deliveredAt: "CASE WHEN coalesce(d.message, rd.message) IS NULL THEN NULL ELSE coalesce(r.sent_at, n.sent_at) END"
      case .deliveryRecordedAt: "jd.recorded_at"
      }
    }

    /// The delivery columns, NULL in ``selectForNobody``.
    var isDelivery: Bool { self == .deliveredAt || self == .deliveryRecordedAt }

    static let select = """
      SELECT \(selectList) FROM notice_versions nv JOIN notices n ON n.seq = nv.notice JOIN journal j ON j.seq = n.seq
      LEFT JOIN deliveries d ON d.message = n.seq AND d.employee = ?2
      LEFT JOIN resent_deliveries rd ON rd.message = n.seq AND rd.employee = ?2
      LEFT JOIN resends r ON r.seq = coalesce(d.via, rd.via)
      LEFT JOIN journal jd ON jd.seq = coalesce(d.via, rd.via, d.message)
      WHERE nv.policy = ?1 ORDER BY n.seq
      """
    /// The same rows for no viewer: no delivery columns, none of their joins (preparing the
    /// joins was half the statement's cost in a one-query CLI run; docs/performance.md).
    static let selectForNobody = """
      SELECT \(selectList { $0.isDelivery }) FROM notice_versions nv JOIN notices n ON n.seq = nv.notice
      JOIN journal j ON j.seq = n.seq WHERE nv.policy = ?1 ORDER BY n.seq
      """

  }

  /// Corrections as ``correctionFacts(_:)`` reads them; in the statements for a viewer, `?2`
  /// is the viewer's employee number.
  private enum CorrectionColumns: Int, ResultColumns {
    case seq, id, kind, notice, version, affectedVersion, voidVersion, issuedAt, recordedAt, effectiveFrom
    case effectiveUntil, deliveredAt, deliveryRecordedAt

    var sql: String {
      switch self {
      case .seq: "c.seq"
      case .id: "c.id"
      case .kind: "c.kind"
      case .notice: "c.notice"
      case .version: "c.version"
      case .affectedVersion: "coalesce(nv.version, c.version)"
      case .voidVersion: "c.void_version"
      case .issuedAt: "c.issued_at"
      case .recordedAt: "j.recorded_at"
      case .effectiveFrom: "c.effective_from"
      case .effectiveUntil: "c.effective_until"
      case .deliveredAt: "CASE WHEN coalesce(d.message, rd.message) IS NULL THEN NULL ELSE coalesce(r.sent_at, c.issued_at) END"
      case .deliveryRecordedAt: "jd.recorded_at"
      }
    }

    /// The delivery columns, NULL in the statements for nobody.
    var isDelivery: Bool { self == .deliveredAt || self == .deliveryRecordedAt }

    /// The joins after `c` (a correction) that find the delivery that reached the viewer,
    /// `?2`.
    private static let deliveryJoins = """
      LEFT JOIN deliveries d ON d.message = c.seq AND d.employee = ?2
      LEFT JOIN resent_deliveries rd ON rd.message = c.seq AND rd.employee = ?2
      LEFT JOIN resends r ON r.seq = coalesce(d.via, rd.via)
      LEFT JOIN journal jd ON jd.seq = coalesce(d.via, rd.via, d.message)
      """
    /// Corrections, each with `nv` the versions its target notice announces (one row each),
    /// or none for a correction of a version (its `c.notice` is NULL); as seen by the
    /// viewer `?2`, or by nobody (no delivery columns, none of their joins).
    private static func ofVersions(viewer: Bool) -> String {
      "SELECT \(list(viewer: viewer)) FROM corrections c LEFT JOIN notice_versions nv ON nv.notice = c.notice JOIN journal j ON j.seq = c.seq \(viewer ? deliveryJoins : "")"
    }
    /// Corrections of a version (`c.version` set, so `c.notice` NULL: a correction targets
    /// one or the other): the version is the one they affect, with no join to look up the
    /// versions of a notice they do not have.
    private static func ofVersionTargets(viewer: Bool) -> String {
      let list = selectList { column in
        column == .affectedVersion ? "c.version" : (!viewer && column.isDelivery ? "NULL" : column.sql)
      }
      return "SELECT \(list) FROM corrections c JOIN journal j ON j.seq = c.seq \(viewer ? deliveryJoins : "")"
    }
    /// Corrections of a notice, once per version it announces (rules 2, 17).
    private static func ofNoticeVersions(viewer: Bool) -> String {
      "SELECT \(list(viewer: viewer)) FROM notice_versions nv JOIN corrections c ON c.notice = nv.notice JOIN journal j ON j.seq = c.seq \(viewer ? deliveryJoins : "")"
    }
    private static func list(viewer: Bool) -> String { viewer ? selectList : selectList { $0.isDelivery } }

    /// Each correction affecting a version of the policy, with that version; `?1` is the
    /// policy's number, `?2` the viewer's employee number. Unordered: ``loadFacts(policyID:key:viewer:)``
    /// puts the rows in journal order (a sort in the statement cost a one-query CLI run
    /// 0.04 M instructions, as much again as the rows' own sort; docs/performance.md).
    static let byPolicy = byPolicy(viewer: true)
    /// The same for no viewer (preparing the delivery joins was half the statement's cost in
    /// a one-query CLI run; docs/performance.md); `?1` is the policy's number.
    static let byPolicyForNobody = byPolicy(viewer: false)
    private static func byPolicy(viewer: Bool) -> String {
      """
      \(ofVersionTargets(viewer: viewer)) WHERE c.policy = ?1 AND c.version IS NOT NULL
      UNION ALL
      \(ofNoticeVersions(viewer: viewer)) WHERE nv.policy = ?1
      """
    }
    /// For nobody; `?1` is the version's seq.
    static let byAffectedVersion = """
      \(ofVersionTargets(viewer: false)) WHERE c.affected_version = ?1 AND c.version IS NOT NULL
      UNION ALL
      \(ofNoticeVersions(viewer: false)) WHERE nv.version = ?1
      """
    /// For nobody; `?1` is the notice's seq; a notice announcing no version gives its
    /// corrections no version.
    static let byNotice = "\(ofVersions(viewer: false)) WHERE c.notice = ?1"
  }

  private static func correctionFacts(_ row: Row) throws -> CorrectionFacts {
    typealias C = CorrectionColumns
    return CorrectionFacts(
      seq: row.int64(C.seq), id: row.string(C.id), kind: try CorrectionKind(stored: row.string(C.kind)),
      targetNotice: row.optionalInt64(C.notice), targetVersion: row.optionalInt64(C.version),
      affectedVersion: row.optionalInt64(C.affectedVersion), voidVersion: row.bool(C.voidVersion),
      issuedAt: row.instant(C.issuedAt), recordedAt: row.instant(C.recordedAt),
      effectiveFrom: row.optionalInstant(C.effectiveFrom), effectiveUntil: row.optionalInstant(C.effectiveUntil),
      viewerDelivery: row.optionalInt64(C.deliveredAt).map {
        Delivery(sentAt: Instant(microseconds: $0), recordedAt: row.instant(C.deliveryRecordedAt))
      })
  }
}

extension CorrectionKind {
  /// The kind a stored row names. A kind this version does not know is refused rather than
  /// read as another: the ledger was changed behind its back, or by a newer version.
  init(stored text: String) throws {
    guard let kind = CorrectionKind(rawValue: text) else {
      throw LedgerError(
        .damaged, "the corrections table holds a correction of unknown kind '\(Identifier.printable(text))'; run 'policy-ledger verify'")
    }
    self = kind
  }
}

// MARK: - Policies

extension LedgerStore {
  /// Every policy's number and key, in key order.
  func forEachPolicy(_ body: (_ id: Int64, _ key: String) throws -> Void) throws {
    try db.prepare("SELECT id, key FROM policies ORDER BY key").forEach { try body($0.int64(0), $0.string(1)) }
  }

  /// The keys of the policies with a version recorded by `recordedAt`, in key order.
  func policyKeys(recordedBy recordedAt: Instant?) throws -> [String] {
    try db.prepare(
      """
      SELECT p.key FROM policies p
      WHERE EXISTS (SELECT 1 FROM versions v JOIN journal j ON j.seq = v.seq WHERE v.policy = p.id AND j.recorded_at <= ?)
      ORDER BY p.key
      """
    ).map([recordedAt?.microseconds ?? .max]) { $0.string(0) }
  }
}
