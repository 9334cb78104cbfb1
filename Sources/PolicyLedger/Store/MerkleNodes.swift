/// The stored Merkle tree (migrations/0002_merkle.sql): `merkle_nodes` holds every
/// perfect subtree's hash, so roots and proofs are a few point lookups (docs/proofs.md).

/// The right edge of the stored tree after the entry with `entryHash`, as one connection
/// wrote it, while `PRAGMA data_version` was `dataVersion`.
struct MerkleEdge {
  let entryHash: [UInt8]
  let dataVersion: Int64
  let frontier: MerkleFrontier
}

extension LedgerStore: MerkleNodeReader {
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
    let dataVersion = try db.cached("PRAGMA data_version").first { $0.int64(0) } ?? 0
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
    let insert = try db.cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
    for (node, hash) in nodes { try insert.run([node.level, node.index, hash]) }
  }

  /// One stored perfect-subtree hash.
  func hash(of node: MerkleNode) throws -> [UInt8] {
    guard
      let hash = try db.cached("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
        .first([node.level, node.index], { $0.blob(0) })
    else {
      throw LedgerError(.damaged,
        "the ledger's Merkle tree has no node for entries \(node.entries.lowerBound)-\(node.entries.upperBound); run 'policy-ledger verify'")
    }
    return hash
  }

  /// The right edge of the stored tree at `size` leaves: at most 63 point lookups.
  func storedFrontier(size: Int64) throws -> MerkleFrontier {
    MerkleFrontier(size: size, hashes: try MerkleFrontier.nodes(size: size).map(hash(of:)))
  }

  /// The stored tree as it was at `size` leaves (any size up to the journal's).
  func storedTree(size: Int64) -> MerkleTree {
    MerkleTree(size: size, reader: self)
  }

  /// The root of the tree over the journal's first `size` entries, rebuilt from their
  /// `entry_hash` column, not read from `merkle_nodes`: one pass that keeps only the frontier.
  func journalRoot(size: Int64) throws -> [UInt8] {
    var frontier = MerkleFrontier()
    try db.prepare("SELECT entry_hash FROM journal WHERE seq <= ? ORDER BY seq").forEach([size]) { row in
      _ = frontier.append(leafHash: Merkle.leafHash(row.blob(0)))
    }
    return frontier.root
  }

  /// Compares `merkle_nodes` with a tree rebuilt in journal order, streaming (verify).
  func merkleTableCheck() -> MerkleTableCheck { MerkleTableCheck(db: db) }

  /// Builds the tree of a journal recorded before migration 0002: the Swift step that
  /// runs right after that migration's SQL, in its transaction (see `Migrator.steps`).
  func backfillMerkleTree() throws {
    var frontier = MerkleFrontier()
    try forEachEntry { entry in
      guard entry.seq == frontier.size + 1 else {
        throw LedgerError(.damaged,
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
      // The level is read back too: the scan of a level is a range of the primary key's
      // B-tree, which SQLite does not test again row by row, so a row whose stored level was
      // changed would still arrive among its old level's rows.
      cursor = try db.prepare("SELECT idx, hash, level FROM merkle_nodes WHERE level = ? ORDER BY idx")
      try cursor.bind([node.level])
      cursors[node.level] = cursor
    }
    // The message is made only for a problem: this runs for every node of the tree.
    func covers() -> String { "entries \(node.entries.lowerBound)-\(node.entries.upperBound)" }
    guard try cursor.step() else { return "the merkle_nodes table lacks its node for \(covers())" }
    // Rows come in index order, each index once, and every earlier index of this level
    // matched: a different index here means this node's row is missing.
    if cursor.row.int64(0) != node.index || !cursor.row.holds(.integer(Int64(node.level)), at: 2) {
      return "the merkle_nodes table lacks its node for \(covers())"
    }
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
