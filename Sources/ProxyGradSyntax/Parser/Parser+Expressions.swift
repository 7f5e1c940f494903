extension Parser {
  mutating func expression() throws(ParseError) -> Expr {
    try enterNesting()
    defer { leaveNesting() }
    return try binary(minimumPrecedence: 1)
  }

  /// Precedence climbing over the binary levels (1 lowest):
  /// or 1, and 2, comparison 4 (non-associative), range 5 (non-associative), + - 6, * / % @ 7.
  /// `not` (3) is a prefix operator between `and` and comparison, as in Python.
  mutating func binary(minimumPrecedence: Int) throws(ParseError) -> Expr {
    var lhs = try prefixNot(minimumPrecedence: minimumPrecedence)
    var links = 0
    defer { depth -= links }
    while let (precedence, op) = Self.binaryOperator(peek.kind), precedence >= minimumPrecedence {
      try enterNesting()
      links += 1
      let operatorToken = advance()
      if precedence == 5 {
        let rhs = try binary(minimumPrecedence: 6)
        let inclusive = operatorToken.kind == .closedRange
        lhs = Expr(.range(lhs, rhs, inclusive: inclusive), lhs.span.merged(with: rhs.span))
        if peek.kind == .closedRange || peek.kind == .halfOpenRange {
          throw fail(.expectedToken, "ranges do not chain; add parentheses")
        }
        continue
      }
      let rhs = try binary(minimumPrecedence: precedence + 1)
      guard let op else { continue }
      lhs = Expr(
        .binary(op, lhs, rhs, operatorSpan: operatorToken.span), lhs.span.merged(with: rhs.span))
      if precedence == 4, let (next, _) = Self.binaryOperator(peek.kind), next == 4 {
        throw fail(.expectedToken, "comparisons do not chain; combine them with 'and'")
      }
    }
    return lhs
  }

  mutating func prefixNot(minimumPrecedence: Int) throws(ParseError) -> Expr {
    guard check(.not), minimumPrecedence <= 3 else { return try unary() }
    let start = advance().span
    try enterNesting()
    defer { leaveNesting() }
    let operand = try binary(minimumPrecedence: 3)
    return Expr(.unary(.not, operand), start.merged(with: operand.span))
  }

  static func binaryOperator(_ kind: Token.Kind) -> (Int, BinaryOperator?)? {
    switch kind {
    case .or: return (1, .or)
    case .and: return (2, .and)
    case .equalEqual: return (4, .equal)
    case .bangEqual: return (4, .notEqual)
    case .less: return (4, .less)
    case .lessEqual: return (4, .lessEqual)
    case .greater: return (4, .greater)
    case .greaterEqual: return (4, .greaterEqual)
    case .closedRange, .halfOpenRange: return (5, nil)
    case .plus: return (6, .add)
    case .minus: return (6, .subtract)
    case .star: return (7, .multiply)
    case .slash: return (7, .divide)
    case .percent: return (7, .remainder)
    case .at: return (7, .matmul)
    default: return nil
    }
  }

  /// The items of a subscript after `[`, up to and including `]`: `i`, `a..<b`, `[0, 2]`, `..`
  /// (the whole axis), `a..` (to the end), `..<b` and `...b` (from the start), separated by
  /// commas.
  mutating func indexItems() throws(ParseError) -> [IndexItem] {
    var items: [IndexItem] = []
    repeat {
      if check(.dotDot) {
        advance()
        items.append(.all)
      } else if check(.halfOpenRange) || check(.closedRange) {
        let inclusive = advance().kind == .closedRange
        items.append(.open(lower: nil, upper: try binary(minimumPrecedence: 6), inclusive: inclusive))
      } else {
        let value = try expression()
        if match(.dotDot) {
          items.append(.open(lower: value, upper: nil, inclusive: false))
        } else {
          items.append(.value(value))
        }
      }
    } while match(.comma)
    try consume(.rightBracket, "after the index")
    return items
  }

  /// `base ** exponent`, right-associative and binding tighter than unary minus on its left:
  /// `-2 ** 2` is `-(2 ** 2)` and `2 ** -1` is `0.5`, as in Python.
  mutating func power() throws(ParseError) -> Expr {
    let base = try postfix()
    guard check(.starStar) else { return base }
    let operatorToken = advance()
    try enterNesting()
    defer { leaveNesting() }
    let exponent = try unary()
    return Expr(.binary(.power, base, exponent, operatorSpan: operatorToken.span), base.span.merged(with: exponent.span))
  }

  mutating func unary() throws(ParseError) -> Expr {
    if check(.minus) {
      let start = advance().span
      try enterNesting()
      defer { leaveNesting() }
      let operand = try unary()
      if case .number(let value) = operand.kind {
        return Expr(.number(-value), start.merged(with: operand.span))
      }
      return Expr(.unary(.negate, operand), start.merged(with: operand.span))
    }
    if check(.not) {
      // `-not x` or `a * not b`: `not` below comparison level still reads naturally.
      let start = advance().span
      try enterNesting()
      defer { leaveNesting() }
      let operand = try unary()
      return Expr(.unary(.not, operand), start.merged(with: operand.span))
    }
    return try power()
  }

  mutating func postfix() throws(ParseError) -> Expr {
    var expr = try primary()
    // `name { ... }` on one line is `name() { ... }`: a call with only a trailing block.
    if case .name = expr.kind, check(.leftBrace), !inConditionHead {
      let trailing = try block("")
      expr = Expr(.call(expr, [], trailing: trailing), span(from: expr.span))
    }
    var links = 0
    defer { depth -= links }
    while true {
      if check(.leftParen) || check(.dot) || check(.leftBracket) {
        try enterNesting()
        links += 1
      }
      if check(.leftParen) {
        expr = try call(expr)
      } else if match(.dot) {
        let name = try identifier("after '.'")
        expr = Expr(.field(expr, name), expr.span.merged(with: name.span))
      } else if check(.leftBracket) {
        advance()
        let saved = inConditionHead
        inConditionHead = false
        defer { inConditionHead = saved }
        let items = try indexItems()
        if items.count == 1, case .value(let index) = items[0] {
          expr = Expr(.index(expr, index), span(from: expr.span))
        } else {
          expr = Expr(.slice(expr, items), span(from: expr.span))
        }
      } else {
        return expr
      }
    }
  }

  /// `callee(arguments)` with an optional trailing block on the same line.
  mutating func call(_ callee: Expr) throws(ParseError) -> Expr {
    advance()
    var arguments: [Argument] = []
    var seenLabel = false
    if !check(.rightParen) {
      repeat {
        if check(.rightParen) { break }  // trailing comma
        if check(.identifier), tokens[current + 1].kind == .colon {
          let label = Identifier(peek.lexeme, peek.span)
          advance()
          advance()
          if arguments.contains(where: { $0.label?.name == label.name }) {
            error(.duplicateName, "argument '\(label.name)' is given twice", at: label.span)
          }
          arguments.append(Argument(label: label, value: try expression()))
          seenLabel = true
        } else {
          let value = try expression()
          if seenLabel {
            error(
              .expectedToken, "positional argument after named arguments; move it before them",
              at: value.span)
          }
          arguments.append(Argument(value: value))
        }
      } while match(.comma)
    }
    try consume(.rightParen, "after arguments")
    var trailing: Block?
    if check(.leftBrace), !inConditionHead {
      trailing = try block("")
    }
    return Expr(.call(callee, arguments, trailing: trailing), span(from: callee.span))
  }

  mutating func primary() throws(ParseError) -> Expr {
    let token = peek
    switch token.kind {
    case .number:
      advance()
      return Expr(.number(Lexer.numberValue(token.lexeme) ?? .nan), token.span)
    case .string:
      advance()
      return Expr(.string(Lexer.stringValue(token.lexeme)), token.span)
    case .trueKeyword, .falseKeyword:
      advance()
      return Expr(.bool(token.kind == .trueKeyword), token.span)
    case .nilKeyword:
      advance()
      return Expr(.nilLiteral, token.span)
    case .identifier:
      advance()
      return Expr(.name(token.lexeme), token.span)
    case .leftParen:
      advance()
      let saved = inConditionHead
      inConditionHead = false
      defer { inConditionHead = saved }
      var inner = try expression()
      try consume(.rightParen, "to close '('")
      inner.span = span(from: token.span)
      return inner
    case .leftBracket: return try list()
    case .leftBrace where !inConditionHead: return try record()
    case .fnKeyword: return try function()
    case .ifKeyword: return try ifExpression()
    case .invalid:
      // Already reported by the lexer; skip quietly.
      advance()
      throw ParseError()
    default:
      throw fail(.expectedExpression, "expected expression, found \(describe(token))")
    }
  }

  mutating func list() throws(ParseError) -> Expr {
    let open = advance()
    let saved = inConditionHead
    inConditionHead = false
    defer { inConditionHead = saved }
    var items: [Expr] = []
    while !check(.rightBracket) {
      items.append(try expression())
      if !match(.comma) { break }
    }
    try consume(.rightBracket, "to close the list")
    return Expr(.list(items), span(from: open.span))
  }

  /// `{key: value, ...}`; line breaks are free inside.
  mutating func record() throws(ParseError) -> Expr {
    let open = advance()
    try enterNesting()
    defer { leaveNesting() }
    var fields: [RecordField] = []
    skipNewlines()
    while !check(.rightBrace) {
      let key: Identifier
      if check(.string) {
        let token = advance()
        key = Identifier(Lexer.stringValue(token.lexeme), token.span)
      } else {
        key = try identifier("as a record key (records are written {name: value})")
      }
      try consume(.colon, "after record key '\(key.name)'")
      skipNewlines()
      let value = try expression()
      if fields.contains(where: { $0.key.name == key.name }) {
        error(.duplicateName, "record key '\(key.name)' appears twice", at: key.span)
      }
      fields.append(RecordField(key: key, value: value))
      skipNewlines()
      if !match(.comma) { break }
      skipNewlines()
    }
    try consume(.rightBrace, "to close the record")
    return Expr(.record(fields), span(from: open.span))
  }

  mutating func function() throws(ParseError) -> Expr {
    let start = advance().span
    try consume(.leftParen, "after 'fn'")
    var parameters: [Identifier] = []
    while !check(.rightParen) {
      let parameter = try identifier("as a parameter name")
      if parameters.contains(where: { $0.name == parameter.name }) {
        error(.duplicateName, "parameter '\(parameter.name)' appears twice", at: parameter.span)
      }
      parameters.append(parameter)
      if !match(.comma) { break }
    }
    try consume(.rightParen, "after parameters")
    let body = try block("for the function body")
    return Expr(.function(parameters: parameters, body: body), span(from: start))
  }

  mutating func ifExpression() throws(ParseError) -> Expr {
    let start = advance().span
    try enterNesting()
    defer { leaveNesting() }
    let condition = try conditionHead()
    let then = try block("after the if condition")
    var otherwise: Block?
    // `else` may start the next line.
    var look = current
    while tokens[look].kind == .newline { look += 1 }
    if tokens[look].kind == .elseKeyword {
      current = look
      advance()
      if check(.ifKeyword) {
        let nested = try ifExpression()
        otherwise = Block([Stmt(.expression(nested), nested.span)], span: nested.span)
      } else {
        otherwise = try block("after 'else'")
      }
    }
    return Expr(
      .ifElse(condition: condition, then: then, otherwise: otherwise), span(from: start))
  }
}
