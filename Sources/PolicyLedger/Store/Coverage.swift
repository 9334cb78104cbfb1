/// What `coverage` reads of deliveries and acknowledgements, in one place.
///
/// A message reaches each employee at most once: by its own entry (`deliveries.via` NULL,
/// at the message's `sent_at` / `issued_at`) or by one of its resends (`via` the resend's
/// seq, at the resend's `sent_at`). Each employee's delivery signature is built from
/// (message, delivery) pairs, so that the as-told-to reading sees the time of the delivery
/// that reached them.
extension LedgerStore {
  /// The highest employee number in the directory (0 when empty): coverage keeps a few
  /// bytes per number.
  func highestEmployeeNumber() throws -> Int64 {
    try db.cached("SELECT coalesce(max(id), 0) FROM employees").first { $0.int64(0) } ?? 0
  }

  /// Every employee number that message `seq` (a notice or a correction) reached, in
  /// number order, read off the deliveries table's primary key, with the delivery that
  /// reached them: nil for the message's own entry, else the resend's seq.
  func forEachRecipientNumber(ofMessage seq: Int64, _ body: (Int64, Int64?) throws -> Void) throws {
    let statement = try db.cached("SELECT employee, via FROM all_deliveries WHERE message = ? ORDER BY employee")
    try statement.bind([seq])
    while try statement.step() { try body(statement.row.int64(0), statement.row.optionalInt64(1)) }
  }

  /// The resends of message `seq`: each one's seq, `sent_at` and `recorded_at`.
  func resendDeliveries(ofMessage seq: Int64) throws -> [(seq: Int64, delivery: Delivery)] {
    try db.cached(
      "SELECT r.seq, r.sent_at, j.recorded_at FROM resends r JOIN journal j ON j.seq = r.seq WHERE r.message = ? ORDER BY r.seq"
    ).map([seq]) {
      ($0.int64(0), Delivery(sentAt: Instant(microseconds: $0.int64(1)), recordedAt: Instant(microseconds: $0.int64(2))))
    }
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
