import Foundation
import Testing

@testable import PolicyLedger

/// The origin reaches the main file before the command that chose it ends
/// (docs/reliability.md, "the origin").
@Suite struct OriginTests {
  @Test func aCopyOfTheFileAloneKeepsTheOrigin() throws {
    let ledger = try Ledger.temporary()
    try ledger.addTestVersion("p")
    let origin = try ledger.establishOrigin(nil)
    // The ledger is still open, as in a process that ended without closing it: its
    // -wal is still there. A plain copy of the .db alone is what a naive backup takes.
    let copy = ledger.path + ".copy.db"
    defer { for suffix in ["", "-wal", "-shm"] { unlink(copy + suffix) } }
    try FileManager.default.copyItem(atPath: ledger.path, toPath: copy)
    #expect(try Ledger(path: copy, access: .readOnly).origin() == origin)
  }
}
