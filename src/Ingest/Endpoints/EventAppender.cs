using ZtStream.Platform.Telemetry;

namespace ZtStream.Ingest.Endpoints;

/// <summary>
/// Appends accepted events to <see cref="IngestOptions.Topic"/>, keyed by principal, stamped with their source and
/// returning only once the log acknowledged them. Every way into Ingest (the endpoints, the Shared Signals receiver)
/// goes through here, so the record's key, headers and in-flight count are the same whichever way an event came.
/// </summary>
internal sealed class EventAppender(IEventLog eventLog, IngestMetrics metrics, IOptions<IngestOptions> options)
{
    public const string SourceHeader = "zt-source";

    /// <summary>Appends <paramref name="events"/> as from <paramref name="source"/>; throws <see cref="EventLogUnavailableException"/> when the log cannot take them.</summary>
    public Task AppendAsync(IReadOnlyList<AccessEvent> events, string source, SourceScope scope, CancellationToken cancellationToken) =>
        AppendAsync([.. events.Select((e, i) => new MappedEvent(i, e))], source, scope, cancellationToken);

    /// <summary>
    /// Appends <paramref name="items"/> as from <paramref name="source"/>: an item that carries its own canonical JSON is
    /// forwarded as those bytes with <c>"source"</c> (and <c>"source_scope"</c>) spliced in first, any other is serialised
    /// with the source stamped; each failed sign-in goes with its address twin and its tenant twin, and an administrator's
    /// reset or suspension of another user with its actor twin, and an Okta session start naming its browser's device token with its device twin (<see cref="AddressTwins"/>), in the same append, vouching for what <paramref name="scope"/>, the source's, vouches for on it (<see cref="SourceGate.TwinOf"/>). Throws <see cref="EventLogUnavailableException"/> when the log cannot take them.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<MappedEvent> items, string source, SourceScope scope, CancellationToken cancellationToken)
    {
        var records = new List<LogRecord>(items.Count);
        using var send = EventLogTracing.StartSend(options.Value.Topic, items.Count);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { [SourceHeader] = source };
        // One headers object per batch: the trace context costs nothing per event (and nothing at all with tracing off).
        TraceHeaders.Inject(send, headers);

        // The stamped values of the request's forwarded items all go in one pooled buffer, handed back once the log has
        // taken the append: IEventLog does not read a record's value after AppendAsync completed (a log keeps a copy).
        var stamps = new SourceStamps(source);
        // A source whose key speaks for one cluster labels the items its gate took from their bytes naming none.
        var label = scope.Label;
        var stampedBytes = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Json is { } json)
            {
                stampedBytes += json.Length + stamps.For(items[i].SourceScope).Length + (label is null ? 0 : label.SpliceFor(items[i]).Growth);
            }
        }

        var buffer = stampedBytes > 0 ? ArrayPool<byte>.Shared.Rent(stampedBytes) : [];
        try
        {
            var used = 0;
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                ReadOnlyMemory<byte> value;
                if (item.Json is { } json)
                {
                    var length = WriteStamped(json.Span, stamps.For(item.SourceScope), label is null ? default : label.SpliceFor(item), buffer.AsSpan(used));
                    value = buffer.AsMemory(used, length);
                    used += length;
                }
                else
                {
                    value = ContractJson.Serialize(item.Event with { Source = source });
                }

                records.Add(new LogRecord(item.PrincipalKey, value, headers));
                if (item.MayBeFailedSignIn)
                {
                    foreach (var kind in AddressTwins.Kinds)
                    {
                        AddTwin(SourceGate.TwinOf(item.Event, kind, source, scope));
                    }
                }
            }

            if (eventLog is IAppendAdmission admission)
            {
                // The embedded logs hold Ingest back while the Verifier is too far behind (EventLog:MaxConsumerLag).
                await admission.WaitForRoomAsync(options.Value.Topic, cancellationToken);
            }

            metrics.AppendStarted(records.Count);
            try
            {
                await eventLog.AppendAsync(options.Value.Topic, records, cancellationToken);
            }
            finally
            {
                metrics.AppendEnded(records.Count);
            }
        }
        finally
        {
            if (stampedBytes > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        void AddTwin(AccessEvent? twin)
        {
            if (twin is not null)
            {
                records.Add(new LogRecord(twin.PrincipalKey, ContractJson.Serialize(twin), headers));
            }
        }
    }

    /// <summary>
    /// <c>"source":"…",</c> and, when the source's scope vouches for something, <c>"source_scope":[…],</c> — what goes
    /// in front of an event's first property.
    /// </summary>
    private static byte[] SourceProperties(string source, IReadOnlyList<string>? scope)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        buffer.Write("\"source\":\""u8);
        buffer.Write(JsonEncodedText.Encode(source).EncodedUtf8Bytes);
        buffer.Write("\","u8);
        if (scope is not null)
        {
            buffer.Write("\"source_scope\":["u8);
            for (var i = 0; i < scope.Count; i++)
            {
                buffer.Write(i == 0 ? "\""u8 : ",\""u8);
                buffer.Write(JsonEncodedText.Encode(scope[i]).EncodedUtf8Bytes);
                buffer.Write("\""u8);
            }

            buffer.Write("],"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An event object's JSON with <paramref name="stamp"/> as its first properties (the object itself has no <c>source</c> or <c>source_scope</c>).</summary>
    internal static byte[] Stamped(ReadOnlyMemory<byte> json, ReadOnlySpan<byte> stamp, ByteSplice splice = default)
    {
        var value = new byte[json.Length + stamp.Length + splice.Growth];
        WriteStamped(json.Span, stamp, splice, value);
        return value;
    }

    /// <summary>
    /// Writes <paramref name="item"/> (normally a slice of the request body) with <paramref name="stamp"/> spliced in after
    /// its <c>{</c>, and <paramref name="splice"/> (its source's cluster label) made, to the start of
    /// <paramref name="destination"/>: the one copy of the item's bytes. Returns its length.
    /// </summary>
    private static int WriteStamped(ReadOnlySpan<byte> item, ReadOnlySpan<byte> stamp, ByteSplice splice, Span<byte> destination)
    {
        destination[0] = (byte)'{';
        stamp.CopyTo(destination[1..]);
        return 1 + stamp.Length + splice.Write(item, 1, destination[(1 + stamp.Length)..]);
    }

    /// <summary>The source's properties for each scope a request's items carry, made once per scope in a row.</summary>
    private sealed class SourceStamps(string source)
    {
        private byte[]? _stamp;
        private IReadOnlyList<string>? _scope;

        public byte[] For(IReadOnlyList<string>? scope)
        {
            if (_stamp is null || !ReferenceEquals(_scope, scope))
            {
                // One batch comes from one source through one endpoint, so this is made once a request.
                _scope = scope;
                _stamp = SourceProperties(source, scope);
            }

            return _stamp;
        }
    }
}
