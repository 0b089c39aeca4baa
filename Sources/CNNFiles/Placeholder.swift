// CNNFiles
