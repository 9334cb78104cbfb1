// libFuzzer harness for the time parser (`Instant.parse`, `Instant.iso8601(in:)`).
//
// scripts/fuzz.sh compiles it with Tests/PolicyLedgerTests/FuzzProperties.swift (the
// properties, shared with the regression tests) and the library's Formats/*.swift,
// Model/Instant.swift and Model/LedgerError.swift, which need only Foundation. Not part of
// the package.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTime(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  if let violation = FuzzProperties.time(Array(UnsafeBufferPointer(start: data, count: size))) {
    FileHandle.standardError.write(Data("property violated: \(violation)\n".utf8))
    abort()
  }
  return 0
}
