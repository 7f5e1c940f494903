/// A lexical token: a kind and the span of its lexeme. The lexeme is recovered from the span.
public struct Token: Equatable, Sendable {
  public var kind: Kind
  public var span: SourceSpan

  public var lexeme: String { span.text }

  public enum Kind: Equatable, Hashable, Sendable {
    case identifier, number, string
    // keywords
    case fnKeyword, ifKeyword, elseKeyword, forKeyword, inKeyword, whileKeyword
    case breakKeyword, continueKeyword, returnKeyword, sweepKeyword
    case trueKeyword, falseKeyword, nilKeyword
    case and, or, not  // `and`/`&&`, `or`/`||`, `not`/`!`
    // operators
    case plus, minus, star, starStar, slash, percent, at
    case equal, plusEqual, minusEqual, starEqual, slashEqual
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case dot, dotDot, closedRange, halfOpenRange  // . .. ... ..<
    case comma, colon, semicolon
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case newline, endOfFile, invalid
  }

  static let keywords: [String: Kind] = [
    "fn": .fnKeyword, "if": .ifKeyword, "else": .elseKeyword, "for": .forKeyword,
    "in": .inKeyword, "while": .whileKeyword, "break": .breakKeyword,
    "continue": .continueKeyword, "return": .returnKeyword, "sweep": .sweepKeyword,
    "true": .trueKeyword, "false": .falseKeyword, "nil": .nilKeyword,
    "and": .and, "or": .or, "not": .not,
  ]

  /// Every keyword of the language, for completion.
  public static var keywordNames: [String] { keywords.keys.sorted() }
}

extension Token.Kind {
  /// Tokens after which a line break does not end the statement.
  var continuesLine: Bool {
    switch self {
    case .plus, .minus, .star, .starStar, .slash, .percent, .at, .equal, .plusEqual, .minusEqual,
      .starEqual, .slashEqual, .equalEqual, .bangEqual, .less, .lessEqual, .greater,
      .greaterEqual, .dot, .closedRange, .halfOpenRange, .comma, .colon, .and, .or, .not,
      .leftBrace, .leftParen, .leftBracket:
      return true
    default:
      return false
    }
  }

  /// How the token reads in messages: `')'`, `identifier`, `end of input`.
  public var displayName: String {
    switch self {
    case .identifier: return "identifier"
    case .number: return "number"
    case .string: return "string"
    case .newline: return "end of line"
    case .endOfFile: return "end of input"
    case .invalid: return "invalid token"
    default: return "'\(spelling)'"
    }
  }

  var spelling: String {
    switch self {
    case .fnKeyword: return "fn"
    case .ifKeyword: return "if"
    case .elseKeyword: return "else"
    case .forKeyword: return "for"
    case .inKeyword: return "in"
    case .whileKeyword: return "while"
    case .breakKeyword: return "break"
    case .continueKeyword: return "continue"
    case .returnKeyword: return "return"
    case .sweepKeyword: return "sweep"
    case .trueKeyword: return "true"
    case .falseKeyword: return "false"
    case .nilKeyword: return "nil"
    case .and: return "and"
    case .or: return "or"
    case .not: return "not"
    case .plus: return "+"
    case .minus: return "-"
    case .star: return "*"
    case .starStar: return "**"
    case .slash: return "/"
    case .percent: return "%"
    case .at: return "@"
    case .equal: return "="
    case .plusEqual: return "+="
    case .minusEqual: return "-="
    case .starEqual: return "*="
    case .slashEqual: return "/="
    case .equalEqual: return "=="
    case .bangEqual: return "!="
    case .less: return "<"
    case .lessEqual: return "<="
    case .greater: return ">"
    case .greaterEqual: return ">="
    case .dot: return "."
    case .dotDot: return ".."
    case .closedRange: return "..."
    case .halfOpenRange: return "..<"
    case .comma: return ","
    case .colon: return ":"
    case .semicolon: return ";"
    case .leftParen: return "("
    case .rightParen: return ")"
    case .leftBracket: return "["
    case .rightBracket: return "]"
    case .leftBrace: return "{"
    case .rightBrace: return "}"
    case .identifier, .number, .string, .newline, .endOfFile, .invalid: return displayName
    }
  }
}
