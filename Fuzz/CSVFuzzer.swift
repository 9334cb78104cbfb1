// libFuzzer harness for the CSV reader (`CSVReader`, `CSVTable`), the line reader
// (`LineReader`) and the CSV writer they must agree with (`CSVWriter`).
//
// scripts/fuzz.sh compiles it with Tests/PolicyLedgerTests/FuzzProperties.swift (the
// properties, shared with the regression tests) and the library's Formats/*.swift,
// Model/Instant.swift and Model/LedgerError.swift, which need only Foundation. Not part of
// the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  if let violation = FuzzProperties.csv(bytes) ?? FuzzProperties.lines(bytes) {
    FileHandle.standardError.write(Data("property violated: \(violation)\n".utf8))
    abort()
  }
  return 0
}
