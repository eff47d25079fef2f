using ZtStream.TestSupport.Cli;

namespace ZtStream.Verifier.Tests.Rules.Metamorphic;

/// <summary>
/// The renaming and the batching through the way a user checks a rule set against a recording: <c>ztstream rules
/// backtest</c> with the configured set (the built-in library), reading the file as replay and live ingestion read it
/// (the k8s-audit adapter, the event validator) and scoring it as the Verifier does. The k8s-audit evaluation set once
/// as an audit log (one Event a line), once renamed and in batches of other sizes, each line an EventList or a single
/// Event, each batch after one of its requests' <c>RequestReceived</c> records: per rule the same matches, events and
/// principals, and the same events (renamed back).
/// </summary>
public sealed class BacktestMetamorphicTests : IDisposable
{
    private static readonly int Seed = JsonReshaper.Setting("ZTSTREAM_METAMORPHIC_SEED", 20261203);
    private readonly TempFolder dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Backtest_RenamedAndBatchedRecording_SameMatchesPerRule_OnTheSameEventsRenamed()
    {
        var corpus = AuditCorpus.Get("eval");
        var random = new Random(Seed);
        var renaming = new AuditRenaming(RuleLiterals.Of(corpus.Sources.Select(s => s.Text)), corpus.Events, Seed);
        var original = Path.Combine(dir.Path, "audit.log");
        await File.WriteAllLinesAsync(original, corpus.Events.Select(e => e.ToJsonString()), Ct);
        var batched = Path.Combine(dir.Path, "renamed-batches.log");
        var renamed = corpus.Events.Select(renaming.Rename).ToList();
        var lines = new List<string>();
        for (var at = 0; at < renamed.Count;)
        {
            var n = Math.Min(random.Next(1, 30), renamed.Count - at);
            var chunk = renamed.Skip(at).Take(n).ToList();
            // An audit policy that keeps RequestReceived: each request's first record in the batch before.
            lines.Add(AuditEvents.EventList(chunk.Select(AuditShapes.Received)).ToJsonString());
            lines.Add(n == 1 && random.Next(2) == 0 ? chunk[0].ToJsonString()
                : AuditEvents.EventList(chunk).ToJsonString());
            at += n;
        }

        await File.WriteAllLinesAsync(batched, lines, Ct);

        var (before, beforeSummary) = await Backtest(original);
        var (after, afterSummary) = await Backtest(batched);

        var (givenBefore, givenAfter) = (await GivenIds(original), await GivenIds(batched));
        var context = $"seed {Seed}, {lines.Count} batches, {renaming.Words.Count} words and {renaming.Addresses.Count} addresses renamed";
        Assert.Equal(corpus.Events.Count, beforeSummary.GetProperty("events").GetInt32());
        Assert.Equal(0, beforeSummary.GetProperty("refused").GetInt32());
        Assert.True(afterSummary.GetProperty("events").GetInt32() == 2 * corpus.Events.Count && afterSummary.GetProperty("refused").GetInt32() == 0, $"{context}: {afterSummary}");
        Assert.True(before.Values.Sum(r => r.GetProperty("matches").GetInt32()) >= 50, $"{context}: too few matches to compare");
        foreach (var (id, rule) in before)
        {
            var other = after[id];
            Assert.True(
                (rule.GetProperty("matches").GetInt32(), rule.GetProperty("events").GetInt32(), rule.GetProperty("principals").GetInt32())
                == (other.GetProperty("matches").GetInt32(), other.GetProperty("events").GetInt32(), other.GetProperty("principals").GetInt32()),
                $"{id}, {context}: before {rule}\nafter {other}");
            Assert.Equal(Samples(rule).Select(x => renaming.Map(givenBefore[x])).Order(StringComparer.Ordinal), Samples(other).Select(x => givenAfter[x]).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Each event id of a recording, as the <c>auditID</c> it was given: the event id digests it with the request's names, which the renaming changes.</summary>
    private static async Task<Dictionary<string, string>> GivenIds(string file)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var stream = File.OpenRead(file);
        foreach (var e in Replay.FalcoSuite.Readers["k8s-audit"](stream, DateTimeOffset.UnixEpoch, static _ => { }))
        {
            ids[e.Id] = e.Attributes!["k8s.audit_id"].GetString()!;
        }

        return ids;
    }

    private static IEnumerable<string> Samples(JsonElement rule) => rule.GetProperty("samples").EnumerateArray().Select(s => s.GetString()!);

    private static async Task<(Dictionary<string, JsonElement> Rules, JsonElement Summary)> Backtest(string events)
    {
        var (code, output, error) = await CommandRun.RunAsync(
            new RulesCommand(Replay.FalcoSuite.Readers), [], ["backtest", "--events", events, "--format", "k8s-audit", "--samples", "1000", "--json"]);
        Assert.True(code == 0, $"{events}: exit {code}\n{error}");
        return CommandRun.JsonLines(output);
    }
}
