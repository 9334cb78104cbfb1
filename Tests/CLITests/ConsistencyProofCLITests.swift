import Foundation
import PolicyLedger
import Testing

/// `prove --consistency` and `check-proof` of its file, offline, by the binary and by
/// docs/check-proof.py.
@Suite struct ConsistencyProofCLITests {
  typealias Setup = ProofCLITests.Setup

  /// A demo ledger with origin example.com/hr-ledger, its signed checkpoint at size 7
  /// (`old`), two more entries, and the signed checkpoint at size 9 (`new`).
  static func grownLedger() throws -> (s: Setup, old: String, new: String) {
    let s = try Setup()
    let old = try s.checkpoint("old.checkpoint", ["--sign-key", "hr.key", "--origin", "example.com/hr-ledger"])
    for key in ["later", "later-still"] {
      try #require(try s.run(["policy", "add", key, "--title", "t", "--body", "b", "--effective-from", "2021-01-01"]).status == 0)
    }
    return (s, old, try s.checkpoint("new.checkpoint"))
  }

  @Test func aConsistencyProofBetweenTwoCheckpointsChecksWithoutTheLedger() throws {
    let (s, old, new) = try Self.grownLedger()
    let result = try s.run(["prove", "--consistency", old, "--to", new])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    #expect(result.stdout.hasPrefix("policy-ledger consistency proof v1\n"))
    #expect(result.stdout.hasSuffix("\n\n" + (try ProofCLITests.read(old)) + "\n" + (try ProofCLITests.read(new))))
    // `prove --consistency OLD NEW`, as the contract writes it, is the same proof.
    #expect(try s.run(["prove", "--consistency", old, new]).stdout == result.stdout)
    let twice = try s.run(["prove", "--consistency", old, new, "--to", new])
    #expect(twice.status == 64 && twice.stdout.isEmpty)
    #expect(twice.stderr.contains("Give the later checkpoint once"))
    let proof = try s.dir.write("p.consistency", result.stdout)
    try FileManager.default.removeItem(atPath: s.db)  // offline from here on

    let checked = try CLI.run(["check-proof", proof, "--public-key", s.pub])
    #expect(checked.status == 0, "\(checked.stderr)")
    #expect(checked.stderr.isEmpty)
    #expect(ProofCLITests.field("origin", checked) == "example.com/hr-ledger")
    #expect(ProofCLITests.field("old_size", checked) == "7")
    #expect(ProofCLITests.field("new_size", checked) == "9")
    #expect(ProofCLITests.field("signed_by", checked)?.hasPrefix("example.com/hr+") == true)
    // Either checkpoint may be the auditor's own; another one is refused.
    #expect(try CLI.run(["check-proof", proof, "--public-key", s.pub, "--checkpoint", old]).status == 0)
    #expect(try CLI.run(["check-proof", proof, "--public-key", s.pub, "--checkpoint", new]).status == 0)
  }

  @Test func withoutToTheProofIsToTheLedgersTreeNowSignedWithTheKey() throws {
    let (s, old, new) = try Self.grownLedger()
    let result = try s.run(["prove", "--consistency", old, "--sign-key", s.key])
    #expect(result.status == 0, "\(result.stderr)")
    let proof = try s.dir.write("p.consistency", result.stdout)
    let checked = try CLI.run(["check-proof", proof, "--public-key", s.pub, "--checkpoint", new])
    #expect(checked.status == 0, "\(checked.stderr)")
    #expect(ProofCLITests.field("new_size", checked) == "9")

    // Unsigned, it is written, but check-proof cannot trust its new checkpoint.
    let unsigned = try s.dir.write("u.consistency", try s.run(["prove", "--consistency", old, "--unsigned"]).stdout)
    let refused = try CLI.run(["check-proof", unsigned, "--public-key", s.pub])
    #expect(refused.status == 1)
    #expect(refused.stderr.hasPrefix("policy-ledger: error: the new checkpoint cannot be trusted: it is not signed by the key example.com/hr+"))
  }

  @Test func aCheckpointOfAForkedLedgerFailsTheProof() throws {
    let (s, old, new) = try Self.grownLedger()
    // A second ledger of the worked example's story, same origin and key: its entries were
    // recorded at other instants, so its tree at size 7 is a different history.
    let forkDB = s.dir.file("fork.db")
    try LedgerFiles.makeStoryLedger(at: forkDB)
    let forked = try CLI.run(["checkpoint", "--db", forkDB, "--origin", "example.com/hr-ledger", "--sign-key", s.key])
    let forkedCheckpoint = try s.dir.write("fork.checkpoint", forked.stdout)

    // prove refuses a checkpoint that is not this ledger's.
    let refused = try s.run(["prove", "--consistency", forkedCheckpoint, "--to", new])
    #expect(refused.status != 0)
    #expect(refused.stdout.isEmpty)
    #expect(refused.stderr.contains("invalid --consistency") || refused.stderr.contains("--consistency does not match this ledger"))

    // A genuine proof with the fork's checkpoint put in place of the old one fails.
    let genuine = try s.run(["prove", "--consistency", old, "--to", new]).stdout
    let spliced = try s.dir.write("spliced", genuine.replacingOccurrences(of: try ProofCLITests.read(old), with: forked.stdout))
    #expect(spliced != genuine)
    let result = try CLI.run(["check-proof", spliced, "--public-key", s.pub])
    #expect(result.status == 1)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.hasPrefix(
      "policy-ledger: error: the checkpoint of example.com/hr-ledger at size 9 is not proven to extend the checkpoint of example.com/hr-ledger at size 7: "))
    if IndependentVerifierTests.available {
      #expect(IndependentVerifierTests.python([IndependentVerifierTests.script, spliced, s.pub])?.output
        == "error: the consistency proof does not lead to both checkpoints' roots\n")
    }
  }

  @Test func aTamperedHashOrCheckpointFailsTheProof() throws {
    let (s, old, new) = try Self.grownLedger()
    let genuine = try s.run(["prove", "--consistency", old, "--to", new]).stdout
    var lines = genuine.components(separatedBy: "\n")
    lines[1] = Data(repeating: 7, count: 32).base64EncodedString()
    let altered = try s.dir.write("altered", lines.joined(separator: "\n"))
    let result = try CLI.run(["check-proof", altered, "--public-key", s.pub])
    #expect(result.status == 1)
    #expect(result.stderr.contains("is not proven to extend"))

    // The sizes swapped: the older checkpoint second.
    let swapped = try s.dir.write(
      "swapped",
      genuine.replacingOccurrences(of: try ProofCLITests.read(old), with: "OLD")
        .replacingOccurrences(of: try ProofCLITests.read(new), with: try ProofCLITests.read(old))
        .replacingOccurrences(of: "OLD", with: try ProofCLITests.read(new)))
    let backwards = try CLI.run(["check-proof", swapped, "--public-key", s.pub])
    #expect(backwards.status == 1)
    #expect(backwards.stderr == "policy-ledger: error: the old checkpoint has 9 entries, the new one only 7: entries were dropped\n")

    // A checkpoint's size changed after signing.
    let resized = try s.dir.write("resized", genuine.replacingOccurrences(of: "\n9\n", with: "\n8\n"))
    let unsigned = try CLI.run(["check-proof", resized, "--public-key", s.pub])
    #expect(unsigned.status == 1)
    #expect(unsigned.stderr.contains("the new checkpoint cannot be trusted"))
    if IndependentVerifierTests.available {
      #expect(IndependentVerifierTests.python([IndependentVerifierTests.script, altered, s.pub])?.status == 1)
      #expect(IndependentVerifierTests.python([IndependentVerifierTests.script, swapped, s.pub])?.output
        == "error: the old checkpoint is larger than the new one\n")
      #expect(IndependentVerifierTests.python([IndependentVerifierTests.script, resized, s.pub])?.output
        == "error: the new checkpoint's signature does not verify\n")
    }
  }

  @Test(.enabled(if: IndependentVerifierTests.available))
  func theVerifierWrittenFromTheDocsAcceptsConsistencyProofsOfEverySize() throws {
    let (s, old, new) = try Self.grownLedger()
    var checkpoints = [old]
    for key in ["a", "b", "c"] {
      try #require(try s.run(["policy", "add", key, "--title", "t", "--body", "b", "--effective-from", "2021-01-01"]).status == 0)
      checkpoints.append(try s.checkpoint("\(key).checkpoint"))
    }
    checkpoints.insert(new, at: 1)
    // Sizes 5, 7, 8, 9, 10: power-of-two and other old sizes, and equal sizes.
    for (i, from) in checkpoints.enumerated() {
      for to in checkpoints[i...] {
        let proof = try s.dir.write("p", try s.run(["prove", "--consistency", from, "--to", to]).stdout)
        let python = try #require(IndependentVerifierTests.python([IndependentVerifierTests.script, proof, s.pub]))
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output.hasPrefix("ok: example.com/hr-ledger at tree size "))
        #expect(try CLI.run(["check-proof", proof, "--public-key", s.pub]).status == 0)
      }
    }
  }
}
