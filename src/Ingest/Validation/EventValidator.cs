namespace ZtStream.Ingest.Validation;

/// <summary>
/// Reads canonical events from JSON and checks every event, whatever its source, against the limits of
/// <see cref="IngestOptions"/>. Problems are reported per item with the field's dotted path.
/// </summary>
internal sealed class EventValidator(IOptions<IngestOptions> options, TimeProvider time)
{
    private static readonly HashSet<string> KnownFields = new(StringComparer.Ordinal)
    {
        "schema", "id", "time", "source", "kind", "subject", "token", "workload", "network",
        "resource", "action", "outcome", "bytes", "status", "user_agent", "attributes", "raw", "source_scope",
    };

    /// <summary>
    /// The event in <paramref name="item"/>, or null with its problems added to <paramref name="errors"/>.
    /// Unknown top-level fields are kept in <c>attributes</c>; a <c>source</c> or <c>source_scope</c> in the body is ignored
    /// (Ingest stamps both).
    /// </summary>
    public AccessEvent? Parse(JsonElement item, int index, string prefix, List<ItemError> errors) => Parse(item, index, prefix, errors, out _);

    /// <summary>
    /// As <see cref="Parse(JsonElement, int, string, List{ItemError})"/>; <paramref name="verbatim"/> tells whether
    /// <paramref name="item"/>'s own JSON reads back as the returned event (no field moved to attributes, no login folded, no
    /// <c>source</c> to drop), so it can be forwarded as it came.
    /// </summary>
    public AccessEvent? Parse(JsonElement item, int index, string prefix, List<ItemError> errors, out bool verbatim)
    {
        verbatim = false;
        if (Read(item, index, prefix, errors, out var changed) is not { } e)
        {
            return null;
        }

        // Ingest stamps source and source_scope: a body's own are dropped, so such an item is not forwarded as it came.
        var hasSource = item.TryGetProperty("source", out _) || item.TryGetProperty("source_scope", out _);
        if (hasSource)
        {
            e = e with { Source = null, SourceScope = null };
        }

        if (!Check(e, index, prefix, errors))
        {
            return null;
        }

        verbatim = !hasSource && !changed;
        return e;
    }

    /// <summary>
    /// The first half of <see cref="Parse(JsonElement, int, string, List{ItemError}, out bool)"/>: the event as
    /// <paramref name="item"/> writes it (required fields and their types; unknown top-level fields moved to
    /// <c>attributes</c>, the id of a login claim's subject in the one form of login names, <paramref name="changed"/>
    /// telling whether either changed the event), with its own <c>source</c> kept and before
    /// <see cref="Check"/>; null with its problems added to <paramref name="errors"/>. Replay reads recorded events with
    /// it, then checks them against the clock of the recording.
    /// </summary>
    public AccessEvent? Read(JsonElement item, int index, string prefix, List<ItemError> errors, out bool changed)
    {
        changed = false;
        if (item.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ItemError(index, prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), $"expected an event object, got {Kind(item)}"));
            return null;
        }

        try
        {
            // Anywhere in the item, attributes and raw included: as in every adapter's records (JsonFields.Writable).
            Sources.JsonFields.Writable(item);
        }
        catch (InvalidOperationException)
        {
            errors.Add(new ItemError(index, prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), Sources.JsonPayload.InvalidText));
            return null;
        }

        var before = errors.Count;
        RequireString(item, "id", index, prefix, errors);
        if (RequireString(item, "time", index, prefix, errors) is { } timeText && !Sources.JsonFields.TryParseTime(timeText, out _))
        {
            errors.Add(new ItemError(index, prefix + "time", $"not an RFC 3339 timestamp: \"{ItemError.Clip(timeText)}\""));
        }

        RequireString(item, "kind", index, prefix, errors);
        if (item.TryGetProperty("schema", out var schema) && schema.ValueKind != JsonValueKind.Null)
        {
            if (schema.ValueKind != JsonValueKind.Number || !schema.TryGetInt32(out var version))
            {
                errors.Add(new ItemError(index, prefix + "schema", $"must be an integer, got {Kind(schema)}"));
            }
            else if (version != SchemaVersions.Current)
            {
                errors.Add(new ItemError(index, prefix + "schema", $"unsupported schema version {version}; this Ingest reads version {SchemaVersions.Current}"));
            }
        }

        var subjectId = IdOf(item, "subject", index, prefix, errors);
        var workloadId = IdOf(item, "workload", index, prefix, errors);
        if (subjectId is false && workloadId is false)
        {
            errors.Add(new ItemError(index, prefix + "subject.id", "required: an event needs subject.id or workload.id"));
        }

        if (item.TryGetProperty("attributes", out var attributes) && attributes.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors.Add(new ItemError(index, prefix + "attributes", $"must be an object, got {Kind(attributes)}"));
        }

        if (item.TryGetProperty("raw", out var raw) && raw.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors.Add(new ItemError(index, prefix + "raw", $"must be an object (the source's original record), got {Kind(raw)}"));
        }

        if (errors.Count > before)
        {
            return null;
        }

        AccessEvent e;
        try
        {
            e = item.Deserialize(ContractsJsonContext.Default.AccessEvent) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            try
            {
                // A time with RFC 3339's lower-case t or z (§5.6): read, and written back in upper case, not as it came.
                e = item.Deserialize(ContractJson.Input.AccessEvent) ?? throw new JsonException("null");
                changed = true;
            }
            catch (JsonException)
            {
                errors.Add(new ItemError(index, prefix + FieldOf(ex.Path), $"wrong type or format: {Sources.JsonPayload.Describe(ex)}"));
                return null;
            }
        }

        Dictionary<string, JsonElement>? merged = null;
        foreach (var property in item.EnumerateObject())
        {
            if (!KnownFields.Contains(property.Name))
            {
                merged ??= e.Attributes is null ? new(StringComparer.Ordinal) : new(e.Attributes, StringComparer.Ordinal);
                merged.TryAdd(property.Name, property.Value.Clone());
            }
        }

        if (merged is not null)
        {
            e = e with { Attributes = merged };
            changed = true;
        }

        // A login claim an application's token names its user by is keyed in the one form of login names, as the
        // identity providers' adapters key that user (docs/sources.md, "Login names in one form").
        if (e.Subject is { } subject && SubjectClaims.IsLogin(subject.Claim)
            && LoginNames.Fold(subject.Id) is var login && !string.Equals(login, subject.Id, StringComparison.Ordinal))
        {
            e = e with { Subject = subject with { Id = login } };
            changed = true;
        }

        return e;
    }

    /// <summary>
    /// The fast path for a canonical event's bytes (<see cref="VerbatimEventScanner"/>): true, with what Ingest needs to
    /// forward them, only when <see cref="Parse(JsonElement, int, string, List{ItemError}, out bool)"/> would accept the
    /// item unchanged and verbatim; false when that full path has to decide.
    /// </summary>
    public bool TryAcceptVerbatim(ReadOnlySpan<byte> json, out ScannedEvent scanned) =>
        VerbatimEventScanner.TryScan(json, options.Value, time.GetUtcNow(), out scanned);

    /// <summary>As <see cref="TryAcceptVerbatim(ReadOnlySpan{byte}, out ScannedEvent)"/> for the value <paramref name="reader"/> is on.</summary>
    public bool TryAcceptVerbatim(ref Utf8JsonReader reader, out ScannedEvent scanned) =>
        VerbatimEventScanner.TryScan(ref reader, options.Value, time.GetUtcNow(), out scanned);

    /// <summary>Checks lengths, sizes and the time window; false (with errors added) when the event breaks one.</summary>
    public bool Check(AccessEvent e, int index, string prefix, List<ItemError> errors)
    {
        var o = options.Value;
        var before = errors.Count;
        if (string.IsNullOrEmpty(e.Id))
        {
            errors.Add(new ItemError(index, prefix + "id", "required: must not be empty"));
        }
        else if (e.Id.Length > o.MaxIdLength)
        {
            errors.Add(new ItemError(index, prefix + "id", $"is {e.Id.Length} characters; the limit is {o.MaxIdLength}"));
        }
        else if (ItemError.HiddenCharacter(e.Id) is { } idProblem)
        {
            errors.Add(new ItemError(index, prefix + "id", idProblem));
        }

        if (string.IsNullOrEmpty(e.Kind))
        {
            errors.Add(new ItemError(index, prefix + "kind", "required: must not be empty"));
        }
        else if (EventKinds.IsDerived(e.Kind))
        {
            errors.Add(new ItemError(index, prefix + "kind",
                $"\"{ItemError.Clip(e.Kind)}\" is reserved: kinds starting with \"{EventKinds.DerivedPrefix}\" are records the Verifier derives itself"));
        }

        if (string.IsNullOrEmpty(e.PrincipalKey))
        {
            errors.Add(new ItemError(index, prefix + "subject.id", "required: an event needs subject.id or workload.id"));
        }

        var names = new NameCheck(o, index, prefix, errors);
        EventNames.Visit(e, ref names);
        if (e.UserAgent is { } userAgent && userAgent.Length > o.MaxFieldLength)
        {
            // A user agent is what the client sent, kept as evidence: bounded, but it may hold any character.
            errors.Add(new ItemError(index, prefix + "user_agent", $"is {userAgent.Length} characters; the limit is {o.MaxFieldLength}"));
        }

        if (e.Bytes < 0)
        {
            errors.Add(new ItemError(index, prefix + "bytes", $"must not be negative (is {e.Bytes})"));
        }

        if (e.Status is < 0 or > 999)
        {
            errors.Add(new ItemError(index, prefix + "status", $"must be between 0 and 999 (is {e.Status})"));
        }

        if (e.Network?.DstPort is < 0 or > 65535)
        {
            errors.Add(new ItemError(index, prefix + "network.dst_port", $"must be between 0 and 65535 (is {e.Network.DstPort})"));
        }

        var now = time.GetUtcNow();
        if (e.Time > now + o.MaxClockSkew)
        {
            errors.Add(new ItemError(index, prefix + "time",
                $"{e.Time:O} is {Describe(e.Time - now)} ahead of the server clock; at most {Describe(o.MaxClockSkew)} is accepted"));
        }
        else if (e.Time < now - o.MaxEventAge)
        {
            errors.Add(new ItemError(index, prefix + "time",
                $"{e.Time:O} is {Describe(now - e.Time)} old; events older than {Describe(o.MaxEventAge)} are not accepted"));
        }

        if (e.Raw is { } rawObject && JsonMarshal.GetRawUtf8Value(rawObject).Length is var rawSize && rawSize > o.MaxRawBytes)
        {
            errors.Add(new ItemError(index, prefix + "raw", $"is {rawSize} bytes of JSON; the limit is {o.MaxRawBytes}"));
        }

        if (e.Attributes is { Count: > 0 } attributes)
        {
            var size = 2L;
            foreach (var (key, value) in attributes)
            {
                size += key.Length + 4 + JsonMarshal.GetRawUtf8Value(value).Length;
            }

            if (size > o.MaxAttributesBytes)
            {
                errors.Add(new ItemError(index, prefix + "attributes", $"is about {size} bytes of JSON; the limit is {o.MaxAttributesBytes}"));
            }
        }

        return errors.Count == before;
    }

    /// <summary>
    /// A source adapter's event with each character in its ids and names that <see cref="Check"/> refuses
    /// (<see cref="ItemError.HiddenCharacter"/>) written as a visible escape (<see cref="ItemError.Escaped"/>), and the fields
    /// escaped listed in <c>attributes["ingest.escaped"]</c>; <paramref name="e"/> itself when none holds one. The adapter
    /// reports what a third party's record says, and a user can set their own name in it (a client certificate's CN, an OIDC
    /// claim, an IdP display name): refusing the event would let whoever controls a name decide whether ZtStream sees it.
    /// Kept visible, it keys a principal of its own, distinct from the name without the hidden characters; the record as
    /// received stays in <c>raw</c>.
    /// </summary>
    public static AccessEvent Escaped(AccessEvent e)
    {
        var escaping = new NameEscaping();
        var escaped = EventNames.Visit(e, ref escaping);
        return escaping.Fields is not { } fields
            ? e
            : escaped with
            {
                Attributes = new(escaped.Attributes ?? [], StringComparer.Ordinal) { [SourceAttributes.Escaped] = JsonFields.Of(fields) },
            };
    }

    /// <summary>
    /// Each id and name within its length and holding no hidden character: it keys state, alerts and actions and is shown
    /// again (a NUL would stop PostgreSQL from storing the alert it raises). The event's id is checked before, with its own limit.
    /// </summary>
    private readonly struct NameCheck(IngestOptions o, int index, string prefix, List<ItemError> errors) : EventNames.IVisitor
    {
        public string Visit(string field, string value, NameBound bound)
        {
            if (bound == NameBound.Field && value.Length > o.MaxFieldLength)
            {
                errors.Add(new ItemError(index, prefix + field, $"is {value.Length} characters; the limit is {o.MaxFieldLength}"));
            }
            else if (bound != NameBound.Id && ItemError.HiddenCharacter(value) is { } problem)
            {
                errors.Add(new ItemError(index, prefix + field, problem));
            }

            return value;
        }
    }

    /// <summary>Escapes each id and name, noting the fields it changed.</summary>
    private struct NameEscaping : EventNames.IVisitor
    {
        public List<string>? Fields { get; private set; }

        public string Visit(string field, string value, NameBound bound)
        {
            var escaped = ItemError.Escaped(value);
            if (!ReferenceEquals(escaped, value))
            {
                (Fields ??= []).Add(field);
            }

            return escaped;
        }
    }

    private static string? RequireString(JsonElement item, string name, int index, string prefix, List<ItemError> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new ItemError(index, prefix + name, "required"));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new ItemError(index, prefix + name, $"must be a string, got {Kind(value)}"));
            return null;
        }

        var text = value.GetString();
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(new ItemError(index, prefix + name, "must not be empty"));
            return null;
        }

        return text;
    }

    /// <summary>True when <c>{name}.id</c> is a usable string, false when the object is absent; a present object without an id is an error.</summary>
    private static bool? IdOf(JsonElement item, string name, int index, string prefix, List<ItemError> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ItemError(index, prefix + name, $"must be an object, got {Kind(value)}"));
            return null;
        }

        if (!value.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new ItemError(index, $"{prefix}{name}.id", $"required when {name} is given"));
            return null;
        }

        if (id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
        {
            errors.Add(new ItemError(index, $"{prefix}{name}.id", $"must be a non-empty string, got {Kind(id)}"));
            return null;
        }

        return true;
    }

    /// <summary><c>$.token.issued_at</c> → <c>token.issued_at</c>; <c>$['a b']</c> → <c>a b</c>.</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "$";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return field.Replace("['", ".", StringComparison.Ordinal).Replace("']", string.Empty, StringComparison.Ordinal).TrimStart('.');
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{span.TotalDays:0.#} days"
        : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes"
        : $"{span.TotalSeconds:0.#} seconds";
}
