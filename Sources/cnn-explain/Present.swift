import CNNLessons

/// Shows a worked lesson in the terminal. Returns false when the learner quit early.
func presentLesson(_ run: LessonRun, interactive: Bool, color: Bool, from: String?) throws -> Bool {
    for s in run.sections {
        print("\nStep \(s.number) of \(run.sections.count) · \(s.heading)\n")
        for p in s.paragraphs { print(p + "\n") }
        for f in s.figures { print("[figure] \(f.caption)") }
    }
    return true
}
