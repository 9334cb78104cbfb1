import Foundation
import Testing

/// Proof material that check-proof would refuse, because its checkpoint is unsigned, is
/// refused when it would be made (exit status 2, nothing recorded, nothing printed) unless
/// `--unsigned` says it is meant.
struct UnsignedProofCLITests {
  static let ack = ["ack", "--notice", "N-2020-07-10-0800", "--employee", "E1001", "--at", "2020-07-10T09:00:00-07:00"]

  @Test func ackWithAReceiptButNoKeyIsRefusedAndNotRecorded() throws {
    let s = try ProofCLITests.Setup()
    let head = try s.head()
    let receipt = s.dir.file("E1001.tlog-proof")
    let refused = try s.run(Self.ack + ["--receipt", receipt])
    #expect(refused.isRefusal, "\(refused)")
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --receipt '\(receipt)': the receipt would carry an unsigned checkpoint, which check-proof refuses; give --sign-key KEY (or --unsigned to write it anyway); nothing was recorded\n"
    )
    #expect(try s.head() == head, "the acknowledgement was not recorded")
    #expect(!LedgerFiles.exists(receipt))

    // With --unsigned it is recorded and written, and check-proof says why it refuses it.
    let unsigned = try s.run(Self.ack + ["--receipt", receipt, "--unsigned"])
    #expect(unsigned.status == 0, "\(unsigned.stderr)")
    #expect(try s.head() != head)
    let checked = try CLI.run(["check-proof", receipt, "--public-key", s.pub])
    #expect(checked.status == 1)
  }

  @Test func unsignedGoesOnlyWithAReceiptAndNotWithAKey() throws {
    let s = try ProofCLITests.Setup()
    let head = try s.head()
    let alone = try s.run(Self.ack + ["--unsigned"])
    #expect(alone.status == 64 && alone.stderr.contains("--unsigned goes with --receipt."))
    let both = try s.run(Self.ack + ["--receipt", s.dir.file("r"), "--sign-key", s.key, "--unsigned"])
    #expect(both.status == 64 && both.stderr.contains("Give at most one of --sign-key and --unsigned."))
    #expect(try s.head() == head)
    #expect(!LedgerFiles.exists(s.dir.file("r")))
  }

  @Test func proveAgainstAnUnsignedCheckpointIsRefused() throws {
    let s = try ProofCLITests.Setup()
    let unsignedCheckpoint = try s.checkpoint("unsigned.checkpoint", [])
    let refused = try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", unsignedCheckpoint])
    #expect(refused.isRefusal, "\(refused)")
    #expect(
      refused.stderr
        == "policy-ledger: error: invalid --checkpoint '\(unsignedCheckpoint)': the checkpoint carries no signature, so check-proof would refuse the proof; use a checkpoint made with 'checkpoint --sign-key KEY' (or give --unsigned to print the proof anyway)\n"
    )
    let anyway = try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", unsignedCheckpoint, "--unsigned"])
    #expect(anyway.status == 0, "\(anyway.stderr)")
    #expect(!anyway.stdout.isEmpty)
    let signed = try s.checkpoint("signed.checkpoint")
    let proof = try s.run(["prove", "N-2020-07-10-0800", "--checkpoint", signed])
    #expect(proof.status == 0 && !proof.stdout.isEmpty, "\(proof.stderr)")
  }

  @Test func aConsistencyProofWithAnUnsignedCheckpointIsRefused() throws {
    let s = try ProofCLITests.Setup()
    let signedOld = try s.checkpoint("old.checkpoint")
    let unsignedOld = try s.checkpoint("old-unsigned.checkpoint", [])
    // The old checkpoint unsigned.
    let old = try s.run(["prove", "--consistency", unsignedOld, "--sign-key", s.key])
    #expect(old.isRefusal && old.stderr.contains("invalid --consistency '\(unsignedOld)': the checkpoint carries no signature"))
    // The new one: a file, or the ledger's now without --sign-key.
    let to = try s.run(["prove", "--consistency", signedOld, "--to", unsignedOld])
    #expect(to.isRefusal && to.stderr.contains("invalid --to '\(unsignedOld)'"))
    let now = try s.run(["prove", "--consistency", signedOld])
    #expect(now.isRefusal && now.stderr.hasPrefix("policy-ledger: error: missing --sign-key: the checkpoint of the ledger now"))
    #expect(try s.run(["prove", "--consistency", signedOld, "--unsigned"]).status == 0)
    #expect(try s.run(["prove", "--consistency", signedOld, "--sign-key", s.key]).status == 0)
  }
}
