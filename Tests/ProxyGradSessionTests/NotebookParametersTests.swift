import ProxyGradNotebook
import ProxyGradSyntax
import Testing

@testable import ProxyGradSession

@Suite struct NotebookParametersTests {
  let declarations = NotebookParameters.declarations(
    in: SourceFile(
      path: "p", text: "lr = 0.1\nname = \"adam\"\nflag = true\nxs = [1, 2]\nsteps = 2 * 50\nlr = 0.2\nf(1)\n"))

  func resolve(_ arguments: [String]) throws(ParameterError) -> [(name: String, value: ParameterValue)] {
    var assignments: [ParameterAssignment] = []
    for argument in arguments { assignments.append(try ParameterAssignment(parsing: argument)) }
    return try NotebookParameters.resolve(assignments, declarations: declarations)
  }

  @Test func declarationsAreTopLevelAssignmentsWithLiteralDefaults() {
    #expect(declarations.map(\.name) == ["lr", "name", "flag", "xs", "steps"])
    #expect(declarations.map(\.defaultValue) == [.number(0.1), .string("adam"), .bool(true), .list([.number(1), .number(2)]), nil])
  }

  @Test func valuesAreTypedLikeTheirDefaults() throws {
    let values = try resolve(["lr=-0.5", "name=0.3", "flag=false", "xs=3,4", "steps=1e3"])
    #expect(values.map(\.value) == [.number(-0.5), .string("0.3"), .bool(false), .list([.number(3), .number(4)]), .number(1000)])
    #expect(try resolve(["name=\"quoted\""]).map(\.value) == [.string("quoted")])
    #expect(try resolve(["xs=[0.5]"]).map(\.value) == [.list([.number(0.5)])])
    #expect(try resolve(["name=a=b"]).map(\.value) == [.string("a=b")])
  }

  @Test func badValuesAndUnknownNamesAreUsageErrors() {
    #expect(throws: ParameterError.invalidValue(name: "lr", text: "fast", expected: "a number")) {
      try resolve(["lr=fast"])
    }
    #expect(throws: ParameterError.invalidValue(name: "flag", text: "yes", expected: "true or false")) {
      try resolve(["flag=yes"])
    }
    #expect(throws: ParameterError.unknownName("rate", known: ["lr", "name", "flag", "xs", "steps"])) {
      try resolve(["rate=1"])
    }
    #expect(throws: ParameterError.malformed("lr")) { try resolve(["lr"]) }
    #expect(throws: ParameterError.malformed("1x=2")) { try resolve(["1x=2"]) }
    #expect(throws: ParameterError.duplicate("lr")) { try resolve(["lr=1", "lr=2"]) }
    #expect(throws: ParameterError.noParametersCell(name: "lr")) {
      try NotebookParameters.resolve([ParameterAssignment(name: "lr", text: "1")], declarations: nil)
    }
    #expect(ParameterError.unknownName("rate", known: ["lr"]).description
      == "unknown parameter 'rate': the parameters cell does not assign it; it declares lr")
  }
}
