using System.Text.Json.Nodes;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// A Kubernetes object as the rules judge it, in one shape whatever way it was written. The API server treats these
/// forms the same, so a rule must not see them differently:
/// <list type="bullet">
/// <item>a JSON patch (RFC 6902, <c>application/json-patch+json</c>: the audit <c>requestObject</c> is the list of
/// operations) is read as the object its <c>add</c> and <c>replace</c> operations write — a whole container added at
/// <c>/spec/template/spec/containers/-</c>, <c>/spec/template/spec</c> replaced, keys escaped with <c>~1</c> and
/// <c>~0</c> (RFC 6901) — so it meets the same rules as the strategic-merge or merge patch that writes the same;</item>
/// <item>a host path (a volume's or PersistentVolume's <c>hostPath.path</c>, a local PersistentVolume's
/// <c>local.path</c>) is read cleaned: <c>//etc</c>, <c>/./etc</c>, <c>/etc/.</c> and <c>/etc/</c> are the directory
/// the kubelet mounts, <c>/etc</c> (the API server refuses <c>..</c> in a host path, so cleaning never climbs).</item>
/// </list>
/// Objects already in that shape (almost all) are returned as they are, without allocating.
/// </summary>
internal static class KubernetesRequestObject
{
    /// <summary>
    /// Array indexes beyond this are read as appends: an index only groups the operations that write into one element,
    /// and no pod holds that many containers or volumes.
    /// </summary>
    private const int MaxIndex = 1024;

    /// <summary>
    /// Members that hold no host path but most of an object's bulk (labels and annotations, ConfigMap data, container
    /// env and args, status): the check for an unclean path does not walk them, so an ordinary event pays little.
    /// </summary>
    private static readonly string[] Bulk =
        ["metadata", "data", "binaryData", "stringData", "status", "containers", "initContainers", "ephemeralContainers"];

    public static JsonElement Normalise(JsonElement o)
    {
        if (IsJsonPatch(o))
        {
            var written = FromJsonPatch(o);
            CleanHostPaths(written);
            return ToElement(written);
        }

        if (!HasUncleanHostPath(o))
        {
            return o;
        }

        var copy = JsonNode.Parse(o.GetRawText())!;
        CleanHostPaths(copy);
        return ToElement(copy);
    }

    /// <summary>A host path as the kubelet mounts it: no empty or <c>.</c> segments, no trailing slash.</summary>
    private static string CleanPath(string path) => path.StartsWith('/') ? UnixPaths.Normalize(path) : path;

    private static bool IsJsonPatch(JsonElement o)
    {
        if (o.ValueKind != JsonValueKind.Array || o.GetArrayLength() == 0)
        {
            return false;
        }

        var first = o[0];
        return first.ValueKind == JsonValueKind.Object
            && first.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String
            && first.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String;
    }

    private static JsonObject FromJsonPatch(JsonElement operations)
    {
        var root = new JsonObject();

        // An index names one element however many operations write into it; the object holds only the elements written.
        var elements = new Dictionary<(JsonArray, int), JsonNode>();
        foreach (var operation in operations.EnumerateArray())
        {
            if (operation.ValueKind != JsonValueKind.Object
                || !operation.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String
                || !(op.ValueEquals("add") || op.ValueEquals("replace"))
                || !operation.TryGetProperty("path", out var pathElement) || pathElement.ValueKind != JsonValueKind.String
                || !operation.TryGetProperty("value", out var value))
            {
                continue;
            }

            var path = pathElement.GetString()!;
            if (path.Length == 0)
            {
                // The whole document replaced: it is the object.
                if (value.ValueKind == JsonValueKind.Object)
                {
                    root = (JsonObject)JsonNode.Parse(value.GetRawText())!;
                    elements.Clear();
                }

                continue;
            }

            if (!path.StartsWith('/'))
            {
                continue;
            }

            var segments = path[1..].Split('/');
            JsonNode parent = root;
            for (var i = 0; i < segments.Length; i++)
            {
                var key = segments[i].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
                var last = i == segments.Length - 1;
                var next = last ? JsonNode.Parse(value.GetRawText()) : null;
                if (parent is JsonArray array)
                {
                    var index = key == "-" || !int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > MaxIndex ? -1 : n;
                    if (!last && index >= 0 && elements.TryGetValue((array, index), out var existing) && IsContainerFor(existing, segments[i + 1]))
                    {
                        parent = existing;
                        continue;
                    }

                    next = last ? next : NewContainer(segments[i + 1]);
                    array.Add(next);
                    if (last || next is null)
                    {
                        break;
                    }

                    if (index >= 0)
                    {
                        elements[(array, index)] = next;
                    }

                    parent = next;
                }
                else if (parent is JsonObject obj)
                {
                    if (!last && obj[key] is { } child && IsContainerFor(child, segments[i + 1]))
                    {
                        parent = child;
                        continue;
                    }

                    next = last ? next : NewContainer(segments[i + 1]);
                    obj[key] = next;
                    if (last || next is null)
                    {
                        break;
                    }

                    parent = next;
                }
                else
                {
                    break;
                }
            }
        }

        return root;
    }

    private static bool IsArrayKey(string segment) => segment == "-" || (segment.Length > 0 && segment.All(char.IsAsciiDigit));

    private static JsonNode NewContainer(string nextSegment) => IsArrayKey(nextSegment) ? new JsonArray() : new JsonObject();

    private static bool IsContainerFor(JsonNode node, string nextSegment) =>
        IsArrayKey(nextSegment) ? node is JsonArray : node is JsonObject;

    private static bool HasUncleanHostPath(JsonElement o)
    {
        switch (o.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in o.EnumerateObject())
                {
                    // NameEquals, not Name: the check runs on every event and must not allocate a string per member.
                    if ((p.NameEquals("hostPath") || p.NameEquals("local")) && p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("path", out var path)
                        && path.ValueKind == JsonValueKind.String && path.GetString() is { } s && s.StartsWith('/') && !UnixPaths.IsNormal(s))
                    {
                        return true;
                    }

                    if (!IsBulk(p) && HasUncleanHostPath(p.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in o.EnumerateArray())
                {
                    if (HasUncleanHostPath(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static void CleanHostPaths(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (IsHostPathSource(name) && value is JsonObject source && source["path"] is JsonValue path && path.TryGetValue<string>(out var s))
                    {
                        source["path"] = CleanPath(s);
                    }

                    CleanHostPaths(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    CleanHostPaths(item);
                }

                break;
        }
    }

    private static bool IsHostPathSource(string name) => name is "hostPath" or "local";

    private static bool IsBulk(JsonProperty p)
    {
        foreach (var name in Bulk)
        {
            if (p.NameEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    private static JsonElement ToElement(JsonNode node)
    {
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }
}
