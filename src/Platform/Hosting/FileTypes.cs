namespace ZtStream.Platform.Hosting;

/// <summary>
/// What a path or an open file is (a regular file, a folder, a named pipe, a device, a socket), which .NET does not say:
/// <c>File.Exists</c> is true for a named pipe and for <c>/dev/zero</c>. Through libc's <c>statx</c>, whose layout is the
/// same on every Linux architecture; Linux only.
/// </summary>
internal static class FileTypes
{
    public const int Regular = 0x8000;
    public const int Directory = 0x4000;
    public const int NamedPipe = 0x1000;

    /// <summary>errno ENOENT: no such file.</summary>
    public const int NoSuchFile = 2;

    /// <summary>errno ENOTDIR: a part of the path before its end is not a folder.</summary>
    public const int NotAFolder = 20;

    private const int TypeMask = 0xF000;
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxInode = 0x100;
    private const int ModeOffset = 28;
    private const int OpenReadOnly = 0;
    private const int OpenNonBlocking = 0x800;
    private const int OpenCloseOnExec = 0x80000;
    private const short PollIn = 0x1;

    /// <summary>errno EINTR: a signal arrived during the call.</summary>
    private const int Interrupted = 4;

    /// <summary>The type of what <paramref name="path"/> names (symbolic links followed), or the errno that says why it cannot be told.</summary>
    public static (int Error, int Type) Of(string path)
    {
        var buffer = new byte[256];
        return Statx(AtFdCwd, path, 0, StatxType, buffer) == 0 ? (0, TypeOf(buffer)) : (Marshal.GetLastPInvokeError(), 0);
    }

    /// <summary>
    /// The device and inode of what <paramref name="path"/> names (symbolic links followed): the same pair is the same file,
    /// so a file replaced or deleted behind an open handle shows as another pair or none. Null when it cannot be told.
    /// </summary>
    public static (uint DeviceMajor, uint DeviceMinor, ulong Inode)? IdentityOf(string path)
    {
        var buffer = new byte[256];
        return Statx(AtFdCwd, path, 0, StatxInode, buffer) == 0
            ? (BitConverter.ToUInt32(buffer, 136), BitConverter.ToUInt32(buffer, 140), BitConverter.ToUInt64(buffer, 32))
            : null;
    }

    /// <summary>The type of an open file.</summary>
    public static int Of(SafeFileHandle handle)
    {
        var buffer = new byte[256];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxType, buffer) == 0
                ? TypeOf(buffer)
                : throw new IOException($"cannot tell what the file is: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading without waiting: a named pipe with no writer opens at once instead of
    /// blocking until one comes. Null and the errno when it cannot be opened.
    /// </summary>
    public static SafeFileHandle? OpenWithoutBlocking(string path, out int error)
    {
        var fd = Open(path, OpenReadOnly | OpenNonBlocking | OpenCloseOnExec);
        error = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// Whether a read of <paramref name="handle"/> would not wait (something to read, its end, or an error) within
    /// <paramref name="timeout"/>, told by <c>poll</c>. False when the time ran out or a signal cut the wait short (EINTR:
    /// the caller looks at what the signal asked for, then waits again); true on any other failure, so the read that follows
    /// reports it.
    /// </summary>
    public static bool WaitReadable(SafeFileHandle handle, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fds = new[] { new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollIn, ReturnedEvents = 0 } };
            var ready = Poll(fds, 1, (int)timeout.TotalMilliseconds);
            return ready > 0 ? fds[0].ReturnedEvents != 0 : ready < 0 && Marshal.GetLastPInvokeError() != Interrupted;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>What a type is, as the user would say it.</summary>
    public static string Describe(int type) => type switch
    {
        NamedPipe => "a named pipe (FIFO)",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        0xA000 => "a symbolic link",
        Directory => "a folder",
        _ => "not a regular file",
    };

    private static int TypeOf(byte[] buffer) => BitConverter.ToUInt16(buffer, ModeOffset) & TypeMask;

    // DllImport rather than LibraryImport: the generated marshalling would need unsafe code in the whole assembly.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll([In, Out] PollFd[] fds, nuint count, int timeoutMs);

    /// <summary>libc's <c>struct pollfd</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }
}
