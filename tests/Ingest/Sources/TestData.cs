namespace ZtStream.Ingest.Tests.Sources;

/// <summary>Files under Sources/TestData, copied next to the test assembly.</summary>
internal static class TestData
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "Sources", "TestData", .. parts]);

    public static byte[] K8sTrace(string name) => File.ReadAllBytes(Path("k8s-audit", name));

    public static IEnumerable<string> K8sTraceNames() =>
        Directory.EnumerateFiles(Path("k8s-audit"), "*.json").Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    /// <summary>An audit payload as a managed cluster's log pipeline delivers it (TestData/k8s-audit/managed).</summary>
    public static byte[] Managed(string name) => File.ReadAllBytes(Path("k8s-audit", "managed", name));

    /// <summary>Audit events in the shapes other clusters write them (TestData/k8s-audit/clusters), one per line.</summary>
    public static byte[] Cluster(string name) => File.ReadAllBytes(Path("k8s-audit", "clusters", name));

    /// <summary>The gzip of <paramref name="text"/>'s UTF-8, as CloudWatch Logs and Firehose compress what they deliver.</summary>
    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public static byte[] Falco(string name) => File.ReadAllBytes(Path("falco", name));

    /// <summary>An identity-provider fixture: <paramref name="vendor"/> is okta, entra, keycloak or auth0.</summary>
    public static byte[] Idp(string vendor, string name) => File.ReadAllBytes(Path(vendor, name));

    /// <summary>A string attribute of an event, or null.</summary>
    public static string? Attr(this Contracts.Events.AccessEvent e, string key) =>
        e.Attributes is { } a && a.TryGetValue(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// The id the record gave: a Kubernetes audit event's <c>auditID</c> (its event id is a digest of it and the request),
    /// else the event id.
    /// </summary>
    public static string GivenId(this Contracts.Events.AccessEvent e) => e.Attr("k8s.audit_id") ?? e.Id;

    /// <summary>A boolean attribute of an event, or null.</summary>
    public static bool? Flag(this Contracts.Events.AccessEvent e, string key) =>
        e.Attributes is { } a && a.TryGetValue(key, out var v) && v.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>The strings of an array attribute (empty when absent).</summary>
    public static string[] List(this Contracts.Events.AccessEvent e, string key) =>
        e.Attributes is { } a && a.TryGetValue(key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Array
            ? [.. v.EnumerateArray().Select(x => x.GetString() ?? "")]
            : [];
}
