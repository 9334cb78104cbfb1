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

  /// Every employee id.
  func forEachEmployeeName(_ body: (String) throws -> Void) throws {
    try db.prepare("SELECT name FROM employees").forEach { try body($0.string(0)) }
  }
}
