namespace ZtStream.Platform.EventLog.FileLog;

/// <summary>
/// Direct I/O (<c>O_DIRECT</c>) on a segment file: writes and reads that bypass the page cache, in whole
/// <see cref="Block"/>s from page-aligned memory. Appending through the page cache costs the kernel a copy of every
/// record into a fresh page, and on a guest whose balloon reports free pages to its host a host fault per page besides
/// (docs/benchmarks.md, "The file log's appends without the page cache"); the log keeps its newest records in memory
/// for consumers anyway (<see cref="FilePartition"/>'s tail), so the page cache's copy of them buys little.
/// </summary>
internal static class DirectFile
{
    /// <summary>The unit of direct I/O: offsets, lengths and buffer addresses are multiples of it.</summary>
    public const int Block = 4096;

    /// <summary>EINVAL: what Linux answers when a filesystem does not do direct I/O (at open, or at the first write).</summary>
    public const int Refused = 22;

    private const int ReadOnly = 0;
    private const int WriteOnly = 1;
    private const int CloseOnExec = 0x80000;

    [ThreadStatic]
    private static byte[]? t_bounce;

    /// <summary><c>O_DIRECT</c> differs between architectures; 0 where ZtStream does not know its value.</summary>
    private static int DirectFlag => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => 0,
    };

    public static long Floor(long position) => position - (position % Block);

    public static long Ceiling(long position) => Floor(position + Block - 1);

    /// <summary>How a segment file is opened for direct I/O: <see cref="TryOpen"/>, or a filesystem's refusal in tests.</summary>
    public delegate SafeFileHandle? Opener(string path, bool write, out string? reason);

    /// <summary>Opens <paramref name="path"/> for direct writing or reading; null with the reason where that is refused or unknown.</summary>
    public static SafeFileHandle? TryOpen(string path, bool write, out string? reason)
    {
        if (!OperatingSystem.IsLinux() || DirectFlag == 0)
        {
            reason = $"direct I/O is used on Linux on x64 and arm64 only (this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture})";
            return null;
        }

        var fd = Open(path, (write ? WriteOnly : ReadOnly) | DirectFlag | CloseOnExec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            reason = errno == Refused ? "the filesystem refuses O_DIRECT" : $"opening it with O_DIRECT failed (errno {errno})";
            return null;
        }

        reason = null;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// A pinned array (never moved by the GC, so the address the kernel reads from or writes to stays put) with room for
    /// <paramref name="bytes"/> from a <see cref="Block"/>-aligned start; <see cref="AlignedStart"/> finds that start.
    /// A pinned managed array rather than native memory: no unsafe code in the assembly, and no free to forget.
    /// </summary>
    public static byte[] AllocateAligned(int bytes) => GC.AllocateUninitializedArray<byte>(bytes + Block, pinned: true);

    /// <summary>Where the first <see cref="Block"/>-aligned byte of a pinned array from <see cref="AllocateAligned"/> is.</summary>
    public static int AlignedStart(byte[] pinned) =>
        (int)((Block - (Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0) % Block)) % Block);

    /// <summary>
    /// Reads up to <paramref name="destination"/>'s length from <paramref name="position"/> through a direct handle, less
    /// only where the file ends: the enclosing whole blocks into an aligned bounce buffer (this thread's, reused), then the
    /// asked-for bytes out of it. Bytes of those blocks past what was asked for are never handed out: past a segment's
    /// published size they may be zero padding or frames still being written.
    /// </summary>
    public static int Read(SafeFileHandle handle, Span<byte> destination, long position)
    {
        var start = Floor(position);
        var length = (int)(Ceiling(position + destination.Length) - start);
        var bounce = t_bounce;
        if (bounce is null || bounce.Length - Block < length)
        {
            t_bounce = bounce = AllocateAligned(Math.Max(length, (64 * 1024) + Block));
        }

        var aligned = bounce.AsSpan(AlignedStart(bounce), length);
        var needed = (int)(position - start) + destination.Length;
        var done = 0;
        while (done < needed)
        {
            // Whole blocks at a block-aligned position: a direct read returns a multiple of the block, or stops at the end.
            var n = RandomAccess.Read(handle, aligned[done..], start + done);
            if (n == 0)
            {
                break;
            }

            done += n;
        }

        var available = Math.Clamp(done - (int)(position - start), 0, destination.Length);
        aligned.Slice((int)(position - start), available).CopyTo(destination);
        return available;
    }

    // DllImport rather than LibraryImport: the generated marshalling would need unsafe code in the whole assembly.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}

/// <summary>
/// Whether a file log's partitions write their active segments directly (<see cref="EventLogOptions.DirectWrites"/>),
/// and the one log line that says so where a filesystem refuses it: the first refusal is worth knowing, one per segment is noise.
/// </summary>
internal sealed class DirectWrites(bool enabled, ILogger logger, DirectFile.Opener open)
{
    private int _refusalSaid;

    public bool Enabled { get; } = enabled;

    /// <summary>Opens a segment file for direct I/O; null with the reason where the filesystem (or the platform) refuses it.</summary>
    public SafeFileHandle? TryOpen(string path, bool write, out string? reason) => open(path, write, out reason);

    public void Refused(string path, string reason)
    {
        if (Interlocked.Exchange(ref _refusalSaid, 1) == 0)
        {
            EventLogLog.DirectWritesRefused(logger, path, reason);
        }
    }
}

/// <summary>
/// A partition's aligned staging buffer for direct appends (writer thread only; grown as needed and reused): each commit
/// copies its frames in after the carried bytes of the active segment's last partial block, pads the end with zeros to
/// a whole block and writes it at the block-aligned position. The carried bytes are rewritten unchanged, so a crash in
/// the middle of that write leaves the acknowledged bytes as they were, whichever of the block's sectors made it.
/// </summary>
internal sealed class DirectStaging
{
    private byte[] _pinned = DirectFile.AllocateAligned(DirectFile.Block);
    private int _start;
    private int _capacity = DirectFile.Block;

    // Which segment and logical size the carried bytes at the buffer's start belong to; anything else reloads them.
    private Segment? _carryOf;
    private long _carryAt = -1;

    public DirectStaging() => _start = DirectFile.AlignedStart(_pinned);

    /// <summary>Writes <paramref name="frames"/> after the first <paramref name="size"/> bytes of <paramref name="segment"/> (its logical end).</summary>
    public void Append(Segment segment, SafeFileHandle handle, List<ReadOnlyMemory<byte>> frames, long size)
    {
        var carry = (int)(size % DirectFile.Block);
        var blockStart = size - carry;
        long total = carry;
        foreach (var frame in frames)
        {
            total += frame.Length;
        }

        var padded = (int)DirectFile.Ceiling(total);
        Grow(padded, carry);
        var buffer = _pinned.AsSpan(_start, padded);
        if (carry > 0 && (!ReferenceEquals(_carryOf, segment) || _carryAt != size))
        {
            // After opening an existing segment, or a commit that failed and was cut back: read what the block holds.
            segment.ReadExactly(buffer[..carry], blockStart);
        }

        var at = carry;
        foreach (var frame in frames)
        {
            frame.Span.CopyTo(buffer[at..]);
            at += frame.Length;
        }

        buffer[at..].Clear();
        _carryOf = null; // until the write is known to have been made, the buffer's start holds nothing to rely on
        RandomAccess.Write(handle, buffer, blockStart);

        // The new last partial block moves to the front, ready for the next commit (a commit that is later cut back
        // leaves the segment at another size, and the next one reloads).
        var end = size + (total - carry);
        var tail = (int)(end % DirectFile.Block);
        var tailAt = (int)(DirectFile.Floor(end) - blockStart);
        buffer.Slice(tailAt, tail).CopyTo(buffer);
        _carryOf = segment;
        _carryAt = end;
    }

    private void Grow(int padded, int carry)
    {
        if (padded <= _capacity)
        {
            return;
        }

        var capacity = Math.Max(padded, (int)Math.Min(int.MaxValue - (2 * DirectFile.Block), 2L * _capacity));
        var pinned = DirectFile.AllocateAligned(capacity);
        var start = DirectFile.AlignedStart(pinned);
        _pinned.AsSpan(_start, carry).CopyTo(pinned.AsSpan(start));
        (_pinned, _start, _capacity) = (pinned, start, capacity);
    }
}
