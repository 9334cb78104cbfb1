// libFuzzer harness for `verify` (and the open that precedes it) over ledger files whose
// bytes libFuzzer mutates, starting from the small ledgers in Fuzz/corpus/verify/.
//
// The property is the contract's (section 7): whatever the bytes, opening the file either
// fails with an error or gives a ledger whose `verify` ends with a verdict. A trap (an
// index out of range, an overflow, a force unwrap) is a crash, which libFuzzer reports and
// saves. Built and run by scripts/fuzz.sh verify.

import Foundation
import FuzzDriver
import PolicyLedger

/// One file for every input, on a RAM disk when there is one.
private let path: String = {
  let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
  return "\(folder)/policy-ledger-verify-fuzz-\(getpid()).db"
}()

func fuzzVerify(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data else { return 0 }
  for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
  guard FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: size)) else { return 0 }
  defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) } }
  // Refused at open (not a ledger, damaged, a newer version): an error, not a crash.
  guard let ledger = try? Ledger(path: path, access: .readOnly) else { return 0 }
  do {
    let result = try ledger.verify()
    // A verdict either way; a valid one must also describe what it checked.
    if result.isValid, result.entries > 0, result.head == nil {
      propertyViolated("valid with \(result.entries) entries and no head")
    }
  } catch {
    // verify ends with a verdict; an error is left only for the machine (busy, I/O).
    propertyViolated("verify threw instead of a verdict: \(error)")
  }
  return 0
}

runFuzzer { data, size in fuzzVerify(data, size) }
