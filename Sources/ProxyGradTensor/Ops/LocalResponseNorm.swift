/// Local response normalization across the channels of `[N, C, ...]` (PyTorch's
/// `LocalResponseNorm`, ONNX's `LRN`; the original InceptionV1 uses it):
///
/// ```
/// d[n, c, …] = k + α/size · Σ_{j = c − before … c + after} x[n, j, …]²
/// y = x / d^β
/// ```
/// Channels outside `0 ..< C` count as zeros.
/// - Parameters:
///   - size: the window length.
///   - channelsBefore: channels of the window before `c`; the rest, `size − 1 − before`, come
///     after. The default `size / 2` is PyTorch's; ONNX's is `(size − 1) / 2` (they differ
///     for even sizes only).
/// - Saves: input and `d`.
public func localResponseNorm(
  _ x: Tensor, size: Int, alpha: Float = 1e-4, beta: Float = 0.75, k: Float = 1,
  channelsBefore: Int? = nil
) -> Tensor {
  precondition(x.rank >= 2 && size >= 1, "localResponseNorm needs [N, C, ...] and size >= 1")
  let before = channelsBefore ?? size / 2
  let after = size - 1 - before
  precondition(before >= 0 && after >= 0, "localResponseNorm window")
  let (batch, channels) = (x.shape[0], x.shape[1])
  let inner = x.count / Swift.max(1, batch * channels)
  let scale = alpha / Float(size)
  let xv = x.values
  var d = [Float](repeating: 0, count: x.count)
  let y = [Float].uninitialized(x.count) { py in
    xv.withUnsafeBufferPointer { px in
      d.withUnsafeMutableBufferPointer { pd in
        LRNKernel.forward(
          px.baseAddress!, batch: batch, channels: channels, inner: inner, before: before,
          after: after, alphaOverSize: scale, beta: beta, k: k, y: py,
          denominator: pd.baseAddress!)
      }
    }
  }
  return Tensor(shape: x.shape, values: y, op: "localResponseNorm", parents: [x]) { g in
    x.accumulateGradient { gx in
      xv.withUnsafeBufferPointer { px in
        d.withUnsafeBufferPointer { pd in
          g.withUnsafeBufferPointer { pg in
            LRNKernel.backward(
              px.baseAddress!, denominator: pd.baseAddress!, gradOutput: pg.baseAddress!,
              batch: batch, channels: channels, inner: inner, before: before, after: after,
              alphaOverSize: scale, beta: beta, gradInput: gx)
          }
        }
      }
    }
  }
}
