namespace ZtStream.TestSupport.Telemetry;

/// <summary>One span as an OTLP exporter sent it.</summary>
public sealed record OtlpSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    string Scope,
    string Service,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A collector's OTLP/HTTP endpoint on loopback (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>): it decodes the protobuf of <c>POST /v1/traces</c>
/// (ExportTraceServiceRequest, opentelemetry-proto's trace.proto) far enough to keep each span's ids, name, kind,
/// scope, service and string attributes, and counts the requests to <c>/v1/metrics</c> and <c>/v1/logs</c>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly LoopbackApp app;
    private readonly ConcurrentQueue<OtlpSpan> spans;
    private readonly ConcurrentDictionary<string, int> requests;

    private OtlpReceiver(LoopbackApp app, ConcurrentQueue<OtlpSpan> spans, ConcurrentDictionary<string, int> requests)
    {
        this.app = app;
        this.spans = spans;
        this.requests = requests;
    }

    /// <summary>The base address to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint => app.BaseAddress;

    public IReadOnlyCollection<OtlpSpan> Spans => spans;

    /// <summary>Requests received per signal path (<c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c>).</summary>
    public IReadOnlyDictionary<string, int> Requests => requests;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var spans = new ConcurrentQueue<OtlpSpan>();
        var requests = new ConcurrentDictionary<string, int>();
        var app = await LoopbackApp.StartAsync(web => web.MapPost("/v1/{signal}", async (string signal, HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            requests.AddOrUpdate("/v1/" + signal, 1, (_, n) => n + 1);
            if (signal == "traces")
            {
                foreach (var span in DecodeTraces(buffer.ToArray()))
                {
                    spans.Enqueue(span);
                }
            }

            // An empty Export*ServiceResponse: everything accepted.
            http.Response.ContentType = "application/x-protobuf";
            http.Response.StatusCode = 200;
        }));
        return new OtlpReceiver(app, spans, requests);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    /// <summary>ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }</summary>
    public static IEnumerable<OtlpSpan> DecodeTraces(byte[] body)
    {
        var result = new List<OtlpSpan>();
        foreach (var (field, resourceSpans) in Fields(body))
        {
            if (field != 1)
            {
                continue;
            }

            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var service = "";
            var scopeSpans = new List<byte[]>();
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1)
                {
                    // Resource { repeated KeyValue attributes = 1; }
                    service = Attributes(value, 1).GetValueOrDefault("service.name", "");
                }
                else if (f == 2)
                {
                    scopeSpans.Add(value);
                }
            }

            foreach (var scoped in scopeSpans)
            {
                // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                var scope = "";
                foreach (var (f, value) in Fields(scoped))
                {
                    if (f == 1)
                    {
                        scope = Fields(value).Where(x => x.Field == 1).Select(x => Encoding.UTF8.GetString(x.Value)).FirstOrDefault() ?? "";
                    }
                    else if (f == 2)
                    {
                        result.Add(Span(value, scope, service));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6; repeated KeyValue attributes = 9; }</summary>
    private static OtlpSpan Span(byte[] span, string scope, string service)
    {
        string traceId = "", spanId = "", name = "";
        string? parent = null;
        var kind = 0;
        foreach (var (f, value) in Fields(span))
        {
            switch (f)
            {
                case 1: traceId = Convert.ToHexString(value).ToLowerInvariant(); break;
                case 2: spanId = Convert.ToHexString(value).ToLowerInvariant(); break;
                case 4: parent = value.Length == 0 ? null : Convert.ToHexString(value).ToLowerInvariant(); break;
                case 5: name = Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)ReadVarint(value, 0, out _); break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, kind, scope, service, Attributes(span, 9));
    }

    /// <summary>KeyValue { string key = 1; AnyValue value = 2; } with AnyValue's string_value = 1, bool_value = 2, int_value = 3.</summary>
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (f, keyValue) in Fields(message))
        {
            if (f != field)
            {
                continue;
            }

            string? key = null, text = null;
            foreach (var (kf, kv) in Fields(keyValue))
            {
                if (kf == 1)
                {
                    key = Encoding.UTF8.GetString(kv);
                }
                else if (kf == 2)
                {
                    foreach (var (vf, v) in Fields(kv))
                    {
                        text = vf switch
                        {
                            1 => Encoding.UTF8.GetString(v),
                            2 => (ReadVarint(v, 0, out _) != 0).ToString(),
                            3 => ((long)ReadVarint(v, 0, out _)).ToString(System.Globalization.CultureInfo.InvariantCulture),
                            _ => text,
                        };
                    }
                }
            }

            if (key is not null)
            {
                attributes[key] = text ?? "";
            }
        }

        return attributes;
    }

    /// <summary>The fields of one protobuf message; a varint or fixed field comes back as its raw bytes.</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var i = 0;
        while (i < message.Length)
        {
            var tag = ReadVarint(message, i, out i);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var start = i;
                    ReadVarint(message, i, out i);
                    fields.Add((field, message[start..i]));
                    break;
                case 1:
                    fields.Add((field, message[i..(i + 8)]));
                    i += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, i, out i);
                    fields.Add((field, message[i..(i + length)]));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, message[i..(i + 4)]));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported protobuf wire type {tag & 7} at byte {i}");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] data, int start, out int next)
    {
        ulong value = 0;
        var shift = 0;
        var i = start;
        while (true)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                next = i;
                return value;
            }

            shift += 7;
        }
    }
}
