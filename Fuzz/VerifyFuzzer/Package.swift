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
      swiftSettings: [.unsafeFlags(["-parse-as-library"])],
      // libFuzzer's main. The coverage instrumentation of every Swift module (the
      // library's included) comes from the command line, scripts/fuzz.sh: -sanitize=fuzzer
      // there would also link libFuzzer into the package's build tool, beside its own main.
      linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
    )
  ]
)
