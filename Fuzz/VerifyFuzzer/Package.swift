// swift-tools-version:6.1
import PackageDescription

// The libFuzzer harness for `verify` over mutated ledger files (docs/reliability.md).
// A package of its own, because it links the whole library (SQLite, swift-crypto, the
// embedded migrations) rather than the few Foundation-only files the time and CSV
// harnesses compile with swiftc. Built and run by scripts/fuzz.sh verify; not part of
// the main package, `swift test` or CI.
let package = Package(
  name: "verify-fuzzer",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "policy-ledger", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "verify-fuzzer",
      dependencies: [.product(name: "PolicyLedger", package: "policy-ledger")],
      // The coverage instrumentation of every Swift module (the library's included) and
      // libFuzzer without its main (libclang_rt.fuzzer_no_main, whose path depends on the
      // toolchain) come from the command line, scripts/fuzz.sh: -sanitize=fuzzer would link
      // libFuzzer's main into the package's build tool too, and clash with SwiftPM's main here.
      linkerSettings: [.linkedLibrary("stdc++")]
    )
  ]
)
