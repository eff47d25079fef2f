using Microsoft.Extensions.Primitives;

namespace ZtStream.Platform.Proxy;

/// <summary>
/// RFC 7239 <c>Forwarded</c>, which ASP.NET Core's middleware does not read, restated as the <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> it does, one entry per hop in the same order, so the middleware's trust checks (known
/// proxies, forward limit) apply unchanged. What the client sent as <c>X-Forwarded-*</c> is dropped: with
/// <c>Forwarded</c> chosen, the proxy vouches for that header alone.
/// </summary>
internal static class Rfc7239
{
    public static void ToXForwarded(IHeaderDictionary headers)
    {
        headers.Remove("X-Forwarded-For");
        headers.Remove("X-Forwarded-Proto");
        var forwarded = headers["Forwarded"];
        if (forwarded.Count == 0)
        {
            return;
        }

        var fors = new List<string>();
        var protos = new List<string>();
        foreach (var line in forwarded)
        {
            foreach (var element in Split(line ?? string.Empty, ','))
            {
                string? @for = null;
                string? proto = null;
                foreach (var pair in Split(element, ';'))
                {
                    var equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        continue;
                    }

                    var name = pair[..equals].Trim();
                    var value = Unquote(pair[(equals + 1)..].Trim());
                    if (name.Equals("for", StringComparison.OrdinalIgnoreCase))
                    {
                        @for = value;
                    }
                    else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
                    {
                        proto = value;
                    }
                }

                // A hop that names no client ("unknown", an obfuscated "_name", nothing) stops the middleware there,
                // as it should: nothing left of it can be placed. A hop that names no scheme is not taken for https.
                fors.Add(string.IsNullOrEmpty(@for) ? "unknown" : @for);
                protos.Add(string.IsNullOrEmpty(proto) ? "http" : proto);
            }
        }

        if (fors.Count > 0)
        {
            headers["X-Forwarded-For"] = new StringValues([.. fors]);
            headers["X-Forwarded-Proto"] = new StringValues([.. protos]);
        }
    }

    /// <summary>Splits on <paramref name="separator"/> outside quoted strings (RFC 7230 §3.2.6).</summary>
    private static IEnumerable<string> Split(string text, char separator)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == separator && !quoted)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1)
            {
                i++;
            }

            builder.Append(value[i]);
        }

        return builder.ToString();
    }
}
