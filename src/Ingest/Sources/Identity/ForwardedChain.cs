using System.Net;
using ZtStream.Platform;

namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// A provider behind a proxy may log the whole <c>X-Forwarded-For</c> value as the client address
/// (<c>"203.0.113.7, 10.0.4.2"</c>), or an address with its port (<c>203.0.113.7:51234</c>, <c>[2001:db8::7]:443</c>).
/// Written as it came, that text would key the address twin and every per-address count to a string no other record
/// names. The client is taken from it instead, and the chain kept in <c>net.forwarded_for</c>.
/// </summary>
internal static class ForwardedChain
{
    /// <summary>
    /// The client address in <paramref name="text"/>; the text itself when it is one address or names none. Of a chain, the
    /// rightmost public address: each proxy appends the address it saw, and a client writes what it likes at the left, so the
    /// last address no proxy of the provider's own network added is the one no client chose. A chain of private addresses
    /// only (a provider reached inside one network) names its leftmost. <paramref name="chain"/> is the text when it was a
    /// chain.
    /// </summary>
    public static string Client(string text, out string? chain)
    {
        chain = null;
        if (!text.Contains(','))
        {
            var withPort = text.StartsWith('[') || (text.Contains('.') && text.IndexOf(':') is > 0 and var colon && text.IndexOf(':', colon + 1) < 0);
            return withPort && Address(text) is { } ip ? ip.ToString() : text;
        }

        IPAddress? leftmost = null;
        IPAddress? client = null;
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Address(entry) is not { } ip)
            {
                continue;
            }

            leftmost ??= ip;
            if (ClientAddresses.IsPublic(ip))
            {
                client = ip;
            }
        }

        if ((client ?? leftmost) is not { } found)
        {
            return text;
        }

        chain = text;
        return found.ToString();
    }

    /// <summary>An address, with or without its port; null for anything else (a bare number is no address here).</summary>
    private static IPAddress? Address(string entry)
    {
        if (!entry.Contains('.') && !entry.Contains(':'))
        {
            return null;
        }

        return IPAddress.TryParse(entry, out var ip) ? ip
            : IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address
            : null;
    }
}
