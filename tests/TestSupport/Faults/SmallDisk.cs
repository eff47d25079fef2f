namespace ZtStream.TestSupport.Faults;

/// <summary>
/// A filesystem of a few hundred kilobytes of its own (tmpfs mounted on a temp folder), so a test can fill it for
/// real: writes then fail with ENOSPC, as on a full disk. Mounting needs root; elsewhere the test is skipped (or fails
/// when services are required). Disposing unmounts it.
/// </summary>
public sealed class SmallDisk : IAsyncDisposable
{
    private readonly string _filler;
    private int _fillers;

    private SmallDisk(string path)
    {
        Path = path;
        _filler = System.IO.Path.Combine(path, "filler");
    }

    public string Path { get; }

    public static async Task<SmallDisk> MountAsync(long bytes)
    {
        if (!OperatingSystem.IsLinux() || !LocalProcess.IsRoot)
        {
            ServiceRequirement.Unavailable("a small filesystem", "mounting tmpfs needs Linux and root");
        }

        var path = Directory.CreateTempSubdirectory("zt-disk-").FullName;
        var mount = await LocalProcess.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", path], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (!mount.Succeeded)
        {
            Directory.Delete(path);
            ServiceRequirement.Unavailable("a small filesystem", $"mount -t tmpfs failed ({mount.ExitCode}): {mount.Output}");
        }

        return new SmallDisk(path);
    }

    /// <summary>Writes filler until the filesystem refuses another byte.</summary>
    public void Fill()
    {
        var block = new byte[4096];
        using var file = NewFiller();
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: exactly what is wanted.
        }
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> of the filesystem with a filler, so that <see cref="Free"/> gives that much back
    /// after whatever else filled the rest: a test can then prove recovery once space really returns.
    /// </summary>
    public void Reserve(int bytes)
    {
        using var file = NewFiller();
        file.Write(new byte[bytes]);
    }

    /// <summary>A filler file of its own, unbuffered so a write the filesystem refuses fails at once.</summary>
    private FileStream NewFiller() =>
        new($"{_filler}-{Interlocked.Increment(ref _fillers)}", FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None);

    /// <summary>Removes every filler written by <see cref="Fill"/> and <see cref="Reserve"/>.</summary>
    public void Free()
    {
        foreach (var filler in Directory.GetFiles(Path, "filler-*"))
        {
            File.Delete(filler);
        }
    }

    /// <summary>
    /// Remounts the filesystem read-only, as the kernel does to a disk after errors (<c>errors=remount-ro</c>): every
    /// write then fails with EROFS, root's too. Refused (EBUSY) while a file on it is open for writing.
    /// </summary>
    public Task RemountReadOnlyAsync() => RemountAsync("ro");

    /// <summary>Makes the filesystem writable again.</summary>
    public Task RemountWritableAsync() => RemountAsync("rw");

    private async Task RemountAsync(string mode)
    {
        var remount = await LocalProcess.RunAsync("mount", ["-o", $"remount,{mode}", Path], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (!remount.Succeeded)
        {
            throw new InvalidOperationException($"mount -o remount,{mode} {Path} failed ({remount.ExitCode}): {remount.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await LocalProcess.RunAsync("umount", ["-l", Path], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still busy for a moment after a lazy unmount; the temp folder is empty either way.
        }
    }
}
