import Foundation
import ProxyGradNN

/// `images(folder)`: PNG files in class subfolders as a labelled data set.
enum ImageFolder {
  static func load(_ folder: String, decoder: ImageFileDecoder, _ args: Arguments) throws(RuntimeError) -> LabelledImages {
    let manager = FileManager.default
    guard let entries = try? manager.contentsOfDirectory(atPath: folder) else {
      throw args.error(.value, "\(folder): not a readable folder", at: 0)
    }
    let classes = entries.filter { name in
      var isFolder: ObjCBool = false
      return !name.hasPrefix(".") && manager.fileExists(atPath: "\(folder)/\(name)", isDirectory: &isFolder) && isFolder.boolValue
    }.sorted()
    guard !classes.isEmpty else {
      throw args.error(.value, "\(folder): expected one subfolder per class holding .png files, found none", at: 0)
    }
    var values: [Float] = []
    var labels: [Int] = []
    var itemShape: [Int]?
    for (label, name) in classes.enumerated() {
      let files = ((try? manager.contentsOfDirectory(atPath: "\(folder)/\(name)")) ?? [])
        .filter { $0.lowercased().hasSuffix(".png") }.sorted()
      for file in files {
        let path = "\(folder)/\(name)/\(file)"
        let image: Tensor
        do throws(FileAccessDenied) { image = try decoder.image(atPath: path) } catch {
          throw args.error(.value, error.message, at: 0)
        }
        if let shape = itemShape, shape != image.shape {
          throw args.error(.shape, "\(path): the image is \(Format.shape(image.shape)) but earlier images are \(Format.shape(shape)); all must share one size", at: 0)
        }
        itemShape = image.shape
        values.append(contentsOf: image.values)
        labels.append(label)
      }
    }
    guard let shape = itemShape else {
      throw args.error(.value, "\(folder): the class subfolders hold no .png files", at: 0)
    }
    return LabelledImages(images: Tensor(shape: [labels.count] + shape, values: values), labels: labels, classes: classes)
  }
}
