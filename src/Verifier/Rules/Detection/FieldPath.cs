namespace ZtStream.Verifier.Rules.Detection;

/// <summary>Where a field path starts.</summary>
internal enum FieldRoot
{
    /// <summary>A canonical field of the event (<c>subject.id</c>, <c>status</c> …).</summary>
    Canonical,

    /// <summary>A key of the event's <c>attributes</c>, then a path into its value.</summary>
    Attributes,

    /// <summary>The source's original object (<c>raw.</c>).</summary>
    Raw,

    /// <summary>The pod spec of the workload object the event carries (<c>pod_spec.</c>).</summary>
    PodSpec,

    /// <summary>A Kubernetes audit event's request object, JSON patches read as the object they write (<c>request_object.</c>).</summary>
    RequestObject,

    /// <summary>Every container of that pod spec: containers, initContainers and ephemeralContainers (<c>all_containers.</c>).</summary>
    AllContainers,

    /// <summary>A value a resolver finds in the event by its own look-up (a parameter named in a list of name-value pairs).</summary>
    Found,
}

/// <summary>What a canonical field holds, as rule modifiers need to know it.</summary>
internal enum CanonicalValue
{
    /// <summary>Text (<c>subject.id</c>, <c>action</c> …).</summary>
    Text,

    /// <summary>Text that is always a date (<c>time</c>).</summary>
    Time,

    /// <summary>A whole number (<c>status</c>, <c>bytes</c> …).</summary>
    Number,
}

/// <summary>
/// A compiled field path: a canonical field, or a dotted path into JSON with any-element semantics over arrays (an
/// array met on the way is searched element by element; <c>[*]</c> says so explicitly, <c>[N]</c> picks one element,
/// <c>["a.b"]</c> quotes a key holding dots). A key holding dots also resolves unquoted when no shorter key exists
/// (<c>annotations.authorization.k8s.io/decision</c>). Evaluation allocates nothing for ASCII or short values.
/// A path may ignore the case of keys (vendors write camelCase, Sigma rules lower case), and a field may name several
/// paths, any of whose values counts (<see cref="AnyOf"/>): one record kept in different shapes.
/// </summary>
internal sealed class FieldPath
{
    private const int Wildcard = -2;
    private const int NoIndex = -1;
    private const int StackChars = 256;

    private readonly Segment[] segments;
    private readonly Func<AccessEvent, string?>? text;
    private readonly Func<AccessEvent, long?>? number;
    private Func<AccessEvent, JsonElement?>? found;
    private readonly string[] attributeKeys;
    private readonly string display;
    private bool ignoreCase;
    private FieldPath[]? alternatives;
    private string pathText = "";
    private string? key;

    private FieldPath(string written, FieldRoot root, string display, Segment[] segments, Func<AccessEvent, string?>? text = null, Func<AccessEvent, long?>? number = null, string[]? attributeKeys = null)
    {
        Text = written;
        Root = root;
        this.display = display;
        this.segments = segments;
        this.text = text;
        this.number = number;
        this.attributeKeys = attributeKeys ?? [];
    }

    /// <summary>The field as the rule wrote it.</summary>
    public string Text { get; }

    public FieldRoot Root { get; }

    /// <summary>True for the canonical <c>kind</c> field (rules are indexed by it).</summary>
    public bool IsKind { get; private init; }

    /// <summary>
    /// What the field holds when it is a canonical field; null for a path into JSON (<c>raw.</c>, <c>attributes.</c> …),
    /// whose values are whatever each event brings.
    /// </summary>
    public CanonicalValue? CanonicalType =>
        Root != FieldRoot.Canonical || alternatives is not null ? null
        : number is not null ? CanonicalValue.Number
        : display == "time" ? CanonicalValue.Time
        : CanonicalValue.Text;

    /// <summary>
    /// What the path reads, written one way whatever the rule called the field: two paths with one key reach the same
    /// values on every event (so rules that need one attribute share its look-up, <see cref="RuleSet"/>).
    /// </summary>
    public string Key => key ??= alternatives is not null
        ? $"any({string.Join(",", alternatives.Select(a => a.Key))})"
        : $"{Root}:{(ignoreCase ? "i" : "")}:{pathText}";

    public static FieldPath CanonicalText(string name, Func<AccessEvent, string?> read) =>
        new(name, FieldRoot.Canonical, name, [], text: read) { IsKind = name == "kind", pathText = name };

    public static FieldPath CanonicalNumber(string name, Func<AccessEvent, long?> read) =>
        new(name, FieldRoot.Canonical, name, [], number: read) { pathText = name };

    /// <summary>
    /// The value <paramref name="find"/> finds in the event, read as a path's value is (any element of a list counts).
    /// <paramref name="key"/> says what it finds, alike for every field that finds the same (<see cref="Key"/>).
    /// </summary>
    public static FieldPath Found(string written, string key, Func<AccessEvent, JsonElement?> find) =>
        new(written, FieldRoot.Found, written, []) { found = find, pathText = key };

    /// <summary>Whether both paths reach the same values on every event (<see cref="Key"/>).</summary>
    public bool SameAs(FieldPath other) => ReferenceEquals(this, other) || Key == other.Key;

    /// <summary>A path under the raw object whose keys match in any case (an exact key is preferred when both exist).</summary>
    public static FieldPath RawIgnoringCase(string written, string path) =>
        new(written, FieldRoot.Raw, "", Parse(path, written)) { ignoreCase = true, pathText = path };

    /// <summary>
    /// A field read at each of <paramref name="paths"/>: any value at any of them counts, it exists where any of them
    /// does, and its first value is the first path's that has one. A rule field so resolves the same in every shape a
    /// source record comes in (an envelope or none); none present is a missing field.
    /// </summary>
    public static FieldPath AnyOf(string written, IReadOnlyList<FieldPath> paths) =>
        paths.Count == 1 ? paths[0] : new(written, paths[0].Root, "", []) { alternatives = [.. paths] };

    /// <summary>A path under a root; <paramref name="path"/> is what follows the root's prefix (may be empty for the root itself).</summary>
    public static FieldPath Json(string written, FieldRoot root, string displayPrefix, string path)
    {
        var segments = Parse(path, written);
        if (root == FieldRoot.Attributes)
        {
            // The first key may itself hold dots (k8s.request_object): try the longest key first.
            if (segments.Length == 0 || segments[0].Name is null)
            {
                throw new RuleFormatException($"field '{written}' names no attribute key");
            }

            var names = new List<string>();
            for (var i = 0; i < segments.Length && segments[i].Name is not null; i++)
            {
                names.Add(segments[i].Name!);
            }

            var keys = new string[names.Count];
            for (var n = names.Count; n >= 1; n--)
            {
                keys[names.Count - n] = string.Join('.', names.Take(n));
            }

            return new FieldPath(written, root, displayPrefix, segments, attributeKeys: keys) { pathText = path };
        }

        return new FieldPath(written, root, displayPrefix, segments) { pathText = path };
    }

    /// <summary>True when any value the path reaches passes <paramref name="test"/>; records the match into <paramref name="trace"/>.</summary>
    public bool Any(RuleEvent e, ILeafTest test, MatchTrace? trace)
    {
        if (alternatives is not null)
        {
            foreach (var path in alternatives)
            {
                if (path.Any(e, test, trace))
                {
                    return true;
                }
            }

            return false;
        }

        var walk = new Walk(Mode.Test, test, e, trace);
        return Start(ref walk);
    }

    /// <summary>True when the path reaches anything (even null or an empty array).</summary>
    public bool Exists(RuleEvent e)
    {
        if (alternatives is not null)
        {
            foreach (var path in alternatives)
            {
                if (path.Exists(e))
                {
                    return true;
                }
            }

            return false;
        }

        var walk = new Walk(Mode.Exists, null, e, null);
        return Start(ref walk);
    }

    /// <summary>The first scalar value the path reaches, as text; null when none.</summary>
    public string? First(RuleEvent e)
    {
        if (alternatives is not null)
        {
            foreach (var path in alternatives)
            {
                if (path.First(e) is { } value)
                {
                    return value;
                }
            }

            return null;
        }

        var walk = new Walk(Mode.First, null, e, null);
        Start(ref walk);
        return walk.FirstValue;
    }

    /// <summary>
    /// Every scalar value the path reaches, as text, in order (each element of a list): what a <c>distinct_count</c>
    /// counts, so one call that names twenty secrets counts twenty. Of the first alternative that reaches any.
    /// </summary>
    public List<string> Every(RuleEvent e)
    {
        if (alternatives is not null)
        {
            foreach (var path in alternatives)
            {
                if (path.Every(e) is { Count: > 0 } values)
                {
                    return values;
                }
            }

            return [];
        }

        var walk = new Walk(Mode.Every, null, e, null) { Values = [] };
        Start(ref walk);
        return walk.Values!;
    }

    /// <summary>True when any value anywhere under the path (every object member and array element, at any depth) passes.</summary>
    public bool AnyDeep(RuleEvent e, ILeafTest test, MatchTrace? trace)
    {
        var walk = new Walk(Mode.Test, test, e, trace);
        return Root == FieldRoot.Raw && segments.Length == 0 && e.Raw is { } raw && Deep(raw, ref walk, display);
    }

    private static bool Deep(JsonElement node, ref Walk w, string path)
    {
        switch (node.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in node.EnumerateObject())
                {
                    if (Deep(p.Value, ref w, w.Trace is null ? path : Join(path, p.Name)))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in node.EnumerateArray())
                {
                    if (Deep(item, ref w, w.Trace is null ? path : path + ElementLabel(item, i)))
                    {
                        return true;
                    }

                    i++;
                }

                return false;
            default:
                return Value(node, ref w, path);
        }
    }

    private bool Start(ref Walk w)
    {
        var e = w.Event.Event;
        switch (Root)
        {
            case FieldRoot.Canonical:
                return Canonical(e, ref w);
            case FieldRoot.Attributes:
                if (e.Attributes is not { } attributes)
                {
                    return false;
                }

                var skip = attributeKeys.Length;
                foreach (var key in attributeKeys)
                {
                    // keys[0] joins the most segments; each later key one fewer.
                    if (attributes.TryGetValue(key, out var v))
                    {
                        return Descend(v, skip, ref w, display.Length > 0 ? display + key : key);
                    }

                    skip--;
                }

                return false;
            case FieldRoot.Raw:
                return w.Event.Raw is { } raw && Descend(raw, 0, ref w, display);
            case FieldRoot.Found:
                return found!(e) is { } value && Descend(value, 0, ref w, display);
            case FieldRoot.PodSpec:
                return w.Event.TryGetPodSpec(out var spec) && Descend(spec, 0, ref w, display);
            case FieldRoot.RequestObject:
                return w.Event.TryGetRequestObject(out var request) && Descend(request, 0, ref w, display);
            case FieldRoot.AllContainers:
                if (!w.Event.TryGetPodSpec(out var podSpec))
                {
                    return false;
                }

                foreach (var list in (ReadOnlySpan<string>)["containers", "initContainers", "ephemeralContainers"])
                {
                    if (podSpec.TryGetProperty(list, out var containers) && containers.ValueKind == JsonValueKind.Array
                        && DescendAny(containers, 0, ref w, list))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>Whether the path from segment <paramref name="i"/> on matches under any element of <paramref name="array"/>.</summary>
    private bool DescendAny(JsonElement array, int i, ref Walk w, string path)
    {
        var n = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (Descend(item, i, ref w, w.Trace is null ? path : path + ElementLabel(item, n)))
            {
                return true;
            }

            n++;
        }

        return false;
    }

    private bool Canonical(AccessEvent e, ref Walk w)
    {
        if (text is not null)
        {
            var s = text(e);
            if (s is null)
            {
                return false;
            }

            return Visit(new Leaf(LeafKind.String, s, default), ref w, display, s);
        }

        var n = number!(e);
        if (n is not { } value)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[24];
        value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
        return Visit(new Leaf(LeafKind.Number, buffer[..written], default), ref w, display, null);
    }

    private bool Descend(JsonElement node, int i, ref Walk w, string path)
    {
        if (i == segments.Length)
        {
            if (node.ValueKind == JsonValueKind.Array && w.Mode != Mode.Exists)
            {
                // A list-valued field matches when any element does; a list in the list is searched the same way, as a
                // name met on a list of lists is (a value once stopped at the outer list: [["y", "x"]] never held x).
                var n = 0;
                foreach (var item in node.EnumerateArray())
                {
                    if (Descend(item, i, ref w, w.Trace is null ? path : path + ElementLabel(item, n)))
                    {
                        return true;
                    }

                    n++;
                }

                return false;
            }

            return Value(node, ref w, path);
        }

        var s = segments[i];
        if (node.ValueKind == JsonValueKind.Array)
        {
            if (s.Index >= 0)
            {
                return s.Index < node.GetArrayLength() && Descend(node[s.Index], i + 1, ref w, w.Trace is null ? path : path + "[" + s.Index.ToString(CultureInfo.InvariantCulture) + "]");
            }

            // [*] consumes its segment; a name met on an array applies to every element.
            return DescendAny(node, s.Index == Wildcard ? i + 1 : i, ref w, path);
        }

        if (s.Index == Wildcard)
        {
            return Descend(node, i + 1, ref w, path);
        }

        if (s.Name is null || node.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (TryChild(node, s.Name, out var child, out var found))
        {
            return Descend(child, i + 1, ref w, w.Trace is null ? path : Join(path, KeyOf(s.Name, found)));
        }

        // A key with dots (authorization.k8s.io/decision) written unquoted: join the following segments.
        for (var k = 0; k < s.Joined.Length; k++)
        {
            if (TryChild(node, s.Joined[k], out child, out found))
            {
                return Descend(child, i + 1 + s.JoinedExtra[k], ref w, w.Trace is null ? path : Join(path, KeyOf(s.Joined[k], found)));
            }
        }

        return false;
    }

    /// <summary>
    /// The member <paramref name="name"/>; when the path ignores case and no exact key exists, the first key equal but for
    /// case, as <paramref name="found"/> (default for the exact key: its name is only read for a trace).
    /// </summary>
    private bool TryChild(JsonElement node, string name, out JsonElement child, out JsonProperty found)
    {
        found = default;
        if (node.TryGetProperty(name, out child))
        {
            return true;
        }

        if (!ignoreCase)
        {
            return false;
        }

        foreach (var p in node.EnumerateObject())
        {
            // Compared on the key's bytes: reading each key as a string would allocate one per member per event.
            var raw = JsonMarshal.GetRawUtf8PropertyName(p);
            var equal = Ascii.IsValid(raw) && raw.IndexOf((byte)'\\') < 0
                ? Ascii.EqualsIgnoreCase(raw, name)
                : string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase);
            if (equal)
            {
                child = p.Value;
                found = p;
                return true;
            }
        }

        return false;
    }

    private static bool Value(JsonElement v, ref Walk w, string path)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(v);
                if (raw.Length >= 2 && raw[0] == (byte)'"')
                {
                    raw = raw[1..^1];
                }

                // Most values are short ASCII compared for equality or a prefix: decide on the bytes when the test can.
                // Only on bytes without escapes: the test compares unescaped text, and an audit event's requestURI
                // arrives with Go's "\u0026" for every '&', a Windows path with "\\" for every backslash.
                var escaped = raw.Contains((byte)'\\');
                if (!escaped && w.Mode == Mode.Test && w.Trace is null && w.Test!.TryTestUtf8(raw, out var decided))
                {
                    return decided;
                }

                if (escaped)
                {
                    var s = v.GetString()!;
                    return Visit(new Leaf(LeafKind.String, s, v), ref w, path, s);
                }

                if (raw.Length <= StackChars)
                {
                    Span<char> buffer = stackalloc char[StackChars];
                    var n = Encoding.UTF8.GetChars(raw, buffer);
                    return Visit(new Leaf(LeafKind.String, buffer[..n], v), ref w, path, null);
                }

                var rented = ArrayPool<char>.Shared.Rent(raw.Length);
                try
                {
                    var n = Encoding.UTF8.GetChars(raw, rented);
                    return Visit(new Leaf(LeafKind.String, rented.AsSpan(0, n), v), ref w, path, null);
                }
                finally
                {
                    ArrayPool<char>.Shared.Return(rented);
                }

            case JsonValueKind.Number:
                var digits = JsonMarshal.GetRawUtf8Value(v);
                Span<char> number = stackalloc char[Math.Min(digits.Length, 64)];
                var len = Encoding.ASCII.GetChars(digits[..number.Length], number);
                return Visit(new Leaf(LeafKind.Number, number[..len], v), ref w, path, null);
            case JsonValueKind.True:
                return Visit(new Leaf(LeafKind.Bool, "true", v), ref w, path, "true");
            case JsonValueKind.False:
                return Visit(new Leaf(LeafKind.Bool, "false", v), ref w, path, "false");
            case JsonValueKind.Null:
                return Visit(new Leaf(LeafKind.Null, "", v), ref w, path, "null");
            case JsonValueKind.Object:
                return Visit(new Leaf(LeafKind.Object, "", v), ref w, path, null);
            case JsonValueKind.Array:
                return Visit(new Leaf(LeafKind.Array, "", v), ref w, path, null);
            default:
                return false;
        }
    }

    private static bool Visit(scoped in Leaf leaf, ref Walk w, string path, string? text)
    {
        switch (w.Mode)
        {
            case Mode.Exists:
                return true;
            case Mode.First:
                if (!leaf.IsScalar)
                {
                    return false;
                }

                w.FirstValue = text ?? leaf.Text.ToString();
                return true;
            case Mode.Every:
                if (leaf.IsScalar)
                {
                    w.Values!.Add(text ?? leaf.Text.ToString());
                }

                // Not found yet: the walk goes on to the next value.
                return false;
            default:
                if (!w.Test!.Test(leaf, w.Event))
                {
                    return false;
                }

                w.Trace?.Add(path, Shown(leaf, text));
                return true;
        }
    }

    private static string Shown(scoped in Leaf leaf, string? text) => leaf.Kind switch
    {
        LeafKind.Object or LeafKind.Array => Truncate(Leaf.JsonText(leaf.Element)),
        _ => Truncate(text ?? leaf.Text.ToString()),
    };

    private static string Truncate(string s) => s.Length <= 80 ? s : string.Concat(s.AsSpan(0, 80), "…");

    /// <summary><c>[name]</c> for an element with a <c>name</c> (containers, volumes), else <c>[index]</c>.</summary>
    private static string ElementLabel(JsonElement item, int index) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? "[" + name.GetString() + "]"
            : "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>The key as the event writes it: the path's own name, or the key found ignoring case.</summary>
    private static string KeyOf(string name, JsonProperty found) => found.Value.ValueKind == JsonValueKind.Undefined ? name : found.Name;

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static Segment[] Parse(string path, string written)
    {
        var result = new List<Segment>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                if (i == 0 || i == path.Length - 1 || path[i + 1] == '.')
                {
                    throw new RuleFormatException($"field '{written}' has an empty path segment");
                }

                i++;
                continue;
            }

            if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0)
                {
                    throw new RuleFormatException($"field '{written}': '[' without ']'");
                }

                var inner = path[(i + 1)..close];
                if (inner == "*")
                {
                    result.Add(new Segment(null, Wildcard));
                }
                else if (inner.Length >= 2 && (inner[0] is '"' or '\'') && inner[^1] == inner[0])
                {
                    result.Add(new Segment(inner[1..^1], NoIndex));
                }
                else if (int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    result.Add(new Segment(null, index));
                }
                else
                {
                    throw new RuleFormatException($"field '{written}': [{inner}] must be [*], an index, or a quoted key");
                }

                i = close + 1;
                continue;
            }

            var end = i;
            while (end < path.Length && path[end] is not ('.' or '['))
            {
                end++;
            }

            result.Add(new Segment(path[i..end], NoIndex));
            i = end;
        }

        // Precompute the dotted keys a name may start (a.b.c → "a.b", "a.b.c"), longest first.
        for (var s = 0; s < result.Count; s++)
        {
            if (result[s].Name is null)
            {
                continue;
            }

            var run = s;
            while (run + 1 < result.Count && result[run + 1].Name is not null)
            {
                run++;
            }

            var joined = new List<string>();
            var extra = new List<int>();
            for (var to = run; to > s; to--)
            {
                joined.Add(string.Join('.', result.Skip(s).Take(to - s + 1).Select(x => x.Name)));
                extra.Add(to - s);
            }

            result[s] = result[s] with { Joined = [.. joined], JoinedExtra = [.. extra] };
        }

        return [.. result];
    }

    private sealed record Segment(string? Name, int Index)
    {
        public string[] Joined { get; init; } = [];

        public int[] JoinedExtra { get; init; } = [];
    }

    private enum Mode
    {
        Test,
        Exists,
        First,
        Every,
    }

    private struct Walk(Mode mode, ILeafTest? test, RuleEvent e, MatchTrace? trace)
    {
        public readonly Mode Mode = mode;
        public readonly ILeafTest? Test = test;
        public readonly RuleEvent Event = e;
        public readonly MatchTrace? Trace = trace;
        public string? FirstValue;
        public List<string>? Values;
    }
}
