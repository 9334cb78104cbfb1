import Foundation
import PolicyLedger

// What every recording command does around its one transaction: SIGINT and SIGTERM end it
// with a message that nothing was recorded, and a failure after the commit names the entry
// that exists.

/// Opens the ledger for recording and runs `body`, the command's one transaction.
///
/// - A new ledger appears at its path only when its first entry commits (``Ledger``), so a
///   refused first command leaves no file behind (contract section 5).
/// - While `body` runs, SIGINT and SIGTERM print "interrupted: nothing was recorded" and end
///   the process with status 130 or 143: the transaction is not committed, and SQLite
///   discards it as it does after `kill -9` (docs/reliability.md).
/// - From the moment the entry is in the ledger (``Ledger/afterCommit``), they say so
///   instead and end the process with status 2, as any failure after a commit does: the
///   checkpoint SQLite runs after a large commit, printing the id and writing a receipt
///   (to a pipe nobody reads, perhaps) all come after it.
func record<T>(_ options: LedgerOptions, _ body: (Ledger) throws -> T) throws -> T {
  // Before the ledger is opened: a signal while it waits for another writer's lock, or
  // while a new ledger's hidden file is made, says that nothing was recorded too (and
  // removes that file).
  Interrupts.whileRecording()
  defer { Interrupts.restore() }
  let ledger = try options.openForRecording()
  ledger.afterCommit = { Interrupts.afterCommit() }
  return try body(ledger)
}

/// Runs what a recording command does after its entry committed (writing a receipt): a
/// failure then says that the entry exists, `recorded ENTRY, but could not write FILE:
/// REASON`, so that a script does not record it again. Exit status 2.
func afterRecording(_ entry: String, _ body: () throws -> Void) throws {
  do {
    try body()
  } catch {
    throw LedgerError("recorded \(entry), but \(failureAfterTheFact(error))")
  }
}

/// What went wrong after something was written for good (an entry, a ledger's origin), as
/// the end of "…, but REASON": `could not write FILE: REASON` for an output.
func failureAfterTheFact(_ error: any Error) -> String {
  (error as? OutputError).map { "could not write \($0.name): \($0.reason)" } ?? "\(error)"
}

/// Prints the id of the entry a recording command recorded, on its own line; when standard
/// output cannot take it, says that the entry exists all the same.
func printRecorded(_ id: String) throws {
  // A reader that went away (`| head` that exited) must not end the process silently with
  // SIGPIPE: the entry exists, and the message says so.
  signal(SIGPIPE, SIG_IGN)
  try afterRecording(id) {
    ByteSink.standardOutput.write(id + "\n")
    do {
      try ByteSink.standardOutput.flush()
    } catch {
      throw OutputError(name: "standard output", reason: ByteSink.standardOutput.failureReason ?? "\(error)")
    }
  }
}

/// SIGINT and SIGTERM while an entry is being recorded.
enum Interrupts {
  /// Written by the handler with write(2): a StaticString's bytes need no allocation.
  private static let message: StaticString = "policy-ledger: interrupted: nothing was recorded\n"
  /// The same on a terminal, after clearing the line: a progress line (`import employees:
  /// recording: 900000 rows …`) would otherwise stay, with the message run on after it.
  private static let clearingMessage: StaticString = "\r\u{1B}[Kpolicy-ledger: interrupted: nothing was recorded\n"
  /// Whether standard error is a terminal, read before the handler is installed.
  nonisolated(unsafe) private static var onTerminal = false

  /// From now on SIGINT and SIGTERM print that nothing was recorded and exit with 128 + the
  /// signal's number. The handler only calls unlink(2), write(2) and _exit(2), which are
  /// safe in a signal handler; SQLite's transaction is left uncommitted, so nothing of it
  /// survives, and a new ledger's hidden files, not yet linked in place, are removed.
  static func whileRecording() {
    _ = message.utf8Start
    _ = clearingMessage.utf8Start
    onTerminal = isEscapeTerminal(2)
    TemporaryOutputs.prepareForSignals()
    for number in [SIGINT, SIGTERM] {
      _ = signal(number) { number in
        TemporaryOutputs.removeAllInSignalHandler()
        if Interrupts.onTerminal { TemporaryOutputs.pauseForTheTerminalsFlush() }
        let text = Interrupts.onTerminal ? Interrupts.clearingMessage : Interrupts.message
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
        _exit(128 + number)
      }
    }
    TemporaryOutputs.unblock([SIGINT, SIGTERM])
  }

  /// Written by the handler once the entry is in the ledger.
  private static let recordedMessage: StaticString =
    "policy-ledger: error: interrupted after recording: the entry is in the ledger ('policy-ledger head' names it)\n"
  private static let clearingRecordedMessage: StaticString =
    "\r\u{1B}[Kpolicy-ledger: error: interrupted after recording: the entry is in the ledger ('policy-ledger head' names it)\n"

  /// From the commit on, SIGINT and SIGTERM say that the entry was recorded, and end the
  /// process with status 2 (an error after the commit, which a script must not retry),
  /// never 130 or 143 (which say nothing was recorded).
  static func afterCommit() {
    recorded = true
    _ = recordedMessage.utf8Start
    _ = clearingRecordedMessage.utf8Start
    TemporaryOutputs.prepareForSignals()
    for number in [SIGINT, SIGTERM] {
      _ = signal(number) { _ in
        // A receipt half written is removed, as the outputs' own handler would (this one
        // is installed in its place).
        TemporaryOutputs.removeAllInSignalHandler()
        if Interrupts.onTerminal { TemporaryOutputs.pauseForTheTerminalsFlush() }
        let text = Interrupts.onTerminal ? Interrupts.clearingRecordedMessage : Interrupts.recordedMessage
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
        _exit(2)
      }
    }
  }

  /// Whether the entry is in the ledger: the handlers of ``afterCommit()`` then stay until
  /// the process ends, over the id it prints and the receipt it writes.
  nonisolated(unsafe) private static var recorded = false

  /// Back to the default actions once the command's transaction was refused; after a
  /// commit, the handlers that say the entry was recorded stay.
  static func restore() {
    if recorded { return }
    for number in [SIGINT, SIGTERM] { _ = signal(number, SIG_DFL) }
  }
}
