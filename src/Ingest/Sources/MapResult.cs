namespace ZtStream.Ingest.Sources;

/// <summary>One canonical event and the position of the input item it came from.</summary>
internal sealed class MappedEvent
{
    private AccessEvent? mapped;

    /// <summary>An event an adapter or the full validation path built; <paramref name="json"/> as <see cref="Json"/>.</summary>
    public MappedEvent(int index, AccessEvent mapped, byte[]? json = null)
    {
        Index = index;
        this.mapped = mapped;
        Id = mapped.Id;
        PrincipalKey = mapped.PrincipalKey;
        MayBeFailedSignIn = true;
        if (json is not null)
        {
            // Not a conditional expression: null converts to an empty ReadOnlyMemory<byte> (through byte[]), not to no value.
            Json = json;
        }
    }

    /// <summary>
    /// An event accepted from its bytes alone (<see cref="Validation.VerbatimEventScanner"/>): the event itself is read
    /// from <paramref name="json"/> only if someone asks for it. <paramref name="json"/> may be a slice of the request
    /// body, not a copy: the body must outlive this item (Ingest returns its pooled body buffer only once the request's
    /// append has returned).
    /// </summary>
    public MappedEvent(int index, Validation.ScannedEvent scanned, ReadOnlyMemory<byte> json)
    {
        Index = index;
        Id = scanned.Id;
        PrincipalKey = scanned.PrincipalKey;
        MayBeFailedSignIn = scanned.FailedSignIn;
        Json = json;
        Scanned = scanned.Scope;
    }

    public int Index { get; }

    public AccessEvent Event => mapped ??= ContractJson.DeserializeEvent(Json.GetValueOrDefault().Span);

    /// <summary>
    /// What the delivering source's scope vouches for (<see cref="AccessEvent.SourceScope"/>), set by
    /// <see cref="Admitted"/>: spliced in beside <c>source</c> when <see cref="Json"/> is forwarded.
    /// </summary>
    public IReadOnlyList<string>? SourceScope { get; private set; }

    /// <summary>This item as the source gate let it through: <paramref name="stamped"/> (stamped with what the scope vouches for), the same bytes.</summary>
    public MappedEvent Admitted(AccessEvent stamped)
    {
        ArgumentNullException.ThrowIfNull(stamped);
        return new MappedEvent(Index, stamped) { Json = Json, SourceScope = stamped.SourceScope };
    }

    /// <summary>
    /// This item as the source gate let it through without reading its event: the same bytes, forwarded with
    /// <paramref name="sourceScope"/> (what the scope vouches for) spliced in beside <c>source</c>. The item itself is
    /// marked rather than copied (a copy per event on a scoped source's path): an item belongs to one request, whose
    /// source's scope vouches for it once.
    /// </summary>
    public MappedEvent Vouched(IReadOnlyList<string>? sourceScope)
    {
        SourceScope = sourceScope;
        return this;
    }

    /// <summary>
    /// This item as the source gate let it through with its event changed (labelled with its source's cluster from the
    /// event object): <paramref name="stamped"/> alone, serialised as it goes to the log, since the bytes no longer say it.
    /// </summary>
    public MappedEvent Relabelled(AccessEvent stamped)
    {
        ArgumentNullException.ThrowIfNull(stamped);
        return new MappedEvent(Index, stamped) { SourceScope = stamped.SourceScope };
    }

    /// <summary>
    /// Where the fields a source's scope is checked on sit in <see cref="Json"/>, for an item accepted from its bytes;
    /// null for an item whose event was built (read <see cref="Event"/>).
    /// </summary>
    public Validation.ScannedScope? Scanned { get; }

    public string Id { get; }

    /// <summary>The record key: <see cref="AccessEvent.PrincipalKey"/>.</summary>
    public string PrincipalKey { get; }

    /// <summary>
    /// False when the event is known not to be a failed sign-in nor a change to an account (it was accepted from its bytes
    /// with another kind or outcome), so it has no twin (<see cref="Identity.AddressTwins"/>) and <see cref="Event"/> need
    /// not be read; true when the event has to say.
    /// </summary>
    public bool MayBeFailedSignIn { get; }

    /// <summary>
    /// The item's own UTF-8 JSON when it already is this event exactly as the contract reads it (a canonical event with no
    /// fields moved to attributes and no <c>source</c> of its own): Ingest forwards these bytes with the stamped source
    /// spliced in instead of serialising the event again. Bytes accepted by the scanner are the request body's own,
    /// borrowed for as long as the request is handled; the record's value is the one copy made of them.
    /// </summary>
    public ReadOnlyMemory<byte>? Json { get; private init; }
}

/// <summary>What a source adapter made of a payload: the events it could map and an error for each item it could not.</summary>
internal sealed record MapResult(IReadOnlyList<MappedEvent> Items, IReadOnlyList<ItemError> Errors)
{
    public IReadOnlyList<AccessEvent> Events => [.. Items.Select(i => i.Event)];

    /// <summary>
    /// Deliveries that carry no events by design (a CloudWatch Logs <c>CONTROL_MESSAGE</c>): nothing to map and nothing
    /// lost, so a payload of only these is acknowledged rather than refused as empty.
    /// </summary>
    public int EmptyDeliveries { get; init; }

    /// <summary>
    /// Input items seen: mapped plus rejected, an item counted once however many events it yields (a Google Workspace
    /// activity holds several) and however many errors it has.
    /// </summary>
    public int ItemCount { get; } = Count(Items, Errors);

    private static int Count(IReadOnlyList<MappedEvent> items, IReadOnlyList<ItemError> errors)
    {
        // Items are in index order: one event per item unless two neighbours share an index.
        var onePerItem = true;
        for (var i = 1; i < items.Count && onePerItem; i++)
        {
            onePerItem = items[i].Index != items[i - 1].Index;
        }

        return onePerItem && errors.Count == 0 ? items.Count
            : onePerItem && errors.Count == 1 && !items.Any(item => item.Index == errors[0].Index) ? items.Count + 1
            : items.Select(item => item.Index).Concat(errors.Select(e => e.Index)).Distinct().Count();
    }
}

/// <summary>Bounds an adapter keeps to, so one hostile payload cannot balloon an event, how it dates undated items, and how it names identities.</summary>
/// <param name="MaxObjectBytes">Embedded objects kept as attributes above this are cut down: a request or response object trimmed where it is big (see <see cref="RawObject"/>), others (Falco's output fields, annotations) replaced by a summary.</param>
/// <param name="MaxRawBytes">The source's original object kept as <see cref="AccessEvent.Raw"/> is trimmed to this (see <see cref="RawObject"/>).</param>
/// <param name="SubjectIsUserId">
/// Identity adapters: the subject is the provider's internal user id (Okta <c>00u…</c>, Entra object id, Keycloak user id,
/// Auth0 <c>user_id</c>) rather than the login name, so it equals the <c>sub</c> (or <c>oid</c>) of the tokens the
/// application sees; the login name is kept in <c>idp.login</c> (<c>Ingest:IdentitySubjects</c>).
/// </param>
internal sealed record SourceMapOptions(int MaxObjectBytes = 32 * 1024, int MaxRawBytes = 64 * 1024, bool SubjectIsUserId = false)
{
    public static SourceMapOptions Default { get; } = new();

    /// <summary>
    /// The bounds and naming section <c>Ingest</c> configures, one set for live ingestion (batches and Shared Signals SETs)
    /// and <c>ztstream replay</c>, so a
    /// recorded file maps to the events its endpoint would have appended; each adds how it dates an undated item.
    /// </summary>
    /// <param name="idp">The identity provider the adapter speaks for (null for any other source), whose subjects may be named by user id.</param>
    public static SourceMapOptions For(IngestOptions options, string? idp) =>
        new(options.MaxSourceObjectBytes, options.MaxRawBytes, idp is not null && options.SubjectIsUserId(idp))
        {
            MaxDecodedBytes = 4L * options.MaxBodyBytes,
            MaxFieldLength = options.MaxFieldLength,
            EntraSubjectIsUserId = options.SubjectIsUserId(EntraMapper.Idp),
        };

    /// <summary>
    /// What the records an envelope carries encoded (base64, gzip: a Firehose record, a CloudWatch Logs subscription's
    /// data, a Pub/Sub message) may decode to, in total for one payload, so a small compressed record cannot expand
    /// without bound. Ingest sets it to four times <c>Ingest:MaxBodyBytes</c>.
    /// </summary>
    public long MaxDecodedBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// The longest string field of an event Ingest accepts (<c>Ingest:MaxFieldLength</c>): names an adapter takes from a
    /// record a sender can pad (a Falco alert's container name) are clipped to it rather than get the item refused.
    /// </summary>
    public int MaxFieldLength { get; init; } = 2_048;

    /// <summary>
    /// Entra ID subjects are object ids (<c>Ingest:IdentitySubjects:entra=user_id</c>): an AKS user signed in with Entra ID is
    /// then named by its <c>oid</c> too, so the cluster's events and the sign-ins land on one principal.
    /// </summary>
    public bool EntraSubjectIsUserId { get; init; }

    /// <summary>Live ingestion: when the payload arrived. An item its source does not date is dated with it.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>Replay: an item its source does not date takes the previous dated item's time (see <see cref="SourceClock"/>).</summary>
    public SourceClock? Clock { get; init; }

    /// <summary>
    /// The time for an item whose source gives none, and where it came from (<see cref="TimeSources"/>): the arrival time
    /// live, the previous event's time in replay (the time the file was read, before the first dated event). False when
    /// neither is configured.
    /// </summary>
    public bool TryFallbackTime(out DateTimeOffset time, out string source)
    {
        if (ReceivedAt is { } received)
        {
            (time, source) = (received, TimeSources.Received);
            return true;
        }

        if (Clock is { } clock)
        {
            (time, source) = clock.Previous is { } previous ? (previous, TimeSources.PreviousEvent) : (clock.ReadAt, TimeSources.Read);
            return true;
        }

        (time, source) = (default, string.Empty);
        return false;
    }

    /// <summary>Notes the time of an item that had one, for the next undated item in replay.</summary>
    public void Dated(DateTimeOffset time)
    {
        if (Clock is { } clock)
        {
            clock.Previous = time;
        }
    }
}

/// <summary>The replay clock of one input file: the last event time seen, carried across its payloads (lines).</summary>
internal sealed class SourceClock(DateTimeOffset readAt)
{
    public DateTimeOffset ReadAt { get; } = readAt;

    public DateTimeOffset? Previous { get; set; }
}

/// <summary>Where an event's time came from when not from the source's own primary timestamp (attribute <c>ingest.time_source</c>).</summary>
internal static class TimeSources
{
    /// <summary>The attribute that records it.</summary>
    public const string Attribute = Platform.Hosting.SourceAttributes.TimeSource;

    public const string StageTimestamp = "stageTimestamp";
    public const string Received = "received";
    public const string PreviousEvent = "previous_event";
    public const string Read = "read";
}
