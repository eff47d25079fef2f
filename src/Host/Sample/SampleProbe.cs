namespace ZtStream.Host.Sample;

/// <summary>
/// The attacker's side of a bench or demo run: asks the SDK-protected sample service with an attacked identity's token,
/// every <c>interval</c> (10 ms unless given), until the service refuses it. A request that fails or times out under
/// load is not a refusal: it is counted in <see cref="Errors"/> and asked again, so the attack's time to enforcement is
/// still measured.
/// </summary>
internal sealed class SampleProbe(HttpClient sample, TimeProvider time, TimeSpan? interval = null)
{
    /// <summary>The route the sample service protects with the SDK.</summary>
    public const string Route = "/api/orders";

    private long errors;

    /// <summary>Requests that failed or timed out (asked again, never taken as a refusal).</summary>
    public long Errors => Interlocked.Read(ref errors);

    /// <summary>When the service first refused <paramref name="token"/>, or null when stopped before it did.</summary>
    public async Task<DateTimeOffset?> UntilRefusedAsync(string token, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Route);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            try
            {
                using var response = await sample.SendAsync(request, cancellationToken);
                if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
                {
                    return time.GetUtcNow();
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A request that failed or timed out under load is not a refusal: count it and ask again, as the
                // attacker would, instead of never learning when the token stopped working.
                Interlocked.Increment(ref errors);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                await Task.Delay(interval ?? TimeSpan.FromMilliseconds(10), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }
}
