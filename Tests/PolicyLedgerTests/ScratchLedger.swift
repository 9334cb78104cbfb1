import Foundation
import PolicyLedger

/// A real ledger in a temporary file that is removed when the last reference goes.
///
/// Like `Ledger.temporary()`, but in memory-backed `/dev/shm` where there is one: a ledger
/// syncs every entry to disk (`synchronous = FULL`), and on a busy shared disk the thousands
/// of small histories of the property tests would spend most of their time waiting on fsync.
final class ScratchLedger {
  let ledger: Ledger

  init() throws {
    let shm = "/dev/shm"
    ledger = try Ledger.temporary(directory: FileManager.default.isWritableFile(atPath: shm) ? URL(fileURLWithPath: shm) : nil)
  }
}
