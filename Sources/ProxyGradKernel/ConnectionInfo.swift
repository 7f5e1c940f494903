import Foundation

/// A Jupyter connection file: where the kernel's five sockets bind and how messages are signed.
package struct ConnectionInfo: Decodable, Sendable, Equatable {
  package var transport: String
  package var ip: String
  package var shellPort: Int
  package var iopubPort: Int
  package var stdinPort: Int
  package var controlPort: Int
  package var heartbeatPort: Int
  package var key: String
  package var signatureScheme: String

  enum CodingKeys: String, CodingKey {
    case transport, ip, key
    case shellPort = "shell_port"
    case iopubPort = "iopub_port"
    case stdinPort = "stdin_port"
    case controlPort = "control_port"
    case heartbeatPort = "hb_port"
    case signatureScheme = "signature_scheme"
  }

  package init(
    transport: String = "tcp", ip: String = "127.0.0.1", shellPort: Int, iopubPort: Int,
    stdinPort: Int, controlPort: Int, heartbeatPort: Int, key: String,
    signatureScheme: String = "hmac-sha256"
  ) {
    self.transport = transport
    self.ip = ip
    self.shellPort = shellPort
    self.iopubPort = iopubPort
    self.stdinPort = stdinPort
    self.controlPort = controlPort
    self.heartbeatPort = heartbeatPort
    self.key = key
    self.signatureScheme = signatureScheme
  }

  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    transport = try c.decodeIfPresent(String.self, forKey: .transport) ?? "tcp"
    ip = try c.decodeIfPresent(String.self, forKey: .ip) ?? "127.0.0.1"
    shellPort = try c.decode(Int.self, forKey: .shellPort)
    iopubPort = try c.decode(Int.self, forKey: .iopubPort)
    stdinPort = try c.decode(Int.self, forKey: .stdinPort)
    controlPort = try c.decode(Int.self, forKey: .controlPort)
    heartbeatPort = try c.decode(Int.self, forKey: .heartbeatPort)
    key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
    signatureScheme = try c.decodeIfPresent(String.self, forKey: .signatureScheme) ?? "hmac-sha256"
  }

  /// Reads and checks a connection file.
  package static func load(path: String) throws(KernelError) -> ConnectionInfo {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .connectionFile("cannot read '\(path)'")
    }
    let info: ConnectionInfo
    do {
      info = try JSONDecoder().decode(ConnectionInfo.self, from: data)
    } catch {
      throw .connectionFile("'\(path)' is not a connection file: \(Self.describe(error))")
    }
    try info.validate()
    return info
  }

  /// Refuses what this kernel cannot honour rather than binding somewhere unexpected.
  package func validate() throws(KernelError) {
    guard transport == "tcp" || transport == "ipc" else {
      throw .connectionFile("unsupported transport '\(transport)' (tcp or ipc)")
    }
    guard key.isEmpty || signatureScheme == "hmac-sha256" else {
      throw .connectionFile("unsupported signature scheme '\(signatureScheme)' (hmac-sha256)")
    }
    for port in [shellPort, iopubPort, stdinPort, controlPort, heartbeatPort] {
      guard (1...65535).contains(port) else {
        throw .connectionFile("port \(port) is not between 1 and 65535")
      }
    }
  }

  /// The ZeroMQ endpoint of a port: `tcp://IP:PORT`, or `ipc://IP-PORT` as Jupyter names them.
  package func endpoint(_ port: Int) -> String {
    transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
  }

  static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
    case DecodingError.dataCorrupted: return "not valid JSON"
    default: return "\(error)"
    }
  }
}

/// Why the kernel could not start or act.
package enum KernelError: Error, CustomStringConvertible, Equatable {
  case connectionFile(String)
  case socket(String)
  case kernelSpec(String)

  package var description: String {
    switch self {
    case .connectionFile(let text): return "connection file: \(text)"
    case .socket(let text): return text
    case .kernelSpec(let text): return text
    }
  }
}
