using ZtStream.Platform.Store.Migrations;
using ZtStream.Platform.Store.Sqlite;

namespace ZtStream.Verifier.Tests.Processing;

/// <summary>A SQLite store in a temp folder with the verifier's schema, and helpers to drive workers over a log.</summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    private readonly string? dir;

    private WorkerHarness(IEventLog log, VerifierTopics topics, IStore? store = null)
    {
        Log = log;
        Topics = topics;
        if (store is null)
        {
            dir = Directory.CreateTempSubdirectory("zt-verifier-").FullName;
            store = new SqliteStore(new StoreOptions { ConnectionString = Path.Combine(dir, "zt.db") });
        }

        Store = store;
    }

    /// <summary>A second instance's view: another log client, the same store and topics.</summary>
    public WorkerHarness WithLog(IEventLog log) => new(log, Topics, Store);

    public IEventLog Log { get; }

    public VerifierTopics Topics { get; }

    public IStore Store { get; }

    public ConcurrentDictionary<string, Alert> Alerts { get; } = new();

    public ConcurrentBag<Alert> AlertMessages { get; } = [];

    private CancellationTokenSource? watching;

    private Task? watcher;

    /// <summary>Topics and a consumer group no other test uses, for an embedded log.</summary>
    public static VerifierTopics UniqueTopics() =>
        new($"zt.test.events.{Guid.NewGuid():N}.v1", $"zt.test.alerts.{Guid.NewGuid():N}.v1", $"zt.test.feedback.{Guid.NewGuid():N}.v1", $"zt-verifier-{Guid.NewGuid():N}");

    /// <summary>Topics and a consumer group no other test uses, on the assembly's shared Kafka cluster.</summary>
    public static VerifierTopics UniqueKafkaTopics() =>
        new(KafkaFixture.UniqueTopic("events"), KafkaFixture.UniqueTopic("alerts"), KafkaFixture.UniqueTopic("feedback"), KafkaFixture.UniqueGroup("verifier"));

    /// <summary>A harness over <paramref name="log"/>; its store is <paramref name="store"/> (migrated here) or a SQLite file of its own.</summary>
    public static async Task<WorkerHarness> CreateAsync(IEventLog log, VerifierTopics topics, IStore? store = null)
    {
        var h = new WorkerHarness(log, topics, store);
        await new StoreMigrator(h.Store, [new VerifierMigrations()]).MigrateAsync(CancellationToken.None);
        return h;
    }

    /// <summary>A worker over the harness's log and topics, checkpointing to <paramref name="store"/> (the harness's own by default).</summary>
    public VerifierWorker NewWorker(IStore? store = null) => new(Log, new CheckpointStore(store ?? Store, TimeProvider.System),
        Options.Create(new VerifierOptions { ModelEnabled = false, CheckpointEveryRecords = 10 }), TimeProvider.System, NullLogger<VerifierWorker>.Instance, Topics);

    public Task AppendAsync(IEnumerable<AccessEvent> events) =>
        Log.AppendAsync(Topics.Events, [.. events.Select(e => new LogRecord(e.PrincipalKey, ContractJson.Serialize(e)))], CancellationToken.None);

    /// <summary>
    /// Appends two days of steady reads (<see cref="Events.WarmHistory"/>) and then one read of 2 GB, far above their
    /// mean: the one event an alert on this log must name. Returns that read.
    /// </summary>
    public async Task<AccessEvent> AppendHistoryThenExfiltrationAsync()
    {
        var exfil = Events.Read(Events.T0.AddHours(49), bytes: 2_000_000_000);
        await AppendAsync([.. Events.WarmHistory(), exfil]);
        return exfil;
    }

    /// <summary>
    /// Once <paramref name="worker"/> has raised an alert (<paramref name="alertAwaited"/> names it) and scored the 49
    /// events of <see cref="AppendHistoryThenExfiltrationAsync"/>, stops it and leaves room for a duplicate to show up:
    /// the alert was appended exactly once and names only <paramref name="exfil"/>. Needs <see cref="WatchAlerts"/>.
    /// </summary>
    public async Task<Alert> StopAfterTheOnlyAlertAsync(VerifierWorker worker, AccessEvent exfil, string alertAwaited)
    {
        await Eventually.HoldsAsync(() => !AlertMessages.IsEmpty, alertAwaited, TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => worker.EventsScored == 49, "every event", TimeSpan.FromSeconds(30));
        await worker.StopAsync(CancellationToken.None);
        worker.Dispose();
        await Task.Delay(300, Ct); // room for a duplicate to show up

        var alert = Assert.Single(AlertMessages);
        Assert.Equal([exfil.Id], alert.EvidenceEventIds);
        return alert;
    }

    /// <summary>
    /// Starts collecting alerts from the alerts topic into <see cref="Alerts"/> and <see cref="AlertMessages"/>, in a
    /// consumer group of its own, until <see cref="StopWatchingAsync"/> (or disposal).
    /// </summary>
    public void WatchAlerts()
    {
        watching = new CancellationTokenSource();
        watcher = Log.ConsumeAsync(new ConsumerSpec($"watch-{Guid.NewGuid():N}", [Topics.Alerts]), new Collector(this), watching.Token);
    }

    /// <summary>Stops collecting alerts; a failure of the collecting consumer surfaces here.</summary>
    public async Task StopWatchingAsync()
    {
        await watching!.CancelAsync();
        await watcher!;
        watching.Dispose();
        watching = null;
    }

    public ValueTask DisposeAsync()
    {
        // A test that failed before StopWatchingAsync leaves the collector running: stop it with the harness.
        watching?.Cancel();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            if (dir is not null)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private sealed class Collector(WorkerHarness h) : IRecordHandler
    {
        public Task HandleAsync(ConsumedRecord record, CancellationToken cancellationToken)
        {
            var a = ContractJson.DeserializeAlert(record.Value.Span);
            h.AlertMessages.Add(a);
            h.Alerts[a.Id] = a;
            return Task.CompletedTask;
        }
    }
}
