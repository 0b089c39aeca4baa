// CNNCore
