import Foundation
import PolicyLedger

// What every recording command does around its one transaction: the ledger it creates is
// removed again when nothing gets recorded, SIGINT and SIGTERM end it with a message that
// nothing was recorded, and a failure after the commit names the entry that exists.

/// Opens the ledger for recording and runs `body`, the command's one transaction.
///
/// - When this command created the ledger file and `body` throws (the entry was refused),
///   the file is removed again, so that a refused first command leaves no ledger behind
///   (contract section 5). It is removed only while it holds no entry and no other process
///   has it open (SQLite removed its `-wal` and `-shm` when this process closed it last).
/// - While `body` runs, SIGINT and SIGTERM print "interrupted: nothing was recorded" and end
///   the process with status 130 or 143: the transaction is not committed, and SQLite
///   discards it as it does after `kill -9` (docs/reliability.md).
func record<T>(_ options: LedgerOptions, _ body: (Ledger) throws -> T) throws -> T {
  let path = options.path
  let existed = access(path, F_OK) == 0
  var ledger: Ledger? = try options.openForRecording()
  Interrupts.whileRecording()
  defer { Interrupts.restore() }
  do {
    return try body(ledger!)
  } catch {
    if !existed, isEmpty(ledger!) {
      ledger = nil
      removeUnusedLedger(path)
    }
    throw error
  }
}

private func isEmpty(_ ledger: Ledger) -> Bool {
  do {
    return try ledger.head() == nil
  } catch {
    return false
  }
}

/// Removes the ledger at `path` that this process created and closed without recording
/// anything, unless another process has it open: the last connection to close a WAL
/// database removes its `-wal` and `-shm`, so their presence means someone else holds it.
private func removeUnusedLedger(_ path: String) {
  guard access(path + "-wal", F_OK) != 0, access(path + "-shm", F_OK) != 0 else { return }
  unlink(path)
}

/// Runs what a recording command does after its entry committed (writing a receipt): a
/// failure then says that the entry exists, `recorded ENTRY, but could not write FILE:
/// REASON`, so that a script does not record it again. Exit status 2.
func afterRecording(_ entry: String, _ body: () throws -> Void) throws {
  do {
    try body()
  } catch let error as OutputError {
    throw LedgerError("recorded \(entry), but could not write \(error.name): \(error.reason)")
  } catch {
    throw LedgerError("recorded \(entry), but \(error)")
  }
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

  /// From now on SIGINT and SIGTERM print that nothing was recorded and exit with 128 + the
  /// signal's number. The handler only calls write(2) and _exit(2), which are safe in a
  /// signal handler; SQLite's transaction is left uncommitted, so nothing of it survives.
  static func whileRecording() {
    _ = message.utf8Start
    // A process can start with these signals blocked (a parent's mask is inherited across
    // exec, as Foundation's Process passes it on): unblock them, or they would wait until exit.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigprocmask(SIG_UNBLOCK, &set, nil)
    for number in [SIGINT, SIGTERM] {
      _ = signal(number) { number in
        let text = Interrupts.message
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
        _exit(128 + number)
      }
    }
  }

  /// Back to the default actions, once the entry has committed (or was refused).
  static func restore() {
    for number in [SIGINT, SIGTERM] { _ = signal(number, SIG_DFL) }
  }
}
