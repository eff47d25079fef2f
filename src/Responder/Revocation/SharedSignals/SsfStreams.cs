namespace ZtStream.Responder.Revocation.SharedSignals;

/// <summary>Stream statuses (SSF 1.0 §8.1.2).</summary>
internal static class SsfStreamStatus
{
    public const string Enabled = "enabled";
    public const string Paused = "paused";
    public const string Disabled = "disabled";

    public static bool IsValid(string? status) => status is Enabled or Paused or Disabled;
}

/// <summary>Delivery methods (SSF 1.0 §6).</summary>
internal static class SsfDelivery
{
    public const string PushMethod = "urn:ietf:rfc:8935";
    public const string PollMethod = "urn:ietf:rfc:8936";

    /// <summary>The outbox's name for each.</summary>
    public const string Push = "push";
    public const string Poll = "poll";
}

/// <summary>A stream a receiver registered, as the store keeps it.</summary>
internal sealed record SsfStream
{
    public required string StreamId { get; init; }

    /// <summary>The client (receiver) that owns it.</summary>
    public required string Client { get; init; }

    public required string Aud { get; init; }

    public required string DeliveryMethod { get; init; }

    /// <summary>Push: the receiver's endpoint. Poll: null (the transmitter's poll URL is derived from the stream id).</summary>
    public string? EndpointUrl { get; init; }

    /// <summary>Push: the Authorization header the receiver asked to be sent.</summary>
    public string? AuthorizationHeader { get; init; }

    /// <summary>The events the receiver asked for, as a JSON array.</summary>
    public required string EventsRequested { get; init; }

    public required string Status { get; init; }

    public string? Reason { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? VerifiedAt { get; init; }

    /// <summary>The outbox's receiver name for this stream.</summary>
    public string Receiver => ReceiverOf(StreamId);

    public string Delivery => DeliveryMethod == SsfDelivery.PollMethod ? SsfDelivery.Poll : SsfDelivery.Push;

    public IReadOnlyList<string> Requested() =>
        JsonNode.Parse(EventsRequested) is JsonArray list ? [.. list.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null).OfType<string>()] : [];

    /// <summary>What is delivered: the supported events the receiver asked for.</summary>
    public IReadOnlyList<string> Delivered() => [.. Requested().Where(SecurityEventTokens.Supported.Contains).Distinct()];

    public static string ReceiverOf(string streamId) => "stream:" + streamId;

    /// <summary>The stream id of an outbox receiver name, or null for a receiver fixed in configuration.</summary>
    public static string? StreamIdOf(string receiver) => receiver.StartsWith("stream:", StringComparison.Ordinal) ? receiver["stream:".Length..] : null;
}

/// <summary>
/// The streams receivers manage through the SSF API and the subjects they added to or removed from them. Subject
/// matching follows SSF 1.0 §8.1.3.1: simple subjects match when identical; complex subjects when every member both
/// define is identical.
/// </summary>
internal sealed class SsfStreamStore(IStore store)
{
    private const string Columns = """
        stream_id AS StreamId, client AS Client, aud AS Aud, delivery_method AS DeliveryMethod, endpoint_url AS EndpointUrl,
        authorization_header AS AuthorizationHeader, events_requested AS EventsRequested, status AS Status, reason AS Reason,
        description AS Description, created_at AS CreatedAt, updated_at AS UpdatedAt, verified_at AS VerifiedAt
        """;

    private const string InsertSql = """
        INSERT INTO responder_ssf_streams
            (stream_id, client, aud, delivery_method, endpoint_url, authorization_header, events_requested, status, reason, description, created_at, updated_at)
        VALUES
            (@StreamId, @Client, @Aud, @DeliveryMethod, @EndpointUrl, @AuthorizationHeader, @EventsRequested, @Status, @Reason, @Description, @CreatedAt, @UpdatedAt)
        """;

    private const string UpdateSql = """
        UPDATE responder_ssf_streams
        SET delivery_method = @DeliveryMethod, endpoint_url = @EndpointUrl, authorization_header = @AuthorizationHeader,
            events_requested = @EventsRequested, status = @Status, reason = @Reason, description = @Description, updated_at = @UpdatedAt
        WHERE stream_id = @StreamId AND client = @Client
        """;

    private const string VerifiedSql = "UPDATE responder_ssf_streams SET verified_at = @At WHERE stream_id = @StreamId";

    private const string GetSql = $"SELECT {Columns} FROM responder_ssf_streams WHERE stream_id = @StreamId";

    private const string ByClientSql = $"SELECT {Columns} FROM responder_ssf_streams WHERE client = @Client ORDER BY created_at, stream_id";

    private const string ActiveSql = $"SELECT {Columns} FROM responder_ssf_streams WHERE status <> 'disabled' ORDER BY created_at, stream_id";

    private const string DeleteSql = "DELETE FROM responder_ssf_streams WHERE stream_id = @StreamId AND client = @Client";

    private const string DeleteSubjectsSql = "DELETE FROM responder_ssf_stream_subjects WHERE stream_id = @StreamId";

    private const string UpsertSubjectSql = """
        INSERT INTO responder_ssf_stream_subjects (stream_id, subject_key, subject, included, updated_at)
        VALUES (@StreamId, @SubjectKey, @Subject, @Included, @UpdatedAt)
        ON CONFLICT (stream_id, subject_key) DO UPDATE SET included = excluded.included, updated_at = excluded.updated_at
        """;

    private const string SubjectsSql = """
        SELECT subject AS Subject, included AS Included FROM responder_ssf_stream_subjects WHERE stream_id = @StreamId
        """;

    public async Task CreateAsync(SsfStream stream, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, stream, cancellationToken: cancellationToken));
    }

    /// <summary>Saves the receiver-supplied fields and status; false when the client owns no such stream.</summary>
    public async Task<bool> UpdateAsync(SsfStream stream, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(UpdateSql, stream, cancellationToken: cancellationToken)) == 1;
    }

    public async Task MarkVerifiedAsync(string streamId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(VerifiedSql, new { StreamId = streamId, At = at }, cancellationToken: cancellationToken));
    }

    public async Task<SsfStream?> GetAsync(string streamId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<SsfStream>(new CommandDefinition(GetSql, new { StreamId = streamId }, cancellationToken: cancellationToken));
    }

    /// <summary>The client's stream, or null when it has none of that id (another client's stream is not revealed).</summary>
    public async Task<SsfStream?> GetOwnAsync(string client, string streamId, CancellationToken cancellationToken) =>
        await GetAsync(streamId, cancellationToken) is { } s && string.Equals(s.Client, client, StringComparison.Ordinal) ? s : null;

    public async Task<IReadOnlyList<SsfStream>> ForClientAsync(string client, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<SsfStream>(new CommandDefinition(ByClientSql, new { Client = client }, cancellationToken: cancellationToken))];
    }

    /// <summary>Streams that are enabled or paused (a paused stream holds its SETs until enabled).</summary>
    public async Task<IReadOnlyList<SsfStream>> ActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<SsfStream>(new CommandDefinition(ActiveSql, cancellationToken: cancellationToken))];
    }

    public async Task<bool> DeleteAsync(string client, string streamId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(DeleteSql, new { Client = client, StreamId = streamId }, transaction, cancellationToken: cancellationToken));
        if (deleted == 1)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeleteSubjectsSql, new { StreamId = streamId }, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted == 1;
    }

    /// <summary>Adds (<paramref name="included"/>) or removes a subject; a later call for the same subject replaces the earlier.</summary>
    public async Task SetSubjectAsync(string streamId, JsonObject subject, bool included, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            UpsertSubjectSql,
            new { StreamId = streamId, SubjectKey = SsfSubjects.Key(subject), Subject = subject.ToJsonString(), Included = included ? 1 : 0, UpdatedAt = now },
            cancellationToken: cancellationToken));
    }

    /// <summary>Whether the stream carries events about <paramref name="subject"/>, given its default and its added and removed subjects.</summary>
    public async Task<bool> CoversAsync(SsfStream stream, JsonObject subject, string defaultSubjects, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SubjectRow>(new CommandDefinition(SubjectsSql, new { StreamId = stream.StreamId }, cancellationToken: cancellationToken));
        var added = false;
        foreach (var row in rows)
        {
            if (JsonNode.Parse(row.Subject) is not JsonObject listed || !SsfSubjects.Matches(listed, subject))
            {
                continue;
            }

            if (row.Included == 0)
            {
                // A removed subject wins: the receiver asked not to hear about it.
                return false;
            }

            added = true;
        }

        return added || defaultSubjects == SharedSignalsOptions.All;
    }

    private sealed class SubjectRow
    {
        public string Subject { get; set; } = "";

        public long Included { get; set; }
    }
}

/// <summary>Subject identifiers (RFC 9493) as SSF 1.0 compares them.</summary>
internal static class SsfSubjects
{
    /// <summary>A stable key for a subject: its JSON with members in order, so equal subjects have equal keys.</summary>
    public static string Key(JsonObject subject) => Canonical(subject).ToJsonString();

    /// <summary>
    /// SSF 1.0 §8.1.3.1: simple subjects match when identical; complex subjects when, for every member, either side
    /// leaves it out or both are identical. A simple subject is compared with the same-format member of a complex one.
    /// </summary>
    public static bool Matches(JsonObject listed, JsonObject subject)
    {
        var listedComplex = Format(listed) == "complex";
        var subjectComplex = Format(subject) == "complex";
        if (!listedComplex && !subjectComplex)
        {
            return JsonNode.DeepEquals(Canonical(listed), Canonical(subject));
        }

        if (listedComplex && subjectComplex)
        {
            foreach (var (name, value) in listed)
            {
                if (name == "format" || value is null || subject[name] is not { } other)
                {
                    continue;
                }

                if (!JsonNode.DeepEquals(Canonical(value), Canonical(other)))
                {
                    return false;
                }
            }

            return true;
        }

        // One simple, one complex: the simple one names one member of the complex one.
        var (simple, complex) = listedComplex ? (subject, listed) : (listed, subject);
        return complex.Where(p => p.Key != "format" && p.Value is JsonObject).Any(p => JsonNode.DeepEquals(Canonical(p.Value!), Canonical(simple)));
    }

    /// <summary>The members each simple format of RFC 9493 §3.2 (and SSF 1.0 §3.2) requires, each a string.</summary>
    private static readonly Dictionary<string, string[]> SimpleFormats = new(StringComparer.Ordinal)
    {
        ["account"] = ["uri"],
        ["email"] = ["email"],
        ["iss_sub"] = ["iss", "sub"],
        ["opaque"] = ["id"],
        ["phone_number"] = ["phone_number"],
        ["did"] = ["url"],
        ["uri"] = ["uri"],
        ["jwt_id"] = ["iss", "jti"],
        ["saml_assertion_id"] = ["issuer", "assertion_id"],
    };

    /// <summary>The members of a complex subject (SSF 1.0 §3.3), each a simple subject.</summary>
    private static readonly string[] ComplexMembers = ["user", "device", "session", "application", "tenant", "org_unit", "group"];

    /// <summary>
    /// Adds to <paramref name="errors"/>, by its path, what makes <paramref name="node"/> no subject identifier a receiver
    /// may add or remove: not an object, no format, a format of RFC 9493 or SSF 1.0 without the members it requires (an
    /// <c>email</c> subject without its address would be kept and match nothing), an <c>aliases</c> without identifiers,
    /// a <c>complex</c> naming none of its members (it would match every complex subject). A format neither defines is
    /// kept and compared as written.
    /// </summary>
    public static void Check(JsonNode? node, string path, List<ItemError> errors, bool simple = false)
    {
        if (node is not JsonObject subject)
        {
            errors.Add(new ItemError(0, path, "must be a subject identifier (RFC 9493): an object with a format, e.g. {\"format\":\"email\",\"email\":\"…\"}"));
            return;
        }

        if (Format(subject) is not { Length: > 0 } format)
        {
            errors.Add(new ItemError(0, path + ".format", "is required: a string naming the subject identifier's format (RFC 9493), e.g. email or iss_sub"));
            return;
        }

        if (SimpleFormats.TryGetValue(format, out var members))
        {
            foreach (var member in members)
            {
                if (subject[member] is not JsonValue value || !value.TryGetValue<string>(out var text) || string.IsNullOrWhiteSpace(text))
                {
                    errors.Add(new ItemError(0, $"{path}.{member}", $"is required for format {format}: a string"));
                }
                else if (format == "account" && !text.StartsWith("acct:", StringComparison.Ordinal))
                {
                    errors.Add(new ItemError(0, $"{path}.{member}", "must be an acct: URI (RFC 7565)"));
                }
            }
        }
        else if (format is "aliases" or "complex" && simple)
        {
            errors.Add(new ItemError(0, path + ".format", $"must be a simple format here: {format} does not nest"));
        }
        else if (format == "aliases")
        {
            if (subject["identifiers"] is not JsonArray identifiers || identifiers.Count == 0)
            {
                errors.Add(new ItemError(0, path + ".identifiers", "must be a non-empty array of subject identifiers"));
                return;
            }

            for (var i = 0; i < identifiers.Count; i++)
            {
                Check(identifiers[i], $"{path}.identifiers[{i}]", errors, simple: true);
            }
        }
        else if (format == "complex")
        {
            var named = ComplexMembers.Where(m => subject[m] is not null).ToList();
            if (named.Count == 0)
            {
                errors.Add(new ItemError(0, path, $"is a complex subject naming none of {string.Join(", ", ComplexMembers)}"));
            }

            foreach (var member in named)
            {
                Check(subject[member], $"{path}.{member}", errors, simple: true);
            }
        }
    }

    private static string? Format(JsonObject subject) => subject["format"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static JsonNode Canonical(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Canonical(x))]),
        _ => node.DeepClone(),
    };
}
