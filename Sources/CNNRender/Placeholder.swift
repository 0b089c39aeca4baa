// CNNRender
