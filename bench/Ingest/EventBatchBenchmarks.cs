using System.Runtime.InteropServices;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using ZtStream.Contracts.Events;
using ZtStream.Contracts.Serialization;
using ZtStream.Ingest.Endpoints;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.Sources;
using ZtStream.Ingest.Sources.Scopes;
using ZtStream.Ingest.Validation;
using ZtStream.Platform.Http;
using ZtStream.Verifier.Simulation;

namespace ZtStream.Benchmarks.Ingest;

/// <summary>
/// <c>POST /v1/events</c> without the HTTP: a body of 1,000 canonical events (simulated traffic, no <c>source</c>, as a
/// sender posts them) parsed and validated, and each accepted event turned into the bytes of its log record: validated by
/// building the event and serialised again with the stamped source (<see cref="Reserialize"/>), validated by building the
/// event and forwarded as its own bytes with the source spliced in (<see cref="ForwardFullValidation"/>), or validated
/// from its bytes without building it and forwarded (<see cref="Forward"/>, what Ingest does: the record written once,
/// straight from the body's bytes; <see cref="ForwardCopyingItems"/> copies each item out first, as Ingest did before),
/// and from a scoped source through the source gate (<see cref="ForwardScoped"/>; <see cref="ForwardScopedReadingEvents"/>
/// reads every event for the gate, as Ingest did before; <see cref="ForwardLabelled"/> from a source labelled with a
/// cluster, which splices the label into each event's bytes). Beside them, what any reader of the same body pays: the
/// parse-and-discard of <c>ztstream bench</c>'s baseline endpoint (<see cref="BaselineParse"/>), the reader's tokens
/// alone (<see cref="Tokens"/>), and Ingest's validation without the record (<see cref="Validate"/>), so the scan's
/// cost beyond the baseline's is measured rather than guessed.
/// One operation = one body of 1,000 events.
/// </summary>
[MemoryDiagnoser]
public class EventBatchBenchmarks
{
    private const int Events = 1_000;
    private static readonly byte[] Stamp = "\"source\":\"bench\","u8.ToArray();
    private readonly EventValidator validator = new(Options.Create(new IngestOptions()), TimeProvider.System);
    private static readonly SourceScope Scope = new(Subjects: ["*"], Namespaces: ["*"]);
    private static readonly SourceScope ClusterScope = Scope with { Clusters = ["prod-eu"] };

    // The simulator's subjects all belong to the tenant "acme".
    private static readonly SourceScope TenantScope = Scope with { Tenants = ["acme"] };

    // A source whose key speaks for one cluster (sources add --cluster): its records that name none are labelled.
    private static readonly SourceScope LabelScope = Scope with { Cluster = "prod-eu" };
    private readonly SourceGate gate = new();
    private readonly EventBatchParser parser;
    private byte[] body = [];
    private byte[] clusterBody = [];

    public EventBatchBenchmarks() => parser = new EventBatchParser(validator);

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        var monday = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-7 - (((int)now.DayOfWeek + 6) % 7));
        var events = new TrafficSimulator(new SimulationOptions { Principals = 200, Days = 1, Seed = 3, Start = monday })
            .Generate().Take(Events).Select(e => e.Event with { Source = null }).ToList();
        body = JsonSerializer.SerializeToUtf8Bytes(events, ContractsJsonContext.Default.ListAccessEvent);
        var labelled = events.Select(e => e with
        {
            Attributes = new Dictionary<string, JsonElement>(e.Attributes ?? new Dictionary<string, JsonElement>(), StringComparer.Ordinal)
            {
                ["k8s.cluster"] = JsonDocument.Parse("\"prod-eu\"").RootElement.Clone(),
            },
        }).ToList();
        clusterBody = JsonSerializer.SerializeToUtf8Bytes(labelled, ContractsJsonContext.Default.ListAccessEvent);
    }

    /// <summary>What the bench's baseline endpoint does with a body: a <see cref="JsonDocument"/> parsed and discarded.</summary>
    [Benchmark]
    public int BaselineParse()
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetArrayLength();
    }

    /// <summary>Every token of the body read once with <see cref="Utf8JsonReader"/>: the floor of any validation from the bytes.</summary>
    [Benchmark]
    public int Tokens()
    {
        var reader = new Utf8JsonReader(body);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }

        return tokens;
    }

    /// <summary>Ingest's parse and validation of the body (<see cref="Forward"/> without the records' bytes).</summary>
    [Benchmark]
    public int Validate() => parser.Parse(body, EventsFormat.Json).Items.Count;

    [Benchmark]
    public int Reserialize()
    {
        var total = 0;
        foreach (var item in FullValidation().Items)
        {
            total += ContractJson.Serialize(item.Event with { Source = "bench" }).Length;
        }

        return total;
    }

    [Benchmark(Baseline = true)]
    public int ForwardFullValidation()
    {
        var total = 0;
        foreach (var item in FullValidation().Items)
        {
            total += EventAppender.Stamped(item.Json!.Value, Stamp).Length;
        }

        return total;
    }

    /// <summary>As <see cref="Forward"/>, with each accepted item's bytes first copied out of the body, as the parser did before the record was written straight from them.</summary>
    [Benchmark]
    public int ForwardCopyingItems()
    {
        var total = 0;
        foreach (var item in parser.Parse(body, EventsFormat.Json).Items)
        {
            total += EventAppender.Stamped(item.Json!.Value.ToArray(), Stamp).Length;
        }

        return total;
    }

    [Benchmark]
    public int Forward()
    {
        var total = 0;
        foreach (var item in parser.Parse(body, EventsFormat.Json).Items)
        {
            total += EventAppender.Stamped(item.Json!.Value, Stamp).Length;
        }

        return total;
    }

    /// <summary>
    /// <see cref="Forward"/> from a scoped source (the bench's own scope: any subject, any namespace) through the source
    /// gate as it was: every item's event read from its bytes for the gate to look at.
    /// </summary>
    [Benchmark]
    public int ForwardScopedReadingEvents()
    {
        var total = 0;
        var errors = new List<ItemError>();
        foreach (var item in parser.Parse(body, EventsFormat.Json).Items)
        {
            if (gate.Admit(item.Event, item.Index, "bench", Scope, adapter: false, errors) is { } admitted)
            {
                total += EventAppender.Stamped(item.Admitted(admitted).Json!.Value, Stamp).Length;
            }
        }

        return total;
    }

    /// <summary>As <see cref="ForwardScopedReadingEvents"/>, the gate deciding from the fields the scan recorded (what Ingest does).</summary>
    [Benchmark]
    public int ForwardScoped() => ForwardThroughGate(body, Scope);

    /// <summary>
    /// As <see cref="ForwardScoped"/>, the same events each labelled with a cluster (<c>attributes["k8s.cluster"]</c>), from a
    /// source limited to that cluster: the gate decides it from the scanned bytes too, the scan recording where the
    /// attribute's string is.
    /// </summary>
    [Benchmark]
    public int ForwardClusterScoped() => ForwardThroughGate(clusterBody, ClusterScope);

    /// <summary>
    /// As <see cref="ForwardScoped"/>, from a source limited to the identity-provider tenant the events' subjects belong to
    /// (<c>subject.tenant</c>): the gate decides it from the scanned bytes, the scan recording where the tenant's string is.
    /// </summary>
    [Benchmark]
    public int ForwardTenantScoped() => ForwardThroughGate(body, TenantScope);

    /// <summary>
    /// As <see cref="ForwardScoped"/>, from a source labelled with a cluster (<c>--cluster</c>): no event names one, so the
    /// gate splices the label into each one's bytes (a new <c>attributes</c>, or a member of the event's own).
    /// </summary>
    [Benchmark]
    public int ForwardLabelled() => ForwardThroughGate(body, LabelScope);

    /// <summary>As <see cref="ForwardLabelled"/>, every event already naming the source's cluster: compared from the bytes, nothing spliced.</summary>
    [Benchmark]
    public int ForwardLabelledNamingIt() => ForwardThroughGate(clusterBody, LabelScope);

    /// <summary>
    /// <paramref name="events"/> parsed, gated by <paramref name="scope"/> from their scanned fields where it can, and
    /// stamped; every item must be admitted, so that what is measured is the path an accepted event takes.
    /// </summary>
    private int ForwardThroughGate(byte[] events, SourceScope scope)
    {
        var total = 0;
        var errors = new List<ItemError>();
        foreach (var item in parser.Parse(events, EventsFormat.Json).Items)
        {
            if (gate.Admit(item, "bench", scope, adapter: false, errors) is { } admitted)
            {
                // Every item forwarded as its bytes: one the gate had to read and serialise would not be the path measured.
                total += EventAppender.Stamped(admitted.Json ?? throw new InvalidOperationException($"item {admitted.Index} was read"), Stamp, scope.Label?.SpliceFor(admitted) ?? default).Length;
            }
        }

        return errors.Count == 0 ? total : throw new InvalidOperationException(errors[0].ToString());
    }

    /// <summary>Every item through <see cref="EventValidator.Parse(JsonElement, int, string, List{ItemError}, out bool)"/>, which builds the event.</summary>
    private MapResult FullValidation() => JsonPayload.MapItems(body, (element, index, items, errors) =>
    {
        var e = validator.Parse(element, index, string.Empty, errors, out var verbatim);
        if (e is not null)
        {
            items.Add(new MappedEvent(index, e, verbatim ? JsonMarshal.GetRawUtf8Value(element).ToArray() : null));
        }
    });
}
