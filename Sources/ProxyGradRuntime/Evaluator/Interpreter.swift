import Foundation
import ProxyGradNN
import ProxyGradSyntax

/// Compiled code of one node: evaluates in a frame.
typealias Code = (Frame) throws(Unwind) -> Value

/// Runs resolved PGS programs. One interpreter is one session: globals persist across `run`
/// calls, so a REPL feeds it line after line.
///
/// The tree is compiled once into closures over slot addresses (see ``Compiler``), so the hot
/// path of a loop does no name lookups.
public final class Interpreter {
  public var output: OutputSink
  /// Where long work (train, maximize, sweeps) reports progress; nil reports nothing.
  public var progress: ProgressSink?
  /// Which files scripts may read and write.
  public var files: FileAccess = UnconfinedFileAccess()
  /// Whether running code should stop (see ``StopCheck``); the front end sets its check.
  public let stops = StopCheck()
  /// Calls nested deeper than this are an error (`recursion too deep`), not a stack overflow.
  public var maximumCallDepth = 1_000
  /// The seed of `network(...)` weights and random tensors when a script gives none.
  public var seed: UInt64 {
    didSet { rng = SplitMix64(seed: seed) }
  }

  public internal(set) var globals = GlobalTable()
  let globalSlots = GlobalSlots()
  let topFrame = Frame(count: 0, parent: nil)
  var callDepth = 0
  /// The value of the `return` being unwound.
  var returnValue: Value = .none
  /// The slopes `relu`/`leaky` use inside a function under `grad`.
  var policy: SlopePolicy = .original
  /// How many `grad` calls are running; inside one, reductions stay tensors.
  var gradientDepth = 0
  /// Values collected by the innermost trailing block.
  var collectors: [[Value]] = []
  /// Rows recorded by the innermost running sweep.
  var sweeps: [SweepContext] = []
  /// Runs the points of top-level sweeps (not of sweeps inside a run); nil runs them here, in
  /// order, and shows their tables as text.
  public var sweepHost: SweepHost?
  var rng: SplitMix64
  var networkCount: UInt64 = 0
  /// The interpreter holding the model zoo's definitions (see ``ModelZoo``), once used.
  var zoo: Interpreter?
  /// When set, every builtin call records the labels its body reads, and a label its signature
  /// does not declare lands in ``undeclaredReads``: a declaration that drifted from its body.
  public var checksDeclarations = false
  public private(set) var undeclaredReads: Set<String> = []

  public init(output: OutputSink = OutputBuffer(), seed: UInt64 = 0) {
    self.output = output
    self.seed = seed
    self.rng = SplitMix64(seed: seed)
  }

  // MARK: - Stages

  /// Parses and resolves a source file against this session's globals; runs nothing.
  public func check(_ file: SourceFile) -> (program: ResolvedProgram?, diagnostics: [Diagnostic]) {
    let (program, syntax) = Parser.parse(file)
    if !syntax.isEmpty { return (nil, syntax) }
    let (resolved, semantic) = Resolver.resolve(program, globals: globals)
    return (semantic.isEmpty ? resolved : nil, semantic)
  }

  /// Runs a resolved program and returns the value of its last statement (for REPL echo).
  @discardableResult
  public func run(_ program: ResolvedProgram) throws(RuntimeError) -> Value {
    guard program.globals.names.count <= GlobalSlots.capacity else {
      throw RuntimeError(.unsupported, "too many global names (at most \(GlobalSlots.capacity))")
    }
    globals = program.globals
    var compiler = Compiler(interpreter: self, resolved: program)
    let code = compiler.block(program.program.statements)
    callDepth = 0
    collectors = []
    sweeps = []
    policy = .original
    gradientDepth = 0
    do throws(Unwind) {
      return try code(topFrame)
    } catch {
      switch error {
      case .error(let runtimeError): throw runtimeError
      case .breakLoop, .continueLoop, .returnValue:
        throw RuntimeError(.unsupported, "control flow escaped the program")
      }
    }
  }

  /// The value of a global, when set.
  public func global(_ name: String) -> Value? {
    guard let slot = globals.slot(of: name) else { return nil }
    let value = globalSlots.values[slot]
    if case .unset = value { return nil }
    return value
  }

  /// Sets a global from outside a script (the REPL's `_`, notebook parameters).
  public func setGlobal(_ name: String, _ value: Value) {
    let slot = globals.declare(name)
    guard slot < GlobalSlots.capacity else { return }
    globalSlots.values[slot] = value
  }

  /// Names and values of every set global, in order of declaration.
  public var globalValues: [(String, Value)] {
    globals.names.enumerated().compactMap { slot, name in
      let value = globalSlots.values[slot]
      if case .unset = value { return nil }
      return (name, value)
    }
  }

  /// Runs `body` on a thread with a large stack, so deep (but bounded) recursion in scripts
  /// cannot overflow the caller's stack.
  public static func onLargeStack<T>(bytes: Int = 512 << 20, _ body: @escaping () -> T) -> T {
    let box = ResultBox<T>()
    box.body = body
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.value = box.body?()
      box.body = nil
      done.signal()
    }
    thread.stackSize = bytes
    thread.start()
    done.wait()
    guard let value = box.value else { preconditionFailure("large-stack thread produced nothing") }
    return value
  }

  // MARK: - Calls

  /// Calls a function value with evaluated arguments.
  func call(_ callee: Value, _ arguments: inout Arguments) throws(Unwind) -> Value {
    switch callee {
    case .function(let closure):
      return try invoke(closure, arguments)
    case .builtin(let builtin):
      return try callBuiltin(builtin, &arguments)
    case .network(let network):
      do throws(RuntimeError) { return try NetworkBuiltins.forward(network, &arguments, interpreter: self) } catch {
        throw .error(error)
      }
    case .layer(let ref):
      do throws(RuntimeError) { return try AnalysisBuiltins.layerOutput(ref, &arguments, interpreter: self) } catch {
        throw .error(error)
      }
    default:
      throw .error(
        RuntimeError(.type, "cannot call \(callee.typeDescription); expected a function", at: arguments.calleeSpan))
    }
  }

  func callBuiltin(_ builtin: Builtin, _ arguments: inout Arguments) throws(Unwind) -> Value {
    // The resolver checks direct calls; a builtin called through a variable (`f = str; f()`)
    // is checked here, so its body never reads an argument that is not there.
    guard builtin.arity.contains(arguments.positional.count) else {
      throw .error(
        RuntimeError(
          .arity,
          "\(builtin.name) expects \(builtin.arityDescription), got \(arguments.positional.count); usage: \(builtin.signature)",
          at: arguments.span))
    }
    if let labels = builtin.labels {
      for (label, _) in arguments.named where !labels.contains(label) {
        let known = labels.isEmpty ? "it takes no named arguments" : "it takes " + labels.map { "\($0):" }.joined(separator: ", ")
        throw .error(
          RuntimeError(.arity, "\(builtin.name) has no argument named '\(label)'; \(known)", at: arguments.spanOf(label)))
      }
    }
    arguments.declaration = builtin.declaration
    if checksDeclarations { arguments.reads = LabelReads() }
    defer {
      for label in arguments.reads?.labels ?? [] where !builtin.declaration.accepts(label) {
        undeclaredReads.insert("\(builtin.name): \(label):")
      }
    }
    do throws(RuntimeError) {
      return try builtin.implementation(&arguments, self)
    } catch {
      var error = error
      if error.span == nil { error.span = arguments.span }
      throw .error(error)
    }
  }

  /// Calls a user function: binds arguments to parameters in a new frame.
  func invoke(_ closure: Closure, _ arguments: Arguments) throws(Unwind) -> Value {
    let name = closure.name ?? "fn"
    let frame = Frame(count: closure.slotCount, parent: closure.captured)
    let parameters = closure.parameters
    guard arguments.positional.count <= parameters.count else {
      throw .error(
        RuntimeError(
          .arity, "\(name) expects \(Arguments.count(parameters.count)), got \(arguments.positional.count)",
          at: arguments.span))
    }
    for (i, value) in arguments.positional.enumerated() { frame.slots[i] = value }
    for (label, value) in arguments.named {
      guard let slot = parameters.firstIndex(of: label) else {
        throw .error(
          RuntimeError(
            .arity, "\(name) has no parameter named '\(label)'; parameters: \(parameters.joined(separator: ", "))",
            at: arguments.span))
      }
      frame.slots[slot] = value
    }
    for (i, parameter) in parameters.enumerated() {
      guard case .unset = frame.slots[i] else { continue }
      throw .error(
        RuntimeError(.arity, "\(name) is missing argument '\(parameter)'", at: arguments.span))
    }
    return try invoke(closure, frame: frame, callSite: arguments.span)
  }

  /// Runs a function body in a frame whose parameters are bound: counts depth, checks for
  /// interrupts, turns `return` into the result and adds the call to an error's trace.
  func invoke(_ closure: Closure, frame: Frame, callSite: SourceSpan) throws(Unwind) -> Value {
    if stops.isRequestedSoon { throw .error(RuntimeError(.interrupted, "interrupted", at: callSite)) }
    callDepth += 1
    defer { callDepth -= 1 }
    if callDepth > maximumCallDepth {
      throw .error(
        RuntimeError(
          .recursion, "recursion too deep: more than \(maximumCallDepth) nested calls", at: callSite))
    }
    do throws(Unwind) {
      return try closure.body(frame)
    } catch {
      switch error {
      case .returnValue:
        let value = returnValue
        returnValue = .none
        return value
      case .error(var runtimeError):
        runtimeError.trace.append(RuntimeError.Frame(function: closure.name ?? "fn", callSite: callSite))
        throw .error(runtimeError)
      default:
        throw error
      }
    }
  }

  /// Calls a function value from a builtin (`grad(f, ...)`), with positional arguments.
  func callFunction(_ callee: Value, _ values: [Value], at span: SourceSpan?) throws(RuntimeError) -> Value {
    let site = span ?? topFrameSpan
    var arguments = Arguments(positional: values, span: site, calleeSpan: site)
    do throws(Unwind) {
      return try call(callee, &arguments)
    } catch {
      switch error {
      case .error(let e): throw e
      default: throw RuntimeError(.unsupported, "control flow escaped a function", at: span)
      }
    }
  }

  var topFrameSpan: SourceSpan { SourceSpan(SourceFile(path: "<builtin>", text: ""), 0..<0) }
}

/// Hands a closure and its result across the large-stack thread; the semaphore orders access.
final class ResultBox<T>: @unchecked Sendable {
  var body: (() -> T)?
  var value: T?
}

/// Rows a running sweep's run collects through `record(...)`.
final class SweepContext {
  var rows: [[SweepField]] = []
}
