import Foundation

/// What one export wrote, and the ledger state it was taken at: the text of a signed
/// note (docs/proofs.md), written by `export … --manifest FILE`.
///
///     policy-ledger export manifest v1
///     kind recipients
///     format csv
///     excel-safe no
///     time-zone UTC
///     rows 1000000
///     bytes 23888890
///     sha256 6f1c…                    (hex, of exactly the bytes written)
///     origin example.com/hr-policy-ledger
///     tree-size 57
///     root-hash sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=
///
/// The last three lines are the checkpoint of the snapshot the export read.
public struct ExportManifest: Equatable, Sendable {
  /// The kind exported.
  public var kind: ExportKind
  /// The format written.
  public var format: OutputFormat
  /// Whether `--excel-safe` was on.
  public var excelSafe: Bool
  /// `UTC`, or the `--tz` zone the times were written in.
  public var timeZone: String
  /// The number of rows written (the header row not counted).
  public var rows: Int64
  /// The file's size in bytes.
  public var bytes: Int64
  /// The file's SHA-256.
  public var sha256: [UInt8]
  /// The checkpoint of the snapshot the export read.
  public var checkpoint: Checkpoint

  /// The first line of the manifest's text.
  public static let header = "policy-ledger export manifest v1"
  static let keys = [
    "kind", "format", "excel-safe", "time-zone", "rows", "bytes", "sha256", "origin", "tree-size", "root-hash",
  ]

  /// A manifest of an export written as described.
  public init(
    kind: ExportKind, format: OutputFormat, excelSafe: Bool, timeZone: String, rows: Int64, bytes: Int64,
    sha256: [UInt8], checkpoint: Checkpoint
  ) {
    self.kind = kind
    self.format = format
    self.excelSafe = excelSafe
    self.timeZone = timeZone
    self.rows = rows
    self.bytes = bytes
    self.sha256 = sha256
    self.checkpoint = checkpoint
  }

  /// The note text: the header, then one `key value` line per field, in a fixed order.
  public var text: String {
    let values = [
      kind.rawValue, format.rawValue, excelSafe ? "yes" : "no", timeZone, String(rows), String(bytes), Hex.encode(sha256),
      checkpoint.origin, String(checkpoint.size), Base64.encode(checkpoint.root),
    ]
    return ExportManifest.header + "\n" + zip(ExportManifest.keys, values).map { "\($0) \($1)\n" }.joined()
  }

  /// Parses a manifest's note text.
  /// - Throws: `LedgerError` "invalid SOURCE: line N: …".
  public init(text: String, source: String) throws {
    func bad(_ line: Int, _ problem: String) -> LedgerError { LedgerError(.invalidInput, "invalid \(source): line \(line): \(problem)") }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    guard lines.first == Substring(ExportManifest.header) else {
      throw bad(1, "expected '\(ExportManifest.header)' (a manifest from 'policy-ledger export … --manifest FILE')")
    }
    guard lines.count == ExportManifest.keys.count + 1 else {
      throw bad(min(lines.count, ExportManifest.keys.count + 1) + 1, "expected \(ExportManifest.keys.count) lines after the header, one for each of \(ExportManifest.keys.joined(separator: ", "))")
    }
    var values: [String] = []
    for (offset, key) in ExportManifest.keys.enumerated() {
      let line = lines[lines.startIndex + 1 + offset]
      guard line.hasPrefix(key + " ") else { throw bad(offset + 2, "expected '\(key) VALUE'") }
      values.append(String(line.dropFirst(key.count + 1)))
    }
    func number(_ index: Int) throws -> Int64 {
      guard let n = Int64(values[index]), n >= 0, String(n) == values[index] else {
        throw bad(index + 2, "\(ExportManifest.keys[index]) '\(values[index])' is not a count")
      }
      return n
    }
    guard let kind = ExportKind(rawValue: values[0]) else { throw bad(2, "unknown kind '\(values[0])'") }
    guard let format = OutputFormat(rawValue: values[1]) else { throw bad(3, "unknown format '\(values[1])'") }
    guard values[2] == "yes" || values[2] == "no" else { throw bad(4, "excel-safe must be yes or no") }
    guard let sha = Hex.decode(values[6]), sha.count == 32, Hex.encode(sha) == values[6] else {
      throw bad(8, "sha256 must be 64 lowercase hex digits")
    }
    let checkpoint = try Checkpoint(text: values[7...9].map { $0 + "\n" }.joined(), source: "\(source) (its checkpoint lines)")
    self.init(
      kind: kind, format: format, excelSafe: values[2] == "yes", timeZone: values[3], rows: try number(4),
      bytes: try number(5), sha256: sha, checkpoint: checkpoint)
  }
}

/// A manifest with the note it came in.
public typealias SignedManifest = Signed<ExportManifest>

extension Signed where Body == ExportManifest {
  /// The manifest.
  public var manifest: ExportManifest {
    get { body }
    set { body = newValue }
  }

  /// Checks that the file at `path` holds exactly the exported bytes, and, with `key`,
  /// that the manifest is signed by it.
  /// - Returns: what was checked, as a record for the CLI to print.
  public func check(file path: String, key: NoteVerifierKey?) throws -> EntryRecord {
    if let key {
      do {
        try note.verify(key)
      } catch let error as LedgerError {
        throw LedgerError(.invalidInput, "the manifest cannot be trusted: \(error)")
      }
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw LedgerError(.ioFailure, "invalid FILE '\(path)': cannot read it (\(String(cString: strerror(errno))))")
    }
    defer { try? handle.close() }
    var hasher = SHA256Hasher()
    var count: Int64 = 0
    do {
      while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        chunk.withUnsafeBytes { hasher.update($0) }
        count += Int64(chunk.count)
      }
    } catch {
      throw LedgerError(.ioFailure, "invalid FILE '\(path)': cannot read it (\(error.localizedDescription))")
    }
    let m = manifest
    if count != m.bytes {
      throw LedgerError(.invalidInput,
        "'\(path)' does not match the manifest: it has \(count) bytes, the manifest \(m.bytes) (\(count < m.bytes ? "the export was cut short" : "bytes were added"))")
    }
    let sha = hasher.finish()
    if sha != m.sha256 {
      throw LedgerError(.invalidInput,
        "'\(path)' does not match the manifest: its SHA-256 is \(Hex.encode(sha)), the manifest's \(Hex.encode(m.sha256)) (the export was edited)")
    }
    let fields: [(String, Cell)] = [
      ("file", .text(path)), ("kind", .text(m.kind.rawValue)), ("format", .text(m.format.rawValue)),
      ("rows", .integer(m.rows)), ("bytes", .integer(m.bytes)), ("sha256", .text(Hex.encode(m.sha256))),
      ("origin", .text(m.checkpoint.origin)), ("tree_size", .integer(m.checkpoint.size)),
      ("root_hash", .text(Base64.encode(m.checkpoint.root))),
      ("signed_by", .text(key.map { "\($0.name)+\(NoteVerifierKey.hex($0.keyID))" })),
    ]
    return EntryRecord(columns: fields.map(\.0), values: fields.map(\.1))
  }
}

extension Ledger {
  /// Exports `kind` to `sink` like ``export(_:to:timeZone:progress:)`` and returns the
  /// manifest of what was written: the checkpoint is taken in the export's own snapshot.
  public func export(
    _ kind: ExportKind, format: OutputFormat, excelSafe: Bool, timeZone: TimeZone?, to sink: ByteSink,
    origin: String, signedBy key: NoteSigningKey?, progress: ((Int64) -> Void)? = nil
  ) throws -> SignedManifest {
    try read {
      let head = try verifiedTreeHead()
      sink.startDigest()
      let rows = try export(
        kind, to: makeRowWriter(format, sink: sink, excelSafe: excelSafe), timeZone: timeZone, progress: progress)
      let written = try sink.finishDigest()
      let manifest = ExportManifest(
        kind: kind, format: format, excelSafe: excelSafe, timeZone: timeZone?.identifier ?? "UTC", rows: rows,
        bytes: written.count, sha256: written.sha256,
        checkpoint: Checkpoint(origin: origin, size: head.size, root: head.root))
      return SignedManifest(manifest, signedBy: key)
    }
  }
}
