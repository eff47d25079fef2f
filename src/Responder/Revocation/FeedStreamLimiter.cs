using System.Collections.Concurrent;

namespace ZtStream.Responder.Revocation;

/// <summary>
/// Counts the Responder's open event streams (the revocation feed's and the alert queue's) per credential and in
/// all, so neither one credential (or every anonymous reader together) nor many credentials together can hold
/// unlimited connections, each with its store reads and buffers. The caps are <c>Responder:Feed:MaxStreamsPerCredential</c>
/// and <c>Responder:Feed:MaxStreams</c>.
/// </summary>
internal sealed class FeedStreamLimiter(IOptions<RevocationFeedOptions> options, ResponderTelemetry telemetry, ILogger<FeedStreamLimiter> logger)
{
    private readonly ConcurrentDictionary<string, int> open = new(StringComparer.Ordinal);
    private int total;

    /// <summary>
    /// Takes a place for one stream of <paramref name="credential"/> (<paramref name="what"/> names the stream in the
    /// answer); null, after answering 429 with a problem naming the setting that was reached, when there is none.
    /// Dispose the place when the stream ends.
    /// </summary>
    public async Task<IDisposable?> EnterAsync(HttpContext http, string credential, string what)
    {
        var o = options.Value;
        if (Interlocked.Increment(ref total) > o.MaxStreams)
        {
            Interlocked.Decrement(ref total);
            await RefuseAsync(http, credential, what, o.MaxStreams,
                $"this Responder serves {o.MaxStreams} event streams at once, the most Responder:Feed:MaxStreams allows");
            return null;
        }

        if (!TryEnter(credential, o.MaxStreamsPerCredential, out var held))
        {
            Interlocked.Decrement(ref total);
            await RefuseAsync(http, credential, what, held,
                $"this credential holds {held} open streams, the most Responder:Feed:MaxStreamsPerCredential allows ({o.MaxStreamsPerCredential})");
            return null;
        }

        return new Place(this, credential);
    }

    public int Open(string credential) => open.GetValueOrDefault(credential);

    /// <summary>Streams open now, of every credential.</summary>
    public int Total => Volatile.Read(ref total);

    private async Task RefuseAsync(HttpContext http, string credential, string what, int held, string why)
    {
        ResponderLog.FeedStreamRefused(logger, credential, held);
        telemetry.FeedStreamRefused(credential);
        await Problems.WriteAsync(http, Problems.Create(429, "too-many-streams", $"Too many {what} streams", $"{why}; close one or retry later") with
        {
            RetryAfterSeconds = 30,
        });
    }

    private bool TryEnter(string credential, int max, out int held)
    {
        while (true)
        {
            held = open.GetValueOrDefault(credential);
            if (held >= max)
            {
                return false;
            }

            if (held == 0 ? open.TryAdd(credential, 1) : open.TryUpdate(credential, held + 1, held))
            {
                return true;
            }
        }
    }

    private void Exit(string credential)
    {
        while (true)
        {
            var held = open.GetValueOrDefault(credential);
            if (held <= 1 ? open.TryRemove(new KeyValuePair<string, int>(credential, held)) : open.TryUpdate(credential, held - 1, held))
            {
                Interlocked.Decrement(ref total);
                return;
            }
        }
    }

    private sealed class Place(FeedStreamLimiter limiter, string credential) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                limiter.Exit(credential);
            }
        }
    }
}
