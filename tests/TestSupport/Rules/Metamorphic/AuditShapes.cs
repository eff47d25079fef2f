namespace ZtStream.TestSupport.Rules.Metamorphic;

/// <summary>
/// The same audit events in the shapes real clusters write and deliver them: another API version, one of the three
/// timestamps, times in other offsets and precisions, members in another order, pretty-printed, one Event, an
/// EventList, NDJSON or an array per request, batches split across requests, optional members gone or null, and the
/// <c>RequestReceived</c> record a policy without <c>omitStages</c> sends before each request's last stage.
/// </summary>
public static class AuditShapes
{
    private static readonly string[] TimeFields = ["requestReceivedTimestamp", "stageTimestamp", "timestamp"];
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true };

    /// <summary>Transforms of each event, by name.</summary>
    public static readonly string[] EventShapes =
    [
        "v1beta1", "only-timestamp", "only-requestReceivedTimestamp", "only-stageTimestamp", "offsets", "no-fractions", "reordered",
    ];

    /// <summary>Deliveries, by name.</summary>
    public static readonly string[] Deliveries = ["event-per-request", "eventlist", "eventlist-pretty", "array", "ndjson", "split", "request-received", "request-received-split"];

    /// <summary>Optional members, as paths.</summary>
    public static readonly string[] Optional =
    [
        "annotations", "userAgent", "sourceIPs", "user.uid", "user.extra", "objectRef.apiVersion", "objectRef.uid", "responseObject",
    ];

    public static JsonObject Shape(JsonObject original, string shape, Random random)
    {
        var e = (JsonObject)original.DeepClone();
        var time = TimeFields.Select(f => e[f]?.GetValue<string>()).FirstOrDefault(t => t is not null);
        switch (shape)
        {
            case "v1beta1":
                e["apiVersion"] = "audit.k8s.io/v1beta1";
                break;
            case "only-timestamp" or "only-requestReceivedTimestamp" or "only-stageTimestamp":
                foreach (var f in TimeFields)
                {
                    e.Remove(f);
                }

                if (time is not null)
                {
                    e[shape["only-".Length..]] = time;
                }

                break;
            case "offsets" or "no-fractions":
                foreach (var f in TimeFields)
                {
                    if (e[f]?.GetValue<string>() is { } t)
                    {
                        e[f] = Retimed(DateTimeOffset.Parse(t, CultureInfo.InvariantCulture), shape == "no-fractions", random);
                    }
                }

                break;
            case "reordered":
                e = (JsonObject)Reordered(e, random);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "no such shape");
        }

        return e;
    }

    /// <summary>
    /// The same instant in another offset, with between none and nine fraction digits as the instant allows (an instant
    /// with a fraction keeps it, padded); <paramref name="truncate"/>: whole seconds, as a log pipeline that drops them writes.
    /// </summary>
    private static string Retimed(DateTimeOffset t, bool truncate, Random random)
    {
        var offset = TimeSpan.FromMinutes(random.Next(-12 * 60, 14 * 60 + 1) / 15 * 15);
        var local = t.ToOffset(offset);
        if (truncate)
        {
            local = local.AddTicks(-(local.Ticks % TimeSpan.TicksPerSecond));
        }

        var ticks = local.Ticks % TimeSpan.TicksPerSecond;
        var digits = ticks == 0 ? random.Next(0, 10) : Math.Max(7 - TrailingZeros(ticks), random.Next(7, 10));
        var fraction = digits == 0 ? "" : "." + (ticks.ToString("D7", CultureInfo.InvariantCulture) + "00")[..digits];
        var zone = offset == TimeSpan.Zero && random.Next(2) == 0 ? "Z" : local.ToString("zzz", CultureInfo.InvariantCulture);
        return local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction + zone;
    }

    private static int TrailingZeros(long ticks)
    {
        var n = 0;
        for (; n < 7 && ticks % 10 == 0; ticks /= 10)
        {
            n++;
        }

        return n;
    }

    private static JsonNode Reordered(JsonNode node, Random random) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => p).ToList().OrderBy(_ => random.Next()).Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Reordered(p.Value, random)))),
        JsonArray a => new JsonArray([.. a.Select(i => i is null ? null : Reordered(i, random))]),
        _ => node.DeepClone(),
    };

    /// <summary>Removes the member at <paramref name="path"/> (dotted), or sets it to null.</summary>
    public static JsonObject Without(JsonObject original, string path, bool asNull)
    {
        var e = (JsonObject)original.DeepClone();
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate((JsonNode?)e, (n, p) => n?[p]) as JsonObject;
        if (parent is not null && parent.ContainsKey(parts[^1]))
        {
            if (asNull)
            {
                parent[parts[^1]] = null;
            }
            else
            {
                parent.Remove(parts[^1]);
            }
        }

        return e;
    }

    /// <summary>The request bodies that deliver <paramref name="events"/> in <paramref name="delivery"/>.</summary>
    public static List<byte[]> Deliver(IReadOnlyList<JsonObject> events, string delivery, Random random)
    {
        switch (delivery)
        {
            case "event-per-request":
                return [.. events.Select(e => Bytes(e.ToJsonString()))];
            case "eventlist":
                return [Bytes(AuditEvents.EventList(events).ToJsonString())];
            case "eventlist-pretty":
                return [Bytes(AuditEvents.EventList(events).ToJsonString(Pretty))];
            case "array":
                return [Bytes(new JsonArray([.. events.Select(e => e.DeepClone())]).ToJsonString())];
            case "ndjson":
                return [Ndjson(events)];
            case "split":
                var bodies = new List<byte[]>();
                for (var at = 0; at < events.Count;)
                {
                    var n = Math.Min(random.Next(1, 40), events.Count - at);
                    var chunk = events.Skip(at).Take(n).ToList();
                    bodies.Add(random.Next(2) == 0 ? Bytes(AuditEvents.EventList(chunk).ToJsonString()) : Ndjson(chunk));
                    at += n;
                }

                return bodies;
            case "request-received":
                return [Ndjson([.. events.SelectMany(e => new[] { Received(e), e })])];
            case "request-received-split":
                // The webhook's batches end anywhere: here between each request's first and last stage.
                return [.. events.SelectMany(e => new[] { Ndjson([Received(e)]), Ndjson([e]) })];
            default:
                throw new ArgumentOutOfRangeException(nameof(delivery), delivery, "no such delivery");
        }
    }

    /// <summary>
    /// The record the API server writes when the request arrives (stage <c>RequestReceived</c>): no response yet, so no
    /// response status or object, and no annotations the authorizer adds later.
    /// </summary>
    public static JsonObject Received(JsonObject e)
    {
        var r = (JsonObject)e.DeepClone();
        r["stage"] = "RequestReceived";
        r.Remove("responseStatus");
        r.Remove("responseObject");
        r.Remove("annotations");
        if (r["requestReceivedTimestamp"] is { } received)
        {
            r["stageTimestamp"] = received.DeepClone();
        }

        return r;
    }

    private static byte[] Ndjson(IEnumerable<JsonObject> events) => Bytes(string.Join("\n", events.Select(e => e.ToJsonString())) + "\n");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
