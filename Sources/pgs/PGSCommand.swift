import ArgumentParser

/// The `pgs` command line: run and check PGS scripts.
@main
struct PGSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pgs",
    abstract: "ProxyGrad Studio: activation maximization with proxy gradients.",
    discussion: "Run a .pgs script with 'pgs run FILE', or check it without running with 'pgs check FILE'.",
    version: "0.1.0",
    subcommands: [Run.self, Check.self, Collect.self])

  func run() throws {
    print(PGSCommand.helpMessage())
  }
}
