// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "policy-ledger",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "PolicyLedger", targets: ["PolicyLedger"]),
    .executable(name: "policy-ledger", targets: ["policy-ledger"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    // `swift package generate-documentation --target PolicyLedger` (a command plugin: never
    // built by `swift build` or `swift test`; docs/architecture.md, "The public API").
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
  ],
  targets: [
    .systemLibrary(
      name: "PolicyLedgerSQLite",
      pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"])]),
    .executableTarget(
      name: "EmbedMigrationsTool",
      path: "Sources/EmbedMigrationsTool"),
    .plugin(
      name: "EmbedMigrations",
      capability: .buildTool(),
      dependencies: ["EmbedMigrationsTool"]),
    .target(
      name: "PolicyLedger",
      dependencies: [
        "PolicyLedgerSQLite",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      plugins: ["EmbedMigrations"]),
    // The command line is built on the library's public API alone: without package access
    // it cannot see the `package` declarations the library keeps for its own tests, so any
    // use of one is a compile error (docs/architecture.md, "The public API").
    // startup.order lists the functions a query runs, for the README's install step to
    // hand the linker (`--symbol-ordering-file`; scripts/startup-order.sh writes it).
    .executableTarget(
      name: "policy-ledger",
      dependencies: [
        "PolicyLedger",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["startup.order"],
      packageAccess: false),
    // LedgerBenchData brings the one seeded generator (SplitMix64) that the tests share
    // with the benchmark's data.
    .testTarget(
      name: "PolicyLedgerTests",
      dependencies: ["PolicyLedger", "LedgerBenchData"]),
    .testTarget(
      name: "CLITests",
      dependencies: ["PolicyLedger", "policy-ledger", "LedgerBenchData"]),
    // The benchmark program is a package of its own (Benchmarks/Package.swift); CI runs it
    // at its --quick sizes in a debug build. Its data generator is compiled here as well,
    // so that a test keeps it working as the library changes.
    .target(
      name: "LedgerBenchData",
      dependencies: ["PolicyLedger"],
      path: "Benchmarks/Sources/ledger-bench",
      exclude: ["Cases.swift", "main.swift"],
      sources: ["Datasets.swift", "Random.swift", "Measure.swift"]),
    .testTarget(
      name: "BenchmarkDataTests",
      dependencies: ["LedgerBenchData", "PolicyLedger"]),
  ]
)

// One loop enables the upcoming features for every target (as swift-log does).
for target in package.targets where target.type != .system && target.type != .plugin {
  var settings = target.swiftSettings ?? []
  settings.append(.enableUpcomingFeature("ExistentialAny"))
  target.swiftSettings = settings
}
