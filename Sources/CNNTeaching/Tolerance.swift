import CNNCore

/// How far a student's number may be from the answer and still count: 0.01, plus 1e-6 for
/// floating point. The slides truncate to 2 decimals (an error below 0.01: 7/9 = 0.777… is
/// "0.77") and people round (an error up to 0.005: "0.78"); both pass, and so does a value
/// worked to more decimals. Two different recipes on the article's numbers (multiples of 1/9,
/// 1/12) differ by more than 0.01, so a mistake is not mistaken for the answer.
public let answerTolerance = 0.01 + 1e-6

/// Whether `given` counts as `expected` (`isClose` with `answerTolerance` as its absolute tolerance).
public func answerMatches(_ given: Double, _ expected: Double) -> Bool {
    isClose(given, expected, rtol: 0, atol: answerTolerance)
}
