import Foundation

/// A constant of an ONNX graph: an initializer, a `Constant` node's value, or a folded shape
/// computation. Floating-point types are read as Float; integer types as Int64.
struct ConstantTensor: Equatable {
  enum Elements: Equatable {
    case float([Float])
    case int([Int64])
  }
  var shape: [Int]
  var elements: Elements

  var count: Int {
    switch elements {
    case .float(let v): return v.count
    case .int(let v): return v.count
    }
  }

  var floats: [Float] {
    switch elements {
    case .float(let v): return v
    case .int(let v): return v.map { Float($0) }
    }
  }

  /// The elements as integers, or nil for floats that are not whole numbers.
  var ints: [Int64]? {
    switch elements {
    case .int(let v): return v
    case .float(let v):
      guard v.allSatisfy({ $0 == $0.rounded() && abs($0) < 9e18 }) else { return nil }
      return v.map { Int64($0) }
    }
  }

  var isFloat: Bool {
    if case .float = elements { return true }
    return false
  }
}

/// The names ONNX gives its element types, for messages.
func elementTypeName(_ code: Int32) -> String {
  let names: [Int32: String] = [
    0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
    8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
    15: "COMPLEX128", 16: "BFLOAT16",
  ]
  return names[code] ?? "type \(code)"
}

/// Reads tensors' elements from a model: inline (`raw_data` or the typed fields) or from external
/// data files beside the model, each location, offset and length checked against the file.
struct TensorReader {
  /// The model file, for messages and to find external data beside it.
  let modelPath: String
  /// External data files read so far, by location.
  private var files: [String: Data] = [:]

  init(modelPath: String) { self.modelPath = modelPath }

  /// The largest tensor read: 2^31 elements.
  static let maxElements = 1 << 31

  /// Decodes `t`, whose role (`initializer 'fc.weight'`) `what` names in errors.
  mutating func read(_ t: Onnx_TensorProto, what: String, node: String? = nil, op: String? = nil)
    throws(ONNXError) -> ConstantTensor
  {
    func fail(_ message: String) -> ONNXError { ONNXError(file: modelPath, node: node, op: op, "\(what) \(message)") }
    var count = 1
    for d in t.dims {
      guard d >= 0, d <= Int64(TensorReader.maxElements) else { throw fail("has a dimension of \(d)") }
      let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
      guard !overflow, product <= TensorReader.maxElements else {
        throw fail("has \(t.dims) elements, more than pgs reads (2^31)")
      }
      count = product
    }
    let shape = t.dims.map { Int($0) }
    let width: Int
    switch t.dataType {
    case 1, 6: width = 4
    case 7, 11: width = 8
    case 10: width = 2
    case 9, 2, 3: width = 1
    default:
      throw fail(
        "has element type \(elementTypeName(t.dataType)); pgs reads FLOAT, FLOAT16 and DOUBLE (as float), and INT64, INT32, INT8, UINT8 and BOOL")
    }
    let bytes: Data?
    if t.dataLocation == .external {
      bytes = try external(t, bytes: count * width, what: what, node: node, op: op)
    } else if t.hasRawData {
      bytes = t.rawData
    } else {
      bytes = nil
    }
    if let bytes {
      guard bytes.count == count * width else {
        throw fail(
          "has \(bytes.count) bytes of data for shape \(shape) of \(elementTypeName(t.dataType)), which needs \(count * width)")
      }
      return ConstantTensor(shape: shape, elements: decode(bytes, type: t.dataType, count: count))
    }
    // The typed fields.
    let elements: ConstantTensor.Elements
    let found: Int
    switch t.dataType {
    case 1:
      elements = .float(t.floatData)
      found = t.floatData.count
    case 11:
      elements = .float(t.doubleData.map { Float($0) })
      found = t.doubleData.count
    case 10:
      // FLOAT16 values sit in int32_data, one per element (their bits).
      elements = .float(t.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) })
      found = t.int32Data.count
    case 7:
      elements = .int(t.int64Data)
      found = t.int64Data.count
    default:
      elements = .int(t.int32Data.map { Int64($0) })
      found = t.int32Data.count
    }
    guard found == count else {
      throw fail("has \(found) elements for shape \(shape), which needs \(count)")
    }
    return ConstantTensor(shape: shape, elements: elements)
  }

  private func decode(_ data: Data, type: Int32, count: Int) -> ConstantTensor.Elements {
    data.withUnsafeBytes { raw -> ConstantTensor.Elements in
      switch type {
      case 1:
        return .float(
          [Float](unsafeUninitializedCapacity: count) { buffer, n in
            _ = raw.copyBytes(to: buffer)
            n = count
          })
      case 10:
        return .float(
          (0..<count).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) })
      case 11:
        return .float((0..<count).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) })
      case 7:
        return .int((0..<count).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self) })
      case 6:
        return .int((0..<count).map { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) })
      case 3:
        return .int((0..<count).map { Int64(raw.load(fromByteOffset: $0, as: Int8.self)) })
      default:
        return .int((0..<count).map { Int64(raw.load(fromByteOffset: $0, as: UInt8.self)) })
      }
    }
  }

  /// The bytes of an external tensor: `location` (relative to the model's folder), `offset`
  /// and `length` from its `external_data` entries, checked against the file.
  private mutating func external(
    _ t: Onnx_TensorProto, bytes expected: Int, what: String, node: String?, op: String?
  ) throws(ONNXError) -> Data {
    func fail(_ message: String) -> ONNXError { ONNXError(file: modelPath, node: node, op: op, "\(what) \(message)") }
    var entries: [String: String] = [:]
    for e in t.externalData { entries[e.key] = e.value }
    guard let location = entries["location"], !location.isEmpty else {
      throw fail("is stored as external data but names no location")
    }
    guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
      throw fail("names external data '\(location)' outside the model's folder")
    }
    func number(_ key: String) throws(ONNXError) -> Int? {
      guard let text = entries[key] else { return nil }
      guard let n = Int(text), n >= 0 else { throw fail("has external data \(key) '\(text)', not a byte count") }
      return n
    }
    let offset = try number("offset") ?? 0
    let length = try number("length")
    if let length, length != expected {
      throw fail("has external data length \(length), but its shape and type need \(expected) bytes")
    }
    let folder = (modelPath as NSString).deletingLastPathComponent
    let path = folder.isEmpty ? location : folder + "/" + location
    if files[location] == nil {
      guard FileManager.default.fileExists(atPath: path) else {
        throw fail("is stored in the external data file '\(path)', which is missing")
      }
      do {
        files[location] = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
      } catch {
        throw fail("is stored in '\(path)', which cannot be read: \(error.localizedDescription)")
      }
    }
    let data = files[location]!
    guard offset <= data.count, expected <= data.count - offset else {
      throw fail(
        "reads bytes \(offset)..<\(offset + expected) of '\(path)', which has only \(data.count) bytes (short or truncated external data)")
    }
    return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + expected))
  }
}
