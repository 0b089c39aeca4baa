print("cnn-explain")
