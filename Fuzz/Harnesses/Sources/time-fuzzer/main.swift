// libFuzzer harness for the time parser (`Instant.parse`, `Instant.iso8601(in:)`): the
// properties of FuzzProperties.time (a link to Tests/PolicyLedgerTests/FuzzProperties.swift,
// which the regression tests share). Built and run by scripts/fuzz.sh time.

import FuzzDriver

runFuzzer { data, size in
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzProperties.time(bytes) {
    propertyViolated(violation)
  }
  return 0
}
