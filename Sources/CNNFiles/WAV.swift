import Foundation

/// WAV files: 16-bit PCM, one channel, so a learner can listen to a synthesized sound.
///
/// The 44-byte header, every number little-endian:
///
///     offset  size  field
///      0      4     "RIFF"
///      4      4     36 + data size          (the file size minus 8)
///      8      4     "WAVE"
///     12      4     "fmt "
///     16      4     16                      (the size of the fmt chunk)
///     20      2     1                       (PCM)
///     22      2     1                       (channels)
///     24      4     sample rate
///     28      4     sample rate · 2         (bytes per second)
///     32      2     2                       (bytes per sample frame)
///     34      2     16                      (bits per sample)
///     36      4     "data"
///     40      4     data size = 2 · samples
///     44      …     samples as Int16
///
/// A sample `x` is stored as `round(32767 · clamp(x, −1, 1))`, so the bytes depend on nothing
/// but the samples and the rate.
public enum WAV {
    /// The size of the header in bytes.
    public static let headerSize = 44

    /// The bytes of a WAV file holding `samples` (nominally in [−1, 1]; NaN is written as 0).
    /// - Precondition: `sampleRate` is between 1 and 2³¹ / 2, and the data fits in 4 GB.
    public static func bytes(samples: [Double], sampleRate: Int) -> [UInt8] {
        precondition(sampleRate >= 1 && sampleRate <= Int(Int32.max) / 2, "sample rate out of range")
        let dataSize = 2 * samples.count
        precondition(dataSize <= Int(UInt32.max) - 36, "too many samples for one WAV file")
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + dataSize)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataSize)
        out.append(contentsOf: Array("WAVE".utf8))
        out.append(contentsOf: Array("fmt ".utf8)); u32(16)
        u16(1); u16(1); u32(sampleRate); u32(sampleRate * 2); u16(2); u16(16)
        out.append(contentsOf: Array("data".utf8)); u32(dataSize)
        for x in samples {
            let v = x.isNaN ? 0 : Int16((32767 * min(1, max(-1, x))).rounded())
            withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes `samples` as a WAV file at `path`, atomically (see `writeAtomically`).
    /// - Throws: `FileError` naming `path` when it cannot be written.
    public static func write(samples: [Double], sampleRate: Int, to path: String) throws(FileError) {
        try writeAtomically(data: Data(bytes(samples: samples, sampleRate: sampleRate)), to: path)
    }
}
