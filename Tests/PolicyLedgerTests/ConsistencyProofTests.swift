import Foundation
import Testing

@testable import PolicyLedger

/// The consistency proof file: written and read back unchanged, checked for every pair of
/// sizes of a small tree, and refused when a checkpoint is unsigned or of another origin.
struct ConsistencyProofTests {
  static let key = try! NoteSigningKey(name: "example.com/log", seed: [UInt8](repeating: 7, count: 32))
  static let leaves = (0..<17).map { Merkle.leafHash([UInt8($0)]) }

  /// The tree of the first `size` leaves, its nodes computed from the leaves.
  static func tree(_ size: Int64) -> MerkleTree {
    func hash(_ node: MerkleNode) -> [UInt8] {
      node.level == 0
        ? leaves[Int(node.index)]
        : Merkle.nodeHash(
          hash(MerkleNode(level: node.level - 1, index: 2 * node.index)),
          hash(MerkleNode(level: node.level - 1, index: 2 * node.index + 1)))
    }
    return MerkleTree(size: size, node: hash)
  }

  static func checkpoint(_ size: Int64, origin: String = "example.com/log", signed: Bool = true) throws -> SignedCheckpoint {
    SignedCheckpoint(Checkpoint(origin: origin, size: size, root: try tree(size).root()), signedBy: signed ? key : nil)
  }

  @Test func everyPairOfSizesRoundTripsThroughTheFileAndChecks() throws {
    for n in Int64(0)...17 {
      for m in Int64(0)...n {
        let proof = ConsistencyProof(
          old: try Self.checkpoint(m), new: try Self.checkpoint(n), hashes: try Self.tree(n).consistencyProof(from: m))
        let parsed = try ConsistencyProof(parsing: Array(proof.serialized.utf8), source: "p")
        #expect(parsed == proof, "\(m) → \(n)")
        let record = try parsed.check(key: Self.key.verifier)
        #expect(record.values[1] == .integer(m) && record.values[3] == .integer(n))
      }
    }
  }

  @Test func anUnsignedCheckpointIsReadButNotTrusted() throws {
    let proof = ConsistencyProof(
      old: try Self.checkpoint(3, signed: false), new: try Self.checkpoint(9), hashes: try Self.tree(9).consistencyProof(from: 3))
    let parsed = try ConsistencyProof(parsing: Array(proof.serialized.utf8), source: "p")
    #expect(parsed == proof)
    #expect(throws: LedgerError.self) { try parsed.check(key: Self.key.verifier) }
  }

  @Test func checkpointsOfTwoOriginsAreRefused() throws {
    let proof = ConsistencyProof(
      old: try Self.checkpoint(3, origin: "example.com/other"), new: try Self.checkpoint(9),
      hashes: try Self.tree(9).consistencyProof(from: 3))
    let error = try #require(throws: LedgerError.self) { try proof.check(key: Self.key.verifier) }
    #expect(error.description == "the checkpoints are of different ledgers: 'example.com/other' and 'example.com/log'")
  }

  @Test func aFileCutShortIsRefused() throws {
    let text = ConsistencyProof(
      old: try Self.checkpoint(3), new: try Self.checkpoint(9), hashes: try Self.tree(9).consistencyProof(from: 3)
    ).serialized
    let cut = String(text[..<text.range(of: "\n\nexample.com/log\n9")!.lowerBound]) + "\n"
    #expect(throws: LedgerError.self) { try ConsistencyProof(parsing: Array(cut.utf8), source: "p") }
  }
}
