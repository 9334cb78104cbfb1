// libFuzzer harness for the CSV reader (`CSVReader`, `CSVTable`), the line reader
// (`LineReader`) and the CSV writer they must agree with (`CSVWriter`): the properties of
// FuzzProperties.csv and .lines (a link to Tests/PolicyLedgerTests/FuzzProperties.swift,
// which the regression tests share). Built and run by scripts/fuzz.sh csv.

import FuzzDriver

runFuzzer { data, size in
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  if let violation = FuzzProperties.csv(bytes) ?? FuzzProperties.lines(bytes) {
    propertyViolated(violation)
  }
  return 0
}
