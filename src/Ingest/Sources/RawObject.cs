namespace ZtStream.Ingest.Sources;

/// <summary>
/// What a source's trimming may never cut, and what it removes first. <see cref="Drop"/> is noise removed before anything
/// else (such as <c>managedFields</c>); <see cref="Keep"/> is the record's identity, kept whole whatever its size. Paths are
/// dotted from the root (<c>requestObject.metadata.managedFields</c>, <c>output_fields.k8s.pod.name</c>).
/// <see cref="Fallback"/>, when set, is tried when even the kept members do not fit, before only a summary remains: a
/// source whose identity members a sender can pad (a container name) keeps fewer of them whole rather than losing all.
/// </summary>
internal sealed record RawTrimPlan(IReadOnlyList<string> Drop, IReadOnlySet<string> Keep, RawTrimPlan? Fallback = null);

/// <summary>
/// Keeps a source's original object (<see cref="Contracts.Events.AccessEvent.Raw"/>) within a size bound. An object that
/// fits is kept exactly as received; a larger one is trimmed where it is big — the largest strings first at any depth,
/// then the largest entries of maps and arrays made of many small ones — never what is small, and every cut is named, so a
/// rule never mistakes a trimmed part for an absent one and padding cannot push the small, security-relevant fields out.
/// If even the kept members do not fit, the plan's fallback is tried, then only a summary remains. The rule is documented in docs/sources.md ("The original
/// object").
/// </summary>
/// <remarks>
/// Sizes are measured once, bottom-up, as the output is written (minified, with the writer's escaping: bytes, not
/// characters). First the longest strings, wherever they are, are clipped, largest first, each once, until the record
/// fits. If clipping every long string is not enough (the bulk is in many small entries: thousands of labels, a huge array
/// of numbers), one top-down pass shares each object's or array's budget out smallest member first: a member no larger
/// than an equal share of what is left is kept whole, the larger ones share the rest and are trimmed inside, recursively;
/// when that share is too small to trim into, members are kept smallest first while they fit and the rest are cut. Work is
/// linear in the record's size, plus sorting.
/// </remarks>
internal static class RawObject
{
    /// <summary>The attribute listing the dotted paths trimmed from <c>raw</c> (absent when nothing was).</summary>
    public const string TrimmedAttribute = "raw.trimmed";

    /// <summary>For records without known noise or identity members (identity providers' logs).</summary>
    public static RawTrimPlan LargestFirst { get; } = new([], new HashSet<string>(StringComparer.Ordinal));

    /// <summary><c>raw.trimmed</c> names at most this many paths; past it, a last entry says how many more were cut.</summary>
    internal const int MaxTrimmedPaths = 64;

    /// <summary>A path named in <c>raw.trimmed</c> keeps at most this many characters, then "…".</summary>
    internal const int MaxPathLength = 512;

    /// <summary>A clipped string keeps at most this many characters, then "…".</summary>
    private const int ClippedStringLength = 256;

    /// <summary>A member given less room than this is cut rather than trimmed inside: the remnant would tell nothing.</summary>
    private const long MinShare = 64;

    /// <summary>Bytes the JSON writer writes as they are (never escaped by its default encoder): these are measured, not written.</summary>
    private static readonly SearchValues<byte> Plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -./:_,;=@#$%()*[]{}!?^|~"u8);

    public static JsonElement Bounded(JsonElement value, int maxBytes, RawTrimPlan plan, out IReadOnlyList<string>? trimmed)
    {
        trimmed = null;

        // Checked whole, before any trimming: the trimmer copies the strings it keeps as they came.
        var size = JsonMarshal.GetRawUtf8Value(JsonFields.Writable(value)).Length;
        if (size <= maxBytes)
        {
            return value.Clone();
        }

        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            var trimmer = new Trimmer(plan);
            var output = trimmer.Trim(value, maxBytes);
            if (output.WrittenCount <= maxBytes)
            {
                trimmed = trimmer.Cut;
                using var document = JsonDocument.Parse(output.WrittenMemory);
                return document.RootElement.Clone();
            }

            if (plan.Fallback is { } fallback)
            {
                return Bounded(value, maxBytes, fallback, out trimmed);
            }
        }

        trimmed = ["$"];
        return Summary(size, value.ValueKind == JsonValueKind.Object && value.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : null);
    }

    private static JsonElement Summary(long size, string? kind)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("truncated", true);
            writer.WriteNumber("bytes", size);
            if (kind is not null)
            {
                writer.WriteString("kind", kind);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(output.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// A value with its written size, where it sits (<see cref="Parent"/>, <see cref="Name"/> in an object or
    /// <see cref="Index"/> in an array) and, for an object or array, its members. <see cref="Changed"/> when something
    /// under it was dropped or clipped: it is then written member by member, never as received.
    /// </summary>
    private sealed class Sized(JsonElement value, Sized? parent, string? name, int index, bool kept)
    {
        public JsonElement Value { get; } = value;

        public Sized? Parent { get; } = parent;

        public string? Name { get; } = name;

        public int Index { get; } = index;

        /// <summary>The plan keeps it, or something above it: never cut.</summary>
        public bool Kept { get; } = kept;

        /// <summary>The plan keeps something under it: it may be trimmed inside, never cut whole.</summary>
        public bool Keeps { get; set; }

        public long Size { get; set; }

        /// <summary>What its name, colon and comma add to its container.</summary>
        public long Overhead { get; set; }

        public long Cost => Overhead + Size;

        public List<Sized>? Members { get; set; }

        public bool Changed { get; set; }

        /// <summary>Its cut is already named in <c>raw.trimmed</c>.</summary>
        public bool Named { get; set; }

        /// <summary>The string's clipped text, once clipped.</summary>
        public string? Clipped { get; set; }

        /// <summary>Its position in document order, which orders the named paths.</summary>
        public int Order { get; set; }

        public string Path => Parent is null ? string.Empty
            : Name is null ? $"{Parent.Path}[{Index}]"
            : Parent.Parent is null ? Name
            : Parent.Path + "." + Name;
    }

    private sealed class Trimmer(RawTrimPlan plan)
    {
        private readonly ArrayBufferWriter<byte> scratch = new();
        private readonly Utf8JsonWriter measurer = new(new ArrayBufferWriter<byte>());
        private readonly List<Sized> strings = [];
        private readonly List<string> cut = [];
        private int more;
        private int order;

        /// <summary>Every prefix of a kept or dropped path: only under these does a member's path need building.</summary>
        private readonly HashSet<string> prefixes = Prefixes(plan);

        /// <summary>The paths cut, at most <see cref="MaxTrimmedPaths"/> named, the rest counted.</summary>
        public IReadOnlyList<string> Cut => more == 0 ? cut : [.. cut, $"+{more} more"];

        public ArrayBufferWriter<byte> Trim(JsonElement value, long maxBytes)
        {
            var root = new Sized(value, null, null, 0, false);
            Measure(root, string.Empty);
            var total = root.Size;

            // The longest strings first, wherever they are; each is clipped once.
            var clipped = new List<Sized>();
            foreach (var leaf in strings.OrderByDescending(s => s.Size))
            {
                if (total <= maxBytes)
                {
                    break;
                }

                var text = Clip(Head(leaf.Value), ClippedStringLength);
                var size = Written(text);
                if (size >= leaf.Size)
                {
                    continue;
                }

                total -= leaf.Size - size;
                leaf.Clipped = text;
                leaf.Size = size;
                clipped.Add(leaf);
                for (var up = leaf; up is not null && !up.Changed; up = up.Parent)
                {
                    up.Changed = true;
                }
            }

            foreach (var leaf in clipped.OrderBy(l => l.Order))
            {
                Name(leaf);
            }

            Resize(root);

            var output = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(output))
            {
                Write(writer, root, maxBytes);
            }

            return output;
        }

        /// <summary>Names a cut once; its path is built only while the list has room, so cutting thousands of labels stays cheap.</summary>
        private void Name(Sized node)
        {
            if (!node.Named)
            {
                node.Named = true;
                Name(null, node);
            }
        }

        private void Name(string? path, Sized? node)
        {
            if (cut.Count < MaxTrimmedPaths - 1)
            {
                // A key is the sender's (an invalid annotation key is logged before the API server refuses it): a path
                // longer than this is clipped, or one huge key would make raw.trimmed itself overflow the attributes.
                path ??= node!.Path;
                cut.Add(path.Length <= MaxPathLength ? path : string.Concat(path.AsSpan(0, MaxPathLength), "…"));
            }
            else
            {
                more++;
            }
        }

        /// <summary>
        /// Sizes <paramref name="node"/> and everything under it, drops what the plan drops (named) and marks what it keeps.
        /// <paramref name="path"/> is built only where the plan names something below (else null).
        /// </summary>
        private void Measure(Sized node, string? path)
        {
            node.Order = order++;
            var value = node.Value;
            if (value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                node.Size = Written(value);
                if (value.ValueKind == JsonValueKind.String && !node.Kept && node.Size > ClippedStringLength + 8)
                {
                    strings.Add(node);
                }

                return;
            }

            var members = new List<Sized>();
            long size = 2;
            var tracked = path is not null && prefixes.Contains(path);
            if (value.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in value.EnumerateObject())
                {
                    var child = tracked ? (path!.Length == 0 ? property.Name : path + "." + property.Name) : null;
                    if (child is not null && plan.Drop.Contains(child))
                    {
                        Name(child, null);
                        node.Changed = true;
                        continue;
                    }

                    var member = new Sized(property.Value, node, property.Name, members.Count, node.Kept || (child is not null && plan.Keep.Contains(child)))
                    {
                        Keeps = child is not null && prefixes.Contains(child),
                    };
                    Measure(member, child);
                    member.Overhead = Written(property) + 1 + (members.Count == 0 ? 0 : 1);
                    members.Add(member);
                    size += member.Cost;
                    node.Changed |= member.Changed;
                }
            }
            else
            {
                foreach (var item in value.EnumerateArray())
                {
                    var member = new Sized(item, node, null, members.Count, node.Kept);
                    Measure(member, null);
                    member.Overhead = members.Count == 0 ? 0 : 1;
                    members.Add(member);
                    size += member.Cost;
                }
            }

            node.Members = members;
            node.Size = size;
        }

        /// <summary>Containers' sizes again, after strings under them were clipped.</summary>
        private static void Resize(Sized node)
        {
            if (node.Members is not { } members || !node.Changed)
            {
                return;
            }

            long size = 2;
            foreach (var member in members)
            {
                Resize(member);
                size += member.Cost;
            }

            node.Size = size;
        }

        /// <summary>Writes <paramref name="node"/> in at most <paramref name="budget"/> bytes (the caller checked it can: <see cref="CanShrinkTo"/>).</summary>
        private void Write(Utf8JsonWriter writer, Sized node, long budget)
        {
            if (node.Size <= budget && !node.Changed)
            {
                node.Value.WriteTo(writer);
                return;
            }

            if (node.Members is not { } members)
            {
                var text = node.Clipped ?? node.Value.GetString()!;
                if (node.Size > budget)
                {
                    // A string clipped again in the share its container gave it: the longest prefix that fits (at most
                    // 256 characters, so a binary search measures at most nine candidates).
                    var (low, high) = (0, Math.Min(text.Length, ClippedStringLength));
                    while (low < high)
                    {
                        var mid = (low + high + 1) / 2;
                        (low, high) = Written(Clip(text, mid)) <= budget ? (mid, high) : (low, mid - 1);
                    }

                    text = Clip(text, low);
                    Name(node);
                }

                writer.WriteStringValue(text);
                return;
            }

            var room = Share(members, budget - 2);
            var isObject = node.Value.ValueKind == JsonValueKind.Object;
            if (isObject)
            {
                writer.WriteStartObject();
            }
            else
            {
                writer.WriteStartArray();
            }

            foreach (var member in members)
            {
                // Trimmed inside: the member's own name, colon and comma come out of its share.
                var inner = Math.Min(room[member.Index], member.Cost) - member.Overhead;
                if (!CanShrinkTo(member, inner))
                {
                    Name(member);
                    continue;
                }

                if (isObject)
                {
                    writer.WritePropertyName(member.Name!);
                }

                Write(writer, member, inner);
            }

            if (isObject)
            {
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteEndArray();
            }
        }

        /// <summary>
        /// Each member's room, in its container's <paramref name="budget"/>: its whole cost when kept whole, less when it
        /// is to be trimmed inside, -1 when it is cut. Kept members first; then smallest first, each kept whole while it is
        /// no larger than an equal share of what is left; the larger ones share the rest, or, when that share is too small
        /// to trim into, are kept smallest first while they fit. Ties keep document order, so the result is deterministic.
        /// </summary>
        private static long[] Share(List<Sized> members, long budget)
        {
            var room = new long[members.Count];
            var left = budget;
            var order = new List<Sized>(members.Count);
            foreach (var member in members)
            {
                if (member.Kept)
                {
                    room[member.Index] = member.Cost;
                    left -= member.Cost;
                }
                else
                {
                    order.Add(member);
                }
            }

            order.Sort(static (a, b) => a.Cost != b.Cost ? a.Cost.CompareTo(b.Cost) : a.Index.CompareTo(b.Index));
            for (var i = 0; i < order.Count; i++)
            {
                var member = order[i];
                var share = Math.Max(left, 0) / (order.Count - i);
                if (member.Cost <= share)
                {
                    room[member.Index] = member.Cost;
                    left -= member.Cost;
                    continue;
                }

                for (var j = i; j < order.Count; j++)
                {
                    var larger = order[j];
                    share = Math.Max(left, 0) / (order.Count - j);
                    if (share >= MinShare + larger.Overhead || larger.Keeps)
                    {
                        room[larger.Index] = share;
                        left -= share;
                    }
                    else if (larger.Cost <= left)
                    {
                        room[larger.Index] = larger.Cost;
                        left -= larger.Cost;
                    }
                    else
                    {
                        room[larger.Index] = -1;
                    }
                }

                break;
            }

            return room;
        }

        /// <summary>Whether the value can be written in the budget at all (a number or a literal cannot shrink).</summary>
        private bool CanShrinkTo(Sized node, long budget) => node.Value.ValueKind switch
        {
            _ when node.Size <= budget => true,
            JsonValueKind.Object or JsonValueKind.Array => budget >= 2,
            JsonValueKind.String => budget >= Written("…"),
            _ => false,
        };

        /// <summary>
        /// At least the string's first 256 characters (all of it when shorter), without decoding a padded value whole:
        /// 1,024 bytes of unescaped UTF-8 hold more than 256 complete characters, so a character cut at the end is never among them.
        /// </summary>
        private static string Head(JsonElement value)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value)[1..^1];
            return raw.Length <= 4 * ClippedStringLength || raw.Contains((byte)'\\')
                ? value.GetString()!
                : Encoding.UTF8.GetString(raw[..(4 * ClippedStringLength)]);
        }

        /// <summary>The first <paramref name="length"/> characters (at most) and "…", never splitting a surrogate pair.</summary>
        private static string Clip(string text, int length)
        {
            length = Math.Min(length, text.Length);
            if (length > 0 && char.IsHighSurrogate(text[length - 1]))
            {
                length--;
            }

            return string.Concat(text.AsSpan(0, length), "…");
        }

        private long Written(string text)
        {
            Reset();
            measurer.WriteStringValue(text);
            measurer.Flush();
            return scratch.WrittenCount;
        }

        /// <summary>
        /// A value's size as the writer writes it: a number or literal as received; a string as received when it holds only
        /// characters the writer never escapes (the common case, and a padded value's: no need to write 80 KiB to measure
        /// it); any other string by writing it.
        /// </summary>
        private long Written(JsonElement value)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value);
            if (value.ValueKind != JsonValueKind.String || raw[1..^1].ContainsAnyExcept(Plain))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    return raw.Length;
                }

                Reset();
                value.WriteTo(measurer);
                measurer.Flush();
                return scratch.WrittenCount;
            }

            return raw.Length;
        }

        /// <summary>A property name's size, quoted, the same way.</summary>
        private long Written(JsonProperty property)
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            return raw.ContainsAnyExcept(Plain) ? Written(property.Name) : raw.Length + 2;
        }

        private void Reset()
        {
            scratch.ResetWrittenCount();
            measurer.Reset(scratch);
        }

        private static HashSet<string> Prefixes(RawTrimPlan plan)
        {
            var prefixes = new HashSet<string>(StringComparer.Ordinal) { string.Empty };
            foreach (var path in plan.Drop.Concat(plan.Keep))
            {
                for (var dot = path.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = path.IndexOf('.', dot + 1))
                {
                    prefixes.Add(path[..dot]);
                }
            }

            return prefixes;
        }
    }
}
