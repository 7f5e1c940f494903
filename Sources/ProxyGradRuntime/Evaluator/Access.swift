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
      switch name {
      case "shape": return .list(ListBox(t.shape.map { .number(Double($0)) }))
      case "rank": return .number(Double(t.rank))
      case "count": return .number(Double(t.count))
      default: break
      }
      throw RuntimeError(.name, "a tensor has no field '\(name)'; fields: shape, rank, count", at: span)
    case .network(let network):
      if network.layer(named: name) != nil { return .layer(LayerRef(network: network, name: name)) }
      switch name {
      case "input_shape": return .list(ListBox(network.inputShape.map { .number(Double($0)) }))
      case "output_shape": return .list(ListBox(network.outputShape.map { .number(Double($0)) }))
      case "parameter_count": return .number(Double(network.parameterCount))
      default: break
      }
      throw RuntimeError(.name, "network has no layer '\(name)'; layers: \(layerNames(network))", at: span)
    case .layer(let ref):
      guard let layer = ref.layer else { break }
      switch name {
      case "name": return .string(layer.name)
      case "kind": return .string(layer.kind)
      case "shape": return .list(ListBox(layer.outputShape.map { .number(Double($0)) }))
      case "input_shape": return .list(ListBox(layer.inputShape.map { .number(Double($0)) }))
      default: break
      }
      if let block = layer as? Residual {
        // A block's layers by their names inside it: net.res1.conv1 is net["res1.conv1"].
        let full = "\(ref.name).\(name)"
        if ref.network.layer(named: full) != nil { return .layer(LayerRef(network: ref.network, name: full)) }
        let members = (block.layers.map(\.name) + (block.projection.map { [$0.name] } ?? []))
          .map { String($0.dropFirst(ref.name.count + 1)) }
        throw RuntimeError(
          .name, "block '\(ref.name)' has no layer or field '\(name)'; layers: \(members.joined(separator: ", ")); "
            + "fields: name, kind, shape, input_shape", at: span)
      }
      for (parameterName, tensor) in zip(layer.parameterNames, layer.parameters) where parameterName == name {
        return .tensor(tensor)
      }
      throw RuntimeError(
        .name, "layer '\(ref.name)' has no field '\(name)'; fields: name, kind, shape, input_shape"
          + layer.parameterNames.map { ", " + $0 }.joined(),
        at: span)
    case .dataset(let box):
      switch name {
      case "count": return .number(Double(box.data.count))
      case "classes": return .list(ListBox(box.data.classes.map { .string($0) }))
      case "images": return .tensor(box.data.images)
      case "labels": return .list(ListBox(box.data.labels.map { .number(Double($0)) }))
      case "shape": return .list(ListBox(box.data.itemShape.map { .number(Double($0)) }))
      default: break
      }
      throw RuntimeError(.name, "a data set has no field '\(name)'; fields: count, classes, images, labels, shape", at: span)
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

  /// The names `value.name` accepts, in the order the REPL offers them for completion.
  public var fieldNames: [String] {
    switch self {
    case .record(let record): return record.keys
    case .tensor: return ["shape", "rank", "count"]
    case .network(let network): return network.layers.map(\.name) + ["input_shape", "output_shape", "parameter_count"]
    case .layer(let ref):
      return ["name", "kind", "shape", "input_shape"] + (ref.layer?.parameterNames ?? [])
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

