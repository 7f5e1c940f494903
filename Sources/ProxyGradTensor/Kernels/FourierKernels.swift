#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

/// The real part of the inverse 2-D discrete Fourier transform of scaled spectra, computed
/// separably (O(HW(H+W)) per plane) from cosine and sine tables.
/// Shapes: `re`, `im`, the output and all gradients are [P, H, W] (P planes, N·C for
/// [N, C, H, W]); `scale` holds H·W per-frequency factors. Planes run one after another.
enum FourierKernel {
  /// y[p, py, px] = (1/√(HW)) Σ_{u,v} s[u,v] · (re[p,u,v] cos θ − im[p,u,v] sin θ),
  /// θ = 2π (u·py/H + v·px/W).
  static func inverseForward(
    re: [Float], im: [Float], scale: [Float], planes: Int, table: Table
  ) -> [Float] {
    let (h, w) = (table.h, table.w)
    let norm = Float(1 / Double(h * w).squareRoot())
    var out = [Float](repeating: 0, count: planes * h * w)
    var sre = [Float](repeating: 0, count: h * w), sim = sre
    for p in 0..<planes {
      let base = p * h * w
      for i in 0..<(h * w) {
        sre[i] = re[base + i] * scale[i] * norm
        sim[i] = im[base + i] * scale[i] * norm
      }
      table.inverse(sre, sim, into: &out, at: base)
    }
    return out
  }

  /// The transpose of the forward map (it is linear): the contributions to gradRe and gradIm,
  /// dre[p,u,v] = s[u,v]/√(HW) · Σ_{py,px} dy cos θ,  dim[p,u,v] = −s[u,v]/√(HW) · Σ dy sin θ.
  /// Returned rather than added, so that `re` and `im` may be one tensor.
  static func inverseBackward(gradOutput g: [Float], scale: [Float], planes: Int, table: Table)
    -> (gradRe: [Float], gradIm: [Float])
  {
    let (h, w) = (table.h, table.w)
    let norm = Float(1 / Double(h * w).squareRoot())
    var gradRe = [Float](repeating: 0, count: planes * h * w), gradIm = gradRe
    var gre = [Float](repeating: 0, count: h * w), gim = gre
    for p in 0..<planes {
      let base = p * h * w
      table.adjoint(g, at: base, re: &gre, im: &gim)
      for i in 0..<(h * w) {
        gradRe[base + i] = gre[i] * scale[i] * norm
        gradIm[base + i] = gim[i] * scale[i] * norm
      }
    }
    return (gradRe, gradIm)
  }

  /// Cosine and sine tables of one image size, and the two separable passes.
  struct Table {
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
}
