namespace ZtStream.Platform.Hosting;

/// <summary>
/// Files a user names to a command (a recording, a policy, a rule file, a key file, a configuration): what is wrong with
/// a path, said in one line, and reads that hold no more than a bound in memory, so a mistyped path to a large file, a
/// device such as <c>/dev/zero</c> or a pipe that never ends is refused with its name instead of taking all the memory.
/// </summary>
internal static class UserFiles
{
    /// <summary>The most a document read whole holds (a policy, a rule file, a configuration file): far beyond any written by hand.</summary>
    public const int MaxDocumentBytes = 16 * 1024 * 1024;

    /// <summary>The most a key file holds: a key and a line end, with room for a comment or a pasted header.</summary>
    public const int MaxKeyFileBytes = 4 * 1024;

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as a file, or null when it can be opened: empty, missing, or a folder.
    /// <paramref name="what"/> names it as the user knows it (<c>file</c>, <c>policy file</c>, <c>--key-file</c>).
    /// </summary>
    public static string? ReadProblem(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Trim().Length == 0)
        {
            return $"{what} is empty: name a file";
        }

        if (Directory.Exists(path))
        {
            return $"{what} '{path}' is a folder: name a file in it";
        }

        return File.Exists(path) ? null : $"{what} '{path}' does not exist";
    }

    /// <summary>
    /// The text of <paramref name="path"/> (UTF-8, a byte order mark dropped); an <see cref="IOException"/> naming the path
    /// and the bound when it holds more than <paramref name="maxBytes"/>, read no further than one byte past it.
    /// </summary>
    public static string ReadText(string path, int maxBytes = MaxDocumentBytes) => Encoding.UTF8.GetString(WithoutBom(ReadBytes(path, maxBytes)).Span);

    /// <summary>The bytes of <paramref name="path"/>, bounded as <see cref="ReadText"/> reads them.</summary>
    public static ReadOnlyMemory<byte> ReadBytes(string path, int maxBytes = MaxDocumentBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var bytes = ReadUpTo(stream, maxBytes + 1);
        return bytes.Length <= maxBytes
            ? bytes
            : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"'{path}' holds more than {maxBytes} bytes, more than such a file can be"));
    }

    /// <summary>A UTF-8 byte order mark (editors on Windows write one) is not part of the first record or line.</summary>
    public static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> bytes) =>
        bytes.Span.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;

    /// <summary>
    /// Opens <paramref name="path"/> to be read as a stream that stops with an <see cref="OperationCanceledException"/> once
    /// <paramref name="cancellationToken"/> is cancelled: a reader of an input that never ends (a pipe, a device) stops at
    /// Ctrl-C even while it is reading past an over-long line.
    /// </summary>
    public static Stream OpenRead(string path, CancellationToken cancellationToken) => new CancellableFileStream(path, cancellationToken);

    /// <summary>The first <paramref name="count"/> bytes of <paramref name="stream"/>, or all of it when shorter.</summary>
    public static ReadOnlyMemory<byte> ReadUpTo(Stream stream, int count)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new System.Buffers.ArrayBufferWriter<byte>(Math.Min(count, 64 * 1024));
        while (head.WrittenCount < count)
        {
            var span = head.GetSpan(64 * 1024);
            var read = stream.Read(span[..Math.Min(span.Length, count - head.WrittenCount)]);
            if (read == 0)
            {
                break;
            }

            head.Advance(read);
        }

        return head.WrittenMemory;
    }

    private sealed class CancellableFileStream(string path, CancellationToken cancellationToken)
        : FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return base.Read(buffer);
        }
    }
}
