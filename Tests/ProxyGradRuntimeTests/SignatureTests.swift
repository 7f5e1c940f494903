@testable import ProxyGradRuntime
import ProxyGradSyntax
import Testing

/// A builtin's signature is its one declaration: these check the parser, every declaration in
/// the registry, and that bodies read only the labels their signatures declare.
@Suite struct SignatureTests {
  // MARK: - Parsing

  @Test func parsesPositionalsLabelsAndLiteralDefaults() throws {
    let s = try Signature(parsing: "conv(out, kernel, stride: 1, pad: -2, scale: 0.5, bias: true, cmap: \"diverging\", name: nil, input: [1, 28, 28])")
    #expect(s.name == "conv")
    #expect(s.arity == 2...2)
    #expect(s.labels == ["stride", "pad", "scale", "bias", "cmap", "name", "input"])
    #expect(!s.takesBlock)
    let literals: [(String, Signature.Literal)] = [
      ("stride", .number(1)), ("pad", .number(-2)), ("scale", .number(0.5)), ("bias", .bool(true)),
      ("cmap", .string("diverging")), ("name", .none), ("input", .list([.number(1), .number(28), .number(28)])),
    ]
    for (label, expected) in literals {
      guard case .literal(let literal)? = s.parameter(label)?.defaultValue else {
        Issue.record("\(label): is not a literal default")
        continue
      }
      #expect(literal == expected, "\(label):")
    }
  }

  @Test func classifiesDefaultsThatAreNotLiterals() throws {
    let s = try Signature(parsing: "pool(kernel, stride: kernel, grad: plain(), optimizer: adam(lr: 0.05), init: noise(0.1), input: shape, y: column or [columns])")
    guard case .parameter("kernel")? = s.parameter("stride")?.defaultValue else { Issue.record("stride:"); return }
    guard case .call("plain", let p, let n)? = s.parameter("grad")?.defaultValue, p.isEmpty, n.isEmpty else { Issue.record("grad:"); return }
    guard case .call("adam", _, let named)? = s.parameter("optimizer")?.defaultValue else { Issue.record("optimizer:"); return }
    #expect(named.map(\.label) == ["lr"] && named.map(\.value) == [.number(0.05)])
    guard case .call("noise", let positional, _)? = s.parameter("init")?.defaultValue else { Issue.record("init:"); return }
    #expect(positional == [.number(0.1)])
    guard case .required("shape")? = s.parameter("input")?.defaultValue else { Issue.record("input:"); return }
    guard case .required("column or [columns]")? = s.parameter("y")?.defaultValue else { Issue.record("y:"); return }
    #expect(s.forms.count == 1, "an 'or' inside the parentheses belongs to a default")
  }

  @Test func formsVariadicsAnyLabelAndBlocks() throws {
    let relu = try Signature(parsing: "relu(t) or relu(name: nil)")
    #expect(relu.arity == 0...1 && relu.labels == ["name"] && relu.forms.count == 2)
    let print = try Signature(parsing: "print(values...)")
    #expect(print.arity == 0...Signature.variadicLimit)
    let zip = try Signature(parsing: "zip(a, b, ...)")
    #expect(zip.arity == 2...Signature.variadicLimit)
    let min = try Signature(parsing: "min(t, axis: nil) or min(a, b, ...)")
    #expect(min.arity == 1...Signature.variadicLimit && min.labels == ["axis"])
    let record = try Signature(parsing: "record(name: value, ...)")
    #expect(record.labels == nil && record.arity == 0...0 && record.accepts("anything"))
    let concat = try Signature(parsing: "concat(tensors, axis: 0) or concat(name: nil) { branches }")
    #expect(concat.takesBlock && concat.arity == 0...1 && concat.labels == ["axis", "name"])
    #expect(concat.forms.map(\.block) == [nil, "branches"])
  }

  @Test(arguments: [
    "conv", "conv(", "conv(out, stride: 1, kernel)", "f(x) or g(x)", "f(a) or f(a, b, c)",
    "f(a: 1) or f(a: 2)", "f(a: 1, a: 1)", "f(x..., y)", "f(...)", "f(a: )", "f(a: [1, 2)",
  ])
  func rejectsMalformedSignatures(_ text: String) {
    #expect(throws: Signature.Malformed.self) { try Signature(parsing: text) }
  }

  // MARK: - The registry

  /// Every declaration names itself, has contiguous arity, and only defaults that mean something:
  /// a call default names a builtin and runs, a parameter default names a positional parameter.
  @Test func everyDeclarationIsWellFormed() throws {
    let interpreter = Interpreter()
    for builtin in Builtins.all {
      let declaration = builtin.declaration
      #expect(Signature.isIdentifier(builtin.name), "\(builtin.signature)")
      #expect(builtin.arity.lowerBound >= 0)
      for form in declaration.forms {
        #expect(Set(form.positional).count == form.positional.count, "positional names of \(builtin.signature)")
        #expect(Set(form.positional).isDisjoint(with: form.parameters.map(\.label)), "\(builtin.signature)")
      }
      for parameter in declaration.forms.flatMap(\.parameters) {
        switch parameter.defaultValue {
        case .literal, .required: break
        case .parameter(let name):
          #expect(declaration.forms.contains { $0.positional.contains(name) }, "\(builtin.name): \(parameter.label): \(name)")
        case .call(let callee, _, _):
          #expect(Builtins.named(callee) != nil, "\(builtin.name): \(parameter.label): \(parameter.text)")
          let (program, diagnostics) = interpreter.check(SourceFile(path: "default", text: parameter.text))
          #expect(diagnostics.isEmpty, "\(builtin.name): \(parameter.label): \(parameter.text)")
          if let program { #expect(throws: Never.self) { try interpreter.run(program) } }
        }
      }
    }
  }

  /// A builtin that takes no positional arguments gives the same value when called bare and
  /// when called with every literal default written out: the body's defaults are the declared ones.
  @Test func leftOutLabelsTakeTheirDeclaredDefaults() throws {
    for builtin in Builtins.all where !builtin.takesBlock && builtin.labels?.isEmpty == false {
      guard let form = builtin.declaration.forms.first(where: { $0.positional.isEmpty && !$0.variadic }) else { continue }
      let parameters = form.parameters
      guard parameters.allSatisfy({ if case .literal = $0.defaultValue { true } else { false } }) else { continue }
      let spelled = "\(builtin.name)(" + parameters.filter { $0.text != "nil" }.map { "\($0.label): \($0.text)" }.joined(separator: ", ") + ")"
      let bare = try LanguageRun.value(of: "\(builtin.name)()")
      let written = try LanguageRun.value(of: spelled)
      #expect(bare == written, "\(builtin.name)() and \(spelled)")
    }
  }

  /// Runs every builtin's help example after a small prelude, with the interpreter recording the
  /// labels each builtin reads: none may be missing from its signature. (Examples that need
  /// files or data sets stop with an error; what they read until then still counts.)
  @Test func examplesReadOnlyDeclaredLabels() {
    let undeclared = Interpreter.onLargeStack { () -> Set<String> in
      let interpreter = Interpreter()
      interpreter.checksDeclarations = true
      let prelude = "net = network(input: [1, 8, 8]) {\n conv(4, 3, pad: 1, name: \"feat\")\n relu()\n flatten()\n linear(10)\n}\nf = fn(x) { sum(x) }\nx = zeros([1, 8, 8])\nxs = [1, 2, 3]\ndata = synthetic(count: 10, size: 8)\n"
      let skipped: Set<String> = ["fashion_mnist", "save", "save_onnx", "save_weights"]
      for builtin in Builtins.all where !skipped.contains(builtin.name) {
        let (program, _) = interpreter.check(SourceFile(path: builtin.name, text: prelude + builtin.example))
        guard let program else { continue }
        _ = try? interpreter.run(program)
      }
      return interpreter.undeclaredReads
    }
    #expect(undeclared.isEmpty, "labels read but not declared: \(undeclared.sorted())")
  }
}

extension LanguageRun {
  /// The displayed value of one expression in a fresh interpreter.
  static func value(of source: String) throws -> String {
    let interpreter = Interpreter()
    let (program, diagnostics) = interpreter.check(SourceFile(path: "value", text: source))
    guard let program else { throw RuntimeError(.value, "\(diagnostics.map(\.message))", at: nil) }
    return Format.display(try interpreter.run(program))
  }
}
