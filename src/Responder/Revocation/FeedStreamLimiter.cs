using System.Collections.Concurrent;

namespace ZtStream.Responder.Revocation;

/// <summary>Counts open revocation streams per credential, so one credential (or every anonymous reader together) cannot hold unlimited connections.</summary>
internal sealed class FeedStreamLimiter
{
    private readonly ConcurrentDictionary<string, int> open = new(StringComparer.Ordinal);

    /// <summary>Takes a stream for <paramref name="credential"/>; false (and <paramref name="held"/> its count) when it already holds <paramref name="max"/>.</summary>
    public bool TryEnter(string credential, int max, out int held)
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

    public void Exit(string credential)
    {
        while (true)
        {
            var held = open.GetValueOrDefault(credential);
            if (held <= 1 ? open.TryRemove(new KeyValuePair<string, int>(credential, held)) : open.TryUpdate(credential, held - 1, held))
            {
                return;
            }
        }
    }

    public int Open(string credential) => open.GetValueOrDefault(credential);
}
