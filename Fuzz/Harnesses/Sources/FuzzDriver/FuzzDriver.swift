// libFuzzer's driver for the harnesses, which are linked with libFuzzer without its main
// (libclang_rt.fuzzer_no_main): SwiftPM gives each executable target a main of its own,
// which hands libFuzzer the command line and the function to call with each input.

import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
  _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments, calling `testOneInput` with each input, and
/// exits with its status.
public func runFuzzer(_ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
  var argc = CommandLine.argc
  var argv = CommandLine.unsafeArgv
  exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

/// Reports a broken property on standard error and aborts, which libFuzzer reports as a
/// crash and saves the input of.
public func propertyViolated(_ message: String) -> Never {
  FileHandle.standardError.write(Data("property violated: \(message)\n".utf8))
  abort()
}
