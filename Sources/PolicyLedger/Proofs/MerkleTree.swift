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
package enum Merkle {
  /// `SHA-256(0x00 ‖ data)`.
  package static func leafHash(_ data: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update([0x00])
    hasher.update(data)
    return hasher.finish()
  }

  /// `SHA-256(0x01 ‖ left ‖ right)`.
  package static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
    var hasher = SHA256Hasher()
    hasher.update([0x01])
    hasher.update(left)
    hasher.update(right)
    return hasher.finish()
  }

  /// The root of the empty tree: `SHA-256("")`.
  package static let emptyRoot: [UInt8] = {
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
package struct MerkleNode: Hashable, Sendable, CustomStringConvertible {
  package var level: Int
  package var index: Int64

  package init(level: Int, index: Int64) {
    self.level = level
    self.index = index
  }

  /// The journal entries it covers (seq is the leaf index plus one).
  package var entries: ClosedRange<Int64> { (index << level) + 1...((index + 1) << level) }

  package var description: String { "level \(level), entries \(entries.lowerBound)-\(entries.upperBound)" }
}

/// The right edge of a tree of `size` leaves: the hashes of the perfect subtrees of
/// its binary decomposition, largest first. Enough to append a leaf and to compute
/// the root; appending reports every perfect subtree it completes.
package struct MerkleFrontier: Sendable {
  package private(set) var size: Int64 = 0
  private(set) var hashes: [[UInt8]] = []

  package init() {}

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
  package mutating func append(leafHash: [UInt8]) -> [(node: MerkleNode, hash: [UInt8])] {
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
  package var root: [UInt8] { Merkle.fold(hashes) }
}

/// A tree of `size` leaves read through its perfect-subtree hashes: roots, inclusion
/// proofs and consistency proofs as RFC 9162 sections 2.1.3.1 and 2.1.4.1 define them.
///
/// The tree is math only: the hashes it reads come through a ``MerkleNodeReader`` (as Go's
/// sumdb/tlog reads through a `HashReader`), which the ledger's store implements over the
/// `merkle_nodes` table.
package struct MerkleTree {
  package let size: Int64
  /// Where the hashes of this tree's perfect subtrees come from.
  let reader: any MerkleNodeReader

  package init(size: Int64, reader: any MerkleNodeReader) {
    self.size = size
    self.reader = reader
  }

  /// A tree whose perfect-subtree hashes `node` gives.
  package init(size: Int64, node: @escaping (MerkleNode) throws -> [UInt8]) {
    self.init(size: size, reader: ClosureNodeReader(read: node))
  }

  /// The hash of leaves `begin ..< end`, a range RFC 6962's recursion visits.
  func hash(_ begin: Int64, _ end: Int64) throws -> [UInt8] {
    Merkle.fold(try Merkle.perfectSubtrees(begin, end).map(reader.hash(of:)))
  }

  /// The root hash at this size.
  package func root() throws -> [UInt8] {
    size == 0 ? Merkle.emptyRoot : try hash(0, size)
  }

  /// The audit path of leaf `index`: sibling hashes from the leaf's up to the root's child.
  package func inclusionProof(index: Int64) throws -> [[UInt8]] {
    guard index >= 0, index < size else {
      throw LedgerError(.invalidInput, "leaf \(index) is not in a tree of \(size) leaves")
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
  package func consistencyProof(from oldSize: Int64) throws -> [[UInt8]] {
    guard oldSize >= 0, oldSize <= size else {
      throw LedgerError(.invalidInput, "a tree of \(size) leaves has no earlier size \(oldSize)")
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

/// Where a ``MerkleTree`` reads the hash of each perfect subtree it needs.
package protocol MerkleNodeReader {
  /// The hash of the perfect subtree `node`.
  /// - Throws: when the node is not stored.
  func hash(of node: MerkleNode) throws -> [UInt8]
}

/// A ``MerkleNodeReader`` made of a function.
struct ClosureNodeReader: MerkleNodeReader {
  let read: (MerkleNode) throws -> [UInt8]
  func hash(of node: MerkleNode) throws -> [UInt8] { try read(node) }
}

/// Checking proofs with nothing but hashes: RFC 9162 sections 2.1.3.2 and 2.1.4.2.
package enum MerkleProof {
  /// The root that an inclusion proof leads to from `leafHash` at `index`.
  /// - Throws: `LedgerError` when the proof's length does not fit the tree's shape.
  package static func root(
    fromInclusionProof proof: [[UInt8]], index: Int64, size: Int64, leafHash: [UInt8]
  ) throws -> [UInt8] {
    guard index >= 0, index < size else {
      throw LedgerError(.invalidInput, "the proof names leaf \(index), outside a tree of \(size) leaves")
    }
    var fn = index
    var sn = size - 1
    var r = leafHash
    for p in proof {
      guard sn != 0 else { throw LedgerError(.invalidInput, "the inclusion proof has more hashes than a tree of \(size) leaves needs") }
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
    guard sn == 0 else { throw LedgerError(.invalidInput, "the inclusion proof has fewer hashes than a tree of \(size) leaves needs") }
    return r
  }

  /// Checks that leaf `index` with hash `leafHash` is in the tree of `size` leaves with `root`.
  package static func verifyInclusion(
    _ proof: [[UInt8]], index: Int64, size: Int64, leafHash: [UInt8], root: [UInt8]
  ) throws {
    let computed = try self.root(fromInclusionProof: proof, index: index, size: size, leafHash: leafHash)
    guard computed == root else {
      throw LedgerError(.invalidInput,
        "the inclusion proof leads to root \(Base64.encode(computed)), not the checkpoint's \(Base64.encode(root))")
    }
  }

  /// Checks that the tree of `newSize` leaves with `newRoot` extends the one of
  /// `oldSize` leaves with `oldRoot`, keeping its leaves unchanged.
  package static func verifyConsistency(
    _ proof: [[UInt8]], oldSize: Int64, newSize: Int64, oldRoot: [UInt8], newRoot: [UInt8]
  ) throws {
    guard oldSize >= 0, oldSize <= newSize else {
      throw LedgerError(.invalidInput, "the old tree (\(oldSize) leaves) is larger than the new one (\(newSize)): leaves were removed")
    }
    if oldSize == newSize {
      guard proof.isEmpty else { throw LedgerError(.invalidInput, "a consistency proof between equal sizes must be empty") }
      guard oldRoot == newRoot else {
        throw LedgerError(.invalidInput, "at the same size \(oldSize) the roots differ: \(Base64.encode(oldRoot)) and \(Base64.encode(newRoot))")
      }
      return
    }
    if oldSize == 0 {
      guard proof.isEmpty else { throw LedgerError(.invalidInput, "a consistency proof from the empty tree must be empty") }
      guard oldRoot == Merkle.emptyRoot else { throw LedgerError(.invalidInput, "the old root is not the empty tree's root") }
      return
    }
    guard !proof.isEmpty else { throw LedgerError(.invalidInput, "the consistency proof is empty") }
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
      guard sn != 0 else { throw LedgerError(.invalidInput, "the consistency proof has more hashes than these sizes need") }
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
    guard sn == 0 else { throw LedgerError(.invalidInput, "the consistency proof has fewer hashes than these sizes need") }
    guard fr == oldRoot else {
      throw LedgerError(.invalidInput, "the consistency proof leads to old root \(Base64.encode(fr)), not \(Base64.encode(oldRoot))")
    }
    guard sr == newRoot else {
      throw LedgerError(.invalidInput, "the consistency proof leads to new root \(Base64.encode(sr)), not \(Base64.encode(newRoot))")
    }
  }
}
