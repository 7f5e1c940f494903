import Foundation
import ProxyGradNotebook

/// The Jupyter form of a notebook output: which IOPub message carries it, and its data.
///
/// The mapping is the one `pgs run` writes into `.ipynb` files, so a notebook re-run by
/// `jupyter execute` has outputs of the same types with the same text: `print` → `stream`,
/// the last value → `execute_result`, images → `display_data` with `image/png`, tables →
/// `text/html`, plots → `image/svg+xml`, metrics → `text/plain`. Every `display_data` also
/// carries `text/plain`.
package enum MIMEBundle {
  /// An IOPub message: its type and content (without `execution_count`, added by the caller).
  package struct Message: Equatable {
    package var type: String
    package var content: JSONValue
  }

  /// The message of one output.
  /// - Throws: `NotebookError.pngEncodingFailed` when libpng refuses an image.
  package static func message(for output: CellOutput) throws(NotebookError) -> Message {
    let plain = ("text/plain", JSONValue.string(output.plainText))
    switch output {
    case .stream(let text):
      return Message(type: "stream", content: .object([("name", .string("stdout")), ("text", .string(text))]))
    case .warning:
      return Message(type: "stream", content: .object([("name", .string("stderr")), ("text", .string(output.plainText))]))
    case .result:
      return Message(type: "execute_result", content: .object([("data", .object([plain])), ("metadata", .object([]))]))
    case .image(let image, _):
      let png = try PNGCodec.encode(image)
      return display(
        [("image/png", .string(Data(png).base64EncodedString())), plain],
        metadata: [("image/png", .object([("height", .int(image.height)), ("width", .int(image.width))]))])
    case .metric:
      return display([plain])
    case .table(let table):
      return display([("text/html", .string(table.html())), plain])
    case .plot(let plot):
      return display([("image/svg+xml", .string(plot.svg())), plain])
    case .error(let error):
      return Message(type: "error", content: errorContent(error))
    }
  }

  /// The content of an `error` message, also the error fields of an `execute_reply`.
  package static func errorContent(_ error: CellError) -> JSONValue {
    .object([
      ("ename", .string(error.name)), ("evalue", .string(error.message)),
      ("traceback", .array(([error.message] + error.details).map(JSONValue.string))),
    ])
  }

  /// A progress display: `display_data` the first time, then `update_display_data` with the same
  /// `display_id`, so that Jupyter replaces the text in place and a saved notebook keeps only the
  /// final state.
  package static func progress(_ text: String, displayID: String, isUpdate: Bool) -> Message {
    Message(
      type: isUpdate ? "update_display_data" : "display_data",
      content: .object([
        ("data", .object([("text/plain", .string(text))])), ("metadata", .object([])),
        ("transient", .object([("display_id", .string(displayID))])),
      ]))
  }

  static func display(
    _ data: [(String, JSONValue)], metadata: [(String, JSONValue)] = []
  ) -> Message {
    Message(
      type: "display_data",
      content: .object([
        ("data", .object(data)), ("metadata", .object(metadata)), ("transient", .object([])),
      ]))
  }
}
