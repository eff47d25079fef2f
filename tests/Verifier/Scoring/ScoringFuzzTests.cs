using Microsoft.Extensions.DependencyInjection;
using ZtStream.Ingest.Endpoints;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Sources.K8sAudit;
using ZtStream.Ingest.Sources.Scopes;
using ZtStream.Ingest.Telemetry;
using ZtStream.Ingest.Validation;
using ZtStream.TestSupport.Fuzzing;

namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A record on the events topic need not come from Ingest (another producer on a shared Kafka cluster, a replayed file):
/// whatever valid JSON it holds, scoring it returns a result or refuses it as not an access event (a JsonException, which
/// dead-letters the record), never another exception and never a hang, with every detector and the built-in rules on.
/// </summary>
public sealed class ScoringFuzzTests
{
    [Fact(Timeout = 300_000)]
    public async Task Score_SimulatedEventsInOtherShapes_ScoreOrRefuseAsNotAnEvent()
    {
        var options = new VerifierOptions();
        var rules = RuleLoader.Load(RuleLoader.Builtin());
        var engine = new ScoringEngine(options, DefaultPolicy.Load(), new ModelHost(options), new RuleSetHolder(new RuleSet(rules.Rules)));
        var seeds = Seeds().Select(e => JsonNode.Parse(ContractJson.Serialize(e))!).ToArray();
        var (scored, refused) = (0, 0);

        await JsonReshaper.RunAsync(5000, 20261130, (i, random) =>
        {
            if (ScoredAs(engine, JsonReshaper.Reshape(seeds[random.Next(seeds.Length)], random), $"fuzz-{i}"))
            {
                scored++;
            }
            else
            {
                refused++;
            }
        }, TestContext.Current.CancellationToken);

        // Both outcomes occur: the reshaping neither always breaks the event nor never does.
        Assert.True(scored > 0 && refused > 0, $"scored {scored}, refused {refused}");
    }

    /// <summary>
    /// Scores three of <paramref name="events"/> (the first as it is, two reshaped, each with an id of case
    /// <paramref name="fuzzCase"/>) with <paramref name="engine"/>, for a fuzz test of what the engine was built from
    /// (<paramref name="what"/>, shown on a failure); returns how many were access events, and so scored.
    /// </summary>
    internal static int ScoreSome(ScoringEngine engine, JsonNode[] events, Random random, int fuzzCase, string what)
    {
        var scored = 0;
        for (var n = 0; n < 3; n++)
        {
            var doc = n == 0 ? events[random.Next(events.Length)] : JsonReshaper.Reshape(events[random.Next(events.Length)], random);
            try
            {
                // Not an access event is refused before anything scores it, as the test above shows.
                scored += ScoredAs(engine, doc, $"fuzz-{fuzzCase}-{n}") ? 1 : 0;
            }
            catch (Exception ex)
            {
                Assert.Fail($"case {fuzzCase}: scoring threw {ex}\n{what}\nevent: {Shown(doc.ToJsonString())}");
            }
        }

        return scored;
    }

    /// <summary>
    /// Scores <paramref name="doc"/>, its string id (if it has one) made <paramref name="id"/> — a new id each time, since a
    /// repeated one is passed over before any detector runs: true when it scored, false when it was refused as not an
    /// access event (a JsonException); any other exception is the caller's.
    /// </summary>
    private static bool ScoredAs(ScoringEngine engine, JsonNode doc, string id)
    {
        if (doc is JsonObject o && o["id"] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            o["id"] = id;
        }

        try
        {
            engine.Score(Encoding.UTF8.GetBytes(doc.ToJsonString()));
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The adapter a test payload is for: the folder under IngestTestData it sits in, at any depth, named after it — but
    /// <c>gcp-audit</c>, Cloud Audit Logs entries of services other than GKE, which the audit endpoint takes as it takes GKE's.
    /// </summary>
    private static string AdapterFolder(string file) =>
        Path.GetRelativePath(Path.Combine(AppContext.BaseDirectory, "IngestTestData"), file).Split(Path.DirectorySeparatorChar)[0] switch
        {
            "gcp-audit" => K8sAuditMapper.SourceName,
            var folder => folder,
        };

    /// <summary>A fuzzed input short enough to read in a failure message.</summary>
    internal static string Shown(string text) => text.Length <= 2_000 ? text : text[..2_000] + "…";

    /// <summary>Simulated events of each kind (sign-ins, API requests, Kubernetes audit), for other fuzz tests too.</summary>
    internal static IEnumerable<AccessEvent> Seeds() =>
        new TrafficSimulator(new SimulationOptions { Principals = 30, Days = 1, Seed = 11 }).Generate().Select(s => s.Event).Where((_, i) => i % 7 == 0);

    /// <summary>
    /// What Ingest acknowledges, the Verifier scores: a record it refused would be dead-lettered, acknowledged and never
    /// scored. Canonical events and vendor payloads, reshaped, go through Ingest's parser or adapters and its appender
    /// into a log; every record there scores without an exception of any kind.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Ingest_WhatItAcceptsInOtherShapes_TheVerifierScoresEveryRecord()
    {
        var canonical = Seeds().Select(e => JsonNode.Parse(ContractJson.Serialize(e))!).ToArray();
        var vendor = Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "IngestTestData"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".ndjson", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Adapter: SourceAdapters.All.Single(a => a.Name == AdapterFolder(f)), Document: JsonReshaper.Load(f)))
            .ToArray();
        Assert.NotEmpty(vendor);
        var ingest = new IngestOptions { MaxEventAge = TimeSpan.FromDays(36_500) };
        var parser = new EventBatchParser(new EventValidator(Microsoft.Extensions.Options.Options.Create(ingest), TimeProvider.System));
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var log = new InProcessEventLog(new EventLogOptions(), TimeProvider.System, NullLogger<InProcessEventLog>.Instance);
        var appender = new EventAppender(log, new IngestMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), Microsoft.Extensions.Options.Options.Create(ingest));

        var results = new List<MapResult>();
        await JsonReshaper.RunAsync(1500, 20261130, (_, random) =>
        {
            // Half vendor payloads through their own adapter, half canonical events through the events endpoint's parser.
            var (adapter, seed) = random.Next(2) == 0 ? vendor[random.Next(vendor.Length)] : (null, canonical[random.Next(canonical.Length)]);
            var body = Encoding.UTF8.GetBytes(JsonReshaper.Reshape(seed, random).ToJsonString());
            results.Add(adapter is not null ? adapter.Map(body, SourceMapOptions.Default) : parser.Parse(body, EventsFormat.Json));
        }, TestContext.Current.CancellationToken);

        var accepted = 0;
        foreach (var result in results.Where(r => r.Items.Count > 0))
        {
            accepted += result.Items.Count;
            await appender.AppendAsync(result.Items, "fuzz", SourceScope.None, Ct);
        }

        var engine = new ScoringEngine(new VerifierOptions(), DefaultPolicy.Load(), rules: new RuleSetHolder(new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules)));
        var records = 0;
        foreach (var partition in await log.PartitionsAsync(ingest.Topic, Ct))
        {
            foreach (var record in await log.ReadAsync(ingest.Topic, partition.Partition, 0, int.MaxValue, Ct))
            {
                var exception = Record.Exception(() => engine.Score(record.Value.Span));
                Assert.True(exception is null, $"{exception}\n{Encoding.UTF8.GetString(record.Value.Span)}");
                records++;
            }
        }

        // Enough of it is accepted for this to say something (and address twins of failed sign-ins add records).
        Assert.True(accepted > 300 && records >= accepted, $"accepted {accepted}, records {records}");
    }
}
