// CNNLessons
