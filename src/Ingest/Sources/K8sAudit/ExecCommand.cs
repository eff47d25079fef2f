using System.Text;
using System.Text.Json;

namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// The command a request has the kubelet run in a pod, as one line of text (<c>k8s.exec_command</c>), whichever way the
/// request carried it: an exec's <c>command</c> query parameters (kubectl's POST and a websocket client's GET alike),
/// each decoded as the API server decodes a query (<c>+</c> a space, any <c>%XX</c> the byte it names, so <c>%63url</c>
/// is curl), joined by spaces in their order — every one of them, as the kubelet runs them all as one argument list;
/// or an ephemeral container's <c>command</c> and <c>args</c> in a <c>pods/ephemeralcontainers</c> write (kubectl debug's
/// patch of <c>spec.ephemeralContainers</c>, or a JSON patch adding one). Runs of white space are one space, so padding
/// an argument with blanks does not push the rest out; a line longer than the bound keeps its head and its tail.
/// </summary>
internal static class ExecCommand
{
    /// <summary>The attribute holding the command.</summary>
    public const string Attribute = "k8s.exec_command";

    /// <summary>The command the event has run, or null when it runs none (or names none: a Metadata-level debug patch).</summary>
    public static string? Of(JsonElement e, int maxLength)
    {
        var objectRef = e.Child("objectRef");
        if (objectRef.String("resource") != "pods")
        {
            return null;
        }

        var line = new StringBuilder();
        switch (objectRef.String("subresource"))
        {
            case "exec":
                FromQuery(e.String("requestURI"), line);
                break;
            case "ephemeralcontainers":
                FromBody(e.Child("requestObject"), line);
                break;
            default:
                return null;
        }

        return line.Length == 0 ? null : Bound(line.ToString().Trim(), maxLength);
    }

    private static void FromQuery(string? uri, StringBuilder line)
    {
        var query = uri?.IndexOf('?') is { } q and >= 0 ? uri.AsSpan(q + 1) : default;
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            if (equals < 0 || !Decode(pair[..equals]).Equals("command", StringComparison.Ordinal))
            {
                continue;
            }

            Append(line, Decode(pair[(equals + 1)..]));
        }
    }

    private static void FromBody(JsonElement? body, StringBuilder line)
    {
        if (body is not { } b)
        {
            return;
        }

        if (b.ValueKind == JsonValueKind.Array)
        {
            // A JSON patch: the values its operations write under spec.ephemeralContainers (a whole container, the list, or
            // one command or args array).
            foreach (var operation in b.EnumerateArray())
            {
                if (operation.String("path") is { } path && path.StartsWith("/spec/ephemeralContainers", StringComparison.Ordinal)
                    && operation.Child("value") is { } value)
                {
                    Containers(value, line);
                }
            }

            return;
        }

        if (b.Child("spec")?.Child("ephemeralContainers") is { } containers)
        {
            Containers(containers, line);
        }
    }

    private static void Containers(JsonElement value, StringBuilder line)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    Containers(item, line);
                }

                break;
            case JsonValueKind.Object:
                foreach (var field in (ReadOnlySpan<string>)["command", "args"])
                {
                    if (value.Child(field) is { ValueKind: JsonValueKind.Array } words)
                    {
                        Containers(words, line);
                    }
                }

                break;
            case JsonValueKind.String:
                Append(line, value.GetString()!);
                break;
        }
    }

    private static void Append(StringBuilder line, string word)
    {
        // Words are separated by one blank, and a word's own leading, trailing or repeated white space adds none.
        var blank = line.Length == 0 || line[^1] == ' ';
        if (!blank)
        {
            line.Append(' ');
            blank = true;
        }

        foreach (var c in word)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!blank)
                {
                    line.Append(' ');
                }

                blank = true;
                continue;
            }

            line.Append(c);
            blank = false;
        }
    }

    /// <summary>A query's key or value as Go's <c>url.ParseQuery</c> reads it: <c>+</c> is a space, <c>%XX</c> a byte.</summary>
    private static string Decode(ReadOnlySpan<char> text) => Uri.UnescapeDataString(text.ToString().Replace('+', ' '));

    private static string Bound(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return text;
        }

        var half = (maxLength - 3) / 2;
        return string.Concat(text.AsSpan(0, half), " … ", text.AsSpan(text.Length - half));
    }
}
