/// A problem found in source text before it runs: a lexical, syntax or resolution error.
public struct Diagnostic: Equatable, Sendable {
  public enum Severity: String, Sendable { case error, warning, note }

  /// A secondary message attached to a diagnostic, optionally pointing somewhere else.
  public struct Note: Equatable, Sendable {
    public var message: String
    public var span: SourceSpan?
    public init(_ message: String, span: SourceSpan? = nil) {
      self.message = message
      self.span = span
    }
  }

  public var severity: Severity
  /// A stable code, `E0102`; see ``DiagnosticCode``.
  public var code: DiagnosticCode
  /// Lowercase, no trailing period: `expected ')' after arguments`.
  public var message: String
  public var span: SourceSpan
  public var notes: [Note]

  public init(
    _ code: DiagnosticCode, _ message: String, at span: SourceSpan,
    severity: Severity = .error, notes: [Note] = []
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.span = span
    self.notes = notes
  }
}

/// Stable diagnostic codes. E00xx lexical, E01xx syntax, E02xx resolution.
public struct DiagnosticCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public var description: String { rawValue }

  public static let unexpectedCharacter = DiagnosticCode(rawValue: "E0001")
  public static let unterminatedString = DiagnosticCode(rawValue: "E0002")
  public static let invalidEscape = DiagnosticCode(rawValue: "E0003")
  public static let invalidNumber = DiagnosticCode(rawValue: "E0004")

  public static let expectedExpression = DiagnosticCode(rawValue: "E0101")
  public static let expectedToken = DiagnosticCode(rawValue: "E0102")
  public static let invalidAssignmentTarget = DiagnosticCode(rawValue: "E0103")
  public static let nestingTooDeep = DiagnosticCode(rawValue: "E0104")
  public static let duplicateName = DiagnosticCode(rawValue: "E0105")

  public static let undefinedName = DiagnosticCode(rawValue: "E0201")
  public static let wrongArgumentCount = DiagnosticCode(rawValue: "E0202")
  public static let unknownArgumentLabel = DiagnosticCode(rawValue: "E0203")
  public static let misplacedControlFlow = DiagnosticCode(rawValue: "E0204")
  public static let assignmentToBuiltin = DiagnosticCode(rawValue: "E0205")
  /// `net.faet` where `net` is a network that `pgs check` could build before the run.
  public static let unknownLayer = DiagnosticCode(rawValue: "E0206")
}

/// Collects diagnostics of one pass; passed explicitly, never global.
public struct DiagnosticBag: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []
  public init() {}

  public mutating func append(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }
  public mutating func error(_ code: DiagnosticCode, _ message: String, at span: SourceSpan) {
    diagnostics.append(Diagnostic(code, message, at: span))
  }
  public mutating func append(contentsOf other: [Diagnostic]) {
    diagnostics.append(contentsOf: other)
  }
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
  public var isEmpty: Bool { diagnostics.isEmpty }
}
