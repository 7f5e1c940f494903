#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A ``LineReader`` for standard input that is not a terminal (a pipe or a file), so the
/// REPL can be scripted: `printf 'x = 1\nprint(x)\n' | pgs`.
///
/// It reads with `read(2)` into its own buffer and returns one line per call, without
/// echoing anything and, by default, without showing prompts. A last line without a
/// newline is still returned; a carriage return before the newline is dropped; bytes
/// that are not UTF-8 are replaced, never fatal.
public final class PlainLineReader: LineReader {
  private let fileDescriptor: Int32
  private let promptFileDescriptor: Int32?
  private let interrupts: InterruptController?
  private var buffer: [UInt8] = []
  private var reachedEnd = false

  /// Creates a reader of `fileDescriptor`.
  /// - Parameters:
  ///   - fileDescriptor: where lines come from; standard input by default.
  ///   - promptFileDescriptor: where to write prompts, or `nil` (the default) to write none.
  ///   - interrupts: when given, its SIGINT handler is installed and a Ctrl-C while
  ///     waiting for input returns ``LineReadResult/interrupted``.
  public init(
    fileDescriptor: Int32 = STDIN_FILENO,
    promptFileDescriptor: Int32? = nil,
    interrupts: InterruptController? = nil
  ) {
    self.fileDescriptor = fileDescriptor
    self.promptFileDescriptor = promptFileDescriptor
    self.interrupts = interrupts
    interrupts?.install()
  }

  /// Returns the next line of input.
  public func readLine(prompt: String) -> LineReadResult {
    interrupts?.flag.reset()  // an interrupt that came before the prompt is spent
    if let promptFileDescriptor, !prompt.isEmpty {
      var bytes = Array(prompt.utf8)
      _ = write(promptFileDescriptor, &bytes, bytes.count)
    }
    while true {
      if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = Self.text(buffer[..<newline])
        buffer.removeSubrange(...newline)
        return .line(line)
      }
      if reachedEnd {
        guard !buffer.isEmpty else { return .endOfInput }
        let line = Self.text(buffer[...])
        buffer.removeAll()
        return .line(line)
      }
      if let interrupted = fill() { return interrupted }
    }
  }

  /// Reads more input into the buffer; returns a result only on an interrupt.
  private func fill() -> LineReadResult? {
    let (chunk, error) = interrupts?.withInterruptibleSystemCalls(readChunk) ?? readChunk()
    if let chunk {
      if chunk.isEmpty { reachedEnd = true } else { buffer.append(contentsOf: chunk) }
    } else if error == EINTR {
      if interrupts?.flag.consume() == true { return .interrupted }
    } else {
      reachedEnd = true  // an unreadable input ends the session like end of file
    }
    return nil
  }

  /// One `read(2)`: the bytes read (empty at end of file), or `nil` and `errno`.
  private func readChunk() -> ([UInt8]?, Int32) {
    var chunk = [UInt8](repeating: 0, count: 4096)
    let count = chunk.withUnsafeMutableBytes { raw -> Int in
      guard let base = raw.baseAddress else { return 0 }
      return read(fileDescriptor, base, raw.count)
    }
    guard count >= 0 else { return (nil, errno) }
    return (Array(chunk[..<count]), 0)
  }

  private static func text(_ bytes: ArraySlice<UInt8>) -> String {
    var bytes = bytes
    if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
    return String(decoding: bytes, as: UTF8.self)
  }
}
