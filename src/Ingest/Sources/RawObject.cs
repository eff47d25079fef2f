using System.Buffers;
using System.Text.Json.Nodes;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// How a source's original object is cut down when it is larger than the bound, in order: <see cref="Drop"/> removes
/// noise first (such as <c>managedFields</c>), <see cref="Summarise"/> replaces the known bulky parts (request and
/// response objects) by a summary, <see cref="Shrink"/> then summarises the largest members of the named objects
/// (largest first, never those in <see cref="Keep"/>), and the root's largest members go last.
/// Paths are dotted from the root (<c>requestObject.metadata.managedFields</c>; "" is the root).
/// </summary>
internal sealed record RawTrimPlan(
    IReadOnlyList<string> Drop,
    IReadOnlyList<string> Summarise,
    IReadOnlyList<string> Shrink,
    IReadOnlySet<string> Keep);

/// <summary>
/// Keeps a source's original object (<see cref="Contracts.Events.AccessEvent.Raw"/>) within a size bound. An object that
/// fits is kept exactly as received; a larger one is trimmed by its <see cref="RawTrimPlan"/> and every trimmed part is
/// named, so a rule never mistakes a trimmed part for an absent one; if even the kept members do not fit, only a summary
/// remains. The rule is documented in docs/sources.md ("The original object").
/// </summary>
internal static class RawObject
{
    /// <summary>The attribute listing the dotted paths trimmed from <c>raw</c> (absent when nothing was).</summary>
    public const string TrimmedAttribute = "raw.trimmed";

    /// <summary>For records without known bulky parts (identity providers' logs): the largest top-level members go first.</summary>
    public static RawTrimPlan LargestFirst { get; } = new([], [], [], new HashSet<string>(StringComparer.Ordinal));

    /// <summary>A trimmed string keeps this many characters.</summary>
    private const int ClippedStringLength = 256;

    public static JsonElement Bounded(JsonElement value, int maxBytes, RawTrimPlan plan, out IReadOnlyList<string>? trimmed)
    {
        trimmed = null;
        var size = JsonMarshal.GetRawUtf8Value(value).Length;
        if (size <= maxBytes)
        {
            return value.Clone();
        }

        if (value.ValueKind != JsonValueKind.Object || JsonNode.Parse(JsonMarshal.GetRawUtf8Value(value)) is not JsonObject root)
        {
            trimmed = ["$"];
            return Summary(size, null);
        }

        var cut = new List<string>();
        trimmed = cut;
        foreach (var path in plan.Drop)
        {
            if (Find(root, path, out var parent, out var name) && parent!.Remove(name!))
            {
                cut.Add(path);
            }
        }

        if (Size(root) <= maxBytes)
        {
            return ToElement(root);
        }

        foreach (var path in plan.Summarise)
        {
            if (Find(root, path, out var parent, out var name) && parent![name!] is { } node && Replace(parent, name!, node))
            {
                cut.Add(path);
                if (Size(root) <= maxBytes)
                {
                    return ToElement(root);
                }
            }
        }

        var total = Size(root);
        foreach (var path in plan.Shrink.Append(string.Empty))
        {
            if (ObjectAt(root, path) is not { } target)
            {
                continue;
            }

            // Each member is trimmed once at most, largest first, and the total follows each change: a member that does
            // not get smaller (a clipped string is still over the size) must not be picked again, or this never ends.
            foreach (var (name, memberSize) in LargestFirstOf(target, plan.Keep))
            {
                if (total <= maxBytes)
                {
                    break;
                }

                if (Replace(target, name, target[name]!))
                {
                    total += Size(target[name]!) - memberSize;
                    cut.Add(path.Length == 0 ? name : path + "." + name);
                }
            }

            if (total <= maxBytes)
            {
                return ToElement(root);
            }
        }

        cut.Clear();
        cut.Add("$");
        return Summary(size, value.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null);
    }

    /// <summary>The members not kept, not yet a summary and big enough to gain from trimming, with their sizes, largest first.</summary>
    private static List<(string Name, long Size)> LargestFirstOf(JsonObject target, IReadOnlySet<string> keep)
    {
        var members = new List<(string Name, long Size)>();
        foreach (var (name, node) in target)
        {
            if (node is not null && !keep.Contains(name) && !IsSummary(node) && Size(node) is var size && size > ClippedStringLength + 2)
            {
                members.Add((name, size));
            }
        }

        // Stable: members of equal size keep their order in the object.
        return [.. members.OrderByDescending(m => m.Size)];
    }

    /// <summary>A string is clipped; an object or array becomes <c>{"truncated": true, "bytes": N, "kind": K}</c>.</summary>
    private static bool Replace(JsonObject parent, string name, JsonNode node)
    {
        if (IsSummary(node))
        {
            return false;
        }

        if (node.GetValueKind() == JsonValueKind.String)
        {
            var text = node.GetValue<string>();
            if (text.Length <= ClippedStringLength)
            {
                return false;
            }

            parent[name] = string.Concat(text.AsSpan(0, ClippedStringLength), "…");
            return true;
        }

        var kind = node is JsonObject o && o["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        var summary = new JsonObject { ["truncated"] = true, ["bytes"] = Size(node) };
        if (kind is not null)
        {
            summary["kind"] = kind;
        }

        parent[name] = summary;
        return true;
    }

    private static bool IsSummary(JsonNode node) =>
        node is JsonObject o && o.Count <= 3 && o["truncated"] is JsonValue t && t.GetValueKind() == JsonValueKind.True && o.ContainsKey("bytes");

    private static JsonElement Summary(long size, string? kind)
    {
        var summary = new JsonObject { ["truncated"] = true, ["bytes"] = size };
        if (kind is not null)
        {
            summary["kind"] = kind;
        }

        return ToElement(summary);
    }

    private static JsonObject? ObjectAt(JsonObject root, string path)
    {
        if (path.Length == 0)
        {
            return root;
        }

        return Find(root, path, out var parent, out var name) ? parent![name!] as JsonObject : null;
    }

    private static bool Find(JsonObject root, string path, out JsonObject? parent, out string? name)
    {
        parent = root;
        name = null;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (parent[parts[i]] is not JsonObject next)
            {
                parent = null;
                return false;
            }

            parent = next;
        }

        name = parts[^1];
        return parent.ContainsKey(name);
    }

    private static long Size(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenCount;
    }

    private static JsonElement ToElement(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            node.WriteTo(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
