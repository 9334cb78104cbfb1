// The properties the fuzzers check (docs/reliability.md), in one place: the time and CSV
// libFuzzer harnesses in Fuzz/Harnesses compile this file in (each target holds a link to it;
// scripts/fuzz.sh builds them), and FuzzRegressionTests replays the seed corpora and every
// input the fuzzers found through it in `swift test`. Each check returns nil when every property holds, else what failed.

import Foundation

#if canImport(PolicyLedger)
  @testable import PolicyLedger
#endif
#if canImport(Glibc)
  import Glibc
#endif

enum FuzzProperties {
  struct Violation: Error, CustomStringConvertible {
    let description: String
  }

  static func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(Violation) {
    if !condition { throw Violation(description: message()) }
  }

  static func violation(_ body: () throws(Violation) -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return error.description
    }
  }

  // MARK: Time

  static let zones: [TimeZone] = [
    TimeZone(identifier: "UTC")!,
    TimeZone(identifier: "America/Los_Angeles")!,
    TimeZone(identifier: "Australia/Lord_Howe")!,  // a 30-minute daylight saving shift
    TimeZone(identifier: "Asia/Kolkata")!,  // +05:30
    TimeZone(secondsFromGMT: -(9 * 3600 + 30 * 60))!,
  ]
  static let fixedNow = Instant(microseconds: 1_594_393_200_000_000)

  /// `Instant.parse` and `Instant.iso8601(in:)`, for any bytes:
  /// - parsing never crashes;
  /// - an accepted text formats in UTC to a text that parses back to the same instant (and in
  ///   the zone it was read in, whenever the year shown is 0001-9999), and formatting that
  ///   again gives the same text;
  /// - UTC and a fixed offset (no daylight saving) accept the same texts, unless the offset
  ///   moves the instant out of the years 0001-9999 in UTC, and read the same instant, or for
  ///   wall-clock text instants that differ by exactly the offset.
  static func time(_ bytes: [UInt8]) -> String? {
    violation { () throws(Violation) in
      let text = String(decoding: bytes, as: UTF8.self)
      var parsed: [Instant?] = []
      for zone in zones {
        let instant = try? Instant.parse(text, timeZone: zone, now: fixedNow)
        parsed.append(instant)
        guard let instant else { continue }
        try roundTrip(instant, zone: nil, input: text)
        try roundTrip(instant, zone: zone, input: text)
      }
      // Wall-clock text at -09:30 is 9.5 hours later than in UTC: one may be accepted and the
      // other refused only because that puts it outside the years 0001-9999 in UTC.
      let utc = parsed[0], fixed = parsed[4]
      let offset: Int64 = 34_200_000_000
      if let utc, fixed == nil {
        try check(!Instant.parsableRange.contains(Instant(microseconds: utc.microseconds + offset)), "'\(text)' is accepted in UTC but not at -09:30")
      }
      if let fixed, utc == nil {
        try check(!Instant.parsableRange.contains(Instant(microseconds: fixed.microseconds - offset)), "'\(text)' is accepted at -09:30 but not in UTC")
      }
      if let utc, let fixed {
        let difference = utc.microseconds - fixed.microseconds
        try check(difference == 0 || difference == -34_200_000_000, "'\(text)' read in UTC and at -09:30 differ by \(difference) µs")
      }
    }
  }

  /// Whether the year of a formatted text (`YYYY-…`, `YYYYY-…` or `-YYYY-…`) is 0001-9999.
  static func yearInRange(_ text: String) -> Bool {
    guard let year = Int(text.prefix { $0 != "-" }) else { return false }
    return (1...9999).contains(year)
  }

  static func roundTrip(_ instant: Instant, zone: TimeZone?, input: String) throws(Violation) {
    let text = instant.iso8601(in: zone)
    // Every accepted instant prints in UTC as a year the parser reads; in another zone a day
    // from either end of the range may print as year 0000 or 10000 (Instant's documentation).
    guard zone == nil || yearInRange(text) else { return }
    for reader in [zones[0], zones[1]] {
      guard let again = try? Instant.parse(text, timeZone: reader, now: fixedNow) else {
        throw Violation(description: "'\(input)' -> '\(text)' does not parse back")
      }
      try check(again == instant, "'\(input)' -> \(instant.microseconds) µs -> '\(text)' -> \(again.microseconds) µs")
      try check(again.iso8601(in: zone) == text, "'\(text)' is not a fixed point of parse and format")
    }
  }

  // MARK: CSV

  enum Outcome: Equatable {
    case records([[String]])
    case failure(CSVError)
  }

  static func readAll(_ reader: CSVReader, limit: Int? = nil) -> Outcome {
    if let limit { reader.maxFieldBytes = limit }
    var records: [[String]] = []
    do {
      while let record = try reader.readRecord() { records.append(record) }
      return .records(records)
    } catch {
      return .failure(error)
    }
  }

  /// The whole input as one chunk: what the 1 MiB chunks of a file give for inputs this
  /// small, without allocating (and, under AddressSanitizer, poisoning) 1 MiB per reader.
  static func oneChunk(_ bytes: [UInt8]) -> Int { bytes.count + 1 }

  /// What CSVWriter writes for `records` (the first as the header).
  static func written(_ records: [[String]]) throws(Violation) -> [UInt8] {
    var template = Array("\(FileManager.default.temporaryDirectory.path)/csv-property-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Violation(description: "cannot create a scratch file") }
    unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    defer { close(fd) }
    let sink = ByteSink(fileDescriptor: fd)
    let writer = CSVWriter(sink: sink)
    do {
      if let header = records.first {
        try writer.begin(columns: header)
        for record in records.dropFirst() { try writer.write(record.map { .text($0) }) }
      }
      try writer.finish()
    } catch {
      throw Violation(description: "CSVWriter failed: \(error)")
    }
    let size = Int(lseek(fd, 0, SEEK_END))
    var bytes = [UInt8](repeating: 0, count: size)
    let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
    try check(n == size, "cannot read the scratch file back")
    return bytes
  }

  /// `CSVReader`, `CSVTable` and `CSVWriter`, for any bytes:
  /// - reading in one chunk and in tiny chunks (1-7 bytes) gives the same records, or the same
  ///   error on the same line;
  /// - with a small field limit (maxFieldBytes) a read fails with "field longer than N bytes"
  ///   exactly when the unlimited read has a longer field, and chunks still do not matter;
  /// - a table read without error, written back with CSVWriter and read again, gives the same
  ///   records;
  /// - CSVTable, given the first record's names as its columns, returns every later record as
  ///   the reader does, and refuses only a record of the wrong length.
  static func csv(_ bytes: [UInt8]) -> String? {
    violation { () throws(Violation) in
      let whole = readAll(CSVReader(bytes: bytes, chunkSize: oneChunk(bytes)))
      let chunk = 1 + bytes.count % 7
      let chunked = readAll(CSVReader(bytes: bytes, chunkSize: chunk))
      try check(whole == chunked, "chunks of \(chunk) bytes give \(chunked), whole reads give \(whole)")

      let limit = 1 + bytes.count % 13
      let limited = readAll(CSVReader(bytes: bytes, chunkSize: oneChunk(bytes)), limit: limit)
      let limitedChunked = readAll(CSVReader(bytes: bytes, chunkSize: chunk), limit: limit)
      try check(limited == limitedChunked, "with a \(limit)-byte limit, chunks of \(chunk) give \(limitedChunked), whole reads \(limited)")

      guard case .records(let records) = whole else { return }
      if records.joined().contains(where: { $0.utf8.count > limit }) {
        guard case .failure(let error) = limited, error.message == "field longer than \(limit) bytes" else {
          throw Violation(description: "with a \(limit)-byte limit \(records) read as \(limited)")
        }
      } else {
        try check(limited == whole, "with a \(limit)-byte limit \(records) read as \(limited)")
      }

      let output = try written(records)
      let again = readAll(CSVReader(bytes: output, chunkSize: oneChunk(output)))
      try check(again == whole, "written back as \(output) it reads as \(again), not \(whole)")

      // The first record as a header (when its names are distinct and it is not an empty line).
      guard let header = records.first, header != [""], Set(header).count == header.count else { return }
      do {
        let table = try CSVTable(reader: CSVReader(bytes: bytes, chunkSize: oneChunk(bytes)), required: header, optional: [])
        try check(table.columns == header, "CSVTable columns \(table.columns), header \(header)")
        var index = 1
        while let row = try table.next() {
          try check(row.fields == records[index], "row \(index) is \(row.fields), the reader gave \(records[index])")
          for (position, name) in header.enumerated() {
            try check(row[name] == row.fields[position], "row[\(name)] is not field \(position)")
          }
          index += 1
        }
        try check(index == records.count, "CSVTable returned \(index - 1) rows of \(records.count - 1)")
      } catch let error as Violation {
        throw error
      } catch {
        let bad = records.dropFirst().contains { $0.count != header.count }
        try check(bad, "CSVTable refused a table whose records all fit its header: \(error)")
      }
    }
  }

  // MARK: Lines

  /// LineReader's rules, written plainly: split on LF, drop one CR before each LF, skip a
  /// leading byte order mark, refuse a line that is not UTF-8 or is too long, naming its number.
  static func modelLines(_ input: [UInt8]) -> Result<[String], CSVError> {
    var bytes = ArraySlice(input)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    var lines: [String] = []
    var number = 0
    while !bytes.isEmpty {
      number += 1
      var line: ArraySlice<UInt8>
      if let lf = bytes.firstIndex(of: 0x0A) {
        line = bytes[..<lf]
        bytes = bytes[(lf + 1)...]
        if line.last == 0x0D { line = line.dropLast() }
      } else {
        line = bytes
        bytes = []
      }
      if line.count > LineReader.maxLineBytes {
        return .failure(CSVError(line: number, message: "line longer than \(LineReader.maxLineBytes) bytes"))
      }
      guard let text = String(validating: line, as: UTF8.self) else {
        return .failure(CSVError(line: number, message: "invalid UTF-8"))
      }
      lines.append(text)
    }
    return .success(lines)
  }

  static func readLines(_ reader: LineReader) throws(Violation) -> Result<[String], CSVError> {
    var lines: [String] = []
    var expected = 1
    do {
      while let (number, text) = try reader.next() {
        try check(number == expected, "line numbers go \(expected - 1), \(number)")
        expected += 1
        lines.append(text)
      }
      return .success(lines)
    } catch let error as CSVError {
      return .failure(error)
    } catch let error as Violation {
      throw error
    } catch {
      throw Violation(description: "unexpected \(error)")
    }
  }

  /// `LineReader`, for any bytes: it agrees with `modelLines`, read whole and in chunks of 1-5.
  static func lines(_ bytes: [UInt8]) -> String? {
    violation { () throws(Violation) in
      let model = modelLines(bytes)
      let whole = try readLines(LineReader(bytes: bytes, chunkSize: oneChunk(bytes)))
      try check(whole == model, "LineReader gives \(whole), the model \(model)")
      let chunk = 1 + bytes.count % 5
      let chunked = try readLines(LineReader(bytes: bytes, chunkSize: chunk))
      try check(chunked == model, "LineReader in chunks of \(chunk) gives \(chunked), the model \(model)")
    }
  }
}
