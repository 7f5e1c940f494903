import ArgumentParser
import Foundation
import ProxyGradLineEditor
import ProxyGradRuntime
import ProxyGradSession

extension PGSCommand {
  struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Start an interactive session.",
      discussion: """
        Type statements at the 'pgs> ' prompt; ':help' lists the commands and '?name' shows a \
        builtin's help. History is kept in $XDG_STATE_HOME/pgs/history. When standard input \
        is not a terminal, lines are read from it with no prompts, so the session can be \
        scripted: printf 'x = 2\\nx * 3\\n' | pgs.
        """)

    @Option(help: "The seed of random tensors and network weights.")
    var seed: UInt64 = 0

    @Flag(help: "Exit with the status of the last error (65 syntax, 70 runtime, 130 interrupted) instead of 0.")
    var strict = false

    @Option(help: "Threads for tensor work (default: PGS_THREADS, else every core).")
    var threads: Int?

    func run() throws {
      EngineThreads.configure(threads)
      let seed = self.seed
      let status = Interpreter.onLargeStack { REPLDriver.run(seed: seed) }
      if strict, status != .ok { throw ExitCode(status.rawValue) }
    }
  }
}

/// Connects the terminal-free session to the line editor, standard output and Ctrl-C.
enum REPLDriver {
  /// Reads and runs lines until `:quit` or the end of input.
  /// - Parameter seed: the session's seed.
  /// - Returns: the status of the last error, or ``ExitStatus/ok``.
  static func run(seed: UInt64) -> ExitStatus {
    unblockInterrupts()
    let interrupts = InterruptController.shared
    let flag = interrupts.flag
    let console = StandardConsole()
    let progress = ProgressDisplay(isTerminal: isatty(STDERR_FILENO) == 1) { console.write($0, to: .error) }
    let session = REPLSession(console: console, seed: seed, shouldStop: { flag.isSet }, progress: progress)
    session.width = REPLHelp.terminalWidth()
    session.pictures = terminalPictures(environment: ProcessInfo.processInfo.environment, columns: session.width)
    let names = ClosureCompletionProvider { request in
      let answer = session.completions(line: request.line, cursor: request.cursor)
      return CompletionResult(wordStart: answer.wordStart, candidates: answer.candidates)
    }
    var options = LineReaderOptions(completion: FirstMatchCompletionProvider([FilePathCompleter(), names]))
    options.continuationPrompt = REPLSession.continuationPrompt
    var reader = makeLineReader(options)
    if isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 {
      session.console.write(
        "pgs \(PGSCommand.configuration.version): :help for commands, ?name for help, Ctrl-D to leave\n",
        to: .output)
    }
    return session.run(beforeStatement: {
      flag.reset()
      session.width = REPLHelp.terminalWidth()
    }) { prompt in
      switch reader.readLine(prompt: prompt) {
      case .line(let text): return .line(text)
      case .interrupted: return .interrupted
      case .endOfInput: return .endOfInput
      }
    }
  }
}

extension REPLDriver {
  /// Unblocks SIGINT on the calling thread, where statements run. A blocked mask is inherited
  /// through `exec` (a parent that spawned pgs from a worker thread passes its mask on), and
  /// with SIGINT blocked everywhere Ctrl-C could never reach running code.
  static func unblockInterrupts() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }
}

/// Writes the session's text straight to file descriptors 1 and 2, unbuffered, so it
/// interleaves correctly with the line editor's own output.
final class StandardConsole: REPLConsole {
  func write(_ text: String, to stream: REPLStream) {
    let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
      let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      bytes = bytes.dropFirst(written)
    }
  }
}
