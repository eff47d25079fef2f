namespace ZtStream.Verifier.Rules.Falco;

/// <summary>
/// The gcpaudit plugin's <c>gcp.*</c> fields (falcosecurity/plugins, <c>plugins/gcpaudit/pkg/gcpaudit/extract.go</c>),
/// read from the Cloud Audit Logs <c>LogEntry</c> Ingest keeps as <c>raw.logEntry</c>, its request body beside it
/// (<c>raw.requestObject</c>). A member the entry does not have is no value (<c>&lt;NA&gt;</c>, every comparison false),
/// where the plugin gives some fields as the empty string.
/// </summary>
internal static partial class FalcoFieldCatalog
{
    private static void AddGcpAudit(Dictionary<string, Spec> f)
    {
        var gcp = FalcoSource.GcpAuditLog;
        var entry = FalcoSource.GcpAuditLog.EntryMember!;
        void Path(string name, params string[] path) => f[name] = Spec.PluginPath(gcp, [entry, .. path]);
        void Computed(string name, Func<FalcoSlots, FalcoComputedField.Compute> compute) => f[name] = Spec.Computed(gcp, compute);

        Path("gcp.user", "protoPayload", "authenticationInfo", "principalEmail");
        Path("gcp.callerIP", "protoPayload", "requestMetadata", "callerIp");
        Path("gcp.userAgent", "protoPayload", "requestMetadata", "callerSuppliedUserAgent");
        Path("gcp.authorizationInfo", "protoPayload", "authorizationInfo");
        Path("gcp.serviceName", "protoPayload", "serviceName");
        Path("gcp.methodName", "protoPayload", "methodName");
        Path("gcp.resourceName", "protoPayload", "resourceName");
        Path("gcp.resourceType", "resource", "type");
        Path("gcp.projectId", "resource", "labels", "project_id");
        Path("gcp.cloudfunctions.function", "resource", "labels", "function_name");
        Path("gcp.cloudsql.databaseId", "resource", "labels", "database_id");
        Path("gcp.compute.instanceId", "resource", "labels", "instance_id");
        Path("gcp.compute.networkId", "resource", "labels", "network_id");
        Path("gcp.compute.subnetwork", "resource", "labels", "subnetwork_name");
        Path("gcp.compute.subnetworkId", "resource", "labels", "subnetwork_id");
        Path("gcp.dns.zone", "resource", "labels", "zone_name");
        Path("gcp.iam.serviceAccount", "resource", "labels", "email_id");
        Path("gcp.iam.serviceAccountId", "resource", "labels", "unique_id");
        Path("gcp.storage.bucket", "resource", "labels", "bucket_name");

        // The request body: Ingest keeps it beside the entry, once (docs/sources.md "GKE").
        f["gcp.request"] = Spec.PluginPath(gcp, "requestObject");
        Computed("gcp.policyDelta", PolicyDelta);
        Computed("gcp.location", Location);
        Computed("gcp.logging.sink", slots => OfResourceType(slots, "logging_sink"u8.ToArray(), slots.Path(entry, "resource", "labels", "name")));
    }

    /// <summary>
    /// <c>gcp.policyDelta</c>: the binding deltas of an IAM policy change, as JSON — a BigQuery dataset's under
    /// <c>protoPayload.metadata.datasetChange</c>, any other resource's under <c>protoPayload.serviceData.policyDelta</c>
    /// (the plugin's fix for falcosecurity/plugins#1351, which had read the dataset path for everything but buckets).
    /// </summary>
    private static FalcoComputedField.Compute PolicyDelta(FalcoSlots slots)
    {
        var entry = FalcoSource.GcpAuditLog.EntryMember!;
        var type = slots.Path(entry, "resource", "type");
        var iam = slots.Path(entry, "protoPayload", "serviceData", "policyDelta", "bindingDeltas");
        var dataset = slots.Path(entry, "protoPayload", "metadata", "datasetChange", "bindingDeltas");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            var bigQuery = type.TryGet(e, out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals("bigquery_dataset"u8);
            array = (bigQuery ? dataset : iam).TryGet(e, out var deltas) && deltas.ValueKind != JsonValueKind.Null ? FalcoJson.Utf8(deltas).ToArray() : null;
            return array is not null;
        };
    }

    /// <summary>
    /// <c>gcp.location</c>: the resource's <c>location</c> label, else its <c>region</c>, else its <c>zone</c> less the
    /// zone letter (<c>us-central1-a</c> → <c>us-central1</c>), as the plugin derives the region.
    /// </summary>
    private static FalcoComputedField.Compute Location(FalcoSlots slots)
    {
        var entry = FalcoSource.GcpAuditLog.EntryMember!;
        var location = slots.Path(entry, "resource", "labels", "location");
        var region = slots.Path(entry, "resource", "labels", "region");
        var zone = slots.Path(entry, "resource", "labels", "zone");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = null;
            if (Label(location, e) is { } l)
            {
                array = l;
            }
            else if (Label(region, e) is { } r)
            {
                array = r;
            }
            else if (Label(zone, e) is { Length: > 0 } z)
            {
                array = z.Length > 2 ? z[..^2] : z;
            }

            return array is not null;
        };
    }

    /// <summary>The value at <paramref name="path"/>, only when the entry's <c>resource.type</c> is <paramref name="type"/>.</summary>
    private static FalcoComputedField.Compute OfResourceType(FalcoSlots slots, byte[] type, FalcoRootPath path)
    {
        var resourceType = slots.Path(FalcoSource.GcpAuditLog.EntryMember!, "resource", "type");
        return (in FalcoEvent e, Span<byte> buffer, out int written, out byte[]? array) =>
        {
            written = 0;
            array = resourceType.TryGet(e, out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals(type) ? Label(path, e) : null;
            return array is not null;
        };
    }

    private static byte[]? Label(FalcoRootPath path, in FalcoEvent e) =>
        path.TryGet(e, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? FalcoJson.Utf8(v).ToArray() : null;
}
