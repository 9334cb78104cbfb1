import Foundation
import PackagePlugin

/// Embeds the top-level `migrations/*.sql` files into the `PolicyLedger` module as
/// generated Swift source, so that a binary copied alone into an empty folder still
/// carries its schema (a SwiftPM resource bundle would have to travel beside it), each
/// with its SHA-256 from `migrations/SHA256SUMS`.
@main
struct EmbedMigrations: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
    let folder = context.package.directoryURL.appending(path: "migrations")
    let files = try FileManager.default
      .contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "sql" }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
    let sums = folder.appending(path: "SHA256SUMS")
    let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
    return [
      .buildCommand(
        displayName: "Embedding \(files.count) migrations into \(target.name)",
        executable: try context.tool(named: "EmbedMigrationsTool").url,
        arguments: [output.path, sums.path] + files.map(\.path),
        inputFiles: [sums] + files,
        outputFiles: [output])
    ]
  }
}
