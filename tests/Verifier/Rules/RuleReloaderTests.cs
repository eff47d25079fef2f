namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Live reload through the file system: a changed directory swaps the rules in; a bad file keeps the previous set.</summary>
public sealed class RuleReloaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("zt-reload-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Rule(string id) => $"id: {id}\ntitle: {id}\nseverity: low\ndetection:\n  s:\n    action: x\n  condition: s\n";

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task ChangedDirectory_Reloads_AndABadFileKeepsThePreviousSet()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Rule("first"));
        var options = new VerifierOptions { Rules = new RuleOptions { Builtin = false, Paths = [dir], ReloadDelay = TimeSpan.FromMilliseconds(100) } };
        var holder = new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(options.Rules).Rules));
        var logger = new CapturingLogger();
        using var reloader = new RuleReloader(holder, Options.Create(options), TimeProvider.System, logger);
        await reloader.StartAsync(CancellationToken.None);
        await Until(() => logger.Messages.Any(m => m.Contains("Watching", StringComparison.Ordinal)), "the watcher");

        File.WriteAllText(Path.Combine(dir, "b.yaml"), Rule("second"));
        await Until(() => holder.Current.Rules.Count == 2, "the new rule");
        Assert.Equal(1, holder.Current.Version);

        File.WriteAllText(Path.Combine(dir, "c.yaml"), "id: broken\ntitle: B\nseverity: low\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n");
        await Until(() => logger.Messages.Any(m => m.Contains("not reloaded", StringComparison.Ordinal)), "the rejected reload");
        Assert.Equal(["first", "second"], holder.Current.Rules.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains(Path.Combine(dir, "c.yaml") + ":6", StringComparison.Ordinal) && m.Contains("unknown field 'nosuch'", StringComparison.Ordinal));

        File.Delete(Path.Combine(dir, "c.yaml"));
        File.Delete(Path.Combine(dir, "a.yaml"));
        await Until(() => holder.Current.Rules.Count == 1, "the removal");
        Assert.Equal("second", holder.Current.Rules[0].Id);
        await reloader.StopAsync(CancellationToken.None);
    }

    private sealed class CapturingLogger : Microsoft.Extensions.Logging.ILogger<RuleReloader>
    {
        private readonly List<string> messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (messages)
                {
                    return [.. messages];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (messages)
            {
                messages.Add(formatter(state, exception));
            }
        }
    }
}
