import ArgumentParser
import Foundation
import PolicyLedger

/// Refuses a command line with both or neither of `--body` and `--body-file` (or, with
/// `option` `statement`, `--statement` and `--statement-file`), in a command's
/// `validate()`, so that the usage shown is that command's.
func validateBody(text: String?, file: String?, option: String = "body") throws {
  if (text == nil) == (file == nil) { throw ValidationError("Give exactly one of --\(option) and --\(option)-file.") }
}

/// Reads a body from `--body` or `--body-file`, byte for byte (`option` names the pair:
/// `statement` for `--statement` / `--statement-file`; ``validateBody(text:file:option:)``
/// has checked that exactly one is given).
func readBody(text: String?, file: String?, option: String = "body") throws -> [UInt8] {
  switch (text, file) {
  case (let text?, nil): return Array(text.utf8)
  case (nil, let file?):
    let bytes = try StandardStreams.readAll(file, field: "--\(option)-file")
    let name = file == "-" ? "standard input" : file
    try TextLimit.check(bytes.count, field: "--\(option)-file '\(name)'")
    // The library refuses such a body too, but can only name --body; here the file and
    // the line are known.
    if String(validating: bytes, as: UTF8.self) == nil {
      // A line feed is never part of a multi-byte character, so lines can be checked apart.
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
      let line = (lines.firstIndex { String(validating: $0, as: UTF8.self) == nil } ?? 0) + 1
      throw LedgerError("invalid --\(option)-file '\(name)' line \(line): not valid UTF-8 text")
    }
    return bytes
  default: throw ValidationError("Give exactly one of --\(option) and --\(option)-file.")
  }
}

/// A correction's statement from `--statement` or `--statement-file`: the text of its
/// message, which may span lines, stored byte for byte.
func readStatement(text: String?, file: String?) throws -> String {
  String(decoding: try readBody(text: text, file: file, option: "statement"), as: UTF8.self)
}
