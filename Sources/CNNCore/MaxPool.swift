import CNNKernels

/// Max-pooling kernels (see `PoolSpec` for the formula, `PoolWindows` for the windows and winners).
///
/// Forward remembers, for every output cell, the offset of the winning input cell within its
/// channel plane; backward routes each output gradient to that one cell:
///
///     gradIn[c, winner(i, j)] += gradOut[c, i, j]     (every other cell gets 0)
struct PoolGeometry {
    let channels, height, width: Int
    let outH, outW: Int
    /// The windows and winners of one channel plane.
    let windows: PoolWindows

    init(spec: PoolSpec, input: [Int]) {
        channels = input[0]; height = input[1]; width = input[2]
        windows = PoolWindows(spec, height: height, width: width)
        outH = windows.outH; outW = windows.outW
    }

    /// Whether the windows are 2×2, moved by 2, all whole: the C kernels `cnn_maxpool2x2` and
    /// `cnn_relu_maxpool2x2` take them.
    var isWhole2x2: Bool {
        windows.size == 2 && windows.stride == 2 && windows.padding == 0 && 2 * outH <= height && 2 * outW <= width
    }

    var inputSize: Int { channels * height * width }
    var outputSize: Int { channels * outH * outW }

    /// `x` is `[N, C, H, W]`; writes `y` (`[N, C, H', W']`) and the winners' offsets `argmax`.
    func forward(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, argmax: UnsafeMutablePointer<Int32>) {
        pool(batch: batch, x: x, y: y, argmax: argmax, rectify: false)
    }

    /// The forward pass of max pooling, of `x` itself or (`rectify`) of `max(x, 0)` without
    /// storing it. Planes are split into the same chunks whatever the thread count.
    private func pool(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>,
                      argmax: UnsafeMutablePointer<Int32>, rectify: Bool) {
        let planes = batch * channels
        let work = PoolPointers(x: x, y: y, argmax: argmax)
        let chunkCount = planes * height * width >= 50_000 ? min(planes, 8) : 1
        let whole2x2 = isWhole2x2
        parallel(chunkCount) { chunk in
            let mine = CNNCore.chunk(chunk, of: chunkCount, count: planes)
            let (src, dst, arg) = (work.x + mine.lowerBound * height * width, work.y + mine.lowerBound * outH * outW,
                                   work.argmax + mine.lowerBound * outH * outW)
            if whole2x2 {
                // The same windows and winners as `PoolWindows.winnerOffset`, in a C loop.
                if rectify {
                    cnn_relu_maxpool2x2(src, mine.count, height, width, outH, outW, dst, arg)
                } else {
                    cnn_maxpool2x2(src, mine.count, height, width, outH, outW, dst, arg)
                }
                return
            }
            for k in 0..<mine.count {
                let (s, d, a) = (src + k * height * width, dst + k * outH * outW, arg + k * outH * outW)
                if rectify { forwardReLUPlane(s, d, a) } else { forwardPlane(s, d, a) }
            }
        }
    }

    /// One channel plane: each output cell takes its window's winner (`PoolWindows.winner`).
    @inline(__always)
    private func forwardPlane(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>) {
        for i in 0..<outH {
            for j in 0..<outW {
                let at = windows.winnerOffset(i, j, in: src)
                dst[i * outW + j] = src[at]
                arg[i * outW + j] = Int32(truncatingIfNeeded: at)
            }
        }
    }

    /// Overwrites `gx` (`[N, C, H, W]`) with the routed gradient of `gy` (`[N, C, H', W']`).
    func backward(batch: Int, gy: UnsafePointer<Double>, argmax: UnsafePointer<Int32>, gx: UnsafeMutablePointer<Double>) {
        let planes = batch * channels
        let work = RoutePointers(gy: gy, argmax: argmax, gx: gx)
        let chunkCount = planes * height * width >= 50_000 ? min(planes, 8) : 1
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

extension PoolGeometry {
    /// ReLU then max pooling in one pass (`x` is the ReLU's input, `[N, C, H, W]`): writes the
    /// pooled rectified values `y` and the winners `argmax`, the same bits as `ReLUKernel.forward`
    /// then `forward`, without storing the rectified planes.
    func forwardReLU(batch: Int, x: UnsafePointer<Double>, y: UnsafeMutablePointer<Double>, argmax: UnsafeMutablePointer<Int32>) {
        pool(batch: batch, x: x, y: y, argmax: argmax, rectify: true)
    }

    /// One channel plane: each output cell takes the winner of its window of rectified values.
    @inline(__always)
    private func forwardReLUPlane(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>, _ arg: UnsafeMutablePointer<Int32>) {
        // `v > 0 ? v : 0.0` gives +0.0 for NaN and −0.0, as `cnn_relu_forward`.
        let rectified: (Int) -> Double = { let v = src[$0]; return v > 0 ? v : 0.0 }
        for i in 0..<outH {
            for j in 0..<outW {
                let at = windows.winnerOffset(i, j, rectified)
                dst[i * outW + j] = rectified(at)
                arg[i * outW + j] = Int32(truncatingIfNeeded: at)
            }
        }
    }

    /// Max pooling's backward pass then the ReLU's in one pass: overwrites `gx` (the gradient of
    /// the ReLU's input `x`, `[N, C, H, W]`) with `gy` routed to the winners where `x > 0`, else
    /// +0.0; the same bits as `backward` then `ReLUKernel.backward`. `y` is `forwardReLU`'s output:
    /// a window's pooled value is its rectified winner, so `y > 0` exactly where the winner's `x > 0`,
    /// and the ReLU's input is not read at all.
    func backwardReLU(batch: Int, gy: UnsafePointer<Double>, argmax: UnsafePointer<Int32>, y: UnsafePointer<Double>,
                      gx: UnsafeMutablePointer<Double>) {
        let planes = batch * channels
        let work = RoutePointers(gy: gy, argmax: argmax, gx: gx)
        let pooled = PoolInputPointer(y)
        let chunkCount = planes * height * width >= 50_000 ? min(planes, 8) : 1
        parallel(chunkCount) { chunk in
            let mine = CNNCore.chunk(chunk, of: chunkCount, count: planes)
            let (inPlane, outPlane) = (height * width, outH * outW)
            cnn_maxpool_relu_backward(work.gy + mine.lowerBound * outPlane, work.argmax + mine.lowerBound * outPlane,
                                      pooled.pointer + mine.lowerBound * outPlane, mine.count, inPlane, outPlane,
                                      work.gx + mine.lowerBound * inPlane)
        }
    }
}

/// A read-only pointer handed to the threads of a pass.
struct PoolInputPointer: @unchecked Sendable {
    let pointer: UnsafePointer<Double>
    init(_ pointer: UnsafePointer<Double>) { self.pointer = pointer }
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
