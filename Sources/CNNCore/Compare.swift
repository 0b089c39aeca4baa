/// Whether two numbers agree, as `numpy.isclose(a, b, rtol, atol)`:
///
///     |a − b| <= atol + rtol · |b|
///
/// `b` is the reference (the formula is not symmetric). Two NaNs agree (a trace that diverged the
/// same way twice is reproduced); infinities agree only with themselves.
///
/// The one comparison of floating-point numbers in the project: `diff`, the lessons' checks of
/// re-derived numbers, and the tests all use it, each stating why its tolerance is what it is.
/// `rtol` bounds rounding that grows with the size of the numbers (1e-9 is far above the few ulps
/// that a different order of addition costs in double precision, and far below any difference a
/// reader can see); `atol` covers values that should be 0 but are left with rounding noise.
public func isClose(_ a: Double, _ b: Double, rtol: Double, atol: Double = 0) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= atol + rtol * abs(b)
}
