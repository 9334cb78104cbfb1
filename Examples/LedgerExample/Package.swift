// swift-tools-version:6.1
import PackageDescription

// A program that embeds the PolicyLedger library: it records the worked example (July 2020)
// into a ledger file and asks it the example's questions. It depends on this repository by
// path; another program would name the repository's URL and a version instead:
//
//     .package(url: "https://…/policy-ledger.git", from: "1.0.0")
//
//     swift run --package-path Examples/LedgerExample ledger-example [LEDGER-FILE]
let package = Package(
  name: "ledger-example",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "policy-ledger", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "ledger-example",
      dependencies: [.product(name: "PolicyLedger", package: "policy-ledger")]
    )
  ]
)
