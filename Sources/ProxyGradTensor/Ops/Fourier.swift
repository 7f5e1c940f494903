#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The real part of the inverse 2-D discrete Fourier transform of a scaled spectrum:
/// ```
/// y[n, c, py, px] = (1/√(HW)) Σ_{u,v} s[u,v] · (re[u,v] cos θ − im[u,v] sin θ),
/// θ = 2π (u·py/H + v·px/W)
/// ```
/// `re`, `im`: `[N, C, H, W]` spectra; `scale`: `[H·W]` per-frequency factors (frequency decay).
/// The map is linear; its backward is its transpose. Computed separably, O(HW(H+W)) per plane.
/// - Saves: the scale.
public func inverseFourier2d(re: Tensor, im: Tensor, scale: [Float]) -> Tensor {
  precondition(re.rank == 4 && re.shape == im.shape, "inverseFourier2d needs equal [N, C, H, W]")
  let (planes, h, w) = (re.shape[0] * re.shape[1], re.shape[2], re.shape[3])
  precondition(scale.count == h * w, "one scale per frequency")
  let table = FourierTable(h: h, w: w)
  let norm = Float(1 / Double(h * w).squareRoot())
  var out = [Float](repeating: 0, count: re.count)
  var sre = [Float](repeating: 0, count: h * w), sim = sre
  for p in 0..<planes {
    let base = p * h * w
    for i in 0..<(h * w) {
      sre[i] = re.values[base + i] * scale[i] * norm
      sim[i] = im.values[base + i] * scale[i] * norm
    }
    table.inverse(sre, sim, into: &out, at: base)
  }
  return Tensor(shape: re.shape, values: out, op: "inverseFourier2d", parents: [re, im]) { g in
    var gre = [Float](repeating: 0, count: h * w), gim = gre
    for p in 0..<planes {
      let base = p * h * w
      table.adjoint(g, at: base, re: &gre, im: &gim)
      if re.requiresGrad {
        re.accumulateGradient { gx in for i in 0..<(h * w) { gx[base + i] += gre[i] * scale[i] * norm } }
      }
      if im.requiresGrad {
        im.accumulateGradient { gx in for i in 0..<(h * w) { gx[base + i] += gim[i] * scale[i] * norm } }
      }
    }
  }
}

/// Lucid's frequency decay: `1 / max(f, 1/max(H, W))^power`, f the frequency in cycles per
/// pixel of each (u, v) (aliased to the nearest of ±).
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

/// Cosine and sine tables of one image size.
private struct FourierTable {
  let h: Int, w: Int
  let cosY: [Float], sinY: [Float], cosX: [Float], sinX: [Float]  // [u·H + y], [v·W + x]

  init(h: Int, w: Int) {
    self.h = h
    self.w = w
    func table(_ n: Int, _ f: (Double) -> Double) -> [Float] {
      (0..<(n * n)).map { Float(f(2 * Double.pi * Double(($0 / n) * ($0 % n) % n) / Double(n))) }
    }
    cosY = table(h, cos)
    sinY = table(h, sin)
    cosX = table(w, cos)
    sinX = table(w, sin)
  }

  /// out[y, x] = Σ_{u,v} re cos(α+β) − im sin(α+β), α = 2πuy/H, β = 2πvx/W, in two passes:
  /// first over v (per u, x), then over u.
  func inverse(_ re: [Float], _ im: [Float], into out: inout [Float], at base: Int) {
    // A = Σ_v re·cosβ − im·sinβ;  B = Σ_v re·sinβ + im·cosβ  (the complex row transform)
    var a = [Float](repeating: 0, count: h * w), b = a
    for u in 0..<h {
      for x in 0..<w {
        var sa: Float = 0, sb: Float = 0
        for v in 0..<w {
          let c = cosX[v * w + x], s = sinX[v * w + x]
          let r = re[u * w + v], i = im[u * w + v]
          sa += r * c - i * s
          sb += r * s + i * c
        }
        a[u * w + x] = sa
        b[u * w + x] = sb
      }
    }
    // Re(Σ_u (A + iB) e^{iα}) = Σ_u A cosα − B sinα
    for y in 0..<h {
      for x in 0..<w {
        var total: Float = 0
        for u in 0..<h { total += a[u * w + x] * cosY[u * h + y] - b[u * w + x] * sinY[u * h + y] }
        out[base + y * w + x] = total
      }
    }
  }

  /// The transpose of `inverse`: gradients of re and im from the gradient of out.
  func adjoint(_ g: [Float], at base: Int, re: inout [Float], im: inout [Float]) {
    // dA[u,x] = Σ_y g cosα, dB[u,x] = −Σ_y g sinα
    var da = [Float](repeating: 0, count: h * w), db = da
    for u in 0..<h {
      for x in 0..<w {
        var sa: Float = 0, sb: Float = 0
        for y in 0..<h {
          let gv = g[base + y * w + x]
          sa += gv * cosY[u * h + y]
          sb -= gv * sinY[u * h + y]
        }
        da[u * w + x] = sa
        db[u * w + x] = sb
      }
    }
    // dre = Σ_x dA cosβ + dB sinβ;  dim = Σ_x −dA sinβ + dB cosβ
    for u in 0..<h {
      for v in 0..<w {
        var sr: Float = 0, si: Float = 0
        for x in 0..<w {
          let c = cosX[v * w + x], s = sinX[v * w + x]
          sr += da[u * w + x] * c + db[u * w + x] * s
          si += -da[u * w + x] * s + db[u * w + x] * c
        }
        re[u * w + v] = sr
        im[u * w + v] = si
      }
    }
  }
}
