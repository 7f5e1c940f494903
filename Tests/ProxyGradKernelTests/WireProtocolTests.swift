import Foundation
import ProxyGradNotebook
import Testing

@testable import ProxyGradKernel

@Suite struct WireProtocolTests {
  let signer = HMACSigner(key: "secret")

  /// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  @Test func signatureIsHMACSHA256InHex() {
    let signer = HMACSigner(key: "Jefe")
    let parts = [Array("what do ya want ".utf8), Array("for nothing?".utf8)]
    #expect(
      signer.signature(parts)
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  }

  @Test func emptyKeyTurnsSigningOff() {
    let signer = HMACSigner(key: "")
    #expect(!signer.isSigning)
    #expect(signer.signature([[1, 2]]) == "")
    #expect(signer.verify(signature: [], parts: [[1, 2]]))
  }

  func frames(content: String, signWith key: String) -> [[UInt8]] {
    let parts = [
      #"{"msg_id":"1","msg_type":"execute_request","session":"s","username":"u","date":"","version":"5.3"}"#,
      "{}", "{}", content,
    ].map { Array($0.utf8) }
    let signature = HMACSigner(key: key).signature(parts)
    return [Array("client".utf8), KernelMessage.delimiter, Array(signature.utf8)] + parts
  }

  @Test func decodesASignedMessage() throws {
    let message = try KernelMessage.decode(
      frames(content: #"{"code":"1 + 1","silent":false,"n":3}"#, signWith: "secret"), signer: signer)
    #expect(message.type == "execute_request")
    #expect(message.identities == [Array("client".utf8)])
    #expect(message.content["code"]?.stringValue == "1 + 1")
    #expect(message.content["silent"]?.boolValue == false)
    #expect(message.content["n"]?.intValue == 3)
  }

  @Test func refusesAWrongSignatureBeforeReadingTheMessage() {
    let forged = frames(content: #"{"code":"1"}"#, signWith: "other")
    #expect(throws: KernelMessage.DecodingFailure.badSignature) {
      try KernelMessage.decode(forged, signer: signer)
    }
    var tampered = frames(content: #"{"code":"1"}"#, signWith: "secret")
    tampered[tampered.count - 1] = Array(#"{"code":"2"}"#.utf8)
    #expect(throws: KernelMessage.DecodingFailure.badSignature) {
      try KernelMessage.decode(tampered, signer: signer)
    }
    var unsigned = frames(content: #"{"code":"1"}"#, signWith: "secret")
    unsigned[2] = []
    #expect(throws: KernelMessage.DecodingFailure.badSignature) {
      try KernelMessage.decode(unsigned, signer: signer)
    }
  }

  @Test func refusesMalformedFrames() {
    #expect(throws: KernelMessage.DecodingFailure.noDelimiter) {
      try KernelMessage.decode([[1], [2]], signer: signer)
    }
    #expect(throws: KernelMessage.DecodingFailure.missingFrames) {
      try KernelMessage.decode([KernelMessage.delimiter, [], [], []], signer: signer)
    }
    #expect(throws: KernelMessage.DecodingFailure.badJSON("content")) {
      try KernelMessage.decode(frames(content: "[1, 2]", signWith: "secret"), signer: signer)
    }
  }

  @Test func repliesCarryTheRequestHeaderAsParentAndVerify() throws {
    let request = try KernelMessage.decode(frames(content: "{}", signWith: "secret"), signer: signer)
    let writer = MessageWriter(signer: signer, session: "kernel-session")
    let reply = writer.frames(
      type: "execute_reply", content: .object([("status", .string("ok"))]), parent: request,
      identities: request.identities)
    let decoded = try KernelMessage.decode(reply, signer: signer)
    #expect(decoded.identities == request.identities)
    #expect(decoded.type == "execute_reply")
    #expect(decoded.header["session"]?.stringValue == "kernel-session")
    #expect(decoded.header["version"]?.stringValue == "5.3")
    #expect(decoded.parentHeader["msg_id"]?.stringValue == "1")
    #expect(decoded.content["status"]?.stringValue == "ok")
  }

  @Test func timestampsAreISO8601WithMicroseconds() {
    let text = MessageWriter.timestamp(Date(timeIntervalSince1970: 1_700_000_000.25))
    #expect(text == "2023-11-14T22:13:20.250000Z")
  }

  @Test func readsAConnectionFile() throws {
    let json = """
      {"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004,
       "hb_port": 5005, "ip": "127.0.0.1", "key": "k", "transport": "tcp",
       "signature_scheme": "hmac-sha256", "kernel_name": "pgs"}
      """
    let path = NSTemporaryDirectory() + "pgs-connection-\(UUID().uuidString).json"
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let info = try ConnectionInfo.load(path: path)
    #expect(info.endpoint(info.shellPort) == "tcp://127.0.0.1:5001")
    #expect(info.heartbeatPort == 5005)
    #expect(info.key == "k")
  }

  @Test func refusesConnectionFilesItCannotHonour() {
    var info = ConnectionInfo(
      shellPort: 1, iopubPort: 2, stdinPort: 3, controlPort: 4, heartbeatPort: 5, key: "k")
    info.signatureScheme = "hmac-md5"
    #expect(throws: KernelError.self) { try info.validate() }
    info.signatureScheme = "hmac-sha256"
    info.transport = "udp"
    #expect(throws: KernelError.self) { try info.validate() }
    info.transport = "ipc"
    #expect(info.endpoint(4) == "ipc://127.0.0.1-4")
    #expect(throws: KernelError.connectionFile("cannot read '/nonexistent/c.json'")) {
      try ConnectionInfo.load(path: "/nonexistent/c.json")
    }
  }
}
