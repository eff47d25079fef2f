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
            if (!TryRead(line ?? string.Empty, fors, protos))
            {
                // A line that is not RFC 7239's grammar cannot be cut into its hops: an unclosed quote a client sent runs
                // over the element a proxy appended to the same line ("x=\"" then ", for=…"), and whatever is read past it
                // is the client's own word. The line is one hop naming no client, which stops the middleware there.
                fors.Add("unknown");
                protos.Add("http");
            }
        }

        if (fors.Count > 0)
        {
            headers["X-Forwarded-For"] = new StringValues([.. fors]);
            headers["X-Forwarded-Proto"] = new StringValues([.. protos]);
        }
    }

    /// <summary>
    /// Adds each element of one <c>Forwarded</c> line to <paramref name="fors"/> and <paramref name="protos"/>; false,
    /// adding nothing, when the line is not a list of elements of <c>name=value</c> pairs whose value is a token or a
    /// closed quoted string (RFC 7239 §4, RFC 9110 §5.6). Whitespace around the separators is let through.
    /// </summary>
    private static bool TryRead(string line, List<string> fors, List<string> protos)
    {
        var readFors = new List<string>();
        var readProtos = new List<string>();
        string? @for = null;
        string? proto = null;
        var i = 0;
        while (true)
        {
            SkipWhitespace(line, ref i);
            if (i < line.Length && line[i] is not (',' or ';'))
            {
                var nameStart = i;
                while (i < line.Length && IsTokenChar(line[i]))
                {
                    i++;
                }

                var name = line[nameStart..i];
                SkipWhitespace(line, ref i);
                if (name.Length == 0 || i == line.Length || line[i] != '=')
                {
                    return false;
                }

                i++;
                SkipWhitespace(line, ref i);
                if (!TryReadValue(line, ref i, out var value))
                {
                    return false;
                }

                if (name.Equals("for", StringComparison.OrdinalIgnoreCase))
                {
                    @for = value;
                }
                else if (name.Equals("proto", StringComparison.OrdinalIgnoreCase))
                {
                    proto = value;
                }

                SkipWhitespace(line, ref i);
            }

            if (i == line.Length || line[i] == ',')
            {
                // A hop that names no client ("unknown", an obfuscated "_name", nothing) stops the middleware there,
                // as it should: nothing left of it can be placed. A hop that names no scheme is not taken for https.
                readFors.Add(string.IsNullOrEmpty(@for) ? "unknown" : @for);
                readProtos.Add(string.IsNullOrEmpty(proto) ? "http" : proto);
                (@for, proto) = (null, null);
                if (i == line.Length)
                {
                    fors.AddRange(readFors);
                    protos.AddRange(readProtos);
                    return true;
                }
            }
            else if (line[i] != ';')
            {
                return false;
            }

            i++;
        }
    }

    /// <summary>
    /// A token, or a quoted string with its quoted pairs undone (RFC 9110 §5.6.4); false for a quoted string that is not
    /// closed or an empty value. Anything up to the next separator is taken as a token but a quote, which only opens a
    /// quoted string: a proxy may leave an IPv6 address unquoted, but no value may change where the next one starts.
    /// </summary>
    private static bool TryReadValue(string line, ref int i, out string value)
    {
        value = string.Empty;
        if (i < line.Length && line[i] == '"')
        {
            var builder = new StringBuilder();
            for (i++; i < line.Length; i++)
            {
                var c = line[i];
                if (c == '"')
                {
                    i++;
                    value = builder.ToString();
                    return true;
                }

                if (c == '\\')
                {
                    if (++i == line.Length)
                    {
                        return false;
                    }

                    c = line[i];
                }

                builder.Append(c);
            }

            return false;
        }

        var start = i;
        while (i < line.Length && line[i] is not (',' or ';' or ' ' or '\t' or '"'))
        {
            i++;
        }

        value = line[start..i];
        return value.Length > 0 && (i == line.Length || line[i] != '"');
    }

    private static void SkipWhitespace(string line, ref int i)
    {
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }
    }

    /// <summary>RFC 9110 §5.6.2's <c>tchar</c>.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
