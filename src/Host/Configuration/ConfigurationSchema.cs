using System.Collections;
using ZtStream.Ingest.Options;
using ZtStream.Ingest.SharedSignals;

namespace ZtStream.Host.Configuration;

/// <summary>
/// Every configuration key the binary reads, derived from the options records so it cannot drift from them.
/// Used to reject unknown keys in a config file (a typo must not silently fall back to a default), values a key cannot
/// take (<see cref="ValueProblems"/>), and by the deployment-consistency tests.
/// </summary>
internal static class ConfigurationSchema
{
    /// <summary>Top-level keys that are not an options section.</summary>
    private static readonly string[] PlainKeys = ["Roles", "Urls"];

    /// <summary>
    /// Sections read whole by ASP.NET Core (endpoints, certificates): any key below them is theirs to judge, but the
    /// values of the type given are checked as any other section's (ASP.NET Core skips one it cannot parse unsaid).
    /// </summary>
    private static readonly (string Section, Type Values)[] OpenSections = [(StandardEnvironment.KestrelSection, typeof(KestrelSectionValues))];

    /// <summary>Options sections and their records.</summary>
    internal static IReadOnlyList<(string Section, Type Options)> Sections { get; } =
    [
        (EventLogOptions.Section, typeof(EventLogOptions)),
        (StoreOptions.Section, typeof(StoreOptions)),
        (BusOptions.Section, typeof(BusOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (ZtStream.Platform.Proxy.ForwardedHeadersSettings.Section, typeof(ZtStream.Platform.Proxy.ForwardedHeadersSettings)),
        (ZtStream.Platform.Http.HstsSettings.Section, typeof(ZtStream.Platform.Http.HstsSettings)),
        (IngestOptions.Section, typeof(IngestOptions)),
        (SsfReceiverOptions.Section, typeof(SsfReceiverOptions)),
        (ZtStream.Ingest.Sources.Credentials.PubSubPushOptions.Section, typeof(ZtStream.Ingest.Sources.Credentials.PubSubPushOptions)),
        (VerifierOptions.Section, typeof(VerifierOptions)),
        (ResponderOptions.Section, typeof(ResponderOptions)),
        (ResponderDriversOptions.Section, typeof(ResponderDriversOptions)),
        (ZtStream.Responder.Revocation.RevocationFeedOptions.Section, typeof(ZtStream.Responder.Revocation.RevocationFeedOptions)),
        (NotificationOptions.Section, typeof(NotificationOptions)),
        (ZtStream.Responder.Console.SignIn.ConsoleSsoOptions.Section, typeof(ZtStream.Responder.Console.SignIn.ConsoleSsoOptions)),
        (SampleHostOptions.Section, typeof(SampleHostOptions)),
        (SampleOptions.SectionName, typeof(SampleOptions)),
    ];

    private static readonly Lazy<SchemaNode> Root = new(BuildRoot);

    /// <summary>True when <paramref name="key"/> (<c>Section:Key</c>, case-insensitive) is read by the binary.</summary>
    public static bool IsKnown(string key)
    {
        var node = Root.Value;
        foreach (var part in key.Split(':'))
        {
            if (node.AnyChild)
            {
                return true;
            }

            if (!node.Children.TryGetValue(part, out var child))
            {
                return false;
            }

            node = child;
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="key"/> names a section the binary reads key by key (<c>Ingest</c>, <c>Responder:Drivers</c>):
    /// a single value there binds to nothing. Open sections, lists and maps are not judged.
    /// </summary>
    public static bool IsSection(string key)
    {
        var node = Root.Value;
        foreach (var part in key.Split(':'))
        {
            if (node.AnyChild || !node.Children.TryGetValue(part, out var child))
            {
                return false;
            }

            node = child;
        }

        return node.Children.Count > 0 && !node.AnyChild;
    }

    /// <summary>Every leaf key, for documentation and tests (<c>*</c> stands for any name or index).</summary>
    public static IEnumerable<string> Keys()
    {
        var result = new List<string>();
        Collect(Root.Value, prefix: null, result);
        return result;
    }

    private static void Collect(SchemaNode node, string? prefix, List<string> into)
    {
        if (node.AnyChild)
        {
            into.Add(prefix + ":*");
            return;
        }

        if (node.Children.Count == 0 && prefix is not null)
        {
            into.Add(prefix);
            return;
        }

        foreach (var (name, child) in node.Children)
        {
            Collect(child, prefix is null ? name : $"{prefix}:{name}", into);
        }
    }

    private static SchemaNode BuildRoot()
    {
        var root = new SchemaNode();
        foreach (var key in PlainKeys)
        {
            root.Children[key] = new SchemaNode();
        }

        foreach (var (key, values) in OpenSections)
        {
            var open = Describe(values, depth: 0);
            open.AnyChild = true;
            open.Open = true;
            root.Children[key] = open;
        }

        foreach (var (section, type) in Sections)
        {
            // Sections may be nested (Responder:Drivers:OAuth): walk to the parent, then merge.
            var parent = root;
            var parts = section.Split(':');
            foreach (var part in parts[..^1])
            {
                parent = parent.Children.TryGetValue(part, out var existing) ? existing : parent.Children[part] = new SchemaNode();
            }

            var described = Describe(type, depth: 0);
            if (parent.Children.TryGetValue(parts[^1], out var already))
            {
                foreach (var (name, child) in described.Children)
                {
                    already.Children.TryAdd(name, child);
                }
            }
            else
            {
                parent.Children[parts[^1]] = described;
            }
        }

        return root;
    }

    private static SchemaNode Describe(Type type, int depth)
    {
        var node = new SchemaNode();
        if (IsScalar(type))
        {
            node.Scalar = type;
            return node;
        }

        if (depth > 6)
        {
            return node;
        }

        if (typeof(IDictionary).IsAssignableFrom(type) || IsGenericOf(type, typeof(IDictionary<,>)) || IsGenericOf(type, typeof(IReadOnlyDictionary<,>)))
        {
            node.AnyChild = true;
            node.Element = ItemType(type, 1) is { } value ? Describe(value, depth + 1) : null;
            return node;
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            // A list binds from Key:0, Key:1 …: any index below is valid.
            node.AnyChild = true;
            node.Element = ItemType(type, 0) is { } item ? Describe(item, depth + 1) : null;
            return node;
        }

        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetSetMethod() is null && !property.PropertyType.IsClass)
            {
                continue;
            }

            if (property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            node.Children[property.Name] = Describe(property.PropertyType, depth + 1);
        }

        return node;
    }

    /// <summary>A list's item type (<paramref name="argument"/> 0) or a map's value type (1); null when the type does not say.</summary>
    private static Type? ItemType(Type type, int argument)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var generic = type.IsGenericType ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        var arguments = generic?.GetGenericArguments() ?? [];
        return argument < arguments.Length ? arguments[argument] : arguments.Length == 1 && argument == 0 ? arguments[0] : null;
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan)
            || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(Uri) || t == typeof(Guid);
    }

    private static bool IsGenericOf(Type type, Type generic) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == generic)
        || type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);

    /// <summary>
    /// Values the binary cannot use as given, one line each naming the key, said before the host is built so every one is
    /// said at once, in whichever section: a value the binder cannot convert to its key's type (<c>abc</c> for a number),
    /// and a value for an enum that names no member — a number (the binder would take <c>99</c> for any enum, a value no
    /// code expects) or several names where the enum is not a set of flags. Inside a list or map the binder would
    /// drop such an item whole without a word (a route, a target, a transmitter gone); so the line says that too.
    /// </summary>
    public static IEnumerable<string> ValueProblems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (ValueProblem(key, value) is { } problem)
            {
                yield return problem;
            }
        }
    }

    /// <summary>
    /// <paramref name="configuration"/> without the values <see cref="ValueProblems"/> names, so the sections' own
    /// validation can still say the rest of what is wrong (the binder stops at the first value it cannot convert);
    /// the same instance when there are none. Only for finding problems: such a configuration is never run.
    /// </summary>
    public static IConfiguration WithoutValueProblems(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        // Left out, not set to null: the binder gives a key set to null its type's default (a zero duration), not the record's.
        var values = configuration.AsEnumerable().Where(p => p.Value is not null).ToList();
        return values.TrueForAll(p => ValueProblem(p.Key, p.Value) is null)
            ? configuration
            : new ConfigurationBuilder().AddInMemoryCollection(values.Where(p => ValueProblem(p.Key, p.Value) is null)).Build();
    }

    private static string? ValueProblem(string key, string? value)
    {
        if (KestrelSectionValues.Problem(key, value) is { } kestrel)
        {
            return kestrel;
        }

        if (value is null || Find(key) is not { } found)
        {
            return null;
        }

        var (node, inItem, open) = found;
        if (node.Scalar is not { } type)
        {
            // ASP.NET Core reads an open section's list item by item (Kestrel's SslProtocols): a single value is never read.
            return open && node.Element?.Scalar is not null && value.Length > 0
                ? $"{key}: '{value}' is not read: the key takes a list, one item each as {key}:0, {key}:1 …"
                : null;
        }

        if (Converts(value, type) && NamesMembers(value, type))
        {
            return null;
        }

        return $"{key}: '{value}' is not {Article(type)}{(inItem ? " (an item with such a value would be left out whole)" : "")}";
    }

    /// <summary>
    /// The node of <paramref name="key"/>, whether it lies inside a list or map, and whether inside an open section;
    /// null for a key the schema does not describe.
    /// </summary>
    private static (SchemaNode Node, bool InItem, bool Open)? Find(string key)
    {
        var node = Root.Value;
        var inItem = false;
        var open = false;
        foreach (var part in key.Split(':'))
        {
            if (node.Element is { } element)
            {
                node = element;
                // ASP.NET Core reads an open section's maps item by item and skips the one value, not the item.
                inItem = !open;
            }
            else if (node.Children.TryGetValue(part, out var child))
            {
                node = child;
                open |= node.Open;
            }
            else
            {
                return null;
            }
        }

        return (node, inItem, open);
    }

    /// <summary>
    /// For an enum, whether <paramref name="value"/> is a member's name (any case), or several, comma-separated, of a
    /// [Flags] enum; a number is not, even one that is a member's value: names are what the documentation gives, the
    /// numbers are the type's own. True for any other type.
    /// </summary>
    private static bool NamesMembers(string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (!target.IsEnum || (value.Length == 0 && target != type))
        {
            return true;
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries);
        return (names.Length == 1 || target.IsDefined(typeof(FlagsAttribute), inherit: false))
            && names.All(name => Enum.GetNames(target).Contains(name, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>As the binder converts a value (its type's converter, the invariant culture; empty is null for a nullable).</summary>
    private static bool Converts(string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(string) || (value.Length == 0 && target != type))
        {
            return true;
        }

        try
        {
            return System.ComponentModel.TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value) is not null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException or UriFormatException)
        {
            return false;
        }
    }

    private static string Article(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(bool) ? "true or false"
            : t == typeof(TimeSpan) ? "a duration (hh:mm:ss)"
            : t == typeof(Uri) ? "a URI"
            : t.IsEnum && t.IsDefined(typeof(FlagsAttribute), inherit: false) ? $"one or more of {string.Join(", ", Enum.GetNames(t))}, comma-separated"
            : t.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(t))}"
            : t == typeof(int) || t == typeof(long) || t == typeof(short) ? "a whole number in range"
            : t == typeof(double) || t == typeof(float) || t == typeof(decimal) ? "a number"
            : $"a {t.Name}";
    }

    private sealed class SchemaNode
    {
        public Dictionary<string, SchemaNode> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool AnyChild { get; set; }

        /// <summary>For an open section: read by ASP.NET Core, its typed values only described (<see cref="OpenSections"/>).</summary>
        public bool Open { get; set; }

        /// <summary>For a list or map: what each item is.</summary>
        public SchemaNode? Element { get; set; }

        /// <summary>For a value: the type it binds to.</summary>
        public Type? Scalar { get; set; }
    }
}
