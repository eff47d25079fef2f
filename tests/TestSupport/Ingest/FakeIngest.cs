using ZtStream.Contracts.Events;

namespace ZtStream.TestSupport.Ingest;

/// <summary>How the fake answers one batch: a status, an optional <c>Retry-After</c>, and the indices it calls invalid.</summary>
public sealed record IngestReply(int Status, TimeSpan? RetryAfter = null, IReadOnlyList<int>? Invalid = null)
{
    public static IngestReply Accepted { get; } = new(StatusCodes.Status202Accepted);
}

/// <summary>One request the fake received.</summary>
public sealed record IngestRequest(int Number, string? Authorization, IReadOnlyList<AccessEvent> Events);

/// <summary>
/// An Ingest stand-in on loopback Kestrel: <c>POST /v1/events</c> with a JSON array, answering 202 by default or
/// whatever <see cref="Reply"/> says, with Ingest's 207/400 problem shape (<c>errors: [{index, field, reason}]</c>).
/// </summary>
public sealed class FakeIngest : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<IngestRequest> _requests = new();
    private readonly ConcurrentQueue<AccessEvent> _accepted = new();
    private int _count;

    private FakeIngest(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Decides the answer to each request; 202 for everything when null.</summary>
    public Func<IngestRequest, Task<IngestReply>>? Reply { get; set; }

    public IReadOnlyList<IngestRequest> Requests => [.. _requests];

    /// <summary>Events answered as accepted (202, or the good items of a 207).</summary>
    public IReadOnlyList<AccessEvent> Accepted => [.. _accepted];

    public static async Task<FakeIngest> StartAsync()
    {
        var builder = LoopbackApp.CreateBuilder();
        var app = builder.Build();
        var ingest = new FakeIngest(app);
        app.MapPost("/v1/events", ingest.HandleAsync);
        ingest.BaseAddress = await LoopbackApp.StartAsync(app);
        return ingest;
    }

    /// <summary>Polls until <paramref name="count"/> accepted events match, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<AccessEvent>> WaitForAcceptedAsync(Func<AccessEvent, bool> match, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var found = Accepted.Where(match).ToList();
            if (found.Count >= count)
            {
                return found;
            }

            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Ingest saw {found.Count} of {count} expected events within {timeout}.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var events = await JsonSerializer.DeserializeAsync(context.Request.Body, ContractsJsonContext.Default.ListAccessEvent, context.RequestAborted) ?? [];
        var request = new IngestRequest(Interlocked.Increment(ref _count), context.Request.Headers.Authorization.FirstOrDefault(), events);
        _requests.Enqueue(request);
        var reply = Reply is null ? IngestReply.Accepted : await Reply(request);
        var invalid = reply.Invalid ?? [];
        if (reply.Status is 202 or 207)
        {
            for (var i = 0; i < events.Count; i++)
            {
                if (!invalid.Contains(i))
                {
                    _accepted.Enqueue(events[i]);
                }
            }
        }

        context.Response.StatusCode = reply.Status;
        if (reply.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (invalid.Count > 0)
        {
            context.Response.ContentType = "application/problem+json";
            var errors = string.Join(",", invalid.Select(i => $$"""{"index":{{i}},"field":"id","reason":"required"}"""));
            await context.Response.WriteAsync($$"""{"type":"about:blank","title":"Invalid events","status":{{reply.Status}},"errors":[{{errors}}]}""");
        }
    }
}
