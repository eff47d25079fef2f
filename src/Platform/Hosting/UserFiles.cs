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

    /// <summary>The most a PEM key file holds: an RSA 4096 key is about 3.3 KiB; room for the certificates a bundle carries beside it.</summary>
    public const int MaxPemFileBytes = 64 * 1024;

    /// <summary>The buffer a stream of unknown length starts with, and the least it grows by.</summary>
    private const int GrowthStep = 64 * 1024;

    /// <summary>How long opening a named pipe may take before the caller says it waits for a writer.</summary>
    private static readonly TimeSpan SilentOpen = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Why <paramref name="path"/> cannot be read as a file, or null when it can: empty, missing, a folder, not a regular
    /// file (a named pipe would block the start until something wrote to it, a device such as <c>/dev/zero</c> never
    /// ends), or not readable. <paramref name="what"/> names it as the user knows it (<c>file</c>, <c>policy file</c>,
    /// <c>--key-file</c>). The type is looked at before the file is opened, and a regular file is opened without waiting;
    /// one longer than <paramref name="maxBytes"/> is refused as <see cref="ReadText"/> would refuse it.
    /// </summary>
    public static string? ReadProblem(string path, string what, int maxBytes = MaxDocumentBytes) => Problem(path, what, maxBytes);

    /// <summary>
    /// As <see cref="ReadProblem"/> for an input read as a stream until it ends (a recording to replay): a named pipe or a
    /// device is such an input and is not refused; a folder, a missing path or an unreadable file is.
    /// </summary>
    public static string? StreamProblem(string path, string what) => Problem(path, what, maxBytes: null);

    /// <summary>
    /// The text of <paramref name="path"/> (UTF-8, a byte order mark dropped; UTF-16 when it starts with its byte order
    /// mark, as Windows PowerShell writes files and as the configuration file is read); an <see cref="IOException"/> naming
    /// the path and the bound when it holds more than <paramref name="maxBytes"/>, read no further than one byte past it, or
    /// naming what it is when it is not a regular file.
    /// </summary>
    public static string ReadText(string path, int maxBytes = MaxDocumentBytes)
    {
        var bytes = ReadBytes(path, maxBytes);
        var utf16 = bytes.Span.StartsWith(Encoding.Unicode.Preamble) ? Encoding.Unicode
            : bytes.Span.StartsWith(Encoding.BigEndianUnicode.Preamble) ? Encoding.BigEndianUnicode
            : null;
        return utf16 is null
            ? Encoding.UTF8.GetString(WithoutBom(bytes).Span)
            : utf16.GetString(bytes.Span[utf16.Preamble.Length..]);
    }

    /// <summary>The bytes of <paramref name="path"/>, bounded and refused as <see cref="ReadText"/> reads them.</summary>
    public static ReadOnlyMemory<byte> ReadBytes(string path, int maxBytes = MaxDocumentBytes)
    {
        using var stream = OpenRegular(path);
        var bytes = ReadUpTo(stream, maxBytes + 1);
        return bytes.Length <= maxBytes
            ? bytes
            : throw new IOException(TooLarge(path, maxBytes));
    }

    /// <summary>A UTF-8 byte order mark (editors on Windows write one) is not part of the first record or line.</summary>
    public static ReadOnlyMemory<byte> WithoutBom(ReadOnlyMemory<byte> bytes) =>
        bytes.Span.StartsWith(Encoding.UTF8.Preamble) ? bytes[Encoding.UTF8.Preamble.Length..] : bytes;

    /// <summary>
    /// Opens <paramref name="path"/> to be read as a stream that stops with an <see cref="OperationCanceledException"/> once
    /// <paramref name="cancellationToken"/> is cancelled: a reader of an input that never ends (a pipe, a device) stops at
    /// Ctrl-C even while it is reading past an over-long line, or waiting for a writer that holds the pipe open and writes
    /// nothing.
    /// </summary>
    public static Stream OpenRead(string path, CancellationToken cancellationToken) =>
        new CancellableFileStream(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), cancellationToken);

    /// <summary>
    /// The process's standard input (the input a command is given as <c>-</c>), read as <see cref="OpenRead"/> reads a file:
    /// it stops at Ctrl-C or SIGTERM whatever it waits in. Left open when the stream is disposed.
    /// </summary>
    public static Stream OpenStandardInput(CancellationToken cancellationToken) =>
        new CancellableFileStream(new SafeFileHandle(0, ownsHandle: false), cancellationToken);

    /// <summary>
    /// As <see cref="OpenRead"/>, for an input that may be a named pipe nothing writes to yet: opening one waits in the
    /// kernel until a writer opens it, and no signal ends that wait. The open waits on a thread of its own while this
    /// waits for it or for <paramref name="cancellationToken"/>, so Ctrl-C or SIGTERM stops it with an
    /// <see cref="OperationCanceledException"/> (the thread is left in its wait: the process is ending).
    /// <paramref name="waiting"/> is called (to say what it waits for) when the open has not returned at once: a pipe
    /// a writer holds, or the one a shell gives as <c>/dev/stdin</c>, opens without a word.
    /// </summary>
    public static async Task<Stream> OpenReadAsync(string path, Func<Task> waiting, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        if (!OperatingSystem.IsLinux() || FileTypes.Of(path) is not (0, FileTypes.NamedPipe))
        {
            return OpenRead(path, cancellationToken);
        }

        var open = Task.Factory.StartNew(
            () => OpenRead(path, cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (await Task.WhenAny(open, Task.Delay(SilentOpen, time, cancellationToken)) != open)
        {
            await waiting();
        }

        return await open.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The first <paramref name="count"/> bytes of <paramref name="stream"/>, or all of it when shorter. A stream that
    /// knows its length (a regular file) is read into one buffer of that size; one that does not (a pipe, a device) into
    /// a buffer that grows as it is read, never past <paramref name="count"/>.
    /// </summary>
    public static ReadOnlyMemory<byte> ReadUpTo(Stream stream, int count) => ReadUpTo(ReadOnlyMemory<byte>.Empty, stream, count);

    /// <summary>
    /// As <see cref="ReadUpTo(Stream, int)"/>, for a stream whose first bytes were already read into <paramref name="start"/>:
    /// those and what follows them, <paramref name="count"/> at most in all.
    /// </summary>
    public static ReadOnlyMemory<byte> ReadUpTo(ReadOnlyMemory<byte> start, Stream stream, int count)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        start = start[..Math.Min(start.Length, count)];

        // Doubling up to a 64 MiB file allocated about four times the file (the last step alone twice it); a regular
        // file's length sizes the buffer at once, a byte more to see its end without growing.
        var buffer = new byte[Remaining(stream) is { } remaining
            ? (int)Math.Min(count, start.Length + remaining + 1)
            : Math.Min(count, Math.Max(GrowthStep, start.Length))];
        start.CopyTo(buffer);
        var length = start.Length;
        while (length < count)
        {
            if (length == buffer.Length)
            {
                // Longer than it said (it grew while read, or a device that says 0): grow, still bounded by count.
                Array.Resize(ref buffer, (int)Math.Min(count, Math.Max(2L * buffer.Length, GrowthStep)));
            }

            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return buffer.AsMemory(0, length);
    }

    /// <summary>The bytes left in a stream that knows its length, or null (a pipe; a device, whose length is 0).</summary>
    private static long? Remaining(Stream stream)
    {
        try
        {
            return stream.CanSeek && stream.Length - stream.Position is var left and > 0 ? left : null;
        }
        catch (Exception e) when (e is NotSupportedException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// An <see cref="IOException"/> naming <paramref name="path"/> and what it is when something other than a regular file
    /// is there (a folder, a named pipe, a device): for a file a component keeps itself (the event log's), looked at before
    /// it is opened to be written, which would wait on a named pipe. Nothing there is no problem. Linux only.
    /// </summary>
    public static void RefuseUnlessRegular(string path)
    {
        if (OperatingSystem.IsLinux() && FileTypes.Of(path) is (0, var type) && type != FileTypes.Regular)
        {
            throw new IOException(NotRegular(path, type));
        }
    }

    /// <summary>What is said of a file that holds more than it can: the same words for every bounded read.</summary>
    public static string TooLarge(string path, long maxBytes) =>
        string.Create(CultureInfo.InvariantCulture, $"'{path}' holds more than {maxBytes} bytes, more than such a file can be");

    /// <summary>What is wrong with <paramref name="path"/>; a regular file only (and at most <paramref name="maxBytes"/>) unless that is null.</summary>
    private static string? Problem(string path, string what, int? maxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Trim().Length == 0)
        {
            return $"{what} is empty: name a file";
        }

        if (!OperatingSystem.IsLinux())
        {
            if (Directory.Exists(path))
            {
                return $"{what} '{path}' is a folder: name a file in it";
            }

            return File.Exists(path) ? null : $"{what} '{path}' does not exist";
        }

        var (error, type) = FileTypes.Of(path);
        if (error != 0)
        {
            return error is FileTypes.NoSuchFile or FileTypes.NotAFolder
                ? $"{what} '{path}' does not exist"
                : $"{what} '{path}' cannot be read: {Marshal.GetPInvokeErrorMessage(error)}";
        }

        if (type == FileTypes.Directory)
        {
            return $"{what} '{path}' is a folder: name a file in it";
        }

        if (type != FileTypes.Regular)
        {
            return maxBytes is not null ? $"{what} '{path}' is {FileTypes.Describe(type)}, not a regular file: name a file" : null;
        }

        try
        {
            using var stream = OpenRegular(path);
            return stream.Length > maxBytes ? $"{what} {TooLarge(path, maxBytes.Value)}" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{what} {e.Message}";
        }
    }

    /// <summary>
    /// <paramref name="path"/> opened to be read when it is a regular file; an <see cref="IOException"/> naming it and what
    /// it is otherwise. On Linux it is opened without blocking (a named pipe put there after a check would otherwise hold
    /// the open until something wrote to it) and its type is read from the open file, so the check and the read are of
    /// the same file.
    /// </summary>
    private static FileStream OpenRegular(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        }

        var handle = FileTypes.OpenWithoutBlocking(path, out var error)
            ?? throw new IOException(error is FileTypes.NoSuchFile or FileTypes.NotAFolder
                ? $"'{path}' does not exist"
                : $"'{path}' cannot be read: {Marshal.GetPInvokeErrorMessage(error)}");

        try
        {
            var type = FileTypes.Of(handle);
            return type switch
            {
                FileTypes.Regular => new FileStream(handle, FileAccess.Read, bufferSize: 0),
                _ => throw new IOException(NotRegular(path, type)),
            };
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string NotRegular(string path, int type) =>
        type == FileTypes.Directory ? $"'{path}' is a folder, not a file" : $"'{path}' is {FileTypes.Describe(type)}, not a regular file";

    /// <summary>
    /// A file read straight into the caller's buffer (the readers read 64 KiB at a time) that checks its token before each
    /// read. A read of a pipe, a terminal or a socket waits in the kernel, where no signal ends it: on Linux such an input is
    /// first polled, <see cref="PollInterval"/> at a time, until it has something to read or the token is cancelled.
    /// </summary>
    private sealed class CancellableFileStream(SafeFileHandle handle, CancellationToken cancellationToken)
        : FileStream(handle, FileAccess.Read, bufferSize: 0)
    {
        /// <summary>How long a wait for input lasts before the token is looked at again: what Ctrl-C may take to stop it.</summary>
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

        private readonly bool _mayWait = OperatingSystem.IsLinux() && FileTypes.Of(handle) != FileTypes.Regular;

        public override int Read(byte[] buffer, int offset, int count)
        {
            WaitReadable();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            WaitReadable();
            return base.Read(buffer);
        }

        public override int ReadByte()
        {
            WaitReadable();
            return base.ReadByte();
        }

        private void WaitReadable()
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (_mayWait && !FileTypes.WaitReadable(SafeFileHandle, PollInterval))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }
}
