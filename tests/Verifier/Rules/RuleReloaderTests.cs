namespace ZtStream.Verifier.Tests.Rules;

/// <summary>Live reload through the file system: a changed directory swaps the rules in; a bad file keeps the previous set.</summary>
public sealed class RuleReloaderTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("zt-reload-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Rule(string id) => $"id: {id}\ntitle: {id}\nseverity: low\ndetection:\n  s:\n    action: x\n  condition: s\n";

    private static Task Until(Func<bool> condition, string what) => Eventually.HoldsAsync(condition, what, TimeSpan.FromSeconds(30));

    /// <summary>The set of the folder, and a reloader watching it (started, its watcher running).</summary>
    private async Task<(RuleSetHolder Holder, CapturingLogger Logger, RuleReloader Reloader)> WatchAsync()
    {
        var options = new VerifierOptions { Rules = new RuleOptions { Builtin = false, Paths = [dir], ReloadDelay = TimeSpan.FromMilliseconds(100) } };
        var holder = new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(options.Rules).Rules));
        var logger = new CapturingLogger();
        var reloader = new RuleReloader(holder, Options.Create(options), TimeProvider.System, logger);
        await reloader.StartAsync(CancellationToken.None);
        await Until(() => logger.Messages.Any(m => m.Contains("Watching", StringComparison.Ordinal)), "the watcher");
        return (holder, logger, reloader);
    }

    [Fact]
    public async Task ChangedDirectory_Reloads_AndABadFileKeepsThePreviousSet()
    {
        File.WriteAllText(Path.Combine(dir, "a.yaml"), Rule("first"));
        var (holder, logger, reloader) = await WatchAsync();
        using var _ = reloader;

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

    [Fact]
    public async Task SigmaFilter_AddedChangedOrBroken_ReloadsLikeARule()
    {
        File.WriteAllText(Path.Combine(dir, "rule.yml"), ZtStream.TestSupport.Rules.SigmaSamples.DeniedRequest("denied-id", "denied_request", "high"));
        var (holder, logger, reloader) = await WatchAsync();
        using var _ = reloader;
        var ci = RuleTesting.Audit("get", "secrets", "payments", "db", user: "system:serviceaccount:ci:deployer", code: 403);
        Assert.True(holder.Current.Rules[0].Matches(ci));

        static string Filter(string logsource) => $"title: CI\nid: mf-ci\nlogsource:\n  {logsource}\nfilter:\n  rules: [denied_request]\n  selection:\n    user.username|startswith: 'system:serviceaccount:ci:'\n  condition: selection\n";
        File.WriteAllText(Path.Combine(dir, "filter.yml"), Filter("product: kubernetes"));
        await Until(() => holder.Current.Rules[0].Filters.Count == 1, "the filter");
        Assert.False(holder.Current.Rules[0].Matches(ci));

        // A filter that no longer fits its rule keeps the previous set, filter included, and says why.
        File.WriteAllText(Path.Combine(dir, "filter.yml"), Filter("product: okta"));
        await Until(() => logger.Messages.Any(m => m.Contains("not reloaded", StringComparison.Ordinal)), "the rejected reload");
        Assert.Contains(logger.Messages, m => m.Contains("rule 'mf-ci'", StringComparison.Ordinal) && m.Contains("is not the filter's", StringComparison.Ordinal));
        Assert.False(holder.Current.Rules[0].Matches(ci));

        File.Delete(Path.Combine(dir, "filter.yml"));
        await Until(() => holder.Current.Rules[0].Filters.Count == 0, "the filter's removal");
        Assert.True(holder.Current.Rules[0].Matches(ci));
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
