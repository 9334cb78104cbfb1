/// The names a "did you mean …" compares a misspelt one with (rule 15).
extension LedgerStore {
  /// Every policy key.
  func forEachPolicyKey(_ body: (String) throws -> Void) throws {
    try db.prepare("SELECT key FROM policies").forEach { try body($0.string(0)) }
  }

  /// Every notice id, and with `corrections` every correction id too.
  func forEachMessageID(corrections: Bool, _ body: (String) throws -> Void) throws {
    try db.prepare("SELECT id FROM notices").forEach { try body($0.string(0)) }
    if corrections { try db.prepare("SELECT id FROM corrections").forEach { try body($0.string(0)) } }
  }

  /// Every correction id.
  func forEachCorrectionID(_ body: (String) throws -> Void) throws {
    try db.prepare("SELECT id FROM corrections").forEach { try body($0.string(0)) }
  }

  /// Whether a roster row or a version's `applies_to` names `group` (their lists are
  /// joined with `,`, and a group name holds none). Stops at the first row that does.
  func groupIsRecorded(_ group: String) throws -> Bool {
    try db.prepare(
      """
      SELECT EXISTS (SELECT 1 FROM versions WHERE instr(',' || applies_to || ',', ',' || ?1 || ',') > 0)
          OR EXISTS (SELECT 1 FROM roster_rows WHERE instr(',' || groups || ',', ',' || ?1 || ',') > 0)
      """
    ).first([group], { $0.int64(0) != 0 }) ?? false
  }

  /// Every group name a roster row or a version's `applies_to` holds, each once, then `all`.
  func forEachGroupName(_ body: (String) throws -> Void) throws {
    var seen = Set<ExactText>()
    try db.prepare("SELECT groups FROM roster_rows UNION SELECT applies_to FROM versions WHERE applies_to IS NOT NULL").forEach { row in
      for name in Groups.split(row.string(0)) where seen.insert(ExactText(name)).inserted { try body(name) }
    }
    try body(Groups.all)
  }

  /// The notice announcing version `seq` that was sent first, if any: its id and `sent_at`.
  func firstNoticeAnnouncing(version seq: Int64) throws -> (String, Instant)? {
    try db.prepare(
      "SELECT n.id, n.sent_at FROM notice_versions nv JOIN notices n ON n.seq = nv.notice WHERE nv.version = ?1 ORDER BY n.sent_at, n.seq LIMIT 1"
    ).first([seq], { ($0.string(0), Instant(microseconds: $0.int64(1))) })
  }

  /// Every employee id.
  func forEachEmployeeName(_ body: (String) throws -> Void) throws {
    try db.prepare("SELECT name FROM employees").forEach { try body($0.string(0)) }
  }
}

/// The names shell completion offers.
extension LedgerStore {
  /// Up to `limit` names of `kind` that start with `prefix`, in byte order. Each query walks
  /// the UNIQUE index of its column from `prefix` on, so a million employees cost no more
  /// than a few.
  func names(_ kind: LedgerName, startingWith prefix: String, limit: Int) throws -> [String] {
    let sql: String
    var bound = prefix
    switch kind {
    case .policy: sql = "SELECT key FROM policies WHERE key >= ?1 ORDER BY key LIMIT ?2"
    case .notice: sql = "SELECT id FROM notices WHERE id >= ?1 ORDER BY id LIMIT ?2"
    case .correction: sql = "SELECT id FROM corrections WHERE id >= ?1 ORDER BY id LIMIT ?2"
    case .employee: sql = "SELECT name FROM employees WHERE name >= ?1 ORDER BY name LIMIT ?2"
    case .version:
      // KEY@N: the key's part of the prefix finds the first key; every version of each key.
      bound = String(prefix.prefix { $0 != "@" })
      sql = """
        SELECT p.key || '@' || v.version FROM policies p JOIN versions v ON v.policy = p.id
        WHERE p.key >= ?1 ORDER BY p.key, v.version LIMIT ?2
        """
    }
    var names: [String] = []
    try db.prepare(sql).forEach([bound, Int64(limit)]) { row in
      let name = row.string(0)
      if name.hasPrefix(prefix) { names.append(name) }
    }
    return names
  }
}
