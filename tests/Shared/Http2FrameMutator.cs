using MockKit.Buffers;
using MockKit.Http2;

namespace MockKit.Testing;

/// <summary>
/// The frame-level mutation engine shared by the server's and the client's HTTP/2 fuzzers: take
/// a valid conversation as a list of encoded frames and apply one to three seeded mutations —
/// length or flag bytes, stream ids (0, even, huge), payload garbage (HPACK garbage in HEADERS),
/// window overflows, CONTINUATION floods, truncation, unknown frame types, reordering, hostile
/// SETTINGS — or, now and then, replace it with random bytes.
/// </summary>
internal static class Http2FrameMutator
{
    /// <param name="frames">The valid frames, in order; changed in place.</param>
    /// <param name="random">The seeded source.</param>
    /// <param name="fixedPrefix">Frames at the start left alone most of the time (the client preface) and kept before random bytes.</param>
    public static byte[] Mutate(List<byte[]> frames, Random random, int fixedPrefix = 0)
    {
        if (random.Next(25) == 0)
        {
            var noise = new byte[random.Next(1, 600)];
            random.NextBytes(noise);
            return [.. frames.Take(fixedPrefix).SelectMany(f => f), .. noise];
        }

        var mutations = random.Next(1, 4);
        for (var m = 0; m < mutations; m++)
        {
            var index = fixedPrefix > 0 && random.Next(20) != 0 ? random.Next(fixedPrefix, frames.Count) : random.Next(frames.Count);
            var frame = frames[index];
            switch (random.Next(10))
            {
                case 0 when frame.Length >= 3: // length field
                    frame[random.Next(3)] = (byte)random.Next(256);
                    break;
                case 1 when frame.Length >= 5: // flags
                    frame[4] = (byte)random.Next(256);
                    break;
                case 2 when frame.Length >= 9: // stream id: 0, even, huge or anything
                    var id = random.Next(4) switch { 0 => 0, 1 => 2 * random.Next(1, 100), 2 => int.MaxValue, _ => random.Next() };
                    frame[5] = (byte)((id >> 24) & 0x7f);
                    frame[6] = (byte)(id >> 16);
                    frame[7] = (byte)(id >> 8);
                    frame[8] = (byte)id;
                    break;
                case 3 when frame.Length > 9: // payload garbage
                    for (var b = 9; b < frame.Length; b++)
                    {
                        if (random.Next(3) == 0)
                        {
                            frame[b] = (byte)random.Next(256);
                        }
                    }

                    break;
                case 4: // window overflow
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteWindowUpdate(w, random.Next(2) == 0 ? 0 : 1, int.MaxValue)));
                    break;
                case 5: // CONTINUATION flood
                    var start = Frame(w => Http2FrameWriter.WriteHeaders(w, 1, "\x82"u8, endStream: false, endHeaders: false));
                    var continuation = Frame(w => Http2FrameWriter.WriteContinuation(w, 1, new byte[random.Next(0, 64)], endHeaders: false));
                    frames.Insert(index, [.. start, .. Enumerable.Repeat(continuation, random.Next(10, 1500)).SelectMany(c => c)]);
                    break;
                case 6: // truncation
                    frames[index] = frame[..random.Next(frame.Length)];
                    break;
                case 7: // a frame of an unknown (or any) type
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteFrame(w, (Http2FrameType)random.Next(0, 256), (Http2FrameFlags)random.Next(256), random.Next(0, 10), new byte[random.Next(0, 50)])));
                    break;
                case 8: // a frame out of order
                    var moved = frames[index];
                    frames.RemoveAt(index);
                    frames.Insert(random.Next(Math.Min(fixedPrefix, frames.Count), frames.Count + 1), moved);
                    break;
                default: // SETTINGS with hostile values
                    frames.Insert(index, Frame(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting((Http2SettingId)random.Next(1, 8), (uint)random.NextInt64(0, uint.MaxValue))])));
                    break;
            }
        }

        return [.. frames.SelectMany(f => f)];
    }

    /// <summary>One frame written by <paramref name="write"/>, as bytes.</summary>
    public static byte[] Frame(Action<PooledBufferWriter> write)
    {
        using var writer = new PooledBufferWriter();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
