namespace ZtStream.Verifier.Tests;

/// <summary>
/// What a piece of the Verifier's state writes into a checkpoint (<c>Write(BinaryWriter)</c>, the engine's
/// <c>WriteState</c>), as bytes: to compare two states, check a layout, or read it back into another.
/// </summary>
internal static class WrittenBytes
{
    public static byte[] Of(Action<BinaryWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            write(w);
        }

        return ms.ToArray();
    }

    /// <summary>A reader over what <paramref name="write"/> writes, to restore another instance from it.</summary>
    public static BinaryReader Reader(Action<BinaryWriter> write) => new(new MemoryStream(Of(write)));
}
