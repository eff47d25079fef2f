namespace ZtStream.Platform.Store;

/// <summary>Readiness of the store: a connection opens and answers a trivial query.</summary>
internal sealed class StoreHealthCheck(IStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{store.Dialect} answers");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"{store.Dialect} does not answer: {e.Message}", e);
        }
    }
}
