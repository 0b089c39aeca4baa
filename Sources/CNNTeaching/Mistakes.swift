// The mistakes `cnn-explain check` can name, and the numbers each one would give.

/// A likely mistake behind a wrong answer. Each question lists the value each mistake would give,
/// computed from the same trace as the right answer when the worksheet is made.
public enum MistakeKind: String, Sendable, CaseIterable, Codable {
    case divideBy8 = "divided_by_8"
    case noDivision = "no_division"
    case signFlipped = "sign_flipped"
    case minInsteadOfMax = "min_instead_of_max"
    case pooledBeforeReLU = "pooled_before_relu"
    case wrongWindow = "wrong_window"
    case addedInsteadOfMultiplied = "added_instead_of_multiplied"
    case offByOnePatch = "off_by_one_patch"
    case forgotLearningRate = "forgot_learning_rate"
    case keptNegative = "kept_negative"

    /// What the student probably did, in words a student reads.
    public var explanation: String {
        switch self {
        case .divideBy8: return "divided by 8; the feature has 9 pixels, so divide by 9"
        case .noDivision: return "forgot to divide (÷ 9 for a convolution, ÷ 2 for the error and its gradient)"
        case .signFlipped: return "the sign is flipped (+ where − belongs, or − where + belongs)"
        case .minInsteadOfMax: return "took the smallest value in the window; max pooling keeps the largest"
        case .pooledBeforeReLU: return "pooled before ReLU; ReLU comes first, so negative numbers are already 0"
        case .wrongWindow: return "used the wrong window (a neighbouring 2×2 block)"
        case .addedInsteadOfMultiplied: return "added where the recipe multiplies: multiply each pair of numbers, then add the products"
        case .offByOnePatch: return "used a patch one pixel off (check the row and column of the patch)"
        case .forgotLearningRate: return "forgot the learning rate: new weight = old weight − learning rate × gradient"
        case .keptNegative: return "kept a negative number; ReLU turns every negative number into 0"
        }
    }
}

/// A mistake and the number it would give for one question.
public struct PlannedMistake: Sendable, Equatable {
    public var kind: MistakeKind
    public var value: Double
    public init(kind: MistakeKind, value: Double) { self.kind = kind; self.value = value }
}
