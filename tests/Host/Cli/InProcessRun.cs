namespace ZtStream.Host.Tests.Cli;

/// <summary>
/// The host <c>ztstream run</c> builds (<see cref="RunCommand.BuildValidated"/>), in this process: Kestrel on
/// 127.0.0.1:0 and an embedded store in a folder of its own (the event log lives beside the store, and one process owns
/// it), the test's settings on top.
/// </summary>
internal static class InProcessRun
{
    /// <summary>The command's context over <paramref name="settings"/>, its data in a new folder under <paramref name="folder"/>.</summary>
    public static CliContext Context(string folder, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Store:SqlitePath"] = Path.Combine(Directory.CreateDirectory(Path.Combine(folder, Guid.NewGuid().ToString("N"))).FullName, "zt.db"),
        }).AddInMemoryCollection(settings).Build();
        return new CliContext(TextWriter.Null, TextWriter.Null, configuration, TimeProvider.System);
    }

    /// <summary>The host built from <paramref name="context"/>; the test fails with every problem of its configuration when there is one.</summary>
    public static WebApplication Build(CliContext context, Action<WebApplicationBuilder>? customize = null)
    {
        var problems = new List<string>();
        var app = RunCommand.BuildValidated(context, problems, customize);
        Assert.True(app is not null, string.Join("; ", problems));
        return app;
    }

    /// <summary>The host of <paramref name="settings"/> (see <see cref="Context"/>), built and started.</summary>
    public static async Task<WebApplication> StartAsync(string folder, IEnumerable<KeyValuePair<string, string?>> settings, Action<WebApplicationBuilder>? customize = null)
    {
        var app = Build(Context(folder, settings), customize);
        await app.StartAsync(Ct);
        return app;
    }
}
