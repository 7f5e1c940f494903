import ProxyGradNN

/// Builtins on plain values: text, numbers, lists, records, help.
enum CoreBuiltins {
  static let all: [Builtin] = [
    Builtin(
      "print(values...)",
      help: "Writes its arguments as text, separated by spaces, followed by a line break. Strings print without quotes; numbers in their shortest round-trip form (3, not 3.0).",
      example: "print(\"loss\", 0.1 + 0.2)"
    ) { args, interpreter throws(RuntimeError) in
      let text = args.positional.map(Format.display).joined(separator: " ")
      interpreter.output.emit(.text(text + "\n"))
      return .none
    },
    Builtin(
      "str(value)",
      help: "The text of a value, as print would write it.",
      example: "label = \"slope \" + str(0.3)"
    ) { args, _ throws(RuntimeError) in .string(Format.display(args.positional[0])) },
    Builtin(
      "len(x)",
      help: "The number of items of a list, range, string or record, or the length of a tensor's first axis.",
      example: "len([1, 2, 3])"
    ) { args, _ throws(RuntimeError) in
      switch args.positional[0] {
      case .list(let list): return .number(Double(list.items.count))
      case .range(let r): return .number(Double(r.count))
      case .string(let s): return .number(Double(s.count))
      case .record(let record): return .number(Double(record.keys.count))
      case .tensor(let t) where t.rank > 0: return .number(Double(t.shape[0]))
      case let value: throw args.error(.type, "expects a list, range, string, record or tensor, got \(value.typeDescription)", at: 0)
      }
    },
    Builtin(
      "type(value)",
      help: "The name of a value's type as a string: number, bool, string, nil, list, record, range, tensor, layer, network, function, rule, slope or objective.",
      example: "type(tensor([1, 2]))"
    ) { args, _ throws(RuntimeError) in
      let description = args.positional[0].typeDescription
      let name = description.split(separator: " ").last.map(String.init) ?? description
      return .string(name)
    },
    Builtin(
      "append(list, value)",
      help: "Adds a value at the end of a list, in place (lists are shared by reference), and returns nil.",
      example: "xs = []; append(xs, 1)"
    ) { args, _ throws(RuntimeError) in
      try args.list(0).items.append(args.positional[1])
      return .none
    },
    Builtin(
      "keys(record)",
      help: "The field names of a record, in order, as a list of strings.",
      example: "keys({lr: 0.05, steps: 200})"
    ) { args, _ throws(RuntimeError) in
      guard case .record(let record) = args.positional[0] else {
        throw args.error(.type, "expects a record, got \(args.positional[0].typeDescription)", at: 0)
      }
      return .list(ListBox(record.keys.map { .string($0) }))
    },
    Builtin(
      "floor(x)",
      help: "The largest whole number not above x.",
      example: "floor(2.7)"
    ) { args, _ throws(RuntimeError) in .number(try args.number(0).rounded(.down)) },
    Builtin(
      "round(x, digits: 0)",
      help: "x rounded to the nearest whole number, or to `digits` decimal places (halves away from zero); for a tensor, each element (the result is a new tensor outside the gradient graph).",
      example: "round(2.5); round(3.14159, digits: 2); round(tensor([0.123, 4.567]), digits: 1)"
    ) { args, _ throws(RuntimeError) in
      let digits = try args.integer("digits", in: 0...15)
      var scale = 1.0
      for _ in 0..<digits { scale *= 10 }
      func rounded(_ x: Double) -> Double { digits == 0 ? x.rounded() : (x * scale).rounded() / scale }
      if case .tensor(let t) = args.positional[0] {
        return .tensor(Tensor(shape: t.shape, values: t.values.map { Float(rounded(Format.double($0))) }))
      }
      return .number(rounded(try args.number(0)))
    },
    Builtin(
      "min(t, axis: nil) or min(a, b, ...)",
      help: "The smallest element of a tensor (a number; a scalar tensor inside grad), or with axis: the smallest along that axis, which is removed. Also the smallest of several numbers, or of the numbers in one list.",
      example: "min(3, 1, 2); min(tensor([[1, 5], [7, 2]]), axis: 1)"
    ) { args, interpreter throws(RuntimeError) in
      if let value = try AnalysisBuiltins.extreme(args, largest: false, interpreter) { return value }
      return .number(try extremum(args, smallest: true))
    },
    Builtin(
      "help(name)",
      help: "The help text of a builtin, given as a string or as the builtin itself: its signature, description and example, and for the model zoo's entries (vgg, resnet) their definitions in PGS.",
      example: "print(help(\"grad\"))"
    ) { args, _ throws(RuntimeError) in
      let name: String
      switch args.positional[0] {
      case .string(let s): name = s
      case .builtin(let b): name = b.name
      case let value: throw args.error(.type, "expects a builtin or its name, got \(value.typeDescription)", at: 0)
      }
      guard let builtin = Builtins.named(name) else {
        throw args.error(.name, "no builtin named '\(name)'", at: 0)
      }
      return .string(Builtins.helpText(builtin))
    },
    Builtin(
      "assert(condition) or assert(condition, message)",
      help: "Stops the script with an error (and the message, when given) unless the condition is true.",
      example: "assert(len(xs) == 3, \"three items\")"
    ) { args, _ throws(RuntimeError) in
      if try args.positional[0].truth(at: args.spanOf(0)) { return .none }
      let message = args.positional.count > 1 ? Format.display(args.positional[1]) : "assertion failed"
      throw args.error(.value, message)
    },
  ]

  static func extremum(_ args: Arguments, smallest: Bool) throws(RuntimeError) -> Double {
    var values = args.positional
    if values.count == 1, case .list(let list) = values[0] { values = list.items }
    var result: Double?
    for (i, value) in values.enumerated() {
      guard case .number(let x) = value else {
        throw args.error(.type, "expects numbers, got \(value.typeDescription)", at: min(i, args.positional.count - 1))
      }
      if let current = result { result = smallest ? Swift.min(current, x) : Swift.max(current, x) } else { result = x }
    }
    guard let result else { throw args.error(.value, "needs at least one number") }
    return result
  }
}
