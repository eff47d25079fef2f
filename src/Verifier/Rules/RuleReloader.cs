using System.Threading.Channels;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// Reloads the rules live: watches every configured rule directory (and the folder of every configured file), waits
/// for <see cref="RuleOptions.ReloadDelay"/> of quiet after a change, loads the whole set again, and swaps it into the
/// <see cref="RuleSetHolder"/> — which the scoring engines read once per event. A set with any error is not swapped in:
/// each problem is logged with file, line and reason, and the previous rules stay in force. A set swapped in is logged
/// rule by rule against the one it replaces (<see cref="RuleChange"/>): a rule removed or disabled is a warning and
/// counts in <see cref="DroppedCounter"/>, so shrinking detection can page someone; the loaded and enabled rules are gauges,
/// and each rule's matches, live or staged, the counter <see cref="MatchesCounter"/> (<see cref="RuleMatchCounts"/>).
/// </summary>
internal sealed class RuleReloader : BackgroundService
{
    public const string DroppedCounter = "ztstream.verifier.rules.dropped";
    public const string ReloadsCounter = "ztstream.verifier.rules.reloads";
    public const string LoadedGauge = "ztstream.verifier.rules.loaded";
    public const string EnabledGauge = "ztstream.verifier.rules.enabled";
    public const string MatchesCounter = "ztstream.verifier.rules.matches";

    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly RuleSetHolder holder;
    private readonly IOptions<VerifierOptions> options;
    private readonly TimeProvider time;
    private readonly ILogger<RuleReloader> logger;
    private readonly Counter<long> dropped;
    private readonly Counter<long> reloads;
    private readonly Lock gate = new();

    /// <summary>The options the set in force was loaded with: the configured ones, then the last applied <see cref="Restage"/>.</summary>
    private RuleOptions current;

    public RuleReloader(RuleSetHolder holder, IOptions<VerifierOptions> options, TimeProvider time, ILogger<RuleReloader> logger, IMeterFactory meterFactory)
    {
        this.holder = holder;
        this.options = options;
        current = options.Value.Rules;
        this.time = time;
        this.logger = logger;
        var meter = meterFactory.Create(VerifierTelemetry.Name);
        dropped = meter.CreateCounter<long>(DroppedCounter, "{rule}", "Rules a reload removed, disabled or made correlation-only, by change (removed, disabled, correlated_only): detection that shrank.");
        reloads = meter.CreateCounter<long>(ReloadsCounter, "{reload}", "Rule reloads, by outcome: applied, or rejected (a file had an error; the previous rules stay in force).");
        meter.CreateObservableGauge(LoadedGauge, () => (long)holder.Current.Rules.Count, "{rule}", "Detection rules in force, disabled ones included.");
        meter.CreateObservableGauge(EnabledGauge, () => (long)holder.Current.Rules.Count(r => r.Enabled), "{rule}", "Detection rules in force and enabled.");
        meter.CreateObservableCounter(
            MatchesCounter, holder.Matches.Measure, "{match}", "Matches of each rule in force, by rule and mode (live, or staged: shown, never scored or acted on).");
    }

    /// <summary>Reloads completed (swapped in or rejected); tests wait on it.</summary>
    public int Reloads { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rules = options.Value.Rules;
        var set = holder.Current;
        VerifierLog.RulesLoaded(logger, set.Rules.Count, set.Rules.Count(r => r.Enabled), set.Version);
        var watchers = new List<FileSystemWatcher>();
        try
        {
            foreach (var path in rules.Paths)
            {
                if (Watch(path) is { } w)
                {
                    watchers.Add(w);
                }
            }

            if (watchers.Count == 0)
            {
                return;
            }

            while (await changed.Reader.WaitToReadAsync(stoppingToken))
            {
                changed.Reader.TryRead(out _);

                // Debounce: an editor's save or a git checkout is many events; reload once they stop.
                do
                {
                    await Task.Delay(rules.ReloadDelay, time, stoppingToken);
                }
                while (changed.Reader.TryRead(out _));

                Reload(Current);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var w in watchers)
            {
                w.Dispose();
            }
        }
    }

    private RuleOptions Current
    {
        get
        {
            lock (gate)
            {
                return current;
            }
        }
    }

    /// <summary>
    /// Stages the rules <paramref name="staged"/> names and promotes the others the configuration staged (the config
    /// file, <paramref name="file"/>, changed while running): reloads the set with them, kept for every later reload
    /// once it loads. An entry that is not a rule id or pattern, or names no loaded rule, changes nothing: the rules stay
    /// staged as they were, so a typo never promotes a rule meant to stay staged.
    /// </summary>
    public bool Restage(IReadOnlyList<string> staged, string file)
    {
        lock (gate)
        {
            if (current.Staged.SequenceEqual(staged, StringComparer.Ordinal))
            {
                return true;
            }

            var problems = new List<string>();
            RuleStaging.Check($"{VerifierOptions.Section}:Rules:Staged", staged, problems);
            foreach (var problem in problems)
            {
                VerifierLog.StagingNotApplied(logger, file, problem);
            }

            return problems.Count == 0 && ReloadLocked(current with { Staged = staged });
        }
    }

    /// <summary>Loads the configured rules; swaps them in when every file loads, else keeps the current set.</summary>
    public bool Reload(RuleOptions rules)
    {
        lock (gate)
        {
            return ReloadLocked(rules);
        }
    }

    private bool ReloadLocked(RuleOptions rules)
    {
        var result = RuleLoader.LoadConfigured(rules);
        Reloads++;
        if (result.Errors.Count > 0)
        {
            foreach (var e in result.Errors)
            {
                VerifierLog.RuleRejected(logger, e.File, e.Line, e.RuleId is null ? "" : $" (rule '{e.RuleId}')", e.Reason);
            }

            VerifierLog.RulesReloadKeptPrevious(logger, result.Errors.Count, holder.Current.Rules.Count);
            reloads.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
            return false;
        }

        var previous = holder.Current;
        var next = new RuleSet(result.Rules, previous.Version + 1);
        holder.Swap(next);
        current = rules;
        reloads.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
        foreach (var change in RuleChange.Between(previous.Rules, next.Rules))
        {
            Report(change);
        }

        VerifierLog.RulesLoaded(logger, next.Rules.Count, next.Rules.Count(r => r.Enabled), next.Version);
        return true;
    }

    private void Report(RuleChange change)
    {
        var rule = change.Rule;
        switch (change.Kind)
        {
            case RuleChange.Added:
                VerifierLog.RuleAdded(logger, rule.Id, rule.Revision, rule.RelativeFile, (rule.Enabled ? "" : " (disabled)") + (rule.Staged ? " (staged)" : ""));
                break;
            case RuleChange.Changed:
                VerifierLog.RuleChanged(logger, rule.Id, change.Before!.Revision, rule.Revision, rule.RelativeFile);
                break;
            case RuleChange.Enabled:
                VerifierLog.RuleEnabled(logger, rule.Id, rule.Revision, rule.RelativeFile);
                break;
            case RuleChange.Staged:
                VerifierLog.RuleStaged(logger, rule.Id, rule.Revision, rule.RelativeFile);
                break;
            case RuleChange.Promoted:
                VerifierLog.RulePromoted(logger, rule.Id, rule.Revision, rule.RelativeFile);
                break;
            case RuleChange.Removed:
                VerifierLog.RuleRemoved(logger, rule.Id, rule.Revision, rule.RelativeFile);
                dropped.Add(1, new KeyValuePair<string, object?>("change", change.Kind));
                break;
            case RuleChange.Disabled:
                VerifierLog.RuleDisabled(logger, rule.Id, rule.Revision, rule.RelativeFile);
                dropped.Add(1, new KeyValuePair<string, object?>("change", change.Kind));
                break;
            case RuleChange.CorrelatedOnly:
                VerifierLog.RuleCorrelatedOnly(logger, rule.Id, rule.Revision, rule.RelativeFile);
                dropped.Add(1, new KeyValuePair<string, object?>("change", change.Kind));
                break;
        }
    }

    private FileSystemWatcher? Watch(string path) =>
        Watch(path, anyFileInFolder: false, changed.Writer, logger);

    /// <summary>
    /// Watches <paramref name="path"/> — a folder and all below it, or a file's folder for that file (or, with
    /// <paramref name="anyFileInFolder"/>, for any of its entries: a ConfigMap swaps a link beside the file) — writing to
    /// <paramref name="changed"/> on every change; null, logged, where it cannot be watched.
    /// </summary>
    internal static FileSystemWatcher? Watch(string path, bool anyFileInFolder, ChannelWriter<bool> changed, ILogger logger)
    {
        var full = Path.GetFullPath(path);
        var directory = Directory.Exists(full) ? full : Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory))
        {
            VerifierLog.RuleWatcherFailed(logger, path, "the folder does not exist");
            return null;
        }

        try
        {
            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = Directory.Exists(full),
                Filter = Directory.Exists(full) || anyFileInFolder ? "*" : Path.GetFileName(full),
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            FileSystemEventHandler onChange = (_, _) => changed.TryWrite(true);
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Deleted += onChange;
            watcher.Renamed += (_, _) => changed.TryWrite(true);
            watcher.Error += (_, e) =>
            {
                VerifierLog.RuleWatcherFailed(logger, path, e.GetException().Message);
                changed.TryWrite(true);
            };
            watcher.EnableRaisingEvents = true;
            VerifierLog.RulesWatching(logger, directory);
            return watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
        {
            VerifierLog.RuleWatcherFailed(logger, path, ex.Message);
            return null;
        }
    }
}
