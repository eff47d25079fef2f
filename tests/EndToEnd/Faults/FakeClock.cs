namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// The wall clock of a <c>ztstream run</c> started under libfaketime (the <c>faketime</c> package): the test writes an
/// offset to its file and the process's clock steps there, as an NTP step or a VM restored from a snapshot steps it.
/// The monotonic clock is left alone (<c>FAKETIME_DONT_FAKE_MONOTONIC</c>), as the kernel leaves it.
/// </summary>
internal sealed class FakeClock
{
    private readonly string _file;

    private FakeClock(string file, string library)
    {
        _file = file;
        Environment = new Dictionary<string, string>
        {
            ["LD_PRELOAD"] = library,
            ["FAKETIME_TIMESTAMP_FILE"] = file,
            ["FAKETIME_CACHE_DURATION"] = "1",
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        };
    }

    /// <summary>What the process is started with.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>A clock at the real time, its file in <paramref name="folder"/>; skips the test where libfaketime is missing.</summary>
    public static async Task<FakeClock> CreateAsync(DirectoryInfo folder)
    {
        var library = new[] { "x86_64-linux-gnu", "aarch64-linux-gnu" }
            .Select(arch => $"/usr/lib/{arch}/faketime/libfaketime.so.1").FirstOrDefault(File.Exists);
        if (library is null)
        {
            ServiceRequirement.Unavailable("libfaketime", "install the faketime package (apt-get install faketime)");
        }

        var clock = new FakeClock(Path.Combine(folder.FullName, "clock"), library!);
        await File.WriteAllTextAsync(clock._file, "+0", Ct);
        return clock;
    }

    /// <summary>
    /// Writes <paramref name="offset"/> (libfaketime's relative form, from the real clock) and waits until the process's
    /// answers are dated that far from the real clock (Kestrel's <c>Date</c>, give or take a minute).
    /// </summary>
    public async Task JumpAsync(HttpClient api, string offset, TimeSpan expected)
    {
        await File.WriteAllTextAsync(_file, offset, Ct);
        var jumped = await Eventually.WithinAsync(
            async () =>
            {
                using var response = await api.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
                return response.Headers.Date is { } date && (date - DateTimeOffset.UtcNow - expected).Duration() < TimeSpan.FromMinutes(1);
            },
            TimeSpan.FromSeconds(30),
            Ct);
        Assert.True(jumped, $"the process's clock did not move to {offset}");
    }
}
