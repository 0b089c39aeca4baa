import CNNCore
import Foundation
import TestSupport
import Testing
@testable import CNNLessons

/// `{{X@LR:…}}` and the `update` figure read a trace of the network after one SGD step. That step
/// is the engine's own: the weights it traces equal those of a training step (forward, loss,
/// backward, `SGD.step`) on the same image.
@Suite struct SteppedTraceTests {
    @Test(arguments: [0.1, 0.5])
    func steppedWeightsAreTheEnginesSGDStep(lr: Double) throws {
        let lesson = try Lesson.load(Fixtures.lessons.appendingPathComponent("backprop.yaml").path)
        let run = try LessonRunner.run(lesson)
        let trace = try #require(run.traces["X"])
        let target = try #require(trace.target)
        let builder = StepBuilder(lesson: lesson, network: run.network, traces: run.traces, networks: ["X": run.network],
                                  reference: nil, experiment: nil)
        let stepped = try builder.steppedTrace("X", lr: lr, try #require(lesson.steps.first))

        var net = run.network
        let ws = Workspace(network: net, batch: 1)
        ws.setInput(try #require(trace.records.first).data)
        net.forward(ws)
        _ = net.loss(ws, targets: [target])
        net.backward(ws)
        var sgd = SGD(learningRate: lr)
        sgd.step(&net, ws)

        for param in net.parameters {
            let parts = param.name.split(separator: ".").map(String.init)
            let role = try #require(TraceRole(rawValue: parts[1]), "\(param.name) is LAYER.ROLE")
            let traced = try #require(stepped.record(parts[0], role), "\(param.name) in the stepped trace")
            #expect(traced.data.count == param.tensor.count)
            // Both come from the same kernels in the same order: equal to the last bit.
            for (a, b) in zip(traced.data, param.tensor.data) { #expect(isClose(a, b, rtol: 0), "\(param.name)") }
        }
        let before = try #require(trace.record("out", .weight)).data
        #expect(before != net.parameters.last?.tensor.data, "the step moved the weights")
    }
}
