using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using ZtStream.Host.Sample;

namespace ZtStream.Host.Tests.Sample;

public sealed class SampleProbeTests
{
    /// <summary>
    /// Under load the sample service can be slow: a probe that times out (HttpClient's own timeout, as in a bench run) or
    /// whose connection fails is counted in <c>probe_errors</c> and asked again, and the refusal that comes after is still
    /// the attack's enforcement. Before e0b03e4 the first timeout ended the probe: the attack was never measured enforced.
    /// </summary>
    [Theory]
    [InlineData("timeout")]
    [InlineData("connection")]
    public async Task UntilRefused_FailsThenAcceptedThenRefused_CountsTheFailureAndStillMeasuresTheRefusal(string fault)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        var service = new SampleService(fault, refuseFrom: 3);
        using var sample = new HttpClient(service) { BaseAddress = new Uri("http://sample.example.com"), Timeout = TimeSpan.FromMilliseconds(200) };
        var probe = new SampleProbe(sample, time);

        var refused = await probe.UntilRefusedAsync("attacked-token", Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(time.GetUtcNow(), refused);
        Assert.Equal(1, probe.Errors);
        Assert.Equal(3, service.Requests);
        Assert.All(service.Seen, request => Assert.Equal("Bearer attacked-token", request));
    }

    /// <summary>Stopped before the service refused the token: no refusal, and the stop is no error.</summary>
    [Fact]
    public async Task UntilRefused_StoppedWhileWaiting_NoRefusalAndNoError()
    {
        var service = new SampleService("timeout", refuseFrom: int.MaxValue);
        using var sample = new HttpClient(service) { BaseAddress = new Uri("http://sample.example.com"), Timeout = Timeout.InfiniteTimeSpan };
        var probe = new SampleProbe(sample, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var probing = probe.UntilRefusedAsync("attacked-token", stop.Token);
        await Eventually.HoldsAsync(() => service.Requests == 1, "the first request is on its way");
        await stop.CancelAsync();

        Assert.Null(await probing.WaitAsync(TimeSpan.FromSeconds(60), Ct));
        Assert.Equal(0, probe.Errors);
    }

    /// <summary>
    /// The SDK-protected service as the probe sees it: the first request fails (<paramref name="fault"/>: never answered,
    /// so HttpClient's timeout ends it; or the connection refused), then the token is accepted until request
    /// <paramref name="refuseFrom"/>, which is refused (401).
    /// </summary>
    private sealed class SampleService(string fault, int refuseFrom) : HttpMessageHandler
    {
        private int requests;

        public int Requests => Volatile.Read(ref requests);

        public ConcurrentQueue<string> Seen { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Enqueue(request.Headers.Authorization?.ToString() ?? string.Empty);
            var n = Interlocked.Increment(ref requests);
            if (n == 1)
            {
                if (fault == "connection")
                {
                    throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (sample.example.com:80)");
                }

                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return new HttpResponseMessage(n >= refuseFrom ? HttpStatusCode.Unauthorized : HttpStatusCode.OK);
        }
    }
}
