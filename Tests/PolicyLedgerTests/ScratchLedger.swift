import Foundation
import PolicyLedger

/// A real ledger in a temporary file, deleted (with its `-wal` and `-shm` files) when the last
/// reference goes.
///
/// Like `Ledger.temporary()`, but in memory-backed `/dev/shm` where there is one: a ledger syncs
/// every entry to disk (`synchronous = FULL`), and on a busy shared disk the thousands of small
/// histories of the property tests would spend most of their time waiting on fsync.
final class ScratchLedger {
  let ledger: Ledger

  init() throws {
    let shm = "/dev/shm"
    if FileManager.default.isWritableFile(atPath: shm) {
      ledger = try Ledger(path: "\(shm)/policy-ledger-test-\(UUID().uuidString).db", access: .readWrite)
    } else {
      ledger = try Ledger.temporary()
    }
  }

  deinit {
    for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: ledger.path + suffix) }
  }
}
