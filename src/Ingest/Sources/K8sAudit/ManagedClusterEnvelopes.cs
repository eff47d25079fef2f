namespace ZtStream.Ingest.Sources.K8sAudit;

/// <summary>Maps one audit event (a native <c>Event</c>, or what stands for one) at <paramref name="index"/>.</summary>
internal delegate void AuditEventMapper(JsonElement e, int index, AuditCarrier carrier, List<MappedEvent> items, List<ItemError> errors);

/// <summary>
/// Reads a Kubernetes audit payload whatever carried it: the API server's webhook (<c>EventList</c>, <c>Event</c>, an
/// array, lines) or a managed cluster's log pipeline — AKS diagnostic-settings records (<c>{"records":[…]}</c> with the
/// event in <c>properties.log</c>), an EKS CloudWatch Logs subscription delivery (<c>logEvents[].message</c>, also as a
/// Lambda's <c>awslogs.data</c>), an Amazon Data Firehose HTTP delivery (<c>records[].data</c>, base64, gzip or not),
/// GKE's Cloud Audit Logs <c>LogEntry</c> and a Pub/Sub push message carrying one. Envelopes are recognised by shape
/// and unwrapped; each audit event inside, and each record that holds none, is one item, numbered in order across the
/// payload, and every record not taken is an error naming its path — never a silent drop.
/// </summary>
internal sealed class ManagedClusterEnvelopes(SourceMapOptions options, AuditEventMapper mapEvent, AuditEventMapper mapGke, EnvelopeItems? what = null)
{
    /// <summary>Envelopes in envelopes (Firehose → CloudWatch → event is two): deeper is no pipeline's, only a hostile body's.</summary>
    private const int MaxNesting = 4;

    private const string AksCategories = "kube-audit or kube-audit-admin";
    private readonly EnvelopeItems what = what ?? EnvelopeItems.KubernetesAudit;

    private readonly List<MappedEvent> items = [];
    private readonly List<ItemError> errors = [];
    private long decodedBudget = options.MaxDecodedBytes;
    private int index;
    private int emptyDeliveries;

    /// <summary>Every audit event of <paramref name="json"/>, mapped by <paramref name="mapEvent"/> (GKE entries by <paramref name="mapGke"/>).</summary>
    public static MapResult Read(ReadOnlySpan<byte> json, SourceMapOptions options, AuditEventMapper mapEvent, AuditEventMapper mapGke) =>
        Read(json, options, mapEvent, mapGke, EnvelopeItems.KubernetesAudit);

    /// <summary>Every item of <paramref name="json"/> that <paramref name="what"/> names, in the same envelopes.</summary>
    public static MapResult Read(ReadOnlySpan<byte> json, SourceMapOptions options, AuditEventMapper mapEvent, AuditEventMapper mapGke, EnvelopeItems what)
    {
        var reader = new ManagedClusterEnvelopes(options, mapEvent, mapGke, what);
        reader.ReadPayload(json, AuditCarrier.Native, 0);
        return new MapResult(reader.items, reader.errors) { EmptyDeliveries = reader.emptyDeliveries };
    }

    private void ReadPayload(ReadOnlySpan<byte> json, AuditCarrier carrier, int depth)
    {
        foreach (var value in JsonPayload.ReadValues(json))
        {
            using var document = value.Document;
            if (document is null)
            {
                Fail(carrier, "$", value.Error ?? JsonPayload.MalformedJson);
                continue;
            }

            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in root.EnumerateArray())
                {
                    ReadValue(element, carrier, depth);
                }
            }
            else
            {
                ReadValue(root, carrier, depth);
            }
        }
    }

    private void ReadValue(JsonElement value, AuditCarrier carrier, int depth)
    {
        try
        {
            ReadEnvelope(value, carrier, depth);
        }
        catch (InvalidOperationException)
        {
            // JsonElement.GetString throws on strings that are not valid UTF-8; the reader does not check them.
            Fail(carrier, "$", JsonPayload.InvalidText);
        }
    }

    private void ReadEnvelope(JsonElement o, AuditCarrier carrier, int depth)
    {
        if (o.ValueKind != JsonValueKind.Object)
        {
            Map(mapEvent, o, carrier);
            return;
        }

        var kind = o.String("kind");
        if (kind == "Event")
        {
            // The webhook's own event, by far the most common item: no envelope to look for.
            Map(mapEvent, o, carrier);
            return;
        }

        if (kind == "EventList" || (kind is null && o.Child("apiVersion") is null && IsKindlessEventList(o)))
        {
            if (o.Child("items") is not { ValueKind: JsonValueKind.Array } list)
            {
                Fail(carrier, "items", "an EventList needs an \"items\" array");
                return;
            }

            foreach (var item in list.EnumerateArray())
            {
                Map(mapEvent, item, carrier);
            }

            return;
        }

        if (o.Child("Records") is { ValueKind: JsonValueKind.Array } trail)
        {
            // A CloudTrail log file as CloudTrail writes it to S3 (and as `aws s3 cp` fetches it): each record one item.
            var r = 0;
            foreach (var record in trail.EnumerateArray())
            {
                Map(mapEvent, record, carrier.Within($"Records[{r++}]."));
            }

            return;
        }

        if (o.Child("detail-type") is { ValueKind: JsonValueKind.String } && o.Child("detail") is { ValueKind: JsonValueKind.Object } detail)
        {
            // An EventBridge event (a rule's API destination posts it whole): the record it carries is its detail.
            Map(mapEvent, detail, carrier.Within("detail."));
            return;
        }

        if (what.AzureRecords && o.Child("value") is { ValueKind: JsonValueKind.Array } page)
        {
            // A page of the Activity Log REST API (`az rest`, a Logic App's HTTP action): each value one item.
            var v = 0;
            foreach (var item in page.EnumerateArray())
            {
                Map(mapEvent, item, carrier.Within($"value[{v++}]."));
            }

            return;
        }

        if (o.Child("records") is { ValueKind: JsonValueKind.Array } records)
        {
            // Azure Monitor's records and Firehose's share the name; a Firehose record is only its base64 "data".
            var i = 0;
            foreach (var record in records.EnumerateArray())
            {
                ReadRecord(record, carrier.Within($"records[{i++}]."), depth);
            }

            return;
        }

        if (o.Child("messageType") is { ValueKind: JsonValueKind.String })
        {
            ReadCloudWatch(o, carrier);
            return;
        }

        if (o.Child("awslogs")?.Child("data") is { ValueKind: JsonValueKind.String } awslogs)
        {
            ReadEncoded(awslogs, carrier.Within("awslogs.data."), depth, "a CloudWatch Logs subscription's data");
            return;
        }

        if (o.Child("message") is { ValueKind: JsonValueKind.Object } message && message.Child("data") is { ValueKind: JsonValueKind.String } pubsub)
        {
            ReadEncoded(pubsub, carrier.Within("message.data."), depth, "a Pub/Sub message's data");
            return;
        }

        if (o.Child("protoPayload") is not null)
        {
            Map(mapGke, o, carrier);
            return;
        }

        if (o.Child("category") is not null && o.Child("properties")?.Child("log") is not null)
        {
            // A storage account's archive: the same records one per line, without the "records" wrapper.
            ReadAksRecord(o, carrier);
            return;
        }

        if (o.Child("tables") is { ValueKind: JsonValueKind.Array } tables)
        {
            ReadQueryTables(tables, carrier);
            return;
        }

        if (AksAuditTable.IsRow(o))
        {
            ReadRow(AksAuditTable.Columns(o), carrier);
            return;
        }

        if (kind is null && ShippedLine(o) is var (field, line))
        {
            // A log shipper's record of one line of a self-managed cluster's audit log file (Fluent Bit's
            // {"date","log"}, Fluentd's and Vector's {"message"}, the file and host beside it): the line is the event.
            ReadText(line, carrier.Within(field + "."));
            return;
        }

        Map(mapEvent, o, carrier);
    }

    /// <summary>One record of Azure Monitor's or Firehose's <c>records</c>.</summary>
    private void ReadRecord(JsonElement record, AuditCarrier at, int depth)
    {
        try
        {
            if (record.Child("data") is { ValueKind: JsonValueKind.String } data && record.Child("properties") is null)
            {
                ReadEncoded(data, at.Within("data."), depth, "a Firehose record's data");
            }
            else if (what.AzureRecords)
            {
                // The Activity Log's records (and its table's rows, exported) are the items themselves.
                Map(mapEvent, record, at);
            }
            else if (record.Child("category") is null && AksAuditTable.IsRow(record))
            {
                // A Log Analytics data export rule's records: the rows of the workspace's tables.
                ReadRow(AksAuditTable.Columns(record), at);
            }
            else
            {
                ReadAksRecord(record, at);
            }
        }
        catch (InvalidOperationException)
        {
            // A string of this record that is not valid UTF-8 (its category, its log line): this record only, the next are still read.
            Fail(at, "$", JsonPayload.InvalidText);
        }
    }

    /// <summary>The member holding a log line that is a JSON object, as shippers that did not parse it keep it.</summary>
    private static (string Field, string Line)? ShippedLine(JsonElement o)
    {
        foreach (var field in (ReadOnlySpan<string>)["log", "message"])
        {
            if (o.String(field) is { } line && line.AsSpan().TrimStart().StartsWith('{'))
            {
                return (field, line);
            }
        }

        return null;
    }

    /// <summary>
    /// The webhook body of an API server built on k8s.io/apiserver without the audit scheme registered: an EventList
    /// written without <c>kind</c> and <c>apiVersion</c>, <c>{"metadata":{},"items":[…]}</c>, whose first item is an
    /// audit event without them too.
    /// </summary>
    private static bool IsKindlessEventList(JsonElement o) =>
        o.Child("items") is { ValueKind: JsonValueKind.Array } items && items.GetArrayLength() > 0
            && items[0] is { ValueKind: JsonValueKind.Object } first && first.Child("kind") is null
            && (first.String("auditID") is not null || K8sAuditMapper.IsKindlessEvent(first));

    /// <summary>AKS diagnostic settings: <c>{time, resourceId, category, operationName, properties: {log, stream, pod}}</c>.</summary>
    private void ReadAksRecord(JsonElement record, AuditCarrier carrier)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            Fail(carrier, "$", $"not an AKS diagnostic record: expected a JSON object, got {JsonFields.Describe(record)}");
            return;
        }

        var category = record.String("category");
        if (category is null)
        {
            // Both carriers name their list "records": a record that is neither is told what each holds.
            if (record.Child("data") is { } data && record.Child("properties") is null)
            {
                Fail(carrier, "data", $"a Firehose record's data is its base64 text, got {JsonFields.Describe(data)}");
            }
            else
            {
                Fail(carrier, "category", $"required: an AKS diagnostic record names its category ({AksCategories}); a Firehose record holds its base64 data instead");
            }

            return;
        }

        if (!category.Equals("kube-audit", StringComparison.OrdinalIgnoreCase) && !category.Equals("kube-audit-admin", StringComparison.OrdinalIgnoreCase))
        {
            Fail(carrier, "category", $"a \"{ItemError.Clip(category, 80)}\" record is not a Kubernetes audit event: send only the {AksCategories} categories");
            return;
        }

        var cluster = ClusterOfResourceId(record.String("resourceId"));
        var at = carrier.Within("properties.log.", Cluster(cluster));
        switch (record.Child("properties")?.Child("log"))
        {
            case { ValueKind: JsonValueKind.String } log:
                ReadText(log.GetString()!, at);
                break;
            case { ValueKind: JsonValueKind.Object } parsed:
                // A pipeline that parsed the line on the way keeps the event as an object.
                Map(mapEvent, parsed, at);
                break;
            case { } other:
                Fail(carrier, "properties.log", $"not an audit event: expected the event as a JSON string, got {JsonFields.Describe(other)}");
                break;
            default:
                Fail(carrier, "properties.log", "required: the audit event, as a JSON string");
                break;
        }
    }

    /// <summary>
    /// The Log Analytics query API's answer: <c>{"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}]}</c>, each
    /// row its values in the order of the columns.
    /// </summary>
    private void ReadQueryTables(JsonElement tables, AuditCarrier carrier)
    {
        var t = 0;
        foreach (var table in tables.EnumerateArray())
        {
            var at = carrier.Within($"tables[{t++}].");
            if (table.Child("columns") is not { ValueKind: JsonValueKind.Array } columns)
            {
                Fail(at, "columns", "required: a query result's table lists its columns in a \"columns\" array of {\"name\",\"type\"}");
                continue;
            }

            if (table.Child("rows") is not { ValueKind: JsonValueKind.Array } rows)
            {
                Fail(at, "rows", "required: a query result's table holds its rows in a \"rows\" array");
                continue;
            }

            var names = new List<string>(columns.GetArrayLength());
            foreach (var column in columns.EnumerateArray())
            {
                if (column.ValueKind != JsonValueKind.Object || column.String("name") is not { Length: > 0 } name)
                {
                    Fail(at, $"columns[{names.Count}].name", "required: each column names itself");
                    names.Clear();
                    break;
                }

                names.Add(name);
            }

            if (names.Count == 0)
            {
                continue;
            }

            if (rows.GetArrayLength() == 0)
            {
                // A scheduled query that found nothing new: acknowledged like any delivery that carries no events.
                emptyDeliveries++;
                continue;
            }

            var r = 0;
            foreach (var row in rows.EnumerateArray())
            {
                var rowAt = at.Within($"rows[{r++}].");
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != names.Count)
                {
                    Fail(rowAt, "$", $"a row holds one value per column ({names.Count}), got {(row.ValueKind == JsonValueKind.Array ? $"{row.GetArrayLength()} values" : JsonFields.Describe(row))}");
                    continue;
                }

                var values = new Dictionary<string, JsonElement>(names.Count, StringComparer.OrdinalIgnoreCase);
                var c = 0;
                foreach (var value in row.EnumerateArray())
                {
                    values.TryAdd(names[c++], value);
                }

                ReadRow(values, rowAt);
            }
        }
    }

    /// <summary>A row of the AKSAudit or AKSAuditAdmin table, as the native event it stands for (<see cref="AksAuditTable"/>).</summary>
    private void ReadRow(Dictionary<string, JsonElement> row, AuditCarrier carrier)
    {
        if (what.AzureRecords)
        {
            // A row of the AzureActivity table: its columns, as one object, are the item.
            using var columns = RowObject(row);
            Map(mapEvent, columns.RootElement, carrier);
            return;
        }

        JsonDocument? native;
        string field, error;
        try
        {
            native = AksAuditTable.ToAuditEvent(row, out field, out error);
        }
        catch (InvalidOperationException)
        {
            // A column whose string is not valid UTF-8: this row only, the next rows are still read.
            Fail(carrier, "$", JsonPayload.InvalidText);
            return;
        }

        using var _ = native;
        if (native is null)
        {
            Fail(carrier, field, error);
            return;
        }

        var at = carrier.Within(string.Empty, AksAuditTable.Attributes(row, ClusterOfResourceId)) with { SourceField = AksAuditTable.SourceField };
        Map(mapEvent, native.RootElement, at);
    }

    private static JsonDocument RowObject(Dictionary<string, JsonElement> row)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (name, value) in row)
            {
                w.WritePropertyName(name);
                value.WriteTo(w);
            }

            w.WriteEndObject();
        }

        return JsonDocument.Parse(buffer.WrittenMemory);
    }

    /// <summary>
    /// A CloudWatch Logs subscription delivery: <c>{messageType, owner, logGroup, logStream, subscriptionFilters,
    /// logEvents: [{id, timestamp, message}]}</c>. EKS writes the API server's audit log to the streams
    /// <c>kube-apiserver-audit-…</c> of <c>/aws/eks/CLUSTER/cluster</c>.
    /// </summary>
    private void ReadCloudWatch(JsonElement o, AuditCarrier carrier)
    {
        var type = o.String("messageType");
        if (type == "CONTROL_MESSAGE")
        {
            // CloudWatch Logs checks that the destination is reachable with these; they carry no log events.
            emptyDeliveries++;
            return;
        }

        if (type != "DATA_MESSAGE")
        {
            Fail(carrier, "messageType", $"a CloudWatch Logs delivery is a DATA_MESSAGE or a CONTROL_MESSAGE, got \"{ItemError.Clip(type ?? string.Empty, 80)}\"");
            return;
        }

        if (o.Child("logEvents") is not { ValueKind: JsonValueKind.Array } logEvents)
        {
            Fail(carrier, "logEvents", "required: a DATA_MESSAGE carries its log events in a \"logEvents\" array");
            return;
        }

        var stream = o.String("logStream");
        var group = o.String("logGroup");
        var cluster = Cluster(ClusterOfLogGroup(group));
        var i = 0;
        foreach (var logEvent in logEvents.EnumerateArray())
        {
            var at = carrier.Within($"logEvents[{i++}].");
            if (stream is not null && what.CloudWatchStream is { } audited && !stream.StartsWith(audited, StringComparison.Ordinal))
            {
                // EKS puts each control-plane log type in its own streams; only the audit streams hold audit events.
                Fail(carrier, "logStream", $"log stream \"{ItemError.Clip(stream, 120)}\" is not the API server's audit log ({audited}-…): give the subscription filter a log stream prefix, or filter on {audited}");
                continue;
            }

            string? text;
            try
            {
                text = logEvent.String("message");
            }
            catch (InvalidOperationException)
            {
                // A message that is not valid UTF-8: this log event only, the next are still read.
                Fail(at, "$", JsonPayload.InvalidText);
                continue;
            }

            if (text is null)
            {
                Fail(at, "message", "required: the audit event, as a JSON string");
                continue;
            }

            ReadText(text, at.Within("message.", cluster));
        }
    }

    /// <summary>Base64 (of gzip, or not) holding a payload of its own: Firehose's, CloudWatch's and Pub/Sub's data.</summary>
    private void ReadEncoded(JsonElement data, AuditCarrier carrier, int depth, string what)
    {
        if (depth >= MaxNesting)
        {
            Fail(carrier, "$", $"envelopes nested more than {MaxNesting} deep: no log pipeline sends these");
            return;
        }

        var text = data.GetString()!;
        var bytes = new byte[text.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(text, bytes, out var length))
        {
            Fail(carrier, "$", $"{what} is not base64");
            return;
        }

        ReadOnlyMemory<byte> decoded = bytes.AsMemory(0, length);
        if (length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            // CloudWatch Logs compresses what it delivers to a subscription, Firehose included.
            if (!Gunzip(decoded, out var inflated, out var problem))
            {
                Fail(carrier, "$", $"{what} is gzip that does not decode: {problem}");
                return;
            }

            decoded = inflated;
        }

        if ((decodedBudget -= decoded.Length) < 0)
        {
            Fail(carrier, "$", $"{what} decodes past what one request may hold in total (four times Ingest:MaxBodyBytes)");
            return;
        }

        ReadPayload(ContentCodings.WithoutByteOrderMark(decoded).Span, carrier, depth + 1);
    }

    private bool Gunzip(ReadOnlyMemory<byte> compressed, out ReadOnlyMemory<byte> inflated, out string? problem)
    {
        inflated = default;
        problem = null;
        using var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
                if (output.Length > decodedBudget)
                {
                    problem = "it expands past what one request may hold in total (four times Ingest:MaxBodyBytes)";
                    return false;
                }
            }
        }
        catch (InvalidDataException ex)
        {
            problem = ex.Message;
            return false;
        }

        inflated = output.ToArray();
        return true;
    }

    /// <summary>An audit event written as a string (a log line): one JSON object.</summary>
    private void ReadText(string text, AuditCarrier carrier)
    {
        if (!JsonPayload.TryParseText(text, out var document, out var notJson))
        {
            Fail(carrier, "$", $"the log line is not an audit event: {notJson}");
            return;
        }

        using (document)
        {
            Map(mapEvent, document.RootElement, carrier);
        }
    }

    private void Map(AuditEventMapper mapper, JsonElement e, AuditCarrier carrier)
    {
        var at = index++;
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ItemError(at, carrier.Field("$"), $"not {what.Name}: expected a JSON object, got {JsonFields.Describe(e)}"));
            return;
        }

        try
        {
            mapper(e, at, carrier, items, errors);
        }
        catch (InvalidOperationException)
        {
            errors.Add(new ItemError(at, carrier.Field("$"), JsonPayload.InvalidText));
        }
    }

    private void Fail(AuditCarrier carrier, string field, string reason) => errors.Add(new ItemError(index++, carrier.Field(field), reason));

    private static KeyValuePair<string, string>[] Cluster(string? name) =>
        name is null ? [] : [new(K8sAuditMapper.ClusterAttribute, name)];

    /// <summary><c>/SUBSCRIPTIONS/…/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/NAME</c> → NAME (Azure upper-cases the id).</summary>
    private static string? ClusterOfResourceId(string? resourceId)
    {
        const string marker = "/MANAGEDCLUSTERS/";
        var at = resourceId?.IndexOf(marker, StringComparison.OrdinalIgnoreCase) ?? -1;
        if (at < 0)
        {
            return null;
        }

        // Azure's resource names ignore case, and its pipelines do not agree on one: a diagnostic record writes the id upper
        // case, Log Analytics' _ResourceId lower case. One cluster is one label (its scope, its principals), as the records write it.
        var name = resourceId![(at + marker.Length)..].Split('/')[0];
        return name.Length == 0 ? null : name.ToUpperInvariant();
    }

    /// <summary><c>/aws/eks/NAME/cluster</c> → NAME.</summary>
    private static string? ClusterOfLogGroup(string? group)
    {
        const string prefix = "/aws/eks/";
        const string suffix = "/cluster";
        return group is not null && group.Length > prefix.Length + suffix.Length && group.StartsWith(prefix, StringComparison.Ordinal) && group.EndsWith(suffix, StringComparison.Ordinal)
            ? group[prefix.Length..^suffix.Length]
            : null;
    }
}

/// <summary>
/// The items a reader of <see cref="ManagedClusterEnvelopes"/> takes: <paramref name="Name"/> names one in errors, and
/// <paramref name="CloudWatchStream"/> is the prefix of the CloudWatch Logs streams that hold them (null: any stream).
/// </summary>
internal sealed record EnvelopeItems(string Name, string? CloudWatchStream)
{
    /// <summary>
    /// Azure Monitor's records, the rows of a Log Analytics table and a REST page's <c>value</c> are each an item as they
    /// are (the Activity Log's), not AKS records holding an audit event in <c>properties.log</c>.
    /// </summary>
    public bool AzureRecords { get; init; }

    /// <summary>The API server's audit events: EKS writes them to the streams <c>kube-apiserver-audit-…</c>.</summary>
    public static EnvelopeItems KubernetesAudit { get; } = new("a Kubernetes audit event", "kube-apiserver-audit");
}
