#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The real part of the inverse 2-D discrete Fourier transform of a scaled spectrum:
/// ```
/// forward:  y[n, c, py, px] = (1/√(HW)) Σ_{u,v} s[u,v] · (re[u,v] cos θ − im[u,v] sin θ),
///           θ = 2π (u·py/H + v·px/W)
/// backward: dre[u,v] = s[u,v]/√(HW) · Σ_{py,px} dy cos θ,  dim[u,v] = −s[u,v]/√(HW) · Σ dy sin θ
/// ```
/// `re`, `im`: `[N, C, H, W]` spectra; `scale`: `[H·W]` per-frequency factors (frequency decay).
/// The map is linear; its backward is its transpose. Computed separably, O(HW(H+W)) per plane.
/// - Saves: the scale and the transform's cosine and sine tables.
public func inverseFourier2d(re: Tensor, im: Tensor, scale: [Float]) -> Tensor {
  precondition(re.rank == 4 && re.shape == im.shape, "inverseFourier2d needs equal [N, C, H, W]")
  let (planes, h, w) = (re.shape[0] * re.shape[1], re.shape[2], re.shape[3])
  precondition(scale.count == h * w, "one scale per frequency")
  let table = FourierKernel.Table(h: h, w: w)
  let out = FourierKernel.inverseForward(
    re: re.values, im: im.values, scale: scale, planes: planes, table: table)
  return Tensor(shape: re.shape, values: out, op: "inverseFourier2d", parents: [re, im]) { g in
    let (gradRe, gradIm) = FourierKernel.inverseBackward(
      gradOutput: g, scale: scale, planes: planes, table: table)
    if re.requiresGrad { re.accumulateGradient { ElementwiseKernel.add(gradRe, into: $0) } }
    if im.requiresGrad { im.accumulateGradient { ElementwiseKernel.add(gradIm, into: $0) } }
  }
}

/// Lucid's frequency decay: `1 / max(f, 1/max(H, W))^power`, f the frequency in cycles per
/// pixel of each (u, v) (aliased to the nearest of ±). A constant, not an op.
public func fourierDecay(height h: Int, width w: Int, power: Double = 1) -> [Float] {
  var scale = [Float](repeating: 0, count: h * w)
  for u in 0..<h {
    for v in 0..<w {
      let fy = Double(min(u, h - u)) / Double(h), fx = Double(min(v, w - v)) / Double(w)
      let f = max((fy * fy + fx * fx).squareRoot(), 1 / Double(max(h, w)))
      scale[u * w + v] = Float(1 / pow(f, power)) / Float(max(h, w))
    }
  }
  return scale
}
