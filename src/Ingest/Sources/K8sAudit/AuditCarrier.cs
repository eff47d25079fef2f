namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>
/// How one audit event reached Ingest: where it sits in the body (<see cref="Prefix"/>, prepended to the field of each of
/// its errors), what the envelope says about it (<see cref="Attributes"/>, such as the cluster's name), and, for an event
/// made from another schema (GKE's AuditLog), which of that schema's fields an error in the native field names
/// (<see cref="SourceField"/>).
/// </summary>
internal sealed record AuditCarrier(string Prefix, IReadOnlyList<KeyValuePair<string, string>> Attributes, Func<string, string>? SourceField = null)
{
    /// <summary>An event posted as the API server's webhook posts it.</summary>
    public static AuditCarrier Native { get; } = new(string.Empty, []);

    /// <summary>The field of an error, as a path from the item the sender recognises.</summary>
    public string Field(string field)
    {
        field = SourceField?.Invoke(field) ?? field;
        return Prefix.Length == 0 ? field : field == "$" ? Prefix.TrimEnd('.') : Prefix + field;
    }

    /// <summary>This carrier, one envelope further in: <paramref name="path"/> (ending in a dot) and what it adds.</summary>
    public AuditCarrier Within(string path, params KeyValuePair<string, string>[] attributes) =>
        this with { Prefix = Prefix + path, Attributes = attributes.Length == 0 ? Attributes : [.. Attributes, .. attributes] };
}
