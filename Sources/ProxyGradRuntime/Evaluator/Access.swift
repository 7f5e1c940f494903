import ProxyGradNN
import ProxyGradSyntax

/// Field access (`x.name`) and indexing (`x[i]`) on values.
enum Access {
  static func field(_ name: String, span: SourceSpan) -> (Value) throws(Unwind) -> Value {
    { value throws(Unwind) in
      do throws(RuntimeError) { return try field(value, name, span: span) } catch { throw .error(error) }
    }
  }

  static func field(_ value: Value, _ name: String, span: SourceSpan) throws(RuntimeError) -> Value {
    switch value {
    case .record(let record):
      if let field = record[name] { return field }
      let known = record.keys.isEmpty ? "it has no fields" : "fields: " + record.keys.joined(separator: ", ")
      throw RuntimeError(.name, "record has no field '\(name)'; \(known)", at: span)
    case .tensor(let t):
      if let field = Fields.tensor.read(t, name) { return field }
      throw RuntimeError(.name, "a tensor has no field '\(name)'; fields: \(Fields.tensor.list)", at: span)
    case .network(let network):
      if network.layer(named: name) != nil { return .layer(LayerRef(network: network, name: name)) }
      if let field = Fields.network.read(network, name) { return field }
      throw RuntimeError(.name, "network has no layer '\(name)'; layers: \(layerNames(network))", at: span)
    case .layer(let ref):
      guard let layer = ref.layer else { break }
      if let field = Fields.layer.read(layer, name) { return field }
      if let block = layer as? Residual {
        // A block's layers by their names inside it: net.res1.conv1 is net["res1.conv1"].
        let full = "\(ref.name).\(name)"
        if ref.network.layer(named: full) != nil { return .layer(LayerRef(network: ref.network, name: full)) }
        let members = (block.layers.map(\.name) + (block.projection.map { [$0.name] } ?? []))
          .map { String($0.dropFirst(ref.name.count + 1)) }
        throw RuntimeError(
          .name, "block '\(ref.name)' has no layer or field '\(name)'; layers: \(members.joined(separator: ", ")); "
            + "fields: \(Fields.layer.list)", at: span)
      }
      for (parameterName, tensor) in zip(layer.parameterNames, layer.parameters) where parameterName == name {
        return .tensor(tensor)
      }
      throw RuntimeError(
        .name, "layer '\(ref.name)' has no field '\(name)'; fields: \(Fields.layer.list)"
          + layer.parameterNames.map { ", " + $0 }.joined(),
        at: span)
    case .dataset(let box):
      if let field = Fields.dataset.read(box, name) { return field }
      throw RuntimeError(.name, "a data set has no field '\(name)'; fields: \(Fields.dataset.list)", at: span)
    case .list(let list) where name == "count":
      return .number(Double(list.items.count))
    case .range(let r) where name == "count":
      return .number(Double(r.count))
    default:
      break
    }
    throw RuntimeError(.type, "\(value.typeDescription) has no field '\(name)'", at: span)
  }

  /// Every layer's full name, nested ones included (`conv1, res1, res1.conv1, ...`), for messages.
  static func layerNames(_ network: Network) -> String {
    network.allLayers.map(\.name).joined(separator: ", ")
  }

  static func setField(_ container: Value, _ name: String, _ value: Value, span: SourceSpan) throws(Unwind) {
    guard case .record(let record) = container else {
      throw .error(RuntimeError(.type, "cannot set field '\(name)' of \(container.typeDescription); only records have settable fields", at: span))
    }
    record.set(name, value)
  }

  /// A position in a sequence of `count` items; negative positions count from the end.
  static func position(_ key: Value, count: Int, what: String, span: SourceSpan) throws(RuntimeError) -> Int {
    guard case .number(let x) = key, x.isFinite, x == x.rounded(), abs(x) < 1e12 else {
      throw RuntimeError(.type, "\(what) index must be a whole number, got \(Format.brief(key))", at: span)
    }
    var i = Int(x)
    if i < 0 { i += count }
    guard i >= 0, i < count else {
      throw RuntimeError(.index, "index \(Int(x)) is out of range for \(what) of \(count) items", at: span)
    }
    return i
  }

  static func index(_ container: Value, _ key: Value, span: SourceSpan) throws(Unwind) -> Value {
    do throws(RuntimeError) {
      switch container {
      case .tensor, .list(_) where key.isRange, .string(_) where key.isRange:
        return try Slicing.select(container, [.value(key)], span: span)
      case .list(let list):
        return list.items[try position(key, count: list.items.count, what: "a list", span: span)]
      case .range(let r):
        return .number(Double(r.low + (try position(key, count: r.count, what: "a range", span: span))))
      case .string(let s):
        let characters = Array(s)
        return .string(String(characters[try position(key, count: characters.count, what: "a string", span: span)]))
      case .record(let record):
        guard case .string(let name) = key else {
          throw RuntimeError(.type, "a record is indexed by a string, got \(key.typeDescription)", at: span)
        }
        return try field(.record(record), name, span: span)
      case .network(let network):
        guard case .string(let name) = key else {
          throw RuntimeError(.type, "a network is indexed by a layer's full name such as \"res1.conv1\", got \(key.typeDescription)", at: span)
        }
        guard network.layer(named: name) != nil else {
          throw RuntimeError(.name, "network has no layer '\(name)'; layers: \(layerNames(network))", at: span)
        }
        return .layer(LayerRef(network: network, name: name))
      case .dataset(let box):
        // data.train[0..<1000]: the images of a range, with their labels.
        guard case .range(let r) = key else {
          throw RuntimeError(.type, "a data set is indexed by a range such as 0..<1000, got \(key.typeDescription)", at: span)
        }
        let count = box.data.count
        guard r.low >= 0, r.upperBound <= count, r.count > 0 else {
          throw RuntimeError(.index, "range \(r.low)..<\(r.upperBound) does not select images of a data set of \(count)", at: span)
        }
        return .dataset(DatasetBox(box.data.slice(r.low..<r.upperBound), name: "\(box.name)[\(r.low)..<\(r.upperBound)]"))
      default:
        throw RuntimeError(.type, "cannot index \(container.typeDescription)", at: span)
      }
    } catch {
      throw .error(error)
    }
  }

  static func setIndex(_ container: Value, _ key: Value, _ value: Value, span: SourceSpan) throws(Unwind) {
    do throws(RuntimeError) {
      switch container {
      case .list(let list):
        list.items[try position(key, count: list.items.count, what: "a list", span: span)] = value
      case .record(let record):
        guard case .string(let name) = key else {
          throw RuntimeError(.type, "a record is indexed by a string, got \(key.typeDescription)", at: span)
        }
        record.set(name, value)
      case .tensor:
        throw RuntimeError(.unsupported, "tensors cannot be changed in place; build a new tensor instead", at: span)
      default:
        throw RuntimeError(.type, "cannot assign into \(container.typeDescription) by index", at: span)
      }
    } catch {
      throw .error(error)
    }
  }
}

/// What a `for` loop or a sweep axis walks over.
enum Iteration {
  case range(low: Int, upper: Int)
  case values([Value])
  case rows(Tensor)

  static func items(_ value: Value, span: SourceSpan) throws(Unwind) -> Iteration {
    switch value {
    case .range(let r): return .range(low: r.low, upper: r.upperBound)
    case .list(let list): return .values(list.items)
    case .tensor(let t) where t.rank >= 1: return .rows(t)
    case .string(let s): return .values(s.map { .string(String($0)) })
    default:
      throw .error(
        RuntimeError(.type, "cannot iterate over \(value.typeDescription); expected a list, a range or a tensor", at: span))
    }
  }

  @inline(__always)
  func item(at position: Int) -> Value? {
    switch self {
    case .range(let low, let upper):
      let i = low + position
      return i < upper ? .number(Double(i)) : nil
    case .values(let values):
      return position < values.count ? values[position] : nil
    case .rows(let t):
      return position < t.shape[0] ? .tensor(t.index(position)) : nil
    }
  }

  var all: [Value] {
    var out: [Value] = []
    var i = 0
    while let value = item(at: i) {
      out.append(value)
      i += 1
    }
    return out
  }

  /// A range bound: a whole number below 10^12 in size.
  static func bound(_ value: Value, span: SourceSpan) throws(Unwind) -> Int {
    guard case .number(let x) = value, x.isFinite, x == x.rounded() else {
      throw .error(RuntimeError(.type, "range bounds must be whole numbers, got \(Format.brief(value))", at: span))
    }
    guard abs(x) < 1e12 else {
      throw .error(
        RuntimeError(
          .value, "range bounds must be less than 10^12 in size, got \(Format.brief(value)); a range that long would never end",
          at: span))
    }
    return Int(x)
  }
}

extension Value {
  var isRange: Bool {
    if case .range = self { return true }
    return false
  }

  /// The names `value.name` accepts, in the order the REPL offers them for completion: the
  /// same tables field access reads (``Fields``).
  public var fieldNames: [String] {
    switch self {
    case .record(let record): return record.keys
    case .tensor: return Fields.tensor.names
    case .network(let network): return network.layers.map(\.name) + Fields.network.names
    case .layer(let ref):
      guard let layer = ref.layer else { return [] }
      var members: [String] = []
      if let block = layer as? Residual {
        members = (block.layers.map(\.name) + (block.projection.map { [$0.name] } ?? []))
          .map { String($0.dropFirst(ref.name.count + 1)) }
      }
      return members + Fields.layer.names + layer.parameterNames
    case .dataset: return Fields.dataset.names
    case .list, .range: return ["count"]
    default: return []
    }
  }

  /// The value of `self.name`, or nil when there is no such field; never throws.
  public func field(named name: String) -> Value? {
    try? Access.field(self, name, span: Access.fieldProbeSpan)
  }
}

extension Access {
  /// A span for field look-ups made outside any script (completion).
  static let fieldProbeSpan = SourceSpan(SourceFile(path: "<probe>", text: ""), 0..<0)
}


/// The fields of a kind of value: their names and how each is read. Field access, the errors
/// that list a value's fields, and completion all read these tables, so they cannot drift.
struct FieldTable<Base> {
  let fields: [(name: String, read: (Base) -> Value)]

  var names: [String] { fields.map(\.name) }
  /// The names as an error message lists them.
  var list: String { names.joined(separator: ", ") }

  func read(_ base: Base, _ name: String) -> Value? {
    fields.first { $0.name == name }.map { $0.read(base) }
  }
}

/// The fixed fields of tensors, networks, layers and data sets (records, and a network's layers,
/// are named by the value itself).
enum Fields {
  static func numbers(_ values: [Int]) -> Value { .list(ListBox(values.map { .number(Double($0)) })) }

  nonisolated(unsafe) static let tensor = FieldTable<Tensor>(fields: [
    ("shape", { numbers($0.shape) }), ("rank", { .number(Double($0.rank)) }), ("count", { .number(Double($0.count)) }),
  ])
  nonisolated(unsafe) static let network = FieldTable<Network>(fields: [
    ("input_shape", { numbers($0.inputShape) }), ("output_shape", { numbers($0.outputShape) }),
    ("parameter_count", { .number(Double($0.parameterCount)) }),
  ])
  nonisolated(unsafe) static let layer = FieldTable<any Layer>(fields: [
    ("name", { .string($0.name) }), ("kind", { .string($0.kind) }), ("shape", { numbers($0.outputShape) }),
    ("input_shape", { numbers($0.inputShape) }),
  ])
  nonisolated(unsafe) static let dataset = FieldTable<DatasetBox>(fields: [
    ("count", { .number(Double($0.data.count)) }), ("classes", { .list(ListBox($0.data.classes.map { .string($0) })) }),
    ("images", { .tensor($0.data.images) }), ("labels", { .list(ListBox($0.data.labels.map { .number(Double($0)) })) }),
    ("shape", { numbers($0.data.itemShape) }),
  ])
}
