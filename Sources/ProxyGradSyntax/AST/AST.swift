/// A parsed PGS file: its statements in order.
public struct Program: Equatable, Sendable {
  public var statements: [Stmt]
  public var file: SourceFile
  public init(statements: [Stmt], file: SourceFile) {
    self.statements = statements
    self.file = file
  }
  public static func == (lhs: Program, rhs: Program) -> Bool {
    lhs.file === rhs.file && lhs.statements == rhs.statements
  }
}

/// A name as written, with its span.
public struct Identifier: Equatable, Sendable {
  public var name: String
  public var span: SourceSpan
  public init(_ name: String, _ span: SourceSpan) {
    self.name = name
    self.span = span
  }
}

/// `{ statements }`. Its value is the value of its last statement, or nil.
public struct Block: Equatable, Sendable {
  public var statements: [Stmt]
  public var span: SourceSpan
  public init(_ statements: [Stmt], span: SourceSpan) {
    self.statements = statements
    self.span = span
  }
}

// MARK: - Statements

public struct Stmt: Equatable, Sendable {
  public var kind: StmtKind
  public var span: SourceSpan
  public init(_ kind: StmtKind, _ span: SourceSpan) {
    self.kind = kind
    self.span = span
  }
}

public indirect enum StmtKind: Equatable, Sendable {
  case expression(Expr)
  /// `target = value` (op nil) or `target op= value`. The target is a name, field or index.
  case assign(target: Expr, op: BinaryOperator?, value: Expr)
  case forIn(variable: Identifier, sequence: Expr, body: Block)
  case whileLoop(condition: Expr, body: Block)
  case breakLoop
  case continueLoop
  case returnValue(Expr?)
  /// `sweep "name": a in X, b in Y, stop_on_error: true { body }`: the body runs for every
  /// combination. The name and the options (`label: value` items among the axes) are optional.
  case sweep(name: String?, axes: [SweepAxis], options: [Argument], body: Block)
}

public struct SweepAxis: Equatable, Sendable {
  public var variable: Identifier
  public var values: Expr
}

// MARK: - Expressions

public struct Expr: Equatable, Sendable {
  public var kind: ExprKind
  public var span: SourceSpan
  public init(_ kind: ExprKind, _ span: SourceSpan) {
    self.kind = kind
    self.span = span
  }
}

public indirect enum ExprKind: Equatable, Sendable {
  case number(Double)
  case string(String)
  case bool(Bool)
  case nilLiteral
  case name(String)
  case list([Expr])
  case record([RecordField])
  /// `a...b` (inclusive) or `a..<b`.
  case range(Expr, Expr, inclusive: Bool)
  case unary(UnaryOperator, Expr)
  /// The operator's own span is kept so errors point at it.
  case binary(BinaryOperator, Expr, Expr, operatorSpan: SourceSpan)
  /// `callee(arguments) { trailing }`; a trailing block collects the values of its statements.
  case call(Expr, [Argument], trailing: Block?)
  case field(Expr, Identifier)
  case index(Expr, Expr)
  /// `x[i, j]`, `x[.., 3]`, `x[1..]`, `x[..<2]`: several indices, or open ranges, one per axis.
  case slice(Expr, [IndexItem])
  case function(parameters: [Identifier], body: Block)
  /// `if c { } else { }`; an `else if` is an else block holding one `if` expression.
  case ifElse(condition: Expr, then: Block, otherwise: Block?)
}

/// One item of a subscript `x[...]`.
public enum IndexItem: Equatable, Sendable {
  /// A number, a range or a list of indices.
  case value(Expr)
  /// `..`: the whole axis.
  case all
  /// `a..`, `..<b` or `...b`: a range open at one end.
  case open(lower: Expr?, upper: Expr?, inclusive: Bool)
}

public struct RecordField: Equatable, Sendable {
  public var key: Identifier
  public var value: Expr
  public init(key: Identifier, value: Expr) {
    self.key = key
    self.value = value
  }
}

/// A call argument; `label` is set for named arguments (`steps: 256`).
public struct Argument: Equatable, Sendable {
  public var label: Identifier?
  public var value: Expr
  public init(label: Identifier? = nil, value: Expr) {
    self.label = label
    self.value = value
  }
}

public enum UnaryOperator: String, Equatable, Sendable {
  case negate = "-"
  case not = "not"
}

public enum BinaryOperator: String, Equatable, Sendable, CaseIterable {
  case add = "+"
  case subtract = "-"
  case multiply = "*"
  case divide = "/"
  case remainder = "%"
  case matmul = "@"
  case power = "**"
  case equal = "=="
  case notEqual = "!="
  case less = "<"
  case lessEqual = "<="
  case greater = ">"
  case greaterEqual = ">="
  case and = "and"
  case or = "or"
}
