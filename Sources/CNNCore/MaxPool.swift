/// Max-pooling kernels (see `PoolSpec` for the formula).
///
/// Forward remembers, for every output cell, the offset of the winning input cell within its
/// channel plane; backward routes each output gradient to that one cell:
///
///     gradIn[c, winner(i, j)] += gradOut[c, i, j]     (every other cell gets 0)
struct PoolGeometry {
    let channels, height, width: Int
    let size, stride: Int
    let outH, outW: Int

    init(spec: PoolSpec, input: [Int], output: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        size = spec.size; stride = spec.stride
        outH = output[1]; outW = output[2]
    }

    var inputSize: Int { channels * height * width }
    var outputSize: Int { channels * outH * outW }

    /// `x` is `[N, C, H, W]`; writes `y` (`[N, C, H', W']`) and the winners' offsets `argmax`.
    func forward(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, argmax: UnsafeMutablePointer<Int32>) {
        let planes = batch * channels
        let work = PoolPointers(x: x, y: y, argmax: argmax)
        let chunkCount = planes >= 2 && planes * height * width >= 50_000 ? 2 : 1
        parallel(chunkCount) { chunk in
            for plane in CNNCore.chunk(chunk, of: chunkCount, count: planes) {
                forwardPlane(work.x + plane * height * width, work.y + plane * outH * outW, work.argmax + plane * outH * outW)
            }
        }
    }

    /// One channel plane. Strictly greater wins, so ties go to the first maximum in row-major order.
    @inline(__always)
    private func forwardPlane(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>) {
        for i in 0..<outH {
            let y0 = i * stride, y1 = min(y0 + size, height)
            for j in 0..<outW {
                let x0 = j * stride, x1 = min(x0 + size, width)
                var at = y0 * width + x0
                var best = src[at]
                for yy in y0..<y1 {
                    let row = yy * width
                    for xx in x0..<x1 where src[row + xx] > best {
                        best = src[row + xx]
                        at = row + xx
                    }
                }
                dst[i * outW + j] = best
                arg[i * outW + j] = Int32(truncatingIfNeeded: at)
            }
        }
    }

    /// Overwrites `gx` (`[N, C, H, W]`) with the routed gradient of `gy` (`[N, C, H', W']`).
    func backward(batch: Int, gy: UnsafePointer<Double>, argmax: UnsafePointer<Int32>, gx: UnsafeMutablePointer<Double>) {
        let planes = batch * channels
        let work = RoutePointers(gy: gy, argmax: argmax, gx: gx)
        let chunkCount = planes >= 2 && planes * height * width >= 50_000 ? 2 : 1
        parallel(chunkCount) { chunk in
            let mine = CNNCore.chunk(chunk, of: chunkCount, count: planes)
            (work.gx + mine.lowerBound * height * width).update(repeating: 0, count: mine.count * height * width)
            for plane in mine {
                let g = work.gy + plane * outH * outW
                let arg = work.argmax + plane * outH * outW
                let dst = work.gx + plane * height * width
                for q in 0..<(outH * outW) { dst[Int(arg[q])] += g[q] }
            }
        }
    }
}

/// Pointers handed to the threads of a pooling pass; each thread writes only its own planes.
struct PoolPointers: @unchecked Sendable {
    let x: UnsafePointer<Double>
    let y: UnsafeMutablePointer<Double>
    let argmax: UnsafeMutablePointer<Int32>
}

/// Pointers handed to the threads of a pooling backward pass; each thread writes only its own planes.
struct RoutePointers: @unchecked Sendable {
    let gy: UnsafePointer<Double>
    let argmax: UnsafePointer<Int32>
    let gx: UnsafeMutablePointer<Double>
}
