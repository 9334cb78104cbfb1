// swift-tools-version:6.1
import PackageDescription

// The benchmark program of spec section 6. A package of its own, so that `swift test`
// and CI's build of the main package never build it (only its data generator is
// compiled there, for a test: see the main Package.swift and docs/performance.md):
//
//     swift build -c release --static-swift-stdlib --package-path Benchmarks
//     Benchmarks/.build/release/ledger-bench [--quick] [--case NAME]
//
// It uses the library's public API, and reads a few counts straight from the ledger file
// through the SQLite members the library marks `@_spi(Benchmarks)` (Cases.swift imports
// them by name; docs/architecture.md, "The public API").
let package = Package(
  name: "ledger-benchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "policy-ledger", path: "..")
  ],
  targets: [
    .executableTarget(
      name: "ledger-bench",
      dependencies: [
        .product(name: "PolicyLedger", package: "policy-ledger"),
        .product(name: "policy-ledger", package: "policy-ledger"),
      ],
    ),
  ]
)
