// swift-tools-version:6.1
import PackageDescription

// The libFuzzer harnesses (docs/reliability.md): `verify` over mutated ledger files, and the
// time parser and the CSV and line readers over any bytes. A package of its own, because
// every harness is built with coverage instrumentation and AddressSanitizer, and links
// libFuzzer without its main (libclang_rt.fuzzer_no_main, whose path depends on the
// toolchain): all three come from the command line, scripts/fuzz.sh, since -sanitize=fuzzer
// would link libFuzzer's main into SwiftPM's build tools too. Not part of the main package or
// `swift test`; CI runs each harness for a few seconds (.ci/run).
//
// The time and CSV harnesses check the properties that FuzzRegressionTests replays in
// `swift test`: each target holds a link to Tests/PolicyLedgerTests/FuzzProperties.swift,
// which reaches the readers through `@testable import` (scripts/fuzz.sh builds with
// -enable-testing).
let package = Package(
  name: "fuzz-harnesses",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "policy-ledger", path: "../..")
  ],
  targets: [.target(name: "FuzzDriver")]
    + ["verify", "time", "csv"].map { target in
      .executableTarget(
        name: "\(target)-fuzzer",
        dependencies: ["FuzzDriver", .product(name: "PolicyLedger", package: "policy-ledger")],
        linkerSettings: [.linkedLibrary("stdc++")]  // libFuzzer is C++
      )
    }
)
