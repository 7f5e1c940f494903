import ArgumentParser

/// The `pgs` command line: an interactive session (the default), and running and checking
/// PGS scripts.
@main
struct PGSCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pgs",
    abstract: "ProxyGrad Studio: activation maximization with proxy gradients.",
    discussion: """
      With no subcommand, pgs starts an interactive session. Run a .pgs script with \
      'pgs run FILE', or check it without running with 'pgs check FILE'.
      """,
    version: "0.1.0",
    subcommands: [Repl.self, Run.self, Check.self, Collect.self, Cache.self, Kernel.self, Lsp.self],
    defaultSubcommand: Repl.self)
}
