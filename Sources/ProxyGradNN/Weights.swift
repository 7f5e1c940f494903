import Foundation
import ProxyGradTensor

/// Network weights in the safetensors format, with PyTorch's names and layouts (`conv1.weight`
/// `[out, in, kh, kw]`, `linear1.weight` `[out, in]`, `….bias` `[out]`), so weights move between
/// this tool and PyTorch (`safetensors.torch.save_file(model.state_dict(), …)`).
///
/// Batch norm writes what PyTorch's `state_dict()` holds: `bn1.weight`, `bn1.bias`,
/// `bn1.running_mean`, `bn1.running_var` (F32) and `bn1.num_batches_tracked` (an I64 scalar).
/// Layers inside blocks have nested names: `res1.conv1.weight`, `res1.skip.weight`. On load the
/// running statistics are required; `num_batches_tracked` is optional (F32, F64 or I64).
///
/// The file: an 8-byte little-endian header length, a JSON header mapping each name to its
/// dtype, shape and byte range, then the raw little-endian data.
public enum SafeTensors {
  /// A tensor to write: F32 values or I64 integers.
  public enum Payload: Equatable, Sendable {
    case float32([Float])
    case int64([Int64])

    var count: Int {
      switch self {
      case .float32(let v): return v.count
      case .int64(let v): return v.count
      }
    }
  }

  /// Every tensor of `network`'s state, PyTorch's `state_dict()`: parameters and buffers (F32),
  /// and each batch norm's `num_batches_tracked` (I64, shape `[]`).
  public static func state(of network: Network) -> [(name: String, shape: [Int], payload: Payload)] {
    let tensors = (network.namedParameters + network.namedBuffers).map {
      ($0.name, $0.tensor.shape, Payload.float32($0.tensor.values))
    }
    let counters = network.allLayers.compactMap { $0 as? BatchNorm }.map {
      ("\($0.name).num_batches_tracked", [Int](), Payload.int64([Int64($0.batchesTracked)]))
    }
    return tensors + counters
  }

  /// Writes the state of `network` (parameters, buffers, batch counters), names sorted, with
  /// `metadata`.
  public static func save(_ network: Network, to path: String, metadata: [String: String] = [:]) throws(DataError) {
    let bytes = encode(state(of: network), metadata: metadata)
    do {
      let temporary = path + ".tmp-\(getpid())"
      try Data(bytes).write(to: URL(fileURLWithPath: temporary))
      if rename(temporary, path) != 0 {
        unlink(temporary)
        throw DataError(path: path, "cannot move the written file into place (errno \(errno))")
      }
    } catch let error as DataError {
      throw error
    } catch {
      throw DataError(path: path, "cannot write: \(error.localizedDescription)", isAccess: true)
    }
  }

  /// The bytes of a safetensors file holding `tensors` (F32).
  public static func encode(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:]) -> [UInt8] {
    encode(tensors.map { ($0.name, $0.shape, Payload.float32($0.values)) }, metadata: metadata)
  }

  /// The bytes of a safetensors file holding `tensors` (F32 or I64).
  public static func encode(_ tensors: [(name: String, shape: [Int], payload: Payload)], metadata: [String: String] = [:]) -> [UInt8] {
    let sorted = tensors.sorted { $0.name < $1.name }
    var header = "{"
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
      header += "\"__metadata__\":{" + items.joined(separator: ",") + "},"
    }
    var offset = 0
    header += sorted.map { t in
      let (dtype, width) = if case .int64 = t.payload { ("I64", 8) } else { ("F32", 4) }
      let end = offset + t.payload.count * width
      defer { offset = end }
      let shape = t.shape.map(String.init).joined(separator: ",")
      return "\(jsonString(t.name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
    }.joined(separator: ",")
    header += "}"
    // Pad the header with spaces to a multiple of 8, as the reference writer does.
    while (header.utf8.count % 8) != 0 { header += " " }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + header.utf8.count + offset)
    withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
    bytes.append(contentsOf: header.utf8)
    for t in sorted {
      switch t.payload {
      case .float32(let values):
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
      case .int64(let values):
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
      }
    }
    return bytes
  }

  /// Reads a safetensors file: every tensor as Float (F16, F64 and I64 are converted; integers
  /// beyond 2²⁴ in magnitude round, which only a batch counter could reach), with header,
  /// dtype, shape and range checks.
  public static func read(_ path: String) throws(DataError) -> [String: (shape: [Int], values: [Float])] {
    let bytes = try FileBytes.read(path)
    return try decode(bytes, path: path)
  }

  public static func decode(_ bytes: [UInt8], path: String) throws(DataError) -> [String: (shape: [Int], values: [Float])] {
    guard bytes.count >= 8 else {
      throw DataError(path: path, offset: bytes.count, "the file ends inside the 8-byte header length")
    }
    var length = 0
    for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
    guard length > 0, length <= bytes.count - 8, length < 100_000_000 else {
      throw DataError(
        path: path, offset: 0,
        "the header length \(length) does not fit the file of \(bytes.count) bytes (truncated, or not safetensors?)")
    }
    let dataStart = 8 + length
    let json: Any
    do {
      json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
    } catch {
      throw DataError(path: path, offset: 8, "the header is not valid JSON (truncated, or not safetensors?)")
    }
    guard let header = json as? [String: Any] else {
      throw DataError(path: path, offset: 8, "the header must be a JSON object")
    }
    var result: [String: (shape: [Int], values: [Float])] = [:]
    for (name, entry) in header where name != "__metadata__" {
      guard let info = entry as? [String: Any], let dtype = info["dtype"] as? String,
        let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
        let range = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
        range.count == 2
      else {
        throw DataError(path: path, offset: 8, "tensor '\(name)': expected dtype, shape and data_offsets")
      }
      let width: Int
      switch dtype {
      case "F32": width = 4
      case "F16": width = 2
      case "F64", "I64": width = 8
      default:
        throw DataError(path: path, offset: 8, "tensor '\(name)': dtype \(dtype) is not supported (expected F32, F16, F64 or I64)")
      }
      let count = shape.reduce(1, *)
      guard shape.allSatisfy({ $0 >= 0 }), range[0] >= 0, range[1] - range[0] == count * width,
        dataStart + range[1] <= bytes.count
      else {
        throw DataError(
          path: path, offset: dataStart + max(0, range[0]),
          "tensor '\(name)': its byte range \(range) does not match shape \(shape) of \(dtype) or the file size")
      }
      var values = [Float](repeating: 0, count: count)
      let base = dataStart + range[0]
      for i in 0..<count {
        let p = base + i * width
        switch width {
        case 4:
          var bits: UInt32 = 0
          for k in 0..<4 { bits |= UInt32(bytes[p + k]) << (8 * k) }
          values[i] = Float(bitPattern: bits)
        case 2:
          var bits: UInt16 = 0
          for k in 0..<2 { bits |= UInt16(bytes[p + k]) << (8 * k) }
          values[i] = Float(Float16Bits(bits))
        default:
          var bits: UInt64 = 0
          for k in 0..<8 { bits |= UInt64(bytes[p + k]) << (8 * k) }
          values[i] = dtype == "I64" ? Float(Int64(bitPattern: bits)) : Float(Double(bitPattern: bits))
        }
      }
      result[name] = (shape, values)
    }
    return result
  }

  /// Loads weights into `network`: every parameter and buffer must be present with its exact
  /// shape; extra tensors are an error too (they mean another architecture), except PyTorch's
  /// `num_batches_tracked` counters, which set the batch norms' counts when present.
  public static func load(_ network: Network, from path: String) throws(DataError) {
    let tensors = try read(path)
    let expected = network.namedParameters + network.namedBuffers
    for (name, tensor) in expected {
      guard let found = tensors[name] else {
        let names = tensors.keys.sorted().prefix(8).joined(separator: ", ")
        throw DataError(path: path, "no tensor named '\(name)' (the file has: \(names))")
      }
      guard found.shape == tensor.shape else {
        throw DataError(
          path: path, "tensor '\(name)' has shape \(found.shape), the network expects \(tensor.shape)")
      }
    }
    let known = Set(expected.map(\.name))
    if let extra = tensors.keys.sorted().first(where: { !known.contains($0) && !$0.hasSuffix("num_batches_tracked") }) {
      throw DataError(path: path, "tensor '\(extra)' matches no parameter of the network")
    }
    var counts: [(BatchNorm, Int)] = []
    for norm in network.allLayers.compactMap({ $0 as? BatchNorm }) {
      let name = "\(norm.name).num_batches_tracked"
      guard let found = tensors[name] else { continue }
      guard found.values.count == 1, let count = Int(exactly: found.values[0].rounded()), count >= 0 else {
        throw DataError(path: path, "tensor '\(name)' must be one non-negative count, got \(found.values.prefix(4))")
      }
      counts.append((norm, count))
    }
    for (name, tensor) in expected { tensor.values = tensors[name]?.values ?? tensor.values }
    for (norm, count) in counts { norm.batchesTracked = count }
  }

  private static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

/// IEEE half-precision bits to Float.
private func Float16Bits(_ h: UInt16) -> Float {
  let sign: UInt32 = UInt32(h >> 15) << 31
  let exponent = Int((h >> 10) & 0x1F), fraction = UInt32(h & 0x3FF)
  if exponent == 0 {
    let v = Float(fraction) * Float(sign == 0 ? 1 : -1) / Float(1 << 24)
    return v
  }
  if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13)) }
  return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (fraction << 13))
}
