import Foundation
import ProxyGradNN
import ProxyGradSyntax
import ProxyGradTensor

/// The state of a session after a notebook cell, in a binary form a later run restores instead
/// of running the cell again (docs/notebooks.md, "Caching and incremental reruns").
///
/// It holds what a later cell can see: every global (numbers, strings, bools, nil, lists,
/// records, ranges, tensors with their gradients, networks with their weights, running
/// statistics, batch counters and training step counts, layers of networks, data sets,
/// builtins, gradient rules and slopes, optimizers, learning-rate schedules, and functions
/// written at the top level of a cell, kept as their source and compiled again), the session's
/// seed, its random stream and its network counter. Shared lists, records, tensors, networks and data sets stay shared
/// (a list that holds itself too). Optimizer state lives only inside a `train` call, so there
/// is none between cells.
///
/// Tensors of at least ``blobThreshold`` elements go into ``blobs`` as their raw bytes, so a
/// store can keep one copy of a data set that many cells' snapshots hold.
package struct SessionSnapshot: Equatable, Sendable {
  /// The version of the layout below; a snapshot of another version is never read.
  package static let formatVersion: UInt64 = 1
  /// Tensors this large (elements) are stored as blobs.
  package static let blobThreshold = 1 << 14

  package var bytes: [UInt8]
  /// Raw little-endian floats of large tensors, referenced by index from `bytes`.
  package var blobs: [[UInt8]]

  package init(bytes: [UInt8], blobs: [[UInt8]]) {
    self.bytes = bytes
    self.blobs = blobs
  }
}

/// Why the state after a cell cannot be snapshotted: the first value that cannot be saved
/// faithfully, and where it is (`f`, `runs[2].objective`).
package struct SnapshotUnsupported: Error, Equatable, CustomStringConvertible {
  package var path: String
  package var what: String
  package init(path: String, what: String) {
    self.path = path
    self.what = what
  }
  package var description: String { "'\(path)' holds \(what), which a snapshot cannot keep" }
}

extension Interpreter {
  /// The session's state as a snapshot.
  /// - Throws: ``SnapshotUnsupported`` for the first value a snapshot cannot keep: a function
  ///   made inside another function's call, an objective, a layer not yet in a network, an initial
  ///   image, transform or parameterization, a tensor still holding a recorded graph, or a
  ///   network imported from ONNX.
  package func snapshot() throws(SnapshotUnsupported) -> SessionSnapshot {
    var encoder = SnapshotEncoder(topFrame: topFrame)
    let names = globals.names
    let values = (0..<names.count).map { globalSlots.values[$0] }
    // Networks first, so that their parameter tensors are defined by the network that owns
    // them and every other use refers to them.
    var networks: [(String, Network)] = []
    var seen: Set<ObjectIdentifier> = []
    for (name, value) in zip(names, values) {
      SnapshotEncoder.networks(in: value, path: name, into: &networks, seen: &seen)
    }
    encoder.writer.uint64(seed)
    encoder.writer.uint64(rng.currentState)
    encoder.writer.uint64(networkCount)
    encoder.writer.int(networks.count)
    for (path, network) in networks { try encoder.network(network, path: path) }
    encoder.writer.strings(names)
    for (name, value) in zip(names, values) { try encoder.value(value, path: name) }
    return SessionSnapshot(bytes: encoder.writer.bytes, blobs: encoder.blobs)
  }

  /// Replaces every global, the seed, the random stream and the network counter with those of
  /// `snapshot`. On an error nothing is changed.
  package func restore(_ snapshot: SessionSnapshot) throws(BinaryFormatError) {
    var decoder = SnapshotDecoder(reader: BinaryReader(snapshot.bytes), blobs: snapshot.blobs, interpreter: self)
    let seed = try decoder.reader.uint64()
    let state = try decoder.reader.uint64()
    let networkCount = try decoder.reader.uint64()
    let networkTotal = try decoder.reader.count(width: 8)
    for _ in 0..<networkTotal { _ = try decoder.network() }
    let names = try decoder.reader.strings()
    guard names.count <= GlobalSlots.capacity, Set(names).count == names.count else {
      throw BinaryFormatError("impossible global names")
    }
    var table = GlobalTable()
    for name in names { table.declare(name) }
    decoder.globals = table
    var values: [Value] = []
    for _ in names { values.append(try decoder.value()) }
    guard decoder.reader.isAtEnd else { throw BinaryFormatError("bytes after the snapshot's end") }
    for slot in 0..<max(globals.names.count, names.count) {
      globalSlots.values[slot] = slot < values.count ? values[slot] : .unset
    }
    globals = table
    self.seed = seed
    rng = SplitMix64(seed: state)
    self.networkCount = networkCount
  }
}

private enum Tag: UInt8 {
  case unset, none, number, bool, string, list, record, range, tensor, network, layer, dataset,
    builtin, optimizer, schedule, reference, function, rule, slope
}

private struct SnapshotEncoder {
  /// The session's top frame: the frame of the functions a snapshot can keep.
  let topFrame: Frame
  var writer = BinaryWriter()
  var blobs: [[UInt8]] = []
  /// Objects already written, by identity, with their index.
  var objects: [ObjectIdentifier: Int] = [:]
  /// The index of the next object written: every one written counts, even one met before.
  var nextIndex = 0
  /// Keeps written objects alive, so that no identifier is reused while encoding.
  var retained: [AnyObject] = []

  static func networks(
    in value: Value, path: String, into found: inout [(String, Network)], seen: inout Set<ObjectIdentifier>
  ) {
    switch value {
    case .network(let network):
      if seen.insert(ObjectIdentifier(network)).inserted { found.append((path, network)) }
    case .layer(let ref):
      if seen.insert(ObjectIdentifier(ref.network)).inserted { found.append((path, ref.network)) }
    case .list(let list):
      guard seen.insert(ObjectIdentifier(list)).inserted else { return }
      for (i, item) in list.items.enumerated() { networks(in: item, path: "\(path)[\(i)]", into: &found, seen: &seen) }
    case .record(let record):
      guard seen.insert(ObjectIdentifier(record)).inserted else { return }
      for (key, item) in record.fields { networks(in: item, path: "\(path).\(key)", into: &found, seen: &seen) }
    default:
      break
    }
  }

  /// Gives `object` the next index, the one the decoder's list of objects will have for it. An
  /// object met again (a weight also held by a variable, a layer shared by two networks) takes
  /// the new index, so that later references point to the copy the decoder restores last.
  mutating func register(_ object: AnyObject) {
    objects[ObjectIdentifier(object)] = nextIndex
    nextIndex += 1
    retained.append(object)
  }

  /// Writes a reference when `object` was written before; else registers it.
  mutating func isWritten(_ object: AnyObject) -> Bool {
    if let index = objects[ObjectIdentifier(object)] {
      writer.byte(Tag.reference.rawValue)
      writer.int(index)
      return true
    }
    register(object)
    return false
  }

  mutating func value(_ value: Value, path: String) throws(SnapshotUnsupported) {
    switch value {
    case .unset: writer.byte(Tag.unset.rawValue)
    case .none: writer.byte(Tag.none.rawValue)
    case .number(let x):
      writer.byte(Tag.number.rawValue)
      writer.double(x)
    case .bool(let b):
      writer.byte(Tag.bool.rawValue)
      writer.bool(b)
    case .string(let s):
      writer.byte(Tag.string.rawValue)
      writer.string(s)
    case .list(let list):
      if isWritten(list) { return }
      writer.byte(Tag.list.rawValue)
      writer.int(list.items.count)
      for (i, item) in list.items.enumerated() { try self.value(item, path: "\(path)[\(i)]") }
    case .record(let record):
      if isWritten(record) { return }
      writer.byte(Tag.record.rawValue)
      writer.strings(record.keys)
      for (key, item) in record.fields { try self.value(item, path: "\(path).\(key)") }
    case .range(let range):
      writer.byte(Tag.range.rawValue)
      writer.int(range.low)
      writer.int(range.high)
      writer.bool(range.inclusive)
    case .tensor(let tensor):
      try self.tensor(tensor, path: path)
    case .network(let network):
      try self.network(network, path: path)
    case .layer(let ref):
      writer.byte(Tag.layer.rawValue)
      writer.string(ref.name)
      try self.network(ref.network, path: path)
    case .dataset(let box):
      if isWritten(box) { return }
      writer.byte(Tag.dataset.rawValue)
      writer.string(box.name)
      writer.ints(box.data.labels)
      writer.strings(box.data.classes)
      try tensor(box.data.images, path: path + ".images")
    case .builtin(let builtin):
      writer.byte(Tag.builtin.rawValue)
      writer.string(builtin.name)
    case .spec(.optimizer(let o)):
      writer.byte(Tag.optimizer.rawValue)
      writer.byte(o.kind == .sgd ? 0 : 1)
      for number in [o.learningRate, o.momentum, o.weightDecay, o.beta1, o.beta2] { writer.double(number) }
    case .spec(.schedule(let s)):
      writer.byte(Tag.schedule.rawValue)
      switch s {
      case .constant: writer.byte(0)
      case .step(let every, let factor):
        writer.byte(1)
        writer.int(every)
        writer.double(factor)
      case .cosine(let floor):
        writer.byte(2)
        writer.double(floor)
      }
    case .function(let closure):
      // A function written at the top level of a cell is kept as its source and compiled again
      // on restore; one made inside another function captures that call's variables.
      guard closure.captured === topFrame else {
        throw SnapshotUnsupported(path: path, what: "a function made inside another function")
      }
      if isWritten(closure) { return }
      writer.byte(Tag.function.rawValue)
      writer.optionalString(closure.name)
      writer.string(closure.span.file.path)
      writer.int(closure.span.file.id)
      writer.string(closure.span.file.text)
      writer.int(closure.span.start)
      writer.int(closure.span.end)
    case .rule(let rule):
      writer.byte(Tag.rule.rawValue)
      switch rule {
      case .plain: writer.byte(0)
      case .swap(let slope):
        writer.byte(1)
        self.slope(slope)
      case .proxy(let slope):
        writer.byte(2)
        self.slope(slope)
      case .redirect(let steps):
        writer.byte(3)
        writer.int(steps)
      case .openReLU(let steps):
        writer.byte(4)
        writer.int(steps)
      }
    case .slope(let slope):
      writer.byte(Tag.slope.rawValue)
      self.slope(slope)
    case .objective, .spec, .layerSpec:
      throw SnapshotUnsupported(path: path, what: value.typeDescription)
    }
  }

  mutating func slope(_ slope: SlopeSpec) {
    switch slope {
    case .constant(let b):
      writer.byte(0)
      writer.double(b)
    case .anneal(let from, let to):
      writer.byte(1)
      writer.double(from)
      writer.double(to)
    case .perLayer(let map):
      writer.byte(2)
      let names = map.keys.sorted()
      writer.strings(names)
      for name in names { if let inner = map[name] { self.slope(inner) } }
    }
  }

  mutating func tensor(_ tensor: Tensor, path: String) throws(SnapshotUnsupported) {
    guard !tensor.isGraphNode else {
      throw SnapshotUnsupported(path: path, what: "a tensor with a recorded gradient graph")
    }
    if isWritten(tensor) { return }
    writer.byte(Tag.tensor.rawValue)
    tensorContents(tensor)
  }

  mutating func tensorContents(_ tensor: Tensor) {
    writer.ints(tensor.shape)
    writer.bool(tensor.requiresGrad)
    floats(tensor.values)
    writer.bool(tensor.grad != nil)
    if let grad = tensor.grad { floats(grad) }
  }

  mutating func floats(_ values: [Float]) {
    if values.count >= SessionSnapshot.blobThreshold {
      writer.bool(true)
      writer.int(blobs.count)
      blobs.append(BinaryWriter.floatBytes(values))
    } else {
      writer.bool(false)
      writer.floats(values)
    }
  }

  mutating func network(_ network: Network, path: String) throws(SnapshotUnsupported) {
    guard let specs = network.specs else {
      throw SnapshotUnsupported(path: path, what: "a network imported from a file")
    }
    let tensors = network.parameters + network.allLayers.flatMap(\.buffers)
    for tensor in tensors where tensor.isGraphNode {
      throw SnapshotUnsupported(path: path, what: "a network whose weights hold a recorded gradient graph")
    }
    if isWritten(network) { return }
    writer.byte(Tag.network.rawValue)
    writer.ints(network.inputShape)
    writer.uint64(network.weightSeed)
    writer.uint64(network.trainingStepCount)
    writer.optionalString(network.source)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    writer.raw((try? encoder.encode(specs)).map { [UInt8]($0) } ?? [])
    writer.ints(network.allLayers.map { ($0 as? BatchNorm)?.batchesTracked ?? 0 })
    writer.int(tensors.count)
    for tensor in tensors {
      register(tensor)
      tensorContents(tensor)
    }
  }
}

private struct SnapshotDecoder {
  var reader: BinaryReader
  let blobs: [[UInt8]]
  var objects: [AnyObject] = []
  /// The session functions are compiled again in (nothing in it changes).
  unowned let interpreter: Interpreter
  /// The globals being restored, which the functions' names resolve against.
  var globals = GlobalTable()

  init(reader: BinaryReader, blobs: [[UInt8]], interpreter: Interpreter) {
    self.reader = reader
    self.blobs = blobs
    self.interpreter = interpreter
  }

  mutating func tag() throws(BinaryFormatError) -> Tag {
    let byte = try reader.byte()
    guard let tag = Tag(rawValue: byte) else { throw BinaryFormatError("unknown value tag \(byte) at byte \(reader.offset - 1)") }
    return tag
  }

  mutating func object<T: AnyObject>(_ type: T.Type) throws(BinaryFormatError) -> T {
    let index = try reader.int()
    guard objects.indices.contains(index), let object = objects[index] as? T else {
      throw BinaryFormatError("reference to object \(index), which is no \(T.self)")
    }
    return object
  }

  mutating func value() throws(BinaryFormatError) -> Value {
    switch try tag() {
    case .unset: return .unset
    case .none: return .none
    case .number: return .number(try reader.double())
    case .bool: return .bool(try reader.bool())
    case .string: return .string(try reader.string())
    case .list:
      let list = ListBox([])
      objects.append(list)
      let count = try reader.count()
      var items: [Value] = []
      items.reserveCapacity(count)
      for _ in 0..<count { items.append(try value()) }
      list.items = items
      return .list(list)
    case .record:
      let record = RecordBox()
      objects.append(record)
      let keys = try reader.strings()
      var fields: [(String, Value)] = []
      for key in keys { fields.append((key, try value())) }
      guard Set(keys).count == keys.count else { throw BinaryFormatError("a record with a repeated field") }
      record.replaceFields(fields)
      return .record(record)
    case .range:
      let low = try reader.int()
      let high = try reader.int()
      return .range(RangeValue(low: low, high: high, inclusive: try reader.bool()))
    case .tensor:
      return .tensor(try tensorDefinition())
    case .network:
      return .network(try networkDefinition())
    case .layer:
      let name = try reader.string()
      let network: Network
      switch try tag() {
      case .network: network = try networkDefinition()
      case .reference: network = try object(Network.self)
      default: throw BinaryFormatError("a layer without its network")
      }
      guard network.layer(named: name) != nil else { throw BinaryFormatError("no layer '\(name)' in the network") }
      return .layer(LayerRef(network: network, name: name))
    case .dataset:
      // The encoder numbered the data set before its images.
      let index = objects.count
      objects.append(ListBox([]))
      let name = try reader.string()
      let labels = try reader.ints()
      let classes = try reader.strings()
      let images: Tensor
      switch try tag() {
      case .tensor: images = try tensorDefinition()
      case .reference: images = try object(Tensor.self)
      default: throw BinaryFormatError("a data set without its images")
      }
      guard images.shape.count == 4, images.shape[0] == labels.count else {
        throw BinaryFormatError("a data set of \(labels.count) labels with images \(images.shape)")
      }
      let box = DatasetBox(LabelledImages(images: images, labels: labels, classes: classes), name: name)
      objects[index] = box
      return .dataset(box)
    case .builtin:
      let name = try reader.string()
      guard let builtin = Builtins.named(name) else { throw BinaryFormatError("no builtin '\(name)'") }
      return .builtin(builtin)
    case .optimizer:
      let kind = try reader.byte()
      guard kind <= 1 else { throw BinaryFormatError("unknown optimizer kind \(kind)") }
      var o = OptimizerSpec(kind: kind == 0 ? .sgd : .adam, learningRate: try reader.double())
      o.momentum = try reader.double()
      o.weightDecay = try reader.double()
      o.beta1 = try reader.double()
      o.beta2 = try reader.double()
      return .spec(.optimizer(o))
    case .schedule:
      switch try reader.byte() {
      case 0: return .spec(.schedule(.constant))
      case 1:
        let every = try reader.int()
        return .spec(.schedule(.step(every: every, factor: try reader.double())))
      case 2: return .spec(.schedule(.cosine(floor: try reader.double())))
      case let other: throw BinaryFormatError("unknown schedule kind \(other)")
      }
    case .rule:
      switch try reader.byte() {
      case 0: return .rule(.plain)
      case 1: return .rule(.swap(try slope()))
      case 2: return .rule(.proxy(try slope()))
      case 3: return .rule(.redirect(steps: try reader.int()))
      case 4: return .rule(.openReLU(steps: try reader.int()))
      case let other: throw BinaryFormatError("unknown gradient rule kind \(other)")
      }
    case .slope:
      return .slope(try slope())
    case .function:
      let name = try reader.optionalString()
      let path = try reader.string()
      let id = try reader.int()
      let text = try reader.string()
      let start = try reader.int()
      let end = try reader.int()
      guard start <= end else { throw BinaryFormatError("a function's span \(start)..<\(end)") }
      let closure = try function(name: name, path: path, id: id, text: text, range: start..<end)
      objects.append(closure)
      return .function(closure)
    case .reference:
      let index = try reader.int()
      guard objects.indices.contains(index) else { throw BinaryFormatError("reference to unknown object \(index)") }
      switch objects[index] {
      case let closure as Closure: return .function(closure)
      case let list as ListBox: return .list(list)
      case let record as RecordBox: return .record(record)
      case let tensor as Tensor: return .tensor(tensor)
      case let network as Network: return .network(network)
      case let box as DatasetBox: return .dataset(box)
      default: throw BinaryFormatError("reference to object \(index) of no value kind")
      }
    }
  }

  mutating func slope(depth: Int = 0) throws(BinaryFormatError) -> SlopeSpec {
    guard depth < 64 else { throw BinaryFormatError("slopes nested too deeply") }
    switch try reader.byte() {
    case 0: return .constant(try reader.double())
    case 1:
      let from = try reader.double()
      return .anneal(from: from, to: try reader.double())
    case 2:
      var map: [String: SlopeSpec] = [:]
      for name in try reader.strings() { map[name] = try slope(depth: depth + 1) }
      return .perLayer(map)
    case let other: throw BinaryFormatError("unknown slope kind \(other)")
    }
  }

  /// Compiles the function literal at `range` of a cell's text again, against the restored
  /// globals. The text outside the literal is blanked (lines and byte offsets kept, so that
  /// its spans and error positions are the original ones); the literal's first line keeps what
  /// precedes it (`name = fn(...) {`) when that still parses, as error lines show it.
  func function(name: String?, path: String, id: Int, text: String, range: Range<Int>) throws(BinaryFormatError) -> Closure {
    let bytes = Array(text.utf8)
    guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty else {
      throw BinaryFormatError("a function outside its source")
    }
    let newline = UInt8(ascii: "\n")
    let space = UInt8(ascii: " ")
    let lineStart = bytes[..<range.lowerBound].lastIndex(of: newline).map { $0 + 1 } ?? 0
    for keptFrom in [lineStart, range.lowerBound] {
      var kept = bytes
      for i in kept.indices where !(keptFrom..<range.upperBound).contains(i) && kept[i] != newline { kept[i] = space }
      let file = SourceFile(path: path, text: String(decoding: kept, as: UTF8.self), id: id)
      let (program, syntax) = Parser.parse(file)
      guard syntax.isEmpty, program.statements.count == 1 else { continue }
      let literal: Expr
      switch program.statements[0].kind {
      case .assign(_, nil, let value): literal = value
      case .expression(let value): literal = value
      default: continue
      }
      guard case .function(let parameters, let body) = literal.kind, literal.span.start == range.lowerBound else { continue }
      let (resolved, semantic) = Resolver.resolve(program, globals: globals)
      guard semantic.isEmpty, resolved.globals.names == globals.names else { continue }
      var compiler = Compiler(interpreter: interpreter, resolved: resolved)
      let code = compiler.function(parameters, body, span: literal.span, name: name)
      guard case .function(let closure)? = try? code(interpreter.topFrame) else { continue }
      return closure
    }
    throw BinaryFormatError("a function that does not compile again")
  }

  mutating func floats() throws(BinaryFormatError) -> [Float] {
    guard try reader.bool() else { return try reader.floats() }
    let index = try reader.int()
    guard blobs.indices.contains(index), blobs[index].count % 4 == 0 else {
      throw BinaryFormatError("missing or damaged blob \(index)")
    }
    return BinaryReader.floats(blobs[index][...])
  }

  /// A tensor's contents: shape, flag, values and gradient.
  mutating func tensorContents() throws(BinaryFormatError) -> (shape: [Int], requiresGrad: Bool, values: [Float], grad: [Float]?) {
    let shape = try reader.ints()
    let requiresGrad = try reader.bool()
    let values = try floats()
    let grad = try reader.bool() ? try floats() : nil
    // The product of the sizes, without overflowing on a damaged shape.
    var count: Int? = 1
    for size in shape {
      guard size >= 0, let c = count else { count = nil; break }
      let (product, overflow) = c.multipliedReportingOverflow(by: size)
      count = overflow ? nil : product
    }
    guard count == values.count, grad.map({ $0.count == values.count }) ?? true
    else { throw BinaryFormatError("a tensor of shape \(shape) with \(values.count) values") }
    return (shape, requiresGrad, values, grad)
  }

  mutating func tensorDefinition() throws(BinaryFormatError) -> Tensor {
    let contents = try tensorContents()
    let tensor = Tensor(shape: contents.shape, values: contents.values, requiresGrad: contents.requiresGrad)
    tensor.grad = contents.grad
    objects.append(tensor)
    return tensor
  }

  /// A network definition after its tag (the snapshot's networks section reads the tag too).
  mutating func network() throws(BinaryFormatError) -> Network {
    guard try tag() == .network else { throw BinaryFormatError("expected a network") }
    return try networkDefinition()
  }

  mutating func networkDefinition() throws(BinaryFormatError) -> Network {
    let inputShape = try reader.ints()
    let seed = try reader.uint64()
    let steps = try reader.uint64()
    let source = try reader.optionalString()
    let specs: [LayerSpec]
    do {
      specs = try JSONDecoder().decode([LayerSpec].self, from: Data(try reader.raw()))
    } catch let error as BinaryFormatError {
      throw error
    } catch {
      throw BinaryFormatError("unreadable layers of a network")
    }
    let network: Network
    do throws(NetworkError) {
      // Building draws the initial weights, which the saved ones replace below.
      network = try Network(inputShape: inputShape, layers: specs, seed: seed)
    } catch {
      throw BinaryFormatError("a network that does not build: \(error.description)")
    }
    network.trainingStepCount = steps
    network.source = source
    objects.append(network)
    let tracked = try reader.ints()
    guard tracked.count == network.allLayers.count else { throw BinaryFormatError("layer count mismatch") }
    for (layer, count) in zip(network.allLayers, tracked) { (layer as? BatchNorm)?.batchesTracked = count }
    let tensors = network.parameters + network.allLayers.flatMap(\.buffers)
    guard try reader.count(width: 1) == tensors.count else { throw BinaryFormatError("weight count mismatch") }
    for tensor in tensors {
      let contents = try tensorContents()
      guard contents.shape == tensor.shape else {
        throw BinaryFormatError("a weight of shape \(contents.shape) for one of shape \(tensor.shape)")
      }
      tensor.values = contents.values
      tensor.grad = contents.grad
      tensor.requiresGrad = contents.requiresGrad
      objects.append(tensor)
    }
    return network
  }
}
