import Foundation
import LedgerBenchData
import Testing

@testable import PolicyLedger

/// Single bytes of a small ledger file changed at random (docs/reliability.md, "verify
/// and the file's bytes"): for every changed copy, `verify` ends with a verdict, and
/// whenever any answer of a fixed set of queries differs from the undamaged file's,
/// that verdict is a failure.
///
/// `POLICY_LEDGER_FLIPS` sets how many copies (200 by default; `scripts/soak.sh` runs
/// 20,000) and `POLICY_LEDGER_FLIP_SEED` the seed, which a failure prints.
@Suite struct ByteFlipTests {
  static let keys = (1...8).map { "pol\($0)" } + ["pol9"]
  static let instants = ["2019-06-01T00:00:00Z", "2020-05-15T00:00:00Z", "2020-12-01T00:00:00Z"].map(at)

  /// Every answer of the query set, errors included, as text.
  static func answers(_ path: String) -> [String] {
    let ledger: Ledger
    do {
      ledger = try Ledger(path: path, access: .readOnly)
    } catch {
      return ["cannot open: \(error)"]
    }
    var out: [String] = []
    func ask(_ question: () throws -> Any) {
      do {
        out.append(String(describing: try question()))
      } catch {
        out.append("error: \(error)")
      }
    }
    for t in instants {
      ask { try ledger.inForce(nil, at: t) }
      for key in keys { ask { try ledger.inForce(key, at: t) } }
      ask { try ledger.inForce("pol5", at: t, view: .init(toldTo: "E1004")) }
    }
    for key in keys {
      ask { try ledger.history(key) }
      ask { try ledger.timeline(policy: key) }
    }
    for employee in ["E1001", "E1004", "E1010", "E2001", "E9999"] { ask { try ledger.timeline(employee: employee) } }
    ask {
      var rows: [String] = []
      try ledger.outstanding { rows.append(String(describing: $0)) }
      return rows
    }
    for message in ["N1", "C1", "N2"] {
      ask {
        var rows: [String] = []
        try ledger.recipients(of: message) { rows.append(String(describing: $0)) }
        return rows
      }
      ask { try ledger.show(message) }
    }
    ask { try ledger.show("pol5@1") }
    ask { try ledger.show("N2") }
    for t in instants {
      for key in ["pol5", "pol7", "aud1"] {
        ask {
          var rows: [String] = []
          try ledger.coverage(key, at: t) { row, _ in rows.append(String(describing: row)) }
          return rows
        }
      }
      ask {
        var rows: [String] = []
        try ledger.employees(at: t) { rows.append(String(describing: $0)) }
        return rows
      }
      ask { try ledger.inForce("pol8", at: t, view: .init(toldTo: "E2001")) }
    }
    ask { try ledger.policyKeys() }
    ask { try ledger.head() as Any }
    return out
  }

  @Test func everyFlipThatChangesAnAnswerIsCaughtByVerify() throws {
    let environment = ProcessInfo.processInfo.environment
    let flips = environment["POLICY_LEDGER_FLIPS"].flatMap { Int($0) } ?? 200
    let seed = environment["POLICY_LEDGER_FLIP_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64(UInt32.max))
    let original = try IndexCheckTests.ledgerFile()
    let pristine = Array(try Data(contentsOf: URL(fileURLWithPath: original)))
    let expected = Self.answers(original)
    #expect(try IndexCheckTests.verdict(original) == nil)
    let copy = original + ".flipped"
    var random = SplitMix64(seed: seed)
    var tally = (unchanged: 0, caught: 0, refused: 0, changedAndCaught: 0)
    for n in 0..<flips {
      var bytes = pristine
      let offset = Int(random.next() % UInt64(bytes.count))
      let value = bytes[offset] ^ UInt8(1 + random.next() % 255)
      bytes[offset] = value
      for suffix in ["", "-wal", "-shm"] { unlink(copy + suffix) }
      try Data(bytes).write(to: URL(fileURLWithPath: copy))
      let replay = "seed \(seed), flip \(n): byte \(offset) set to 0x\(String(value, radix: 16)) (POLICY_LEDGER_FLIP_SEED=\(seed))"

      var caught: Bool
      do {
        let ledger = try Ledger(path: copy, access: .readOnly)
        caught = !(try ledger.verify().isValid)
      } catch let error as LedgerError {
        // SQLite refused to open the file: caught, when the queries cannot open it either.
        caught = true
        tally.refused += 1
        _ = error
      } catch {
        Issue.record("verify ended without a verdict: \(error); \(replay)")
        caught = true
      }
      let changed = Self.answers(copy) != expected
      if changed && !caught { Issue.record("an answer changed and verify passed; \(replay)") }
      if changed && caught { tally.changedAndCaught += 1 }
      if caught { tally.caught += 1 } else { tally.unchanged += 1 }
    }
    for suffix in ["", "-wal", "-shm"] { unlink(copy + suffix) }
    print(
      "byte flips: \(flips) (seed \(seed)): \(tally.caught) caught by verify (\(tally.refused) refused at open), \(tally.changedAndCaught) of them changed an answer; \(tally.unchanged) passed verify with every answer unchanged"
    )
  }
}
