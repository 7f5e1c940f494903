import ProxyGradTensor
import ProxyGradNN
import ProxyGradSyntax

/// A function of the language implemented in Swift, with the help text the REPL shows.
///
/// Its signature is its one declaration (``Signature``): the name, the positional parameters,
/// the labels with their defaults and whether it takes a block all come from it, and the
/// argument readers take a left-out label's default from it.
public struct Builtin: Sendable {
  /// The parsed signature.
  public let declaration: Signature
  /// One paragraph.
  public let help: String
  /// A line of PGS that uses it.
  public let example: String
  let implementation: @Sendable (inout Arguments, Interpreter) throws(RuntimeError) -> Value

  /// - Parameter signature: how a call reads, `conv(out, kernel, stride: 1, pad: 0, name: nil)`;
  ///   see ``Signature`` for the forms it may take. A malformed one is a programmer error.
  init(
    _ signature: String, help: String, example: String,
    _ implementation: @escaping @Sendable (inout Arguments, Interpreter) throws(RuntimeError) -> Value
  ) {
    do throws(Signature.Malformed) { self.declaration = try Signature(parsing: signature) } catch {
      preconditionFailure("builtin signature: \(error)")
    }
    self.help = help
    self.example = example
    self.implementation = implementation
  }

  public var name: String { declaration.name }
  /// How a call reads, as declared.
  public var signature: String { declaration.text }
  /// Allowed number of positional arguments.
  public var arity: ClosedRange<Int> { declaration.arity }
  /// Allowed argument labels; nil accepts any label (`record(name: value, ...)`).
  public var labels: [String]? { declaration.labels }
  public var takesBlock: Bool { declaration.takesBlock }

  var arityDescription: String {
    if arity.lowerBound == arity.upperBound { return Arguments.count(arity.lowerBound) }
    if arity.upperBound >= 64 { return "at least \(Arguments.count(arity.lowerBound))" }
    return "\(arity.lowerBound) to \(arity.upperBound) arguments"
  }
}

/// The registry of every builtin, by name.
public enum Builtins {
  public static let all: [Builtin] =
    CoreBuiltins.all + TensorBuiltins.all + NetworkBuiltins.all + GradientBuiltins.all
    + OutputBuiltins.all + OptimizerBuiltins.all + MaximizeBuiltins.all + TrainingBuiltins.all
    + AnalysisBuiltins.all + ONNXBuiltins.all + ModelZoo.all
    + InterpretabilityBuiltins.all

  static let table: [String: Builtin] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

  public static func named(_ name: String) -> Builtin? { table[name] }

  /// What `help(name)` and the REPL's `?name` show: the signature, the help paragraph, the
  /// example and, for the model zoo's entries, their PGS definitions.
  public static func helpText(_ builtin: Builtin) -> String {
    var text = "\(builtin.signature)\n\(builtin.help)\nexample: \(builtin.example)"
    if ModelZoo.names.contains(builtin.name) {
      text += "\ndefinition (PGS, in the model zoo):\n" + ZooSource.definition(of: builtin.name)
    }
    return text
  }
  public static var names: [String] { all.map(\.name) }
}

extension Interpreter {
  /// Runs `body` (which calls script functions) under `rule`: every `relu` and `leaky` inside
  /// takes the rule's slopes, and reductions stay tensors as inside `grad`.
  /// - Returns: the original value and the root to call `backward()` on.
  func callingUnderRule(
    _ rule: GradientRule, step: Int = 0, totalSteps: Int = 1, _ args: Arguments,
    _ body: () throws(RuntimeError) -> Tensor
  ) throws(RuntimeError) -> (value: Tensor, root: Tensor) {
    let saved = policy
    gradientDepth += 1
    defer {
      policy = saved
      gradientDepth -= 1
    }
    do {
      return try withGradientRule(rule, step: step, totalSteps: totalSteps) { policy in
        self.policy = policy
        return try body()
      }
    } catch let error as RuntimeError {
      throw error
    } catch {
      throw args.error(.engine, "\(error)")
    }
  }
}
