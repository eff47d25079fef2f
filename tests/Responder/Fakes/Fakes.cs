using System.Threading.Channels;

namespace ZtStream.Responder.Tests.Fakes;

/// <summary>An event log in memory: appends are kept per topic, and one consumer reads a topic in order.</summary>
internal sealed class MemoryEventLog : IEventLog
{
    private readonly ConcurrentDictionary<string, Channel<ConsumedRecord>> _topics = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<LogRecord>> _appended = new();
    private long _offset;

    public IReadOnlyList<LogRecord> Appended(string topic) => _appended.TryGetValue(topic, out var q) ? [.. q] : [];

    public int Handled;

    /// <summary>Awaited before each append with its topic: a test holds one writer there while another goes ahead.</summary>
    public Func<string, Task>? BeforeAppend { get; set; }

    public async Task AppendAsync(string topic, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken)
    {
        if (BeforeAppend is { } hold)
        {
            await hold(topic);
        }

        var channel = _topics.GetOrAdd(topic, _ => Channel.CreateUnbounded<ConsumedRecord>());
        foreach (var r in records)
        {
            _appended.GetOrAdd(topic, _ => new()).Enqueue(r);
            channel.Writer.TryWrite(new ConsumedRecord(
                topic, 0, Interlocked.Increment(ref _offset), r.Key, r.Value, r.Headers ?? new Dictionary<string, string>(), DateTimeOffset.UnixEpoch));
        }
    }

    public async Task ConsumeAsync(ConsumerSpec spec, IRecordHandler handler, CancellationToken cancellationToken)
    {
        var channel = _topics.GetOrAdd(spec.Topics[0], _ => Channel.CreateUnbounded<ConsumedRecord>());
        await foreach (var record in channel.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await handler.HandleAsync(record, cancellationToken);
            }
            catch (PoisonRecordException)
            {
                // dead-lettered in the real log
            }

            Interlocked.Increment(ref Handled);
        }
    }
}

/// <summary>Records isolate/release calls; idempotent like a real driver; can be told to fail.</summary>
internal sealed class RecordingIsolator : IWorkloadIsolator
{
    private readonly ConcurrentDictionary<string, bool> _isolated = new();

    public string Name => "recording";

    /// <summary>The clusters it acts in; by default, as a driver that says none, only workloads naming none.</summary>
    public IsolatorClusters Clusters { get; init; } = IsolatorClusters.Unnamed("Recording:Cluster");

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Calls that throw before one succeeds (int.MaxValue: always).</summary>
    public int FailuresLeft;

    public Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"isolate {command.WorkloadId}{(command.Cluster is null ? "" : " in " + command.Cluster)}");
        if (FailuresLeft > 0)
        {
            Interlocked.Decrement(ref FailuresLeft);
            throw new InvalidOperationException("the isolation API answered 500");
        }

        return Task.FromResult(_isolated.TryAdd(command.WorkloadId, true)
            ? new DriverResult(true, $"isolated {command.WorkloadId}")
            : new DriverResult(false, $"{command.WorkloadId} was already isolated"));
    }

    public Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"release {command.WorkloadId}{(command.Cluster is null ? "" : " in " + command.Cluster)}");
        return Task.FromResult(_isolated.TryRemove(command.WorkloadId, out _)
            ? new DriverResult(true, $"released {command.WorkloadId}")
            : new DriverResult(false, $"{command.WorkloadId} was not isolated"));
    }

    public bool IsIsolated(string workloadId) => _isolated.ContainsKey(workloadId);
}

/// <summary>A token revoker that counts calls and can be told to fail.</summary>
internal sealed class CountingRevoker : ITokenRevoker
{
    public string Name => "counting";

    public int Calls;

    public int FailuresLeft;

    public Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken) => Call();

    public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) => Call();

    private Task<DriverResult> Call()
    {
        Interlocked.Increment(ref Calls);
        if (FailuresLeft > 0)
        {
            Interlocked.Decrement(ref FailuresLeft);
            throw new HttpRequestException("the IdP answered 503");
        }

        return Task.FromResult(new DriverResult(true, "revoked at the IdP"));
    }
}

/// <summary>
/// A token revoker and workload isolator whose every call waits until the test lets one through, so a test sees an
/// action while its drivers are still at work; then it succeeds, or fails with <see cref="Failure"/>.
/// </summary>
internal sealed class GatedDriver : ITokenRevoker, IWorkloadIsolator
{
    private readonly SemaphoreSlim _gate = new(0);

    public string Name => "gated";

    /// <summary>Null: calls succeed; else each call throws this as the driver's error.</summary>
    public string? Failure { get; set; }

    /// <summary>Lets <paramref name="calls"/> waiting or future calls through.</summary>
    public void Pass(int calls = 1) => _gate.Release(calls);

    public Task<DriverResult> RevokeTokenAsync(RevokeToken command, CancellationToken cancellationToken) => CallAsync($"revoked {command.Jti}", cancellationToken);

    public Task<DriverResult> RevokeSubjectSessionsAsync(RevokeSubjectSessions command, CancellationToken cancellationToken) => CallAsync($"revoked the sessions of {command.SubjectId}", cancellationToken);

    public Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken) => CallAsync($"isolated {command.WorkloadId}", cancellationToken);

    public Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken) => CallAsync($"released {command.WorkloadId}", cancellationToken);

    private async Task<DriverResult> CallAsync(string done, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return Failure is { } failure ? throw new HttpRequestException(failure) : new DriverResult(true, done);
    }
}
