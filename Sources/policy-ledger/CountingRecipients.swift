import Foundation
import PolicyLedger

/// Passes recipients through, showing how many have been read (on a terminal only).
struct CountingRecipients<Source: RecipientSource>: RecipientSource {
  var source: Source
  let progress: Progress
  var count: Int64 = 0

  init(_ source: Source, label: String) {
    self.source = source
    progress = Progress(label: label)
  }

  mutating func next() throws -> Recipient? {
    guard let recipient = try source.next() else {
      progress.finish()
      return nil
    }
    count += 1
    if count % 100_000 == 0 { progress(count) }
    return recipient
  }
}

/// A correction's `--recipients-file` that names no one (empty, or blank lines only) is
/// refused when its end is read, inside the recording's transaction, so nothing is
/// recorded: sending a correction to nobody is `--no-recipients`, said on purpose, not an
/// empty file from a `grep` that matched nothing. (A notice or a resend with no recipient
/// is refused by the library.)
struct NonEmptyRecipients<Source: RecipientSource>: RecipientSource {
  var source: Source
  let path: String
  var named = false

  mutating func next() throws -> Recipient? {
    if let recipient = try source.next() {
      named = true
      return recipient
    }
    if !named {
      throw LedgerError(
        .invalidInput,
        "invalid --recipients-file '\(Identifier.printable(path))': it names no one (give --no-recipients to send the correction to nobody)")
    }
    return nil
  }
}
