import Foundation
import Testing
@testable import CNNFiles

private func u32(_ b: [UInt8], _ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
private func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
private func i16(_ b: [UInt8], _ at: Int) -> Int { Int(Int16(bitPattern: UInt16(u16(b, at)))) }
private func tag(_ b: [UInt8], _ at: Int) -> String { String(decoding: b[at..<(at + 4)], as: UTF8.self) }

@Test func wavHeaderFieldsAndLength() {
    let samples = (0..<4000).map { sin(Double($0) / 10) / 2 }
    let b = WAV.bytes(samples: samples, sampleRate: 8000)
    #expect(b.count == 44 + 8000)
    #expect(tag(b, 0) == "RIFF" && u32(b, 4) == b.count - 8 && tag(b, 8) == "WAVE")
    #expect(tag(b, 12) == "fmt " && u32(b, 16) == 16)
    #expect(u16(b, 20) == 1 && u16(b, 22) == 1)           // PCM, mono
    #expect(u32(b, 24) == 8000 && u32(b, 28) == 16000)    // rate, bytes per second
    #expect(u16(b, 32) == 2 && u16(b, 34) == 16)          // block align, bits
    #expect(tag(b, 36) == "data" && u32(b, 40) == 8000)
}

@Test func wavSamplesAreRoundedClampedAndLittleEndian() {
    let b = WAV.bytes(samples: [0, 1, -1, 0.5, 2, -3, .nan, -0.25], sampleRate: 22050)
    let values = (0..<8).map { i16(b, 44 + 2 * $0) }
    #expect(values == [0, 32767, -32767, 16384, 32767, -32767, 0, -8192])
    #expect(b[46] == 0xFF && b[47] == 0x7F)
    #expect(u32(b, 24) == 22050)
}

@Test func anEmptySoundIsJustTheHeader() {
    let b = WAV.bytes(samples: [], sampleRate: 8000)
    #expect(b.count == 44 && u32(b, 4) == 36 && u32(b, 40) == 0)
}

@Test func wavWriteGivesTheSameBytesAndNamesAMissingFolder() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wav-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("a.wav").path
    let samples = [0.1, -0.2, 0.3]
    try WAV.write(samples: samples, sampleRate: 8000, to: path)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(WAV.bytes(samples: samples, sampleRate: 8000)))
    let missing = dir.appendingPathComponent("no/such/b.wav").path
    #expect(throws: FileError.self) { try WAV.write(samples: samples, sampleRate: 8000, to: missing) }
}
