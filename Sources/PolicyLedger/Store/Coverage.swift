/// What `coverage` reads of deliveries and acknowledgements (spec rule 21), in one place.
///
// deliveries: adapt when resends land
//
/// Today a delivery is a message's own first delivery, at the message's `sent_at` /
/// `issued_at`, so "who a message reached" is all these statements read: the time of each
/// delivery comes with the message's facts (`NoticeFacts.sentAt`). When a message can be
/// delivered again later, these are the statements to change (each delivery's time joins
/// the employee's delivery signature), and nothing else in `coverage` reads `deliveries`.
extension LedgerStore {
  /// The highest employee number in the directory (0 when empty): coverage keeps a few
  /// bytes per number.
  func highestEmployeeNumber() throws -> Int64 {
    try db.cached("SELECT coalesce(max(id), 0) FROM employees").first { $0.int64(0) } ?? 0
  }

  /// Every employee number that message `seq` (a notice or a correction) reached, in
  /// number order, read off the deliveries table's primary key.
  func forEachRecipientNumber(ofMessage seq: Int64, _ body: (Int64) throws -> Void) throws {
    let statement = try db.cached("SELECT employee FROM deliveries WHERE message = ?")
    try statement.bind([seq])
    while try statement.step() { try body(statement.row.int64(0)) }
  }

  /// Every acknowledgement of notice `seq` with `at` ≤ `bound` recorded by `r`: the
  /// employee's number and the time.
  func forEachAcknowledgement(
    ofNotice seq: Int64, atOrBefore bound: Instant, recordedBy r: Instant?, _ body: (Int64, Instant) throws -> Void
  ) throws {
    let statement = try db.cached(
      "SELECT a.employee, a.at FROM acks a JOIN journal j ON j.seq = a.seq WHERE a.notice = ? AND a.at <= ? AND j.recorded_at <= ?")
    try statement.bind([seq, bound.microseconds, r?.microseconds ?? .max])
    while try statement.step() { try body(statement.row.int64(0), Instant(microseconds: statement.row.int64(1))) }
  }
}
