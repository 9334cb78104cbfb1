import Foundation
import Testing

@testable import PolicyLedger

/// The Merkle tree against RFC 6962's published test vectors and against a small,
/// obviously correct model: the recursive definitions of RFC 9162 section 2.1,
/// transcribed as they are written.
@Suite struct MerkleTests {
  // MARK: Published vectors
  //
  // From Certificate Transparency's RFC 6962 test suite as kept in Go's
  // github.com/transparency-dev/merkle (rfc6962/rfc6962_test.go, proof/verify_test.go).

  static let vectorLeaves: [[UInt8]] = [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
  ].map { Hex.decode($0)! }

  /// Roots of the trees of the first 1…8 vector leaves.
  static let vectorRoots: [String] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  ]

  @Test func leafAndNodeHashesMatchRFC6962Vectors() {
    #expect(Hex.encode(Merkle.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Hex.encode(Merkle.leafHash([])) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    #expect(Hex.encode(Merkle.leafHash(Array("L123456".utf8))) == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    #expect(
      Hex.encode(Merkle.nodeHash(Array("N123".utf8), Array("N456".utf8)))
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
  }

  @Test func rootsOfEveryPrefixOfTheVectorLeavesMatch() throws {
    let tree = Stored(leafHashes: MerkleTests.vectorLeaves.map(Merkle.leafHash))
    var frontier = MerkleFrontier()
    #expect(frontier.root == Merkle.emptyRoot)
    for (n, expected) in MerkleTests.vectorRoots.enumerated() {
      frontier.append(leafHash: Merkle.leafHash(MerkleTests.vectorLeaves[n]))
      #expect(Hex.encode(frontier.root) == expected, "frontier root at size \(n + 1)")
      #expect(Hex.encode(try tree.at(size: Int64(n + 1)).root()) == expected, "stored-node root at size \(n + 1)")
    }
  }

  @Test func inclusionProofsMatchTheVectors() throws {
    let tree = Stored(leafHashes: MerkleTests.vectorLeaves.map(Merkle.leafHash))
    // (1-based leaf, tree size, audit path), as in the Go suite.
    let vectors: [(Int64, Int64, [String])] = [
      (1, 1, []),
      (
        1, 8,
        [
          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
      ),
      (
        6, 8,
        [
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
      ),
      (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
      (
        2, 5,
        [
          "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]
      ),
    ]
    for (leaf, size, path) in vectors {
      let proof = try tree.at(size: size).inclusionProof(index: leaf - 1)
      #expect(proof.map(Hex.encode) == path, "leaf \(leaf) of \(size)")
      try MerkleProof.verifyInclusion(
        proof, index: leaf - 1, size: size, leafHash: Merkle.leafHash(MerkleTests.vectorLeaves[Int(leaf - 1)]),
        root: Hex.decode(MerkleTests.vectorRoots[Int(size - 1)])!)
    }
  }

  @Test func consistencyProofsMatchTheVectors() throws {
    let tree = Stored(leafHashes: MerkleTests.vectorLeaves.map(Merkle.leafHash))
    let vectors: [(Int64, Int64, [String])] = [
      (1, 1, []),
      (
        1, 8,
        [
          "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
      ),
      (
        6, 8,
        [
          "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
      ),
      (
        2, 5,
        [
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ]
      ),
      (
        6, 7,
        [
          "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
          "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
      ),
    ]
    for (old, new, path) in vectors {
      let proof = try tree.at(size: new).consistencyProof(from: old)
      #expect(proof.map(Hex.encode) == path, "\(old) to \(new)")
      try MerkleProof.verifyConsistency(
        proof, oldSize: old, newSize: new, oldRoot: Hex.decode(MerkleTests.vectorRoots[Int(old - 1)])!,
        newRoot: Hex.decode(MerkleTests.vectorRoots[Int(new - 1)])!)
    }
  }

  // MARK: Every size up to 100, against the model

  static let hundred = Stored(leafHashes: (0..<100).map { Merkle.leafHash(Array("entry \($0)".utf8)) })

  @Test func everyLeafIsProvenInEveryTreeSizeUpTo100() throws {
    let tree = MerkleTests.hundred
    let model = Model(leaves: tree.leafHashes)
    for n in 1...100 {
      let sized = tree.at(size: Int64(n))
      let root = try sized.root()
      #expect(root == model.mth(0, n), "root at size \(n)")
      for m in 0..<n {
        let proof = try sized.inclusionProof(index: Int64(m))
        #expect(proof == model.path(m, 0, n), "leaf \(m) of \(n)")
        try MerkleProof.verifyInclusion(proof, index: Int64(m), size: Int64(n), leafHash: tree.leafHashes[m], root: root)
      }
    }
  }

  @Test func everyEarlierSizeIsProvenConsistentUpTo100() throws {
    let tree = MerkleTests.hundred
    let model = Model(leaves: tree.leafHashes)
    for n in 1...100 {
      let sized = tree.at(size: Int64(n))
      let newRoot = try sized.root()
      for m in 0...n {
        let proof = try sized.consistencyProof(from: Int64(m))
        #expect(proof == (m == 0 ? [] : model.proof(m, n)), "\(m) to \(n)")
        try MerkleProof.verifyConsistency(
          proof, oldSize: Int64(m), newSize: Int64(n), oldRoot: model.mth(0, m), newRoot: newRoot)
      }
    }
  }

  @Test func theFrontierStoresEveryPerfectSubtreeOnce() {
    let tree = MerkleTests.hundred
    // Σ floor(100 / 2^level): 100 + 50 + 25 + 12 + 6 + 3 + 1.
    #expect(tree.nodes.count == 197)
    let model = Model(leaves: tree.leafHashes)
    for (node, hash) in tree.nodes {
      let begin = Int(node.index << node.level)
      #expect(hash == model.mth(begin, begin + (1 << node.level)), "\(node)")
    }
  }

  // MARK: Tampering

  @Test func alteredInclusionProofsAreRefused() throws {
    let tree = MerkleTests.hundred
    let other = Merkle.leafHash(Array("not in the tree".utf8))
    for n in Int64(1)...33 {
      let root = try tree.at(size: n).root()
      for m in 0..<n {
        let proof = try tree.at(size: n).inclusionProof(index: m)
        let leaf = tree.leafHashes[Int(m)]
        var probes: [(String, Int64, Int64, [UInt8], [UInt8], [[UInt8]])] = [
          ("index - 1", m - 1, n, leaf, root, proof), ("index + 1", m + 1, n, leaf, root, proof),
          ("index ^ 2", m ^ 2, n, leaf, root, proof), ("size * 2", m, n * 2, leaf, root, proof),
          ("size / 2", m, n / 2, leaf, root, proof), ("wrong leaf", m, n, other, root, proof),
          ("empty root", m, n, leaf, Merkle.emptyRoot, proof), ("other root", m, n, leaf, other, proof),
          ("trailing hash", m, n, leaf, root, proof + [root]), ("leading hash", m, n, leaf, root, [root] + proof),
        ]
        for i in proof.indices {
          var flipped = proof
          flipped[i][0] ^= 8
          probes.append(("bit flipped in hash \(i)", m, n, leaf, root, flipped))
        }
        if !proof.isEmpty { probes.append(("last hash removed", m, n, leaf, root, Array(proof.dropLast()))) }
        if proof.count > 1 { probes.append(("hash inserted", m, n, leaf, root, [proof[0], other] + proof.dropFirst())) }
        for (name, index, size, leafHash, root, proof) in probes {
          #expect(throws: LedgerError.self, "\(name), leaf \(m) of \(n)") {
            try MerkleProof.verifyInclusion(proof, index: index, size: size, leafHash: leafHash, root: root)
          }
        }
      }
    }
  }

  @Test func alteredConsistencyProofsAreRefused() throws {
    let tree = MerkleTests.hundred
    let other = Merkle.leafHash(Array("not a root".utf8))
    for n in Int64(2)...33 {
      let newRoot = try tree.at(size: n).root()
      for m in 1..<n {
        let oldRoot = try tree.at(size: m).root()
        let proof = try tree.at(size: n).consistencyProof(from: m)
        var probes: [(String, Int64, Int64, [UInt8], [UInt8], [[UInt8]])] = [
          ("old size - 1", m - 1, n, oldRoot, newRoot, proof), ("old size + 1", m + 1, n, oldRoot, newRoot, proof),
          ("old size ^ 2", m ^ 2, n, oldRoot, newRoot, proof), ("new size * 2", m, n * 2, oldRoot, newRoot, proof),
          ("new size / 2", m, n / 2, oldRoot, newRoot, proof), ("wrong old root", m, n, other, newRoot, proof),
          ("wrong new root", m, n, oldRoot, other, proof), ("swapped roots", m, n, newRoot, oldRoot, proof),
          ("empty proof", m, n, oldRoot, newRoot, []), ("trailing hash", m, n, oldRoot, newRoot, proof + [oldRoot]),
          ("leading hash", m, n, oldRoot, newRoot, [newRoot] + proof),
          ("last hash removed", m, n, oldRoot, newRoot, Array(proof.dropLast())),
        ]
        for i in proof.indices {
          var flipped = proof
          flipped[i][0] ^= 16
          probes.append(("bit flipped in hash \(i)", m, n, oldRoot, newRoot, flipped))
        }
        for (name, old, new, oldRoot, newRoot, proof) in probes {
          #expect(throws: LedgerError.self, "\(name), \(m) to \(n)") {
            try MerkleProof.verifyConsistency(proof, oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot)
          }
        }
      }
    }
  }

  @Test func proofsOutsideTheTreeAreRefused() throws {
    let tree = MerkleTests.hundred.at(size: 10)
    expectLedgerError("leaf 10 is not in a tree of 10 leaves") { try tree.inclusionProof(index: 10) }
    expectLedgerError("a tree of 10 leaves has no earlier size 11") { try tree.consistencyProof(from: 11) }
    expectLedgerError("the old tree (11 leaves) is larger than the new one (10): leaves were removed") {
      try MerkleProof.verifyConsistency([], oldSize: 11, newSize: 10, oldRoot: Merkle.emptyRoot, newRoot: Merkle.emptyRoot)
    }
  }
}

/// Perfect-subtree hashes collected by appending leaves to a frontier: the same rows a
/// ledger stores in `merkle_nodes`.
struct Stored {
  let leafHashes: [[UInt8]]
  let nodes: [MerkleNode: [UInt8]]

  init(leafHashes: [[UInt8]]) {
    self.leafHashes = leafHashes
    var frontier = MerkleFrontier()
    var nodes: [MerkleNode: [UInt8]] = [:]
    for leaf in leafHashes {
      for (node, hash) in frontier.append(leafHash: leaf) { nodes[node] = hash }
    }
    self.nodes = nodes
  }

  /// The tree at `size`; reading a node past `size` (a later state) fails the test.
  func at(size: Int64) -> MerkleTree {
    MerkleTree(size: size) { node in
      #expect(node.entries.upperBound <= size, "\(node) is past size \(size)")
      return nodes[node]!
    }
  }
}

/// RFC 9162 section 2.1's definitions, recursively, as written: MTH, PATH and SUBPROOF
/// over leaves `begin ..< end` (leaf hashes given), with MTH memoized.
final class Model {
  let leaves: [[UInt8]]
  private var memo: [Int: [UInt8]] = [:]

  init(leaves: [[UInt8]]) { self.leaves = leaves }

  private func k(_ n: Int) -> Int {
    var k = 1
    while k * 2 < n { k *= 2 }
    return k
  }

  func mth(_ begin: Int, _ end: Int) -> [UInt8] {
    let key = begin * 1_000 + end
    if let hash = memo[key] { return hash }
    let n = end - begin
    let hash: [UInt8] =
      switch n {
      case 0: Merkle.emptyRoot
      case 1: leaves[begin]
      default: Merkle.nodeHash(mth(begin, begin + k(n)), mth(begin + k(n), end))
      }
    memo[key] = hash
    return hash
  }

  /// PATH(m, D[begin:end]).
  func path(_ m: Int, _ begin: Int, _ end: Int) -> [[UInt8]] {
    let n = end - begin
    if n == 1 { return [] }
    let k = k(n)
    if m < k { return path(m, begin, begin + k) + [mth(begin + k, end)] }
    return path(m - k, begin + k, end) + [mth(begin, begin + k)]
  }

  /// PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).
  func proof(_ m: Int, _ n: Int) -> [[UInt8]] { subproof(m, 0, n, true) }

  private func subproof(_ m: Int, _ begin: Int, _ end: Int, _ b: Bool) -> [[UInt8]] {
    let n = end - begin
    if m == n { return b ? [] : [mth(begin, end)] }
    let k = k(n)
    if m <= k { return subproof(m, begin, begin + k, b) + [mth(begin + k, end)] }
    return subproof(m - k, begin + k, end, false) + [mth(begin, begin + k)]
  }
}
