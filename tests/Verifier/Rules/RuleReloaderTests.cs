using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Contracts.Serialization;
using ZtStream.TestSupport.Logging;
using ZtStream.Verifier.Scoring;
using ZtStream.Verifier.Telemetry;

namespace ZtStream.Verifier.Tests.Rules;

/// <summary>
/// Live reload through the file system: a changed directory swaps the rules in; a bad file keeps the previous set; what
/// a reload changed is logged rule by rule, removed and disabled rules warned about and counted; alerts name the new revision.
/// </summary>
public sealed class RuleReloaderTests : IDisposable
{
    private readonly TempFolder temp = new("zt-reload-");
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose()
    {
        services.Dispose();
        temp.Dispose();
    }

    private IMeterFactory Meters => services.GetRequiredService<IMeterFactory>();

    private VerifierOptions Configured => new() { Rules = new RuleOptions { Builtin = false, Paths = [temp.Path], ReloadDelay = TimeSpan.FromMilliseconds(100) } };

    private static Task Until(Func<bool> condition, string what) => Eventually.HoldsAsync(condition, what, TimeSpan.FromSeconds(30));

    /// <summary>The set of the folder, and a reloader watching it (started, its watcher running).</summary>
    private async Task<(RuleSetHolder Holder, CapturingLogger Logger, RuleReloader Reloader)> WatchAsync()
    {
        var options = Configured;
        var holder = new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(options.Rules).Rules));
        var logger = new CapturingLogger();
        var reloader = new RuleReloader(holder, Options.Create(options), TimeProvider.System, logger, Meters);
        await reloader.StartAsync(CancellationToken.None);
        await Until(() => logger.Messages.Any(m => m.Contains("Watching", StringComparison.Ordinal)), "the watcher");
        return (holder, logger, reloader);
    }

    [Fact]
    public async Task ChangedDirectory_Reloads_AndABadFileKeepsThePreviousSet()
    {
        File.WriteAllText(Path.Combine(temp.Path, "a.yaml"), RuleTesting.Minimal("first"));
        var (holder, logger, reloader) = await WatchAsync();
        using var _ = reloader;

        File.WriteAllText(Path.Combine(temp.Path, "b.yaml"), RuleTesting.Minimal("second"));
        await Until(() => holder.Current.Rules.Count == 2, "the new rule");
        Assert.Equal(1, holder.Current.Version);

        File.WriteAllText(Path.Combine(temp.Path, "c.yaml"), "id: broken\ntitle: B\nseverity: low\ndetection:\n  s:\n    nosuch: 1\n  condition: s\n");
        await Until(() => logger.Messages.Any(m => m.Contains("not reloaded", StringComparison.Ordinal)), "the rejected reload");
        Assert.Equal(["first", "second"], holder.Current.Rules.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains(Path.Combine(temp.Path, "c.yaml") + ":6", StringComparison.Ordinal) && m.Contains("unknown field 'nosuch'", StringComparison.Ordinal));

        File.Delete(Path.Combine(temp.Path, "c.yaml"));
        File.Delete(Path.Combine(temp.Path, "a.yaml"));
        await Until(() => holder.Current.Rules.Count == 1, "the removal");
        Assert.Equal("second", holder.Current.Rules[0].Id);
        await reloader.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SigmaFilter_AddedChangedOrBroken_ReloadsLikeARule()
    {
        File.WriteAllText(Path.Combine(temp.Path, "rule.yml"), ZtStream.TestSupport.Rules.SigmaSamples.DeniedRequest("denied-id", "denied_request", "high"));
        var (holder, logger, reloader) = await WatchAsync();
        using var _ = reloader;
        var ci = RuleTesting.Audit("get", "secrets", "payments", "db", user: "system:serviceaccount:ci:deployer", code: 403);
        Assert.True(holder.Current.Rules[0].Matches(ci));

        static string Filter(string logsource) => $"title: CI\nid: mf-ci\nlogsource:\n  {logsource}\nfilter:\n  rules: [denied_request]\n  selection:\n    user.username|startswith: 'system:serviceaccount:ci:'\n  condition: selection\n";
        File.WriteAllText(Path.Combine(temp.Path, "filter.yml"), Filter("product: kubernetes"));
        await Until(() => holder.Current.Rules[0].Filters.Count == 1, "the filter");
        Assert.False(holder.Current.Rules[0].Matches(ci));

        // A filter that no longer fits its rule keeps the previous set, filter included, and says why.
        File.WriteAllText(Path.Combine(temp.Path, "filter.yml"), Filter("product: okta"));
        await Until(() => logger.Messages.Any(m => m.Contains("not reloaded", StringComparison.Ordinal)), "the rejected reload");
        Assert.Contains(logger.Messages, m => m.Contains("rule 'mf-ci'", StringComparison.Ordinal) && m.Contains("is not the filter's", StringComparison.Ordinal));
        Assert.False(holder.Current.Rules[0].Matches(ci));

        File.Delete(Path.Combine(temp.Path, "filter.yml"));
        await Until(() => holder.Current.Rules[0].Filters.Count == 0, "the filter's removal");
        Assert.True(holder.Current.Rules[0].Matches(ci));
        await reloader.StopAsync(CancellationToken.None);
    }

    /// <summary>A reloader of the folder's rules (not watching: each test reloads when it has changed the folder), its log captured.</summary>
    private (RuleSetHolder Holder, RuleReloader Reloader) Reloader(ILoggerFactory factory)
    {
        var holder = new RuleSetHolder(new RuleSet(RuleLoader.LoadConfigured(Configured.Rules).Rules));
        return (holder, new RuleReloader(holder, Options.Create(Configured), TimeProvider.System, factory.CreateLogger<RuleReloader>(), Meters));
    }

    private static string Rule(string id, string severity, string extra = "") =>
        $"id: {id}\ntitle: {id}\nseverity: {severity}\ndetection:\n  s:\n    kind: k8s.audit\n    raw.objectRef.resource: secrets\n  condition: s\n{extra}";

    [Fact]
    public void Reload_EachRuleChange_IsLoggedByRule_RemovedAndDisabledWarnAndCount()
    {
        File.WriteAllText(Path.Combine(temp.Path, "kept.yaml"), Rule("kept", "low"));
        File.WriteAllText(Path.Combine(temp.Path, "edited.yaml"), Rule("edited", "low"));
        File.WriteAllText(Path.Combine(temp.Path, "deleted.yaml"), Rule("deleted", "high"));
        File.WriteAllText(Path.Combine(temp.Path, "turned-off.yaml"), Rule("turned-off", "high"));
        File.WriteAllText(Path.Combine(temp.Path, "turned-on.yaml"), Rule("turned-on", "high", "enabled: false\n"));
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var (holder, reloader) = Reloader(factory);
        var before = holder.Current.Rules.ToDictionary(r => r.Id);
        using var metrics = new Metrics(Meters);

        File.WriteAllText(Path.Combine(temp.Path, "edited.yaml"), Rule("edited", "medium"));
        File.Delete(Path.Combine(temp.Path, "deleted.yaml"));
        File.WriteAllText(Path.Combine(temp.Path, "turned-off.yaml"), Rule("turned-off", "high", "enabled: false\n"));
        File.WriteAllText(Path.Combine(temp.Path, "turned-on.yaml"), Rule("turned-on", "high"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "new"));
        File.WriteAllText(Path.Combine(temp.Path, "new", "added.yaml"), Rule("added", "low"));
        Assert.True(reloader.Reload(Configured.Rules));

        var now = holder.Current.Rules.ToDictionary(r => r.Id);
        string Line(int id) => Assert.Single(log.Lines, l => l.Id.Id == id).Message;
        Assert.Contains($"Rule deleted (revision {before["deleted"].Revision}, deleted.yaml) was removed", Line(4072), StringComparison.Ordinal);
        Assert.Contains($"Rule turned-off (revision {now["turned-off"].Revision}, turned-off.yaml) was disabled", Line(4073), StringComparison.Ordinal);
        Assert.Contains($"Rule edited changed by the reload: revision {before["edited"].Revision} → {now["edited"].Revision} (edited.yaml)", Line(4071), StringComparison.Ordinal);
        Assert.Contains($"Rule added added by the reload: revision {now["added"].Revision} from new/added.yaml", Line(4070), StringComparison.Ordinal);
        Assert.Contains("Rule turned-on enabled", Line(4074), StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Message.Contains("Rule kept ", StringComparison.Ordinal));
        Assert.NotEqual(before["edited"].Revision, now["edited"].Revision);
        Assert.Equal(before["turned-off"].Revision, now["turned-off"].Revision);

        Assert.Equal(1, metrics.Counted(RuleReloader.DroppedCounter, "change", "removed"));
        Assert.Equal(1, metrics.Counted(RuleReloader.DroppedCounter, "change", "disabled"));
        Assert.Equal(1, metrics.Counted(RuleReloader.ReloadsCounter, "outcome", "applied"));
        var gauges = metrics.Observe();
        Assert.Equal(5, gauges[RuleReloader.LoadedGauge]);
        Assert.Equal(4, gauges[RuleReloader.EnabledGauge]);
    }

    /// <summary>
    /// A correlation added beside a rule makes the rule feed it only (Sigma's <c>generate</c> defaults to false): still
    /// loaded and enabled, it raises nothing of its own any more, so the reload warns and counts it as detection that shrank.
    /// </summary>
    [Fact]
    public void Reload_ARuleThatBecomesCorrelationOnly_WarnsAndCountsLikeADisabledOne()
    {
        File.WriteAllText(Path.Combine(temp.Path, "denied.yml"), ZtStream.TestSupport.Rules.SigmaSamples.DeniedRequest("denied-id", "denied_request", "high"));
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var (holder, reloader) = Reloader(factory);
        Assert.True(Assert.Single(holder.Current.Rules).Generates);
        using var metrics = new Metrics(Meters);

        File.WriteAllText(Path.Combine(temp.Path, "many-denied.yml"), Sigma.SigmaCorrelationTests.ManyDenied());
        Assert.True(reloader.Reload(Configured.Rules));

        var denied = holder.Current.Rules.Single(r => r.Id == "denied-id");
        Assert.False(denied.Generates);
        Assert.Contains($"Rule denied-id (revision {denied.Revision}, denied.yml) only feeds a correlation", Assert.Single(log.Lines, l => l.Id.Id == 4075).Message, StringComparison.Ordinal);
        Assert.Equal(1, metrics.Counted(RuleReloader.DroppedCounter, "change", "correlated_only"));

        // Back to raising alerts of its own (the correlation says generate: true): no warning, nothing counted.
        File.WriteAllText(Path.Combine(temp.Path, "many-denied.yml"), Sigma.SigmaCorrelationTests.ManyDenied(extra: "generate: true\n"));
        Assert.True(reloader.Reload(Configured.Rules));
        Assert.True(holder.Current.Rules.Single(r => r.Id == "denied-id").Generates);
        Assert.Single(log.Lines, l => l.Id.Id == 4075);
    }

    [Fact]
    public void Reload_AFalcoRuleTurnedOffByALocalFile_IsDisabledNotRemoved()
    {
        const string Falco = "- rule: Secret read\n  desc: d\n  condition: ka.target.resource=secrets\n  output: read %ka.target.name\n  priority: WARNING\n  source: k8s_audit\n";
        File.WriteAllText(Path.Combine(temp.Path, "a-falco.yaml"), Falco);
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var (holder, reloader) = Reloader(factory);
        using var metrics = new Metrics(Meters);

        File.WriteAllText(Path.Combine(temp.Path, "b-local.yaml"), "- rule: Secret read\n  enabled: false\n");
        Assert.True(reloader.Reload(Configured.Rules));

        Assert.False(Assert.Single(holder.Current.Rules).Enabled);
        Assert.Contains("Rule Secret read (revision", Assert.Single(log.Lines, l => l.Id.Id == 4073).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Id.Id == 4072);
        Assert.Equal(1, metrics.Counted(RuleReloader.DroppedCounter, "change", "disabled"));
        Assert.Equal(0, metrics.Counted(RuleReloader.DroppedCounter, "change", "removed"));
    }

    [Fact]
    public void Reload_ThatFails_KeepsTheSet_ReportsNoChange_AndCountsTheRejection()
    {
        File.WriteAllText(Path.Combine(temp.Path, "a.yaml"), Rule("first", "high"));
        using var log = new CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var (holder, reloader) = Reloader(factory);
        var before = holder.Current;
        using var metrics = new Metrics(Meters);

        File.WriteAllText(Path.Combine(temp.Path, "a.yaml"), Rule("first", "extreme"));
        Assert.False(reloader.Reload(Configured.Rules));

        Assert.Same(before, holder.Current);
        Assert.Contains(log.Lines, l => l.Id.Id == 4051 && l.Message.Contains("'severity' must be one of", StringComparison.Ordinal));
        Assert.Single(log.Lines, l => l.Id.Id == 4052);
        Assert.DoesNotContain(log.Lines, l => l.Id.Id is >= 4070 and <= 4074);
        Assert.Equal(1, metrics.Counted(RuleReloader.ReloadsCounter, "outcome", "rejected"));
        Assert.Equal(0, metrics.Counted(RuleReloader.DroppedCounter, "change", "removed"));
    }

    [Fact]
    public async Task AlertAfterALiveReload_NamesTheNewRevisionAndTheFile()
    {
        File.WriteAllText(Path.Combine(temp.Path, "secrets.yaml"), Rule("secret-touched", "critical"));
        var (holder, logger, reloader) = await WatchAsync();
        using var _ = reloader;
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: holder);
        var first = holder.Current.Rules[0].Revision;

        var before = Assert.Single(engine.Score(RuleTesting.Audit("get", "secrets", user: "ann@example.com")).Alert!.Reasons, r => r.Rule == "secret-touched");
        Assert.Equal((first, "secrets.yaml"), (before.RuleRevision, before.RuleFile));

        File.WriteAllText(Path.Combine(temp.Path, "secrets.yaml"), Rule("secret-touched", "critical").Replace("title: secret-touched", "title: Secret touched", StringComparison.Ordinal));
        await Until(() => holder.Current.Version == 1, "the reload");
        var second = holder.Current.Rules[0].Revision;
        Assert.NotEqual(first, second);
        Assert.Contains(logger.Messages, m => m.Contains($"revision {first} → {second}", StringComparison.Ordinal));

        var alert = engine.Score(RuleTesting.Audit("get", "secrets", user: "bo@example.com")).Alert!;
        var after = Assert.Single(alert.Reasons, r => r.Rule == "secret-touched");
        Assert.Equal((second, "secrets.yaml"), (after.RuleRevision, after.RuleFile));
        var json = JsonSerializer.Serialize(alert, ContractsJsonContext.Default.Alert);
        Assert.Contains($"\"rule_revision\":\"{second}\",\"rule_file\":\"secrets.yaml\"", json, StringComparison.Ordinal);

        // The first principal's open alert, raised by the old text and matched again by the new: it names both.
        var updated = engine.Score(RuleTesting.Audit("get", "secrets", user: "ann@example.com")).Alert!;
        var revisions = updated.Reasons.Where(r => r.Rule == "secret-touched").Select(r => r.RuleRevision).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), revisions);
        await reloader.StopAsync(CancellationToken.None);
    }

    /// <summary>The Verifier meter's rule instruments made by one factory: counters as they are added, gauges when observed.</summary>
    internal sealed class Metrics : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)> seen = [];

        public Metrics(IMeterFactory factory)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == VerifierTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("ztstream.verifier.rules.", StringComparison.Ordinal))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (seen)
                {
                    seen.Add((instrument.Name, value, tags.ToArray()));
                }
            });
            listener.Start();
        }

        public long Counted(string name, string tag, string value)
        {
            lock (seen)
            {
                return seen.Where(m => m.Name == name && m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))).Sum(m => m.Value);
            }
        }

        /// <summary>The sum of <paramref name="name"/>'s measurements carrying both tags.</summary>
        public long Counted(string name, string tag, string value, string tag2, string value2)
        {
            lock (seen)
            {
                return seen.Where(m => m.Name == name && m.Tags.Any(t => t.Key == tag && Equals(t.Value, value)) && m.Tags.Any(t => t.Key == tag2 && Equals(t.Value, value2)))
                    .Sum(m => m.Value);
            }
        }

        public Dictionary<string, long> Observe()
        {
            lock (seen)
            {
                seen.Clear();
            }

            listener.RecordObservableInstruments();
            lock (seen)
            {
                return seen.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last().Value);
            }
        }

        public void Dispose() => listener.Dispose();
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
