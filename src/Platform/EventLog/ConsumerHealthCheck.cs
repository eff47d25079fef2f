namespace ZtStream.Platform.EventLog;

/// <summary><c>Degraded</c> while a consumer is paused on a transient fault, naming each; else healthy.</summary>
internal sealed class ConsumerHealthCheck(ConsumerHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var paused = health.Paused;
        return Task.FromResult(paused.Count == 0
            ? HealthCheckResult.Healthy("every consumer is making progress")
            : HealthCheckResult.Degraded(string.Join("; ", paused.Select(p => p.ToString()))));
    }
}
