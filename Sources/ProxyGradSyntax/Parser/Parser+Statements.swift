extension Parser {
  mutating func statement() throws(ParseError) -> Stmt {
    let start = peek.span
    switch peek.kind {
    case .forKeyword: return try forStatement()
    case .whileKeyword: return try whileStatement()
    case .sweepKeyword: return try sweepStatement()
    case .breakKeyword:
      advance()
      return Stmt(.breakLoop, start)
    case .continueKeyword:
      advance()
      return Stmt(.continueLoop, start)
    case .returnKeyword:
      advance()
      if check(.newline) || check(.semicolon) || check(.rightBrace) || isAtEnd {
        return Stmt(.returnValue(nil), start)
      }
      let value = try expression()
      return Stmt(.returnValue(value), span(from: start))
    default:
      return try assignment()
    }
  }

  /// `target = value`, `target op= value`, or an expression statement.
  mutating func assignment() throws(ParseError) -> Stmt {
    let start = peek.span
    let target = try expression()
    let op: BinaryOperator?
    switch peek.kind {
    case .equal: op = nil
    case .plusEqual: op = .add
    case .minusEqual: op = .subtract
    case .starEqual: op = .multiply
    case .slashEqual: op = .divide
    default: return Stmt(.expression(target), target.span)
    }
    let operatorToken = advance()
    let value = try expression()
    switch target.kind {
    case .name, .field, .index:
      return Stmt(.assign(target: target, op: op, value: value), span(from: start))
    default:
      error(
        .invalidAssignmentTarget,
        "cannot assign to this expression; expected a name, a field or an index before '\(operatorToken.lexeme)'",
        at: target.span)
      throw ParseError()
    }
  }

  mutating func forStatement() throws(ParseError) -> Stmt {
    let start = advance().span
    let variable = try identifier("after 'for'")
    try consume(.inKeyword, "after the loop variable")
    let sequence = try conditionHead()
    let body = try block("after the for loop's sequence")
    return Stmt(.forIn(variable: variable, sequence: sequence, body: body), span(from: start))
  }

  mutating func whileStatement() throws(ParseError) -> Stmt {
    let start = advance().span
    let condition = try conditionHead()
    let body = try block("after the while condition")
    return Stmt(.whileLoop(condition: condition, body: body), span(from: start))
  }

  mutating func sweepStatement() throws(ParseError) -> Stmt {
    let start = advance().span
    var name: String?
    if check(.string) {
      name = Lexer.stringValue(advance().lexeme)
      try consume(.colon, "after the sweep's name")
    }
    var axes: [SweepAxis] = []
    var options: [Argument] = []
    repeat {
      let variable = try identifier("in sweep")
      if match(.colon) {
        options.append(Argument(label: variable, value: try conditionHead()))
        continue
      }
      try consume(.inKeyword, "after the sweep variable")
      axes.append(SweepAxis(variable: variable, values: try conditionHead()))
    } while match(.comma)
    if axes.isEmpty {
      throw fail(.expectedToken, "expected a sweep variable ('NAME in VALUES'), found \(describe(peek))")
    }
    let body = try block("after the sweep's values")
    return Stmt(.sweep(name: name, axes: axes, options: options, body: body), span(from: start))
  }

  /// An expression before a `{` body: records and trailing blocks are off at its top level.
  mutating func conditionHead() throws(ParseError) -> Expr {
    let saved = inConditionHead
    inConditionHead = true
    defer { inConditionHead = saved }
    return try expression()
  }

  mutating func identifier(_ context: String) throws(ParseError) -> Identifier {
    let token = try consume(.identifier, context)
    return Identifier(token.lexeme, token.span)
  }

  /// `{ statement* }`. Errors inside are reported and skipped; the block still parses.
  mutating func block(_ context: String) throws(ParseError) -> Block {
    let open = try consume(.leftBrace, context)
    let saved = inConditionHead
    inConditionHead = false
    defer { inConditionHead = saved }
    try enterNesting()
    defer { leaveNesting() }
    var statements: [Stmt] = []
    skipSeparators()
    while !check(.rightBrace) && !isAtEnd {
      if let statement = statementRecovering() { statements.append(statement) }
      skipSeparators()
    }
    if isAtEnd {
      let here = SourceSpan(file, peek.span.start..<peek.span.start)
      if diagnostics.diagnostics.last?.span.start != here.start {
        diagnostics.append(
          Diagnostic(
            .expectedToken, "expected '}' to close the block, found end of input", at: here,
            notes: [.init("the block starts here", span: open.span)]))
      }
      throw ParseError()
    }
    advance()
    return Block(statements, span: span(from: open.span))
  }
}
