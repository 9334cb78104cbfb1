import ArgumentParser
import Foundation
import PolicyLedger

/// Shell completion of the names a ledger holds (ArgumentParser's custom completion): the
/// shell runs `policy-ledger ---completion …` with the words typed so far, and this answers
/// with the names that start with the word being completed.
///
/// It reads the ledger the words name (`--db PATH` or `--db=PATH`, else `$POLICY_LEDGER_DB`,
/// else `./policy-ledger.db`) read-only, never creates one (no file, no answer), and is
/// silent on every error: a completion that cannot be answered offers nothing.
enum LedgerCompletion {
  /// A completion of names of `kinds`.
  static func of(_ kinds: LedgerName...) -> CompletionKind {
    .custom { words, index, prefix in names(kinds, words: words, index: index, prefix: prefix) }
  }

  static func names(_ kinds: [LedgerName], words: [String], index: Int, prefix: String) -> [String] {
    let path = ledgerPath(in: words, skipping: index)
    var info = stat()
    guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return [] }
    do {
      return try Ledger(path: path, access: .readOnly).names(kinds, startingWith: prefix)
    } catch {
      return []
    }
  }

  /// The ledger the command line names, as the command itself would find it; the word being
  /// completed (`index`) is not a value yet.
  static func ledgerPath(in words: [String], skipping index: Int) -> String {
    var db: String? = nil
    for (i, word) in words.enumerated() where i != index {
      if word == "--db", i + 1 < words.count, i + 1 != index {
        db = words[i + 1]
      } else if word.hasPrefix("--db=") {
        db = String(word.dropFirst(5))
      }
    }
    if let db {
      // The shell passes the word as typed: a leading ~/ is the home folder.
      if db.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] { return home + db.dropFirst() }
      return db
    }
    return LedgerSettings(db: nil, tz: nil).path
  }
}
