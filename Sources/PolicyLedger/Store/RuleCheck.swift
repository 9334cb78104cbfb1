/// `verify`'s step 8: the journal holds no entry that the recording commands refuse. The
/// chain proves that entries were not changed after they were written, not that they obey
/// the rules: an entry written with a correct hash, by a bug or by someone with the file
/// (or recorded while a projected table was altered and then put back), would otherwise
/// pass. Run once the tables are proven to be the journal's projection (steps 4 to 7), so
/// that SQL over them is SQL over the journal.
extension LedgerStore {
  /// The first entry, by journal number, that breaks one of these rules, and how:
  /// - an acknowledgement comes from a recipient of the notice, no earlier (in time and in
  ///   the journal) than the delivery that reached that employee;
  /// - a correction follows its target in the journal and is issued no earlier than the
  ///   target's business time (a version's `announced_at`, a notice's `sent_at`);
  /// - a resend follows its message and is sent no earlier than the message's first delivery;
  /// - a notice is retracted once, and a version is voided once: by a retraction of it, or
  ///   of a notice announcing it with `void_version`;
  /// - an amendment of a notice targets a notice that announces one version, and one that
  ///   changes an effective date, a notice that announces one (rule 17);
  /// - an amendment that changes an effective date leaves its version a period that is not
  ///   empty, with every amendment of that version before it, in journal order (rule 4);
  /// - a leave (an `employee leave` entry, or a leave row of an `import employees` entry) is
  ///   of someone employed at its `at` as the journal stood before it: their roster row with
  ///   the greatest `at` no later, among the rows before it (an import's earlier rows
  ///   included), ties going to the later one, is a join (rule 19).
  func firstRuleViolation() throws -> (seq: Int64, message: String)? {
    var found: [(seq: Int64, message: String)] = []
    if let row = try db.prepare(
      """
      SELECT a.seq, n.id, e.name FROM acks a JOIN notices n ON n.seq = a.notice JOIN employees e ON e.id = a.employee
      WHERE NOT EXISTS (
        SELECT 1 FROM all_deliveries d LEFT JOIN resends r ON r.seq = d.via
        WHERE d.message = a.notice AND d.employee = a.employee
          AND coalesce(d.via, d.message) < a.seq AND coalesce(r.sent_at, n.sent_at) <= a.at)
      ORDER BY a.seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1), $0.string(2)) }) {
      found.append((row.0,
        "it records '\(Identifier.printable(row.2))' acknowledging notice '\(Identifier.printable(row.1))', but no delivery of that notice reached them earlier (an acknowledgement comes from a recipient, no earlier than the delivery that reached them)"))
    }
    if let row = try db.prepare(
      """
      SELECT c.seq, c.id FROM corrections c
      LEFT JOIN notices n ON n.seq = c.notice LEFT JOIN versions v ON v.seq = c.version
      WHERE coalesce(c.notice, c.version) >= c.seq OR c.issued_at < coalesce(n.sent_at, v.announced_at)
      ORDER BY c.seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1)) }) {
      found.append((row.0,
        "correction '\(Identifier.printable(row.1))' is issued before its target (a correction is issued no earlier than its target's business time, and recorded after it)"))
    }
    if let seq = try db.prepare(
      """
      SELECT r.seq FROM resends r LEFT JOIN notices n ON n.seq = r.message LEFT JOIN corrections c ON c.seq = r.message
      WHERE r.message >= r.seq OR r.sent_at < coalesce(n.sent_at, c.issued_at)
      ORDER BY r.seq LIMIT 1
      """
    ).first([], { $0.int64(0) }) {
      found.append((seq, "the resend is sent before its message's first delivery (a resend is sent no earlier than the first)"))
    }
    // A notice retracted twice.
    if let row = try db.prepare(
      """
      SELECT seq, id, first FROM (
        SELECT seq, id, first_value(id) OVER w AS first, row_number() OVER w AS k
        FROM corrections WHERE kind = 'retraction' AND notice IS NOT NULL
        WINDOW w AS (PARTITION BY notice ORDER BY seq))
      WHERE k >= 2 ORDER BY seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1), $0.string(2)) }) {
      found.append((row.0,
        "retraction '\(Identifier.printable(row.1))' retracts the notice that '\(Identifier.printable(row.2))' already retracted (a target is retracted once; the same correction is resent instead)"))
    }
    // A version voided twice: each retraction voids its version, or with `void_version`
    // each version its notice announces; a later one voiding any of them again is refused,
    // as recording refuses it (a retraction of the version, or of a notice announcing it
    // with `void_version`, after either).
    if let row = try db.prepare(
      """
      WITH voids (seq, version) AS (
        SELECT seq, version FROM corrections WHERE kind = 'retraction' AND version IS NOT NULL
        UNION ALL
        SELECT c.seq, nv.version FROM corrections c JOIN notice_versions nv ON nv.notice = c.notice
        WHERE c.kind = 'retraction' AND c.void_version = 1)
      SELECT later.seq, cl.id, ce.id FROM voids later
      JOIN voids earlier ON earlier.version = later.version AND earlier.seq < later.seq
      JOIN corrections cl ON cl.seq = later.seq JOIN corrections ce ON ce.seq = earlier.seq
      ORDER BY later.seq, earlier.seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1), $0.string(2)) }) {
      found.append((row.0,
        "retraction '\(Identifier.printable(row.1))' voids a version that '\(Identifier.printable(row.2))' had already retracted or voided (a version is voided once; the same correction is resent instead)"))
    }
    // An amendment of a notice announcing several versions, or changing the period of a
    // notice announcing none.
    if let row = try db.prepare(
      """
      SELECT c.seq, c.id, n.id, (SELECT count(*) FROM notice_versions nv WHERE nv.notice = c.notice) AS announced
      FROM corrections c JOIN notices n ON n.seq = c.notice
      WHERE c.kind = 'amendment'
        AND (announced > 1 OR (announced = 0 AND (c.effective_from IS NOT NULL OR c.effective_until IS NOT NULL)))
      ORDER BY c.seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1), $0.string(2), $0.int64(3)) }) {
      let (seq, id, notice, announced) = row
      found.append((seq,
        announced > 1
          ? "amendment '\(Identifier.printable(id))' amends notice '\(Identifier.printable(notice))', which announces \(announced) versions (a notice announcing several versions is not amended; its versions are)"
          : "amendment '\(Identifier.printable(id))' changes an effective period, but notice '\(Identifier.printable(notice))' announces no version"))
    }
    // An amendment leaving an empty period: the version's dates, each replaced by the
    // latest amendment up to this one that gives it.
    if let row = try db.prepare(
      """
      SELECT seq, id, key, version, f, u FROM (
        SELECT c.seq, c.id, p.key, v.version,
          coalesce((
            SELECT b.effective_from FROM corrections b
            WHERE b.affected_version = c.affected_version AND b.kind = 'amendment' AND b.seq <= c.seq AND b.effective_from IS NOT NULL
            ORDER BY b.seq DESC LIMIT 1), v.effective_from) AS f,
          coalesce((
            SELECT b.effective_until FROM corrections b
            WHERE b.affected_version = c.affected_version AND b.kind = 'amendment' AND b.seq <= c.seq AND b.effective_until IS NOT NULL
            ORDER BY b.seq DESC LIMIT 1), v.effective_until) AS u
        FROM corrections c JOIN versions v ON v.seq = c.affected_version JOIN policies p ON p.id = v.policy
        WHERE c.kind = 'amendment' AND (c.effective_from IS NOT NULL OR c.effective_until IS NOT NULL))
      WHERE u IS NOT NULL AND u <= f
      ORDER BY seq LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.string(1), $0.string(2), $0.int64(3), Instant(microseconds: $0.int64(4)), Instant(microseconds: $0.int64(5))) }) {
      let (seq, id, key, version, from, until) = row
      found.append((seq,
        "amendment '\(Identifier.printable(id))' leaves \(Identifier.printable(key))@\(version) an empty effective period [\(from), \(until)) (an amendment leaves a period that is not empty)"))
    }
    // A leave of someone not employed then. Each leave is one probe of
    // `roster_rows_by_employee`; a ledger's leaves are few beside its rows.
    if let row = try db.prepare(
      """
      SELECT l.seq, l.ordinal, e.name, l.at FROM roster_rows l JOIN employees e ON e.id = l.employee
      WHERE l.employed = 0 AND coalesce((
        SELECT p.employed FROM roster_rows p
        WHERE p.employee = l.employee AND p.at <= l.at AND (p.seq < l.seq OR (p.seq = l.seq AND p.ordinal < l.ordinal))
        ORDER BY p.at DESC, p.seq DESC, p.ordinal DESC LIMIT 1), 0) = 0
      ORDER BY l.seq, l.ordinal LIMIT 1
      """
    ).first([], { ($0.int64(0), $0.int64(1), $0.string(2), Instant(microseconds: $0.int64(3))) }) {
      // An import's rows are counted without the header: data row N, not line N.
      let which = row.1 == 0 ? "it records" : "data row \(row.1) of its file (not counting the header) records"
      found.append((row.0,
        "\(which) '\(Identifier.printable(row.2))' leaving at \(row.3), but they were not employed then as the journal stood (a leave is of someone employed at its time)"))
    }
    return found.min { $0.seq < $1.seq }
  }
}
