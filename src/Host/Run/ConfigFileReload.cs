using System.Threading.Channels;

namespace ZtStream.Host.Run;

/// <summary>
/// Reads the <c>--config</c> file again when it changes while <c>ztstream run</c> runs. Only <c>Verifier:Rules:Staged</c>
/// applies live: staging or promoting a vendor's rule, whose file is not the SOC's to edit, is a change of that list
/// (docs/rules.md), and it must not wait for a restart. A change of any other key is logged as read at start, naming the
/// keys and not their values (a key may hold a secret). A file that no longer reads — malformed, an unknown key —
/// changes nothing, each problem logged. The folder is watched rather than the file, so an editor's save by rename and a
/// Kubernetes ConfigMap's swap of its data link are seen too; the file's bytes decide whether anything changed.
/// </summary>
internal sealed class ConfigFileReload(
    string file, Func<List<string>, IConfiguration> read, RuleReloader rules, IOptions<VerifierOptions> options, TimeProvider time, ILogger<ConfigFileReload> logger)
    : BackgroundService
{
    private const string StagedKey = VerifierOptions.Section + ":Rules:Staged";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var watcher = RuleReloader.Watch(file, anyFileInFolder: true, changed.Writer, logger);
        if (watcher is null)
        {
            return;
        }

        var bytes = Hash();
        var atStart = Flatten(read([]));
        try
        {
            while (await changed.Reader.WaitToReadAsync(stoppingToken))
            {
                // Debounce as the rule folders are: a save is several events; read once they stop.
                do
                {
                    await Task.Delay(options.Value.Rules.ReloadDelay, time, stoppingToken);
                }
                while (changed.Reader.TryRead(out _));

                var now = Hash();
                if (now is null || (bytes is not null && now.AsSpan().SequenceEqual(bytes)))
                {
                    continue;
                }

                bytes = now;
                Apply(atStart);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Apply(Dictionary<string, string?> atStart)
    {
        var problems = new List<string>();
        var next = read(problems);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                VerifierLog.StagingNotApplied(logger, file, problem);
            }

            return;
        }

        var flat = Flatten(next);
        var restart = flat.Keys.Union(atStart.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !IsStaged(k) && (!atStart.TryGetValue(k, out var was) | !flat.TryGetValue(k, out var value) || was != value))
            .Order(StringComparer.OrdinalIgnoreCase)
            .ToList();
        if (restart.Count > 0)
        {
            VerifierLog.ConfigChangeNeedsRestart(logger, file, string.Join(", ", restart));
        }

        rules.Restage(next.GetSection(StagedKey).Get<string[]>() ?? [], file);
    }

    private static bool IsStaged(string key) =>
        key.Equals(StagedKey, StringComparison.OrdinalIgnoreCase) || key.StartsWith(StagedKey + ":", StringComparison.OrdinalIgnoreCase);

    /// <summary>The configuration's leaves (a section's own null value says nothing).</summary>
    private static Dictionary<string, string?> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable().Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);

    private byte[]? Hash()
    {
        try
        {
            return SHA256.HashData(File.ReadAllBytes(file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Mid-replace, or gone: the next change reads it again.
            return null;
        }
    }
}
