using System.Text.Encodings.Web;

namespace ZtStream.Ingest.Sources.Scopes;

/// <summary>
/// The one cluster a source's key speaks for (<c>sources add NAME --cluster CLUSTER</c>): every record of the source that
/// names no cluster is labelled with it (<c>attributes["k8s.cluster"]</c>), and one that names another is refused. The API
/// server's own audit webhook, Falco and the SDK do not name their cluster; without the label the Verifier and the
/// Responder could not tell which cluster such a record came from. Equal by name: a scope is compared by what it says.
/// </summary>
internal sealed class ClusterLabel : IEquatable<ClusterLabel>
{
    public ClusterLabel(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Utf8 = Encoding.UTF8.GetBytes(name);
        // As plain as JSON allows (only '"', '\' and control characters escaped): the Verifier reads an unescaped value on
        // its fast path, and a name such as "prod-ü" stays as the cluster's records write it.
        byte[] quoted = [(byte)'"', .. JsonEncodedText.Encode(name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes, (byte)'"'];
        using (var value = JsonDocument.Parse(quoted))
        {
            Value = value.RootElement.Clone();
        }

        // Each splice made once per source, not per event.
        Member = [.. "\"k8s.cluster\":"u8, .. quoted];
        MemberFirst = [.. Member, (byte)','];
        InNewAttributes = [.. "\"attributes\":{"u8, .. Member, .. "},"u8];
        InPlaceOfNull = [(byte)'{', .. Member, (byte)'}'];
    }

    public string Name { get; }

    /// <summary>The name's UTF-8 bytes, to compare with an unescaped string in an event's bytes.</summary>
    private byte[] Utf8 { get; }

    /// <summary><c>"k8s.cluster":"NAME"</c>, the member spliced into an event's bytes.</summary>
    private byte[] Member { get; }

    /// <summary>The name as the attribute's value in an event object.</summary>
    private JsonElement Value { get; }

    private byte[] MemberFirst { get; }

    private byte[] InNewAttributes { get; }

    private byte[] InPlaceOfNull { get; }

    /// <summary>
    /// Null when <paramref name="e"/> may go to the log as <paramref name="labelled"/>: <paramref name="e"/> itself when it
    /// names this cluster, else a copy whose attributes (made when absent) name it. The item's error when the event names
    /// another cluster, or holds a <c>k8s.cluster</c> that is not a string (null and "" name none, and are replaced).
    /// </summary>
    public ItemError? Label(AccessEvent e, int index, string source, out AccessEvent labelled)
    {
        ArgumentNullException.ThrowIfNull(e);
        labelled = e;
        if (e.Attributes?.TryGetValue(K8sAuditMapper.ClusterAttribute, out var named) == true)
        {
            if (named.ValueKind == JsonValueKind.String && named.GetString() is { Length: > 0 } cluster)
            {
                return cluster == Name ? null : Another(index, source, cluster);
            }

            if (named.ValueKind is not (JsonValueKind.Null or JsonValueKind.String))
            {
                return NotText(index, source);
            }
        }

        // A copy: the event may be the one a caller holds (a replayed file, a test), and another source's gate reads it too.
        var attributes = e.Attributes is { } a ? new Dictionary<string, JsonElement>(a, a.Comparer) : new Dictionary<string, JsonElement>(1, StringComparer.Ordinal);
        attributes[K8sAuditMapper.ClusterAttribute] = Value;
        labelled = e with { Attributes = attributes };
        return null;
    }

    /// <summary>
    /// As <see cref="Label(AccessEvent, int, string, out AccessEvent)"/>, from an event's bytes (<paramref name="json"/>) and
    /// what its scan recorded: null when it may go to the log as its bytes (labelled there by <see cref="SpliceFor"/> when it
    /// names no cluster), or its error. <paramref name="readWhole"/> is true, and nothing decided, when the bytes do not
    /// show the cluster plainly (escaped, named twice, null, empty or not a string; <c>attributes</c> beyond where the scan
    /// records them): the event is then read and labelled whole.
    /// </summary>
    public ItemError? Label(ReadOnlySpan<byte> json, in ScannedScope at, int index, string source, out bool readWhole)
    {
        readWhole = !Plain(at) || (at.Cluster.IsPresent && at.Cluster.Length == 0);
        if (readWhole || !at.Cluster.IsPresent)
        {
            return null;
        }

        return at.Cluster.Is(json, Utf8) ? null : Another(index, source, at.Cluster.Read(json)!);
    }

    /// <summary>
    /// What to splice into the bytes of <paramref name="item"/>, which this label's source's gate admitted, as it is
    /// forwarded: the label when the gate took it from its bytes naming no cluster (it then still carries its scan), nothing
    /// for an item that names the cluster already or was read whole (the gate made it again, without a scan). Made when
    /// the record is written, so that an item carries nothing more for it.
    /// </summary>
    public ByteSplice SpliceFor(MappedEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item is { Json: { } json, Scanned: { } at } && Plain(at) && !at.Cluster.IsPresent ? Splice(json.Span, at.AttributesAt) : default;
    }

    private static bool Plain(in ScannedScope at) => !at.ClusterUnsure && !at.ClusterOther && !at.AttributesFar;

    /// <summary>
    /// Where and what to splice into an event's bytes that name no cluster: a new <c>attributes</c> member after the event's
    /// <c>{</c> when it has none, the member first in its <c>attributes</c> object, or an object in place of its
    /// <c>null</c>. <paramref name="attributesAt"/> is where the <c>attributes</c> value starts (-1: absent).
    /// </summary>
    private ByteSplice Splice(ReadOnlySpan<byte> json, int attributesAt)
    {
        if (attributesAt < 0)
        {
            return new ByteSplice(1, 0, InNewAttributes);
        }

        if (json[attributesAt] == (byte)'n')
        {
            return new ByteSplice(attributesAt, 4, InPlaceOfNull);
        }

        // An empty object takes the member alone; any other one the member and a comma before its first.
        var inside = json[(attributesAt + 1)..].TrimStart(" \t\r\n"u8);
        return new ByteSplice(attributesAt + 1, 0, inside[0] == (byte)'}' ? Member : MemberFirst);
    }

    private ItemError Another(int index, string source, string cluster) =>
        new(index, SourceScope.ClusterField, $"outside the scope of source {source}: its key speaks for cluster {Name} only, and this event names '{ItemError.Clip(cluster, 120)}'");

    private ItemError NotText(int index, string source) =>
        new(index, SourceScope.ClusterField, $"outside the scope of source {source}: its key speaks for cluster {Name}, and this event's cluster is not a string");

    public bool Equals(ClusterLabel? other) => other is not null && other.Name == Name;

    public override bool Equals(object? obj) => Equals(obj as ClusterLabel);

    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}
