using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ZtStream.Verifier.Processing;

/// <summary>
/// Which partitions' checkpoint writes are failing just now, for <c>/readyz</c>: <c>Degraded</c> naming each while any
/// is, else healthy. A write fails in the background, where no record may come to raise it (an idle partition), so the
/// worker reports it here and keeps retrying; the partition leaves this list once a write lands, or when the partition
/// leaves the worker. One per process, shared by its workers.
/// </summary>
internal sealed class CheckpointHealth(TimeProvider time) : IHealthCheck
{
    private readonly ConcurrentDictionary<(string Group, string Topic, int Partition), Failure> failing = new();

    public IReadOnlyCollection<Failure> Failing => [.. failing.Values];

    /// <summary>Records a failed write of the partition's checkpoint; the first failure's time is kept as "since".</summary>
    public void Failed(string group, string topic, int partition, long offset, int attempts, string reason) =>
        failing.AddOrUpdate(
            (group, topic, partition),
            _ => new Failure(group, topic, partition, offset, attempts, reason, time.GetUtcNow()),
            (_, current) => current with { Offset = offset, Attempts = attempts, Reason = reason });

    /// <summary>The partition's checkpoint landed, or the partition left: nothing to report for it any more.</summary>
    public void Cleared(string group, string topic, int partition) => failing.TryRemove((group, topic, partition), out _);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = Failing;
        return Task.FromResult(now.Count == 0
            ? HealthCheckResult.Healthy("every partition's checkpoint is written")
            : HealthCheckResult.Degraded(string.Join("; ", now.Select(f => f.ToString()))));
    }

    internal sealed record Failure(string Group, string Topic, int Partition, long Offset, int Attempts, string Reason, DateTimeOffset Since)
    {
        public override string ToString() => string.Create(
            CultureInfo.InvariantCulture,
            $"group {Group} cannot checkpoint {Topic}/{Partition} at offset {Offset} since {Since:O} ({Attempts} attempt(s), retrying): {Reason}");
    }
}
