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
