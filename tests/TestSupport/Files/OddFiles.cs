namespace ZtStream.TestSupport.Files;

/// <summary>
/// Paths that are not the small regular file a command expects, as a user names them by mistake: each made in a test's
/// own folder, to check the command refuses it in one line instead of hanging or reading it until memory runs out.
/// </summary>
public static class OddFiles
{
    /// <summary>Nothing there.</summary>
    public const string Missing = "missing";

    /// <summary>A folder.</summary>
    public const string Folder = "folder";

    /// <summary>A named pipe nothing writes to: opening it to read waits for a writer.</summary>
    public const string Fifo = "fifo";

    /// <summary><c>/dev/zero</c>: a device that never ends.</summary>
    public const string DevZero = "dev-zero";

    /// <summary>A 2 GiB sparse file: a dump named by mistake (no disk space taken).</summary>
    public const string Huge = "huge";

    /// <summary>A symbolic link that leads back to itself: cannot be opened, also by root.</summary>
    public const string LinkLoop = "link-loop";

    /// <summary>A file its owner may not read (mode 000): readable all the same by root, unless run <see cref="WithoutOverride"/>.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>Makes a path of <paramref name="kind"/> in <paramref name="folder"/>.</summary>
    public static Task<string> MakeAsync(string kind, string folder) => MakeAtAsync(kind, Path.Combine(folder, $"named-{kind}.yaml"));

    /// <summary>
    /// Makes <paramref name="path"/> (nothing there yet) a <paramref name="kind"/>, as a file a program wrote can be
    /// replaced; <see cref="DevZero"/> is <c>/dev/zero</c> itself. The path to name.
    /// </summary>
    public static async Task<string> MakeAtAsync(string kind, string path)
    {
        switch (kind)
        {
            case Missing:
                break;
            case Folder:
                Directory.CreateDirectory(path);
                break;
            case Fifo:
                var made = await LocalProcess.RunAsync("mkfifo", [path], TimeSpan.FromSeconds(30));
                Assert.True(made.Succeeded, made.Output);
                break;
            case DevZero:
                return "/dev/zero";
            case Huge:
                await using (var file = File.Create(path))
                {
                    file.SetLength(2L * 1024 * 1024 * 1024);
                }

                break;
            case LinkLoop:
                File.CreateSymbolicLink(path, path + ".other");
                File.CreateSymbolicLink(path + ".other", path);
                break;
            case Unreadable:
                await File.WriteAllTextAsync(path, "x: 1\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.None);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of odd file");
        }

        return path;
    }

    /// <summary>The words the one line refusing <paramref name="kind"/> says.</summary>
    public static string Refusal(string kind) => kind switch
    {
        Missing => "does not exist",
        Folder => "is a folder",
        Fifo => "is a named pipe (FIFO), not a regular file",
        DevZero => "is a character device, not a regular file",
        Huge => "holds more than",
        LinkLoop or Unreadable => "cannot be read",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of odd file"),
    };

    /// <summary>
    /// What to run a command under so the kernel refuses it a file of <paramref name="kind"/> as it would refuse a user:
    /// root (tests run as root in CI) reads a file whatever its mode through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so
    /// for an unreadable file the command runs without them (<c>setpriv</c>, util-linux; still root, so it reads the
    /// root-owned folders and binaries it needs). Empty when nothing is needed.
    /// </summary>
    public static IReadOnlyList<string> WithoutOverride(string kind) =>
        kind == Unreadable && LocalProcess.IsRoot && Setpriv is { } setpriv
            ? [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
            : [];

    /// <summary>Root without <c>setpriv</c> reads a file whatever its mode: an unreadable file cannot be made for it.</summary>
    public static void SkipWhenRootReadsAnyway(string kind)
    {
        if (kind == Unreadable && LocalProcess.IsRoot && Setpriv is null)
        {
            Assert.Skip("root reads a file whatever its mode, and setpriv (util-linux), which runs a command without that, is not installed");
        }
    }

    private static string? Setpriv => LocalProcess.Find("setpriv", "/usr/bin/setpriv", "/bin/setpriv");
}
