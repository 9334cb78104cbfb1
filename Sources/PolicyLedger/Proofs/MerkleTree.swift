/// The RFC 6962 / RFC 9162 Merkle tree over the journal (docs/proofs.md).
///
/// Leaf `i` (0-based) is journal entry `seq = i + 1`; its leaf data is that entry's
/// 32-byte `entry_hash`:
///
///     leaf hash = SHA-256(0x00 ‖ entry_hash)
///     node hash = SHA-256(0x01 ‖ left ‖ right)
///     empty tree = SHA-256("")
///
/// A *perfect subtree* is named by its level (0 for a leaf) and its index at that
/// level: `(level, index)` covers leaves `index·2^level ..< (index+1)·2^level`. The
/// ledger stores the hash of every perfect subtree (`merkle_nodes`), which is all any
/// root, inclusion proof or consistency proof needs: each is a few such hashes combined.
public enum Merkle {
  /// `SHA-256(0x00 ‖ data)`.
  public static func leafHash(_ data: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update([0x00])
    hasher.update(data)
    return hasher.finish()
  }

  /// `SHA-256(0x01 ‖ left ‖ right)`.
  public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update([0x01])
    hasher.update(left)
    hasher.update(right)
    return hasher.finish()
  }

  /// The root of the empty tree: `SHA-256("")`.
  public static let emptyRoot: [UInt8] = {
    var hasher = SHA256Hasher()
    return hasher.finish()
  }()

  /// The largest power of two smaller than `n` (n ≥ 2): RFC 6962's split point `k`.
  static func split(_ n: Int64) -> Int64 {
    precondition(n >= 2)
    return 1 << (63 - (n - 1).leadingZeroBitCount)
  }

  /// The perfect subtrees that make up `begin ..< end`, left to right, largest first.
  ///
  /// Every range RFC 6962's recursion visits starts at a multiple of a power of two no
  /// smaller than its length, so its binary decomposition falls on perfect subtrees.
  static func perfectSubtrees(_ begin: Int64, _ end: Int64) -> [MerkleNode] {
    var nodes: [MerkleNode] = []
    var offset = begin
    var remaining = end - begin
    while remaining > 0 {
      let level = 63 - remaining.leadingZeroBitCount
      precondition(offset & ((1 << level) - 1) == 0, "range \(begin)..<\(end) is not on subtree boundaries")
      nodes.append(MerkleNode(level: level, index: offset >> level))
      offset += 1 << level
      remaining -= 1 << level
    }
    return nodes
  }

  /// Combines perfect-subtree hashes, largest (leftmost) first, into the hash of their
  /// range: the right edge folds in first, as RFC 6962's recursion does.
  static func fold(_ hashes: [[UInt8]]) -> [UInt8] {
    guard var result = hashes.last else { return emptyRoot }
    for hash in hashes.dropLast().reversed() { result = nodeHash(hash, result) }
    return result
  }
}

/// A perfect subtree: leaves `index·2^level ..< (index+1)·2^level`.
public struct MerkleNode: Hashable, Sendable, CustomStringConvertible {
  public var level: Int
  public var index: Int64

  public init(level: Int, index: Int64) {
    self.level = level
    self.index = index
  }

  /// The journal entries it covers (seq is the leaf index plus one).
  public var entries: ClosedRange<Int64> { (index << level) + 1...((index + 1) << level) }

  public var description: String { "level \(level), entries \(entries.lowerBound)-\(entries.upperBound)" }
}

/// The right edge of a tree of `size` leaves: the hashes of the perfect subtrees of
/// its binary decomposition, largest first. Enough to append a leaf and to compute
/// the root; appending reports every perfect subtree it completes.
public struct MerkleFrontier: Sendable {
  public private(set) var size: Int64 = 0
  private(set) var hashes: [[UInt8]] = []

  public init() {}

  /// A frontier from stored subtree hashes, as ``nodes(size:)`` lists them.
  init(size: Int64, hashes: [[UInt8]]) {
    precondition(hashes.count == size.nonzeroBitCount)
    self.size = size
    self.hashes = hashes
  }

  /// The perfect subtrees a frontier of `size` leaves holds, largest first.
  static func nodes(size: Int64) -> [MerkleNode] { Merkle.perfectSubtrees(0, size) }

  /// Appends a leaf; returns every perfect subtree completed by it (the leaf itself
  /// first), with its hash.
  @discardableResult
  public mutating func append(leafHash: [UInt8]) -> [(node: MerkleNode, hash: [UInt8])] {
    var hash = leafHash
    var node = MerkleNode(level: 0, index: size)
    var completed = [(node: node, hash: hash)]
    while node.index & 1 == 1 {
      hash = Merkle.nodeHash(hashes.removeLast(), hash)
      node = MerkleNode(level: node.level + 1, index: node.index >> 1)
      completed.append((node, hash))
    }
    hashes.append(hash)
    size += 1
    return completed
  }

  /// The tree's root hash (`SHA-256("")` when empty).
  public var root: [UInt8] { Merkle.fold(hashes) }
}

/// A tree of `size` leaves read through its perfect-subtree hashes: roots, inclusion
/// proofs and consistency proofs as RFC 9162 sections 2.1.3.1 and 2.1.4.1 define them.
public struct MerkleTree {
  public let size: Int64
  /// The hash of one perfect subtree of this tree.
  let node: (MerkleNode) throws -> [UInt8]

  public init(size: Int64, node: @escaping (MerkleNode) throws -> [UInt8]) {
    self.size = size
    self.node = node
  }

  /// The hash of leaves `begin ..< end`, a range RFC 6962's recursion visits.
  func hash(_ begin: Int64, _ end: Int64) throws -> [UInt8] {
    Merkle.fold(try Merkle.perfectSubtrees(begin, end).map(node))
  }

  /// The root hash at this size.
  public func root() throws -> [UInt8] {
    size == 0 ? Merkle.emptyRoot : try hash(0, size)
  }

  /// The audit path of leaf `index`: sibling hashes from the leaf's up to the root's child.
  public func inclusionProof(index: Int64) throws -> [[UInt8]] {
    guard index >= 0, index < size else {
      throw LedgerError("leaf \(index) is not in a tree of \(size) leaves")
    }
    // PATH(m, D[n]) descends into the half holding m; the other half's hash joins the
    // path. Collected root-first, returned leaf-first.
    var path: [[UInt8]] = []
    var begin: Int64 = 0
    var end = size
    while end - begin > 1 {
      let k = Merkle.split(end - begin)
      if index < begin + k {
        path.append(try hash(begin + k, end))
        end = begin + k
      } else {
        path.append(try hash(begin, begin + k))
        begin += k
      }
    }
    return path.reversed()
  }

  /// The consistency proof from the tree's first `oldSize` leaves to all of it.
  public func consistencyProof(from oldSize: Int64) throws -> [[UInt8]] {
    guard oldSize >= 0, oldSize <= size else {
      throw LedgerError("a tree of \(size) leaves has no earlier size \(oldSize)")
    }
    if oldSize == 0 || oldSize == size { return [] }
    // SUBPROOF(m, D[n], b): while the old tree is not a whole subtree, descend, adding
    // the sibling; the subtree it ends in is added unless it is the old tree itself.
    var collected: [[UInt8]] = []
    var begin: Int64 = 0
    var end = size
    var m = oldSize
    var isWholeOldTree = true
    while end - begin != m {
      let k = Merkle.split(end - begin)
      if m <= k {
        collected.append(try hash(begin + k, end))
        end = begin + k
      } else {
        collected.append(try hash(begin, begin + k))
        begin += k
        m -= k
        isWholeOldTree = false
      }
    }
    let bottom = isWholeOldTree ? [] : [try hash(begin, end)]
    return bottom + collected.reversed()
  }
}

/// Checking proofs with nothing but hashes: RFC 9162 sections 2.1.3.2 and 2.1.4.2.
public enum MerkleProof {
  /// The root that an inclusion proof leads to from `leafHash` at `index`.
  /// - Throws: `LedgerError` when the proof's length does not fit the tree's shape.
  public static func root(
    fromInclusionProof proof: [[UInt8]], index: Int64, size: Int64, leafHash: [UInt8]
  ) throws -> [UInt8] {
    guard index >= 0, index < size else {
      throw LedgerError("the proof names leaf \(index), outside a tree of \(size) leaves")
    }
    var fn = index
    var sn = size - 1
    var r = leafHash
    for p in proof {
      guard sn != 0 else { throw LedgerError("the inclusion proof has more hashes than a tree of \(size) leaves needs") }
      if fn & 1 == 1 || fn == sn {
        r = Merkle.nodeHash(p, r)
        while fn & 1 == 0 && fn != 0 {
          fn >>= 1
          sn >>= 1
        }
      } else {
        r = Merkle.nodeHash(r, p)
      }
      fn >>= 1
      sn >>= 1
    }
    guard sn == 0 else { throw LedgerError("the inclusion proof has fewer hashes than a tree of \(size) leaves needs") }
    return r
  }

  /// Checks that leaf `index` with hash `leafHash` is in the tree of `size` leaves with `root`.
  public static func verifyInclusion(
    _ proof: [[UInt8]], index: Int64, size: Int64, leafHash: [UInt8], root: [UInt8]
  ) throws {
    let computed = try self.root(fromInclusionProof: proof, index: index, size: size, leafHash: leafHash)
    guard computed == root else {
      throw LedgerError(
        "the inclusion proof leads to root \(Base64.encode(computed)), not the checkpoint's \(Base64.encode(root))")
    }
  }

  /// Checks that the tree of `newSize` leaves with `newRoot` extends the one of
  /// `oldSize` leaves with `oldRoot`, keeping its leaves unchanged.
  public static func verifyConsistency(
    _ proof: [[UInt8]], oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8]
  ) throws {
    guard oldSize >= 0, oldSize <= newSize else {
      throw LedgerError("the old tree (\(oldSize) leaves) is larger than the new one (\(newSize)): leaves were removed")
    }
    if oldSize == newSize {
      guard proof.isEmpty else { throw LedgerError("a consistency proof between equal sizes must be empty") }
      guard oldRoot == newRoot else {
        throw LedgerError("at the same size \(oldSize) the roots differ: \(Base64.encode(oldRoot)) and \(Base64.encode(newRoot))")
      }
      return
    }
    if oldSize == 0 {
      guard proof.isEmpty else { throw LedgerError("a consistency proof from the empty tree must be empty") }
      guard oldRoot == Merkle.emptyRoot else { throw LedgerError("the old root is not the empty tree's root") }
      return
    }
    guard !proof.isEmpty else { throw LedgerError("the consistency proof is empty") }
    var path = proof
    if oldSize.nonzeroBitCount == 1 { path.insert(oldRoot, at: 0) }
    var fn = oldSize - 1
    var sn = newSize - 1
    while fn & 1 == 1 {
      fn >>= 1
      sn >>= 1
    }
    var fr = path[0]
    var sr = path[0]
    for c in path.dropFirst() {
      guard sn != 0 else { throw LedgerError("the consistency proof has more hashes than these sizes need") }
      if fn & 1 == 1 || fn == sn {
        fr = Merkle.nodeHash(c, fr)
        sr = Merkle.nodeHash(c, sr)
        while fn & 1 == 0 && fn != 0 {
          fn >>= 1
          sn >>= 1
        }
      } else {
        sr = Merkle.nodeHash(sr, c)
      }
      fn >>= 1
      sn >>= 1
    }
    guard sn == 0 else { throw LedgerError("the consistency proof has fewer hashes than these sizes need") }
    guard fr == oldRoot else {
      throw LedgerError("the consistency proof leads to old root \(Base64.encode(fr)), not \(Base64.encode(oldRoot))")
    }
    guard sr == newRoot else {
      throw LedgerError("the consistency proof leads to new root \(Base64.encode(sr)), not \(Base64.encode(newRoot))")
    }
  }
}

// MARK: - The stored tree (migrations/0002_merkle.sql)

/// The right edge of the stored tree after the entry with `entryHash`, as one connection
/// wrote it, while `PRAGMA data_version` was `dataVersion`.
struct MerkleEdge {
  let entryHash: [UInt8]
  let dataVersion: Int64
  let frontier: MerkleFrontier
}

extension Connection {
  /// Adds journal entry `seq`'s leaf to `merkle_nodes`, with every perfect subtree it
  /// completes: one row, plus one for each trailing 1 bit of `seq - 1` (two on average).
  /// `appendEntry` calls it in the entry's own transaction.
  ///
  /// The tree's right edge is read back from the table (one row per 1 bit of `seq - 1`),
  /// unless this connection wrote it and nothing since can have changed it: the journal
  /// still ends with the entry it was written after (`previousHash`; the hash chain makes
  /// that entry stand for the whole journal, so a rolled-back append cannot pass), and no
  /// other connection has committed since (`PRAGMA data_version`).
  /// - Throws: `LedgerError` when the stored tree does not hold the `seq - 1` leaves it should.
  func appendMerkleLeaf(seq: Int64, entryHash: [UInt8], previousHash: [UInt8]) throws {
    // > The integer values returned by two invocations of "PRAGMA data_version" from the
    // > same connection will be different if changes were committed to the database by
    // > any other connection in the interim. https://www.sqlite.org/pragma.html#pragma_data_version
    let dataVersion = try cached("PRAGMA data_version").first { $0.int64(0) } ?? 0
    var frontier: MerkleFrontier
    if let edge = merkleEdge, edge.entryHash == previousHash, edge.dataVersion == dataVersion, edge.frontier.size == seq - 1 {
      frontier = edge.frontier
    } else {
      frontier = try storedFrontier(size: seq - 1)
    }
    merkleEdge = nil
    try insertMerkleNodes(frontier.append(leafHash: Merkle.leafHash(entryHash)))
    merkleEdge = MerkleEdge(entryHash: entryHash, dataVersion: dataVersion, frontier: frontier)
  }

  func insertMerkleNodes(_ nodes: [(node: MerkleNode, hash: [UInt8])]) throws {
    let insert = try cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
    for (node, hash) in nodes { try insert.run([node.level, node.index, hash]) }
  }

  /// One stored perfect-subtree hash.
  func merkleNode(_ node: MerkleNode) throws -> [UInt8] {
    guard
      let hash = try cached("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        .first([node.level, node.index], { $0.blob(0) })
    else {
      throw LedgerError(
        "the ledger's Merkle tree has no node for entries \(node.entries.lowerBound)-\(node.entries.upperBound); run 'policy-ledger verify'")
    }
    return hash
  }

  /// The right edge of the stored tree at `size` leaves: at most 63 point lookups.
  func storedFrontier(size: Int64) throws -> MerkleFrontier {
    MerkleFrontier(size: size, hashes: try MerkleFrontier.nodes(size: size).map(merkleNode))
  }

  /// The stored tree as it was at `size` leaves (any size up to the journal's).
  func storedTree(size: Int64) -> MerkleTree {
    MerkleTree(size: size) { try self.merkleNode($0) }
  }

  /// Compares `merkle_nodes` with a tree rebuilt in journal order, streaming (verify).
  func merkleTableCheck() -> MerkleTableCheck { MerkleTableCheck(db: self) }

  /// Builds the tree of a journal recorded before migration 0002: the Swift step that
  /// runs right after that migration's SQL, in its transaction (see `Migrator.steps`).
  func backfillMerkleTree() throws {
    var frontier = MerkleFrontier()
    try forEachEntry { entry in
      guard entry.seq == frontier.size + 1 else {
        throw LedgerError(
          "cannot build the Merkle tree: the journal goes from entry \(frontier.size) to \(entry.seq); run 'policy-ledger verify'")
      }
      try insertMerkleNodes(frontier.append(leafHash: Merkle.leafHash(entry.entryHash)))
    }
  }
}

/// Compares the stored tree with one rebuilt from the journal, as `verify` rebuilds it:
/// the nodes of each level arrive in index order, so one cursor per level reads
/// `merkle_nodes` in key order. Each row is read once; nothing is sorted or copied.
final class MerkleTableCheck {
  private let db: Connection
  private var cursors: [Int: Statement] = [:]

  fileprivate init(db: Connection) { self.db = db }

  /// Checks the next rebuilt node against the table; returns what is wrong, or nil.
  func check(_ node: MerkleNode, hash: [UInt8]) throws -> String? {
    let cursor: Statement
    if let open = cursors[node.level] {
      cursor = open
    } else {
      cursor = try db.prepare("SELECT idx, hash FROM merkle_nodes WHERE level = ? ORDER BY idx")
      try cursor.bind([node.level])
      cursors[node.level] = cursor
    }
    // The message is made only for a problem: this runs for every node of the tree.
    func covers() -> String { "entries \(node.entries.lowerBound)-\(node.entries.upperBound)" }
    guard try cursor.step() else { return "the merkle_nodes table lacks its node for \(covers())" }
    // Rows come in index order, each index once, and every earlier index of this level
    // matched: a different index here means this node's row is missing.
    if cursor.row.int64(0) != node.index { return "the merkle_nodes table lacks its node for \(covers())" }
    if !cursor.row.holds(.blob(hash), at: 1) { return "the merkle_nodes table does not match the journal (its node for \(covers()))" }
    return nil
  }

  /// After the last entry: a row left over, for leaves the journal does not have.
  func leftover(size: Int64) throws -> String? {
    cursors.removeAll()
    return try db.prepare("SELECT level, idx FROM merkle_nodes WHERE idx >= (? >> level) ORDER BY level, idx LIMIT 1")
      .first([size]) { row in
        "the merkle_nodes table has a node (level \(row.int64(0)), index \(row.int64(1))) for entries after the last one, \(size)"
      }
  }
}
