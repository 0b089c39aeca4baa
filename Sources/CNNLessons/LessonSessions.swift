import CNNFigures
import CNNTerminal

extension LessonSession {
    /// A session over a worked-out lesson, with its title and subtitle.
    public init(run: LessonRun, presenter: TerminalPresenter, interactive: Bool,
                readLine: @escaping () -> String?, write: @escaping (String) -> Void) {
        self.init(sections: run.sections, title: run.lesson.title, subtitle: run.lesson.subtitle, presenter: presenter,
                  interactive: interactive, readLine: readLine, write: write)
    }
}
