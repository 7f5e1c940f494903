import ProxyGradNN
import ProxyGradSyntax

/// The model zoo: builtins whose networks are defined in PGS (``ZooSource``).
///
/// Each entry is a builtin, so that the resolver checks its labels, `help` shows it and the
/// reference documents it. The builtin checks and completes the arguments (defaults, the weight
/// seed) and calls the PGS function of the same name with all of them by name. The definitions
/// run in an interpreter of their own, made once per session, so they never touch the
/// session's globals.
enum ModelZoo {
  static let all: [Builtin] = [
    Builtin(
      "vgg(depth: 4, width: 16, classes: 10, input: [1, 28, 28], seed: nil)",
      help: "A VGG-style plain CNN from the model zoo (defined in PGS; help shows the definition): depth 3×3 convolutions with ReLU and no batch norm, in stages of two, each stage followed by 2×2 max pooling (while the image is at least 2 pixels wide) and doubling the width; then flatten() and linear(classes). Layers are named as in a network block: conv1, relu1, pool1, ..., flatten1, linear1. Weights come from seed: or the session seed.",
      example: "net = vgg(depth: 6, width: 16, classes: 10, input: [1, 28, 28])"
    ) { args, interpreter throws(RuntimeError) in
      try call(
        "vgg", args, interpreter,
        [try whole(args, "depth", in: 1...64), try width(args), try classes(args), try input(args), try seed(args, interpreter)])
    },
    Builtin(
      "resnet(blocks: [1, 1, 1], width: 16, classes: 10, input: [1, 28, 28], seed: nil)",
      help: "A ResNet for small images from the model zoo (defined in PGS; help shows the definition): a stem conv(width, 3, pad: 1), batchnorm(), relu(); then one stage per entry of blocks with that many basic residual blocks (conv, batchnorm, relu, conv, batchnorm; relu after the sum); every stage after the first starts with a stride-2 block with a 1×1 projection on the skip path and doubles the width; then gap() and linear(classes). Blocks are named res1, res2, ... and their layers res1.conv1, res1.bn1, res1.relu1, res1.conv2, res1.bn2 (res2.skip for a projection).",
      example: "net = resnet(blocks: [2, 2], width: 16, classes: 10, input: [1, 28, 28])"
    ) { args, interpreter throws(RuntimeError) in
      let blocks = try args.integers(try args.required("blocks"), what: "blocks per stage for blocks:", label: "blocks")
      guard !blocks.isEmpty, blocks.allSatisfy({ $0 >= 1 && $0 <= 64 }), blocks.count <= 8 else {
        throw args.error(.value, "expects blocks: 1 to 8 stages of 1...64 blocks, such as [2, 2], got \(Format.shape(blocks))", label: "blocks")
      }
      let list = Value.list(ListBox(blocks.map { .number(Double($0)) }))
      return try call(
        "resnet", args, interpreter,
        [("blocks", list), try width(args), try classes(args), try input(args), try seed(args, interpreter)])
    },
  ]

  /// The names of the zoo's builtins, whose help also shows their PGS definitions.
  static let names: Set<String> = ["vgg", "resnet"]

  // MARK: - Arguments

  /// `label:` as a whole number in `range`, named.
  static func whole(_ args: Arguments, _ label: String, in range: ClosedRange<Int>) throws(RuntimeError) -> (String, Value) {
    (label, .number(Double(try args.integer(label, in: range))))
  }

  static func width(_ args: Arguments) throws(RuntimeError) -> (String, Value) {
    try whole(args, "width", in: 1...4096)
  }

  static func classes(_ args: Arguments) throws(RuntimeError) -> (String, Value) {
    ("classes", .number(Double(try args.integer("classes", min: 1))))
  }

  static func input(_ args: Arguments) throws(RuntimeError) -> (String, Value) {
    let shape = try args.integers(try args.required("input"), what: "a shape for input:", label: "input")
    guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
      throw args.error(.value, "expects input: an image shape [C, H, W], got \(Format.shape(shape))", label: "input")
    }
    return ("input", .list(ListBox(shape.map { .number(Double($0)) })))
  }

  static func seed(_ args: Arguments, _ interpreter: Interpreter) throws(RuntimeError) -> (String, Value) {
    let seed = try args.optionalInteger("seed", min: 0).map(UInt64.init) ?? NetworkBuiltins.nextSeed(interpreter)
    return ("seed", .number(Double(seed)))
  }

  // MARK: - Running the definitions

  /// Calls the zoo's PGS function `name` with named arguments.
  static func call(_ name: String, _ args: Arguments, _ interpreter: Interpreter, _ named: [(String, Value)])
    throws(RuntimeError) -> Value
  {
    let zoo = try interpreter.zooInterpreter()
    guard let function = zoo.global(name) else {
      throw args.error(.unsupported, "the model zoo defines no '\(name)'")
    }
    var arguments = Arguments(positional: [], named: named, span: args.span, calleeSpan: args.span)
    do throws(Unwind) {
      return try zoo.call(function, &arguments)
    } catch {
      guard case .error(let inner) = error else {
        throw args.error(.unsupported, "control flow escaped the model zoo's '\(name)'")
      }
      let place = inner.span.map { " (in the model zoo's definition, \($0))" } ?? ""
      throw RuntimeError(inner.kind, "\(name): \(inner.message)\(place)", at: args.span)
    }
  }
}

extension Interpreter {
  /// The interpreter that holds the model zoo's definitions, made on first use.
  func zooInterpreter() throws(RuntimeError) -> Interpreter {
    if let zoo { return zoo }
    let zoo = Interpreter(output: OutputBuffer(), seed: seed)
    let (program, diagnostics) = zoo.check(SourceFile(path: "<zoo>", text: ZooSource.text))
    guard let program else {
      throw RuntimeError(.unsupported, "the model zoo does not compile: \(DiagnosticRenderer().render(diagnostics))")
    }
    try zoo.run(program)
    self.zoo = zoo
    return zoo
  }
}
