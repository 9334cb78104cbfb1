/// A C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the ledger's Merkle tree
/// head at one size, as the text of a signed note:
///
///     example.com/hr-policy-ledger       origin: the ledger's stable name
///     57                                 tree size: the number of journal entries
///     sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=   base64 of the root hash
///
public struct Checkpoint: Equatable, Sendable {
  /// The log's stable name (the ledger's origin).
  public var origin: String
  /// The tree size: the number of journal entries.
  public var size: Int64
  /// The tree's root hash (32 bytes).
  public var root: [UInt8]
  /// Optional lines after the root. This project writes none, and keeps those it reads.
  public var extensionLines: [String]

  /// A checkpoint of the tree of `size` entries with root `root`.
  public init(origin: String, size: Int64, root: [UInt8], extensionLines: [String] = []) {
    self.origin = origin
    self.size = size
    self.root = root
    self.extensionLines = extensionLines
  }

  /// The note text: origin, size and root hash, one a line, each ending in a newline.
  public var text: String {
    ([origin, String(size), Base64.encode(root)] + extensionLines).map { $0 + "\n" }.joined()
  }

  /// Parses a checkpoint's note text.
  /// - Throws: `LedgerError` "invalid SOURCE: …".
  public init(text: String, source: String) throws {
    func bad(_ problem: String) -> LedgerError { LedgerError(.invalidInput, "invalid \(source): \(problem)") }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard lines.last == "" else { throw bad("a checkpoint's text ends with a newline") }
    lines.removeLast()
    guard lines.count >= 3 else {
      throw bad("a checkpoint has at least three lines: origin, tree size, root hash")
    }
    // > clients MUST NOT assume that the origin line follows these guidelines
    // (https://c2sp.org/tlog-checkpoint): an origin made by others is any non-empty
    // line; the ledger's own are held to `NoteName.problem` when it issues them.
    guard !lines[0].isEmpty else { throw bad("its origin line is empty") }
    let sizeText = lines[1]
    guard sizeText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), sizeText == "0" || sizeText.first != "0" else {
      throw bad("its tree size '\(Identifier.printable(String(sizeText)))' is not a decimal number without leading zeros")
    }
    guard let size = Int64(sizeText) else {
      throw bad("its tree size '\(Identifier.printable(String(sizeText)))' is out of range (at most \(Int64.max))")
    }
    guard let root = Base64.decode(lines[2]), root.count == 32 else {
      throw bad("its root hash '\(Identifier.printable(String(lines[2])))' is not the base64 of 32 bytes")
    }
    if lines.dropFirst(3).contains("") { throw bad("its extension lines must not be empty") }
    self.init(origin: String(lines[0]), size: size, root: root, extensionLines: lines.dropFirst(3).map(String.init))
  }
}

/// What a signed note carries: a checkpoint or an export manifest, written as its text
/// and parsed back from it.
public protocol SignedNoteBody: Equatable, Sendable {
  /// The note text, each line ending in a newline.
  var text: String { get }
  /// Parses the note text; `source` names it in errors (`LedgerError` "invalid SOURCE: …").
  init(text: String, source: String) throws
}

extension Checkpoint: SignedNoteBody {}
extension ExportManifest: SignedNoteBody {}

/// A checkpoint or a manifest with the note it came in: its signatures, and its exact text.
public struct Signed<Body: SignedNoteBody>: Equatable, Sendable {
  /// The note: the text and its signatures, exactly as read or made.
  public var note: SignedNote
  /// The checkpoint or manifest the note's text holds.
  public var body: Body

  /// `body` signed by `key`; without a key, its text alone (not yet a note: C2SP notes
  /// carry at least one signature).
  public init(_ body: Body, signedBy key: NoteSigningKey? = nil) {
    self.body = body
    note = SignedNote(text: body.text)
    if let key { note.sign(with: key) }
  }

  /// Parses a note (`policy-ledger checkpoint` output, an export's manifest).
  public init(parsing bytes: [UInt8], source: String) throws {
    note = try SignedNote.parse(bytes, source: source)
    body = try Body(text: note.text, source: source)
  }

  /// Reads a note file.
  public init(file path: String, field: String) throws {
    let source = "\(field) '\(path)'"
    try self.init(parsing: try readSmallFile(path, source: source), source: source)
  }
}

/// A checkpoint with the note it came in.
public typealias SignedCheckpoint = Signed<Checkpoint>

extension Signed where Body == Checkpoint {
  /// The checkpoint.
  public var checkpoint: Checkpoint {
    get { body }
    set { body = newValue }
  }

  /// `ORIGIN at size N`, for messages (a foreign note's control and format characters
  /// escaped).
  public var summary: String { "the checkpoint of \(Identifier.printable(checkpoint.origin)) at size \(checkpoint.size)" }
}
