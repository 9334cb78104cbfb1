import Crypto
import Foundation

/// C2SP signed notes with Ed25519 keys (https://c2sp.org/signed-note), the envelope of
/// checkpoints and export manifests, and the key formats of Go's `golang.org/x/mod/sumdb/note`:
///
///     verifier key  NAME+HASH+BASE64(0x01 ‖ 32-byte public key)
///     signer key    PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ 32-byte seed)
///     HASH          8 lowercase hex digits of the key ID
///     key ID        first 4 bytes, big-endian, of SHA-256(NAME ‖ 0x0A ‖ 0x01 ‖ public key)
///
/// A note is its text (ending in a newline), a blank line, then one line per signature:
/// `— NAME BASE64(key ID ‖ Ed25519 signature of the text)`. A note has at least one
/// signature; without a key, this project prints a note's text alone (a checkpoint body
/// and a blank line), which is not a note, and reads it back as one with no signature.
public struct SignedNote: Equatable, Sendable {
  /// The signed text, final newline included.
  public var text: String
  /// The signature lines, in order.
  public var signatures: [NoteSignature]

  /// Verifiers must accept at least 16 signatures; more than this is refused as malformed.
  public static let maxSignatures = 100

  /// A note of `text` (ending in a newline) with `signatures`.
  public init(text: String, signatures: [NoteSignature] = []) {
    precondition(text.hasSuffix("\n"), "a note's text ends with a newline")
    self.text = text
    self.signatures = signatures
  }

  /// The note as written to a file: the text, a blank line, the signature lines.
  public var serialized: String { text + "\n" + signatures.map(\.line).joined() }

  /// Adds `key`'s signature of the text.
  public mutating func sign(with key: NoteSigningKey) {
    signatures.append(key.sign(text))
  }

  /// Checks that `key` signed the text. Signatures by other keys are ignored, as the
  /// specification requires; one by `key` that does not verify fails the note.
  /// - Throws: `LedgerError` naming the key, when no signature of it verifies.
  public func verify(_ key: NoteVerifierKey) throws {
    let mine = signatures.filter { $0.name == key.name && $0.keyID == key.keyID }
    guard !mine.isEmpty else {
      let others = signatures.map { "\(Identifier.printable($0.name))+\(NoteVerifierKey.hex($0.keyID))" }
      throw LedgerError(.invalidInput,
        "it is not signed by the key \(Identifier.printable(key.name))+\(NoteVerifierKey.hex(key.keyID))"
          + (others.isEmpty ? " (it carries no signature)" : " (it is signed by \(others.joined(separator: ", ")))"))
    }
    for signature in mine where !key.isValid(signature.signature, for: text) {
      throw LedgerError(.invalidInput, "its signature by \(Identifier.printable(key.name))+\(NoteVerifierKey.hex(key.keyID)) does not verify: the text was changed after signing")
    }
  }

  /// Checks a checkpoint's kept copy (`check-proof --checkpoint KEPT`) against `key`: one
  /// that lost its signature line passes (the proof's own copy is then the one signed), one
  /// whose signature by the key does not verify is refused, as any such note is.
  func checkAsKeptCopy(by key: NoteVerifierKey) throws {
    guard signatures.contains(where: { $0.name == key.name && $0.keyID == key.keyID }) else { return }
    do {
      try verify(key)
    } catch let error as LedgerError {
      throw LedgerError(.invalidInput, "the checkpoint cannot be trusted: the trusted copy: \(error)")
    }
  }

  /// Parses a note. The text is everything up to the last blank line; without one, the
  /// whole input is an unsigned text.
  /// - Throws: `LedgerError` "invalid SOURCE: …" for a malformed note.
  public static func parse(_ bytes: [UInt8], source: String) throws -> SignedNote {
    func bad(_ problem: String) -> LedgerError { LedgerError(.invalidInput, "invalid \(source): \(problem)") }
    guard let whole = String(validating: bytes, as: UTF8.self) else { throw bad("it is not UTF-8 text") }
    if let control = whole.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" }) {
      throw bad("it holds the control character \(control.escaped(asASCII: true)); a note may hold only newlines")
    }
    guard !whole.isEmpty else { throw bad("the file is empty") }
    guard whole.hasSuffix("\n") else { throw bad("it does not end with a newline (was it cut short?)") }
    let utf8 = Array(whole.utf8)
    var split: Int? = nil
    var i = utf8.count - 2
    while i >= 0 {
      if utf8[i] == 0x0A && utf8[i + 1] == 0x0A {
        split = i
        break
      }
      i -= 1
    }
    guard let split else { return SignedNote(text: whole) }
    let text = String(decoding: utf8[...split], as: UTF8.self)
    let lines = String(decoding: utf8[(split + 2)...], as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    guard text != "\n" else { throw bad("its text is empty") }
    guard lines.count <= maxSignatures else { throw bad("it has more than \(maxSignatures) signatures") }
    var signatures: [NoteSignature] = []
    for (number, line) in lines.enumerated() {
      guard line.hasPrefix("— ") else {
        throw bad("signature line \(number + 1) does not start with '— ' (em dash, space)")
      }
      let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
      guard parts.count == 2, NoteName.readingProblem(String(parts[0])) == nil else {
        throw bad("signature line \(number + 1) is not '— NAME SIGNATURE'")
      }
      guard let blob = Base64.decode(parts[1]), blob.count > 4 else {
        throw bad("signature line \(number + 1) does not hold base64 of a key ID and a signature")
      }
      signatures.append(
        NoteSignature(
          name: String(parts[0]), keyID: blob[0..<4].reduce(0) { $0 << 8 | UInt32($1) }, signature: Array(blob[4...])))
    }
    return SignedNote(text: text, signatures: signatures)
  }
}

/// One signature line of a note.
public struct NoteSignature: Equatable, Sendable {
  /// The signer's key name.
  public var name: String
  /// The key ID: the first 4 bytes of SHA-256 of the name and public key.
  public var keyID: UInt32
  /// The signature proper, without the key ID.
  public var signature: [UInt8]

  var line: String {
    let id = withUnsafeBytes(of: keyID.bigEndian) { Array($0) }
    return "— \(name) \(Base64.encode(id + signature))\n"
  }
}

/// A public key that checks note signatures: `NAME+HASH+BASE64(0x01 ‖ key)`.
public struct NoteVerifierKey: Equatable, Sendable {
  /// The key's name.
  public let name: String
  /// The key ID that signature lines name.
  public let keyID: UInt32
  /// The 32-byte Ed25519 public key.
  public let publicKey: [UInt8]

  /// The signature-type byte of Ed25519 in the signed-note specification.
  static let ed25519: UInt8 = 0x01

  /// The verifier key named `name` for the 32-byte Ed25519 `publicKey`.
  public init(name: String, publicKey: [UInt8]) throws {
    try NoteName.check(name, field: "key name")
    self.init(checkedName: name, publicKey: publicKey)
  }

  /// A key whose name the caller has checked (strictly when issuing, as C2SP allows when reading).
  init(checkedName name: String, publicKey: [UInt8]) {
    precondition(publicKey.count == 32)
    self.name = name
    self.publicKey = publicKey
    self.keyID = NoteVerifierKey.keyID(name: name, publicKey: publicKey)
  }

  /// `NAME+HASH+BASE64(0x01 ‖ key)`, as `keygen` writes it to `FILE.pub`.
  public var encoded: String { "\(name)+\(NoteVerifierKey.hex(keyID))+\(Base64.encode([NoteVerifierKey.ed25519] + publicKey))" }

  /// Parses `NAME+HASH+BASE64(0x01 ‖ key)`; `source` names the input in errors. The
  /// name is held only to C2SP's rules (``NoteName/readingProblem(_:)``): the key may be
  /// someone else's.
  public init(parsing text: String, source: String) throws {
    if text.hasPrefix("PRIVATE+KEY+") {
      throw LedgerError(.invalidInput, "invalid \(source): this is a private (signing) key; give the public key, the .pub file that 'policy-ledger keygen' wrote beside it")
    }
    let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, let id = NoteVerifierKey.parseHex(parts[1]), let blob = Base64.decode(parts[2]),
      blob.count == 33, blob[0] == NoteVerifierKey.ed25519, NoteName.readingProblem(String(parts[0])) == nil
    else {
      throw LedgerError(.invalidInput, "invalid \(source): not an Ed25519 public key (expected NAME+HASH+KEY, as 'policy-ledger keygen' writes to FILE.pub)")
    }
    self.init(checkedName: String(parts[0]), publicKey: Array(blob[1...]))
    guard keyID == id else {
      throw LedgerError(.invalidInput, "invalid \(source): its hash \(parts[1]) does not match its name and key (\(NoteVerifierKey.hex(keyID))); the key was altered")
    }
  }

  /// Reads a public key file (one line).
  public init(file path: String, field: String) throws {
    let source = "\(field) '\(path)'"
    try self.init(parsing: try readKeyFile(path, source: source), source: source)
  }

  func isValid(_ signature: [UInt8], for text: String) -> Bool {
    guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
    return key.isValidSignature(signature, for: Array(text.utf8))
  }

  /// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[0..<4]`, big-endian.
  static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
    var hasher = SHA256Hasher()
    hasher.update(name)
    hasher.update([0x0A, ed25519])
    hasher.update(publicKey)
    return hasher.finish()[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  static func hex(_ id: UInt32) -> String {
    let digits = String(id, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
  }

  static func parseHex(_ text: Substring) -> UInt32? {
    guard text.utf8.count == 8, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
      return nil
    }
    return UInt32(text, radix: 16)
  }
}

/// A private key that signs notes: `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ seed)`.
public struct NoteSigningKey: Sendable {
  /// The matching public key.
  public let verifier: NoteVerifierKey
  /// The 32-byte Ed25519 seed (RFC 8032's private key).
  private let seed: [UInt8]

  /// The key's name.
  public var name: String { verifier.name }

  /// A new random key named `name`.
  public static func generate(name: String) throws -> NoteSigningKey {
    try NoteSigningKey(name: name, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
  }

  /// The key with this 32-byte Ed25519 seed (RFC 8032's private key).
  public init(name: String, seed: [UInt8]) throws {
    precondition(seed.count == 32)
    let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    self.seed = seed
    self.verifier = try NoteVerifierKey(name: name, publicKey: Array(key.publicKey.rawRepresentation))
  }

  /// `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ seed)`, as `keygen` writes it.
  public var encoded: String {
    "PRIVATE+KEY+\(name)+\(NoteVerifierKey.hex(verifier.keyID))+\(Base64.encode([NoteVerifierKey.ed25519] + seed))"
  }

  /// Parses `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ seed)`; `source` names the input in errors.
  public init(parsing text: String, source: String) throws {
    let expected = "not an Ed25519 signing key (expected PRIVATE+KEY+NAME+HASH+KEY, as 'policy-ledger keygen' writes)"
    guard text.hasPrefix("PRIVATE+KEY+") else {
      if (try? NoteVerifierKey(parsing: text, source: source)) != nil {
        throw LedgerError(.invalidInput, "invalid \(source): this is a public key; give the private key file (without .pub)")
      }
      throw LedgerError(.invalidInput, "invalid \(source): \(expected)")
    }
    let parts = text.dropFirst("PRIVATE+KEY+".count).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, let id = NoteVerifierKey.parseHex(parts[1]), let blob = Base64.decode(parts[2]),
      blob.count == 33, blob[0] == NoteVerifierKey.ed25519, NoteName.readingProblem(String(parts[0])) == nil
    else { throw LedgerError(.invalidInput, "invalid \(source): \(expected)") }
    // A key whose name the ledger would not issue (one made before a rule was added, or
    // by hand) is named as such: the key itself is sound.
    if let problem = NoteName.problem(String(parts[0])) {
      throw LedgerError(.invalidInput,
        "invalid \(source): its name '\(Identifier.printable(String(parts[0])))' cannot sign: \(problem); make a new key with 'policy-ledger keygen'")
    }
    try self.init(name: String(parts[0]), seed: Array(blob[1...]))
    guard verifier.keyID == id else {
      throw LedgerError(.invalidInput, "invalid \(source): its hash \(parts[1]) does not match its name and key (\(NoteVerifierKey.hex(verifier.keyID))); the key was altered")
    }
  }

  /// Reads a signing key file (one line).
  public init(file path: String, field: String) throws {
    let source = "\(field) '\(path)'"
    try self.init(parsing: try readKeyFile(path, source: source), source: source)
  }

  /// The signature line of `text` by this key.
  public func sign(_ text: String) -> NoteSignature {
    // Ed25519 (RFC 8032) signs deterministically on Linux (BoringSSL); Apple's CryptoKit
    // adds randomness. Either verifies the same way.
    let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)  // checked in init
    let signature = try! key.signature(for: Array(text.utf8))
    return NoteSignature(name: name, keyID: verifier.keyID, signature: Array(signature))
  }
}

/// Key names and log origins. What the ledger issues (its origin, `keygen`'s names,
/// the keys it signs with) is held to ``problem(_:)``: non-empty, no Unicode white
/// space, no `+`, no control characters, at most 200 characters — a schema-less URL is
/// what C2SP recommends. What others made is read as C2SP allows
/// (``readingProblem(_:)``): signed-note requires only that a key name be non-empty,
/// without Unicode spaces or `+`, and tlog-checkpoint says clients must not assume the
/// origin's form.
public enum NoteName {
  /// Refuses a name that this project would not write: `LedgerError` naming `field`.
  public static func check(_ name: String, field: String) throws {
    if let problem = problem(name) { throw LedgerError(.invalidInput, "invalid \(field) '\(Identifier.printable(name))': \(problem)") }
  }

  /// Why `name` may not be a key name or origin that the ledger issues; nil when it may.
  public static func problem(_ name: String) -> String? {
    if name.isEmpty { return "must not be empty" }
    if name.unicodeScalars.count > 200 { return "longer than 200 characters" }
    for scalar in name.unicodeScalars {
      if scalar.properties.generalCategory == .control { return "control characters are not allowed" }
      // As in ids and keys: a name shown next to the genuine one must not look the same.
      if scalar.properties.generalCategory == .format {
        return "the invisible or direction-changing character \(Identifier.codePoint(scalar)) is not allowed (Unicode format characters)"
      }
      if scalar.properties.isWhitespace { return "spaces are not allowed (use a name such as example.com/policy-ledger)" }
      if scalar == "+" { return "'+' is not allowed" }
    }
    return nil
  }

  /// Why `name` cannot be a key name in a note or key file made by others (C2SP
  /// signed-note: non-empty, no Unicode spaces, no `+`; a note holds no ASCII control
  /// characters but newlines, so a signer's name cannot either); nil when it can.
  public static func readingProblem(_ name: String) -> String? {
    if name.isEmpty { return "must not be empty" }
    for scalar in name.unicodeScalars {
      if scalar.value < 0x20 || scalar.value == 0x7F { return "control characters are not allowed" }
      if scalar.properties.isWhitespace { return "spaces are not allowed" }
      if scalar == "+" { return "'+' is not allowed" }
    }
    return nil
  }
}

/// Standard base64 (RFC 4648 section 4) with padding; decoding accepts only the
/// canonical encoding, so that one value has one spelling.
enum Base64 {
  static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

  static func decode(_ text: some StringProtocol) -> [UInt8]? {
    guard let data = Data(base64Encoded: String(text)) else { return nil }
    let bytes = [UInt8](data)
    return encode(bytes) == text ? bytes : nil
  }
}

/// A key file's one line, without its final newline.
private func readKeyFile(_ path: String, source: String) throws -> String {
  var bytes = try readSmallFile(path, source: source, limit: 4096)
  // The line's end: LF, or CRLF from an editor on Windows (compared as bytes: in a Swift
  // String "\r\n" is one Character, which hasSuffix("\n") does not match).
  if bytes.last == 0x0A { bytes.removeLast() }
  if bytes.last == 0x0D { bytes.removeLast() }
  guard let text = String(validating: bytes, as: UTF8.self) else { throw LedgerError(.invalidInput, "invalid \(source): it is not text") }
  return text
}

/// Reads a file of at most `limit` bytes (keys, checkpoints, proofs, manifests).
/// - Throws: `LedgerError` "invalid SOURCE: cannot read it (REASON)".
func readSmallFile(_ path: String, source: String, limit: Int = 16 << 20) throws -> [UInt8] {
  guard let handle = FileHandle(forReadingAtPath: path) else {
    throw LedgerError(.ioFailure, "invalid \(source): cannot read it (\(String(cString: strerror(errno))))")
  }
  defer { try? handle.close() }
  let data: Data
  do {
    data = try handle.read(upToCount: limit + 1) ?? Data()
  } catch {
    throw LedgerError(.ioFailure, "invalid \(source): cannot read it (\(error.localizedDescription))")
  }
  guard data.count <= limit else { throw LedgerError(.invalidInput, "invalid \(source): larger than \(limit) bytes, too large for what it should be") }
  return [UInt8](data)
}

// MARK: - Files of proof material

extension NoteSigningKey {
  /// Writes the private key to `path` (mode 0600) and the public key to `path.pub`;
  /// refuses when either exists, so that a key is never overwritten.
  public func write(to path: String) throws {
    let publicPath = path + ".pub"
    for file in [path, publicPath] where FileManager.default.fileExists(atPath: file) {
      throw LedgerError(.conflict, "invalid --out '\(path)': '\(file)' exists; keygen never overwrites a key")
    }
    // `l.db-journal` beside an SQLite file is SQLite's: its next writer would delete the key.
    if let (database, suffix) = SQLiteNames.database(besideWhich: path) {
      throw LedgerError(
        .conflict, "invalid --out '\(path)': it is where SQLite keeps the \(suffix) file of '\(database)', which would delete the key; choose another name")
    }
    // Each file stays in the signal handler's list until both are whole: SIGINT or SIGTERM
    // meanwhile removes what was made, since a half-written key, or a key without its public
    // half, could sign nothing and would make the next keygen of the name refuse. (Where the
    // handler is not the library's, in a program that keeps its own, the list stays empty.)
    var listed: [Int?] = []
    defer { for slot in listed { TemporaryOutputs.unregister(slot) } }
    try createNewFile(path, contents: encoded + "\n", mode: 0o600, field: "--out", listed: &listed)
    do {
      try createNewFile(publicPath, contents: verifier.encoded + "\n", mode: 0o644, field: "--out", listed: &listed)
    } catch {
      unlink(path)
      throw error
    }
  }
}

/// Creates `path`, which must not exist, with `mode` and `contents`. The file is made and
/// put in the signal handler's list (its slot appended to `listed`) with SIGINT and SIGTERM
/// held, so that a signal comes before it exists or once the handler knows to remove it.
private func createNewFile(_ path: String, contents: String, mode: mode_t, field: String, listed: inout [Int?]) throws {
  let (fd, slot, failure) = try TemporaryOutputs.holdingSignals { () -> (Int32, Int?, Int32) in
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    return fd >= 0 ? (fd, TemporaryOutputs.register(path), 0) : (fd, nil, errno)
  }
  listed.append(slot)
  guard fd >= 0 else { throw LedgerError(.ioFailure, "invalid \(field) '\(path)': cannot create it (\(String(cString: strerror(failure))))") }
  let sink = ByteSink(fileDescriptor: fd, closesDescriptor: true)
  sink.write(contents)
  do {
    try sink.close()
  } catch {
    unlink(path)
    throw error
  }
}
