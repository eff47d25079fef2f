namespace ZtStream.Responder.Api;

/// <summary>
/// The first answer to a request sent with an <c>Idempotency-Key</c>, as it was written: with the <c>Location</c> of what
/// it made (<see cref="Locations"/>; null in an answer kept before answers had one, replayed as it was).
/// </summary>
internal sealed record IdempotentAnswer(int Status, string? ContentType, byte[] Body, string? Location = null);

internal enum IdempotencyClaimOutcome
{
    /// <summary>The key is this request's now: run it, then complete or release the claim.</summary>
    Claimed,

    /// <summary>The same request was answered before: answer <see cref="IdempotencyClaim.Answer"/> again.</summary>
    Answered,

    /// <summary>The same request holds the key and has not been answered yet.</summary>
    InUse,

    /// <summary>The key was used for another request (method, path or body differ).</summary>
    OtherRequest,
}

/// <param name="RequestId">
/// With <see cref="IdempotencyClaimOutcome.Claimed"/>: the id of the request the key names, the same for every run of it
/// (<see cref="IdempotencyKeys.RequestIdOf"/>), from which the endpoint derives what it makes.
/// </param>
internal sealed record IdempotencyClaim(IdempotencyClaimOutcome Outcome, string? ClaimId = null, IdempotentAnswer? Answer = null, Guid? RequestId = null);

/// <summary>
/// The idempotency keys of the creating POSTs (<see cref="IdempotentRequests"/>), per caller, in the store every replica
/// shares: a key is claimed by inserting its row (the primary key decides between replicas), completed with the answer,
/// or released when the answer created nothing. A completed key answers again for <see cref="Lifetime"/>; a claim no
/// answer followed (the process died) holds the key for <see cref="ClaimLease"/>, and then the same request takes the
/// claim over and runs again under the same <see cref="IdempotencyClaim.RequestId"/>, so it meets what the first run made
/// instead of making it twice; another request with the key stays refused. Expired rows leave as new keys come, and
/// a caller keeps at most <see cref="MaxPerCaller"/> answered keys, the oldest going first, so the table cannot grow
/// without bound whatever a caller sends.
/// </summary>
internal sealed class IdempotencyKeys(IStore store, TimeProvider time)
{
    /// <summary>How long a key answers the first answer again, counted from that answer.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>How long a claim holds a key without an answer: far longer than a creating request takes.</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(5);

    /// <summary>The most answered keys one caller keeps; past it the oldest is forgotten.</summary>
    public int MaxPerCaller { get; init; } = 10_000;

    public async Task<IdempotencyClaim> ClaimAsync(string caller, string key, string fingerprint, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);

        // A row that expires or is released between the insert and the read is gone, not another's, and a lease taken over
        // between the read and the update is another's now: claim again.
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var claimId = Guid.NewGuid().ToString("N");
            var lease = now + (long)ClaimLease.TotalMilliseconds;
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM responder_idempotency_keys WHERE expires_at <= @Now", new { Now = now }, cancellationToken: cancellationToken));

            // The row lives for the key's lifetime even unanswered: a crashed run's retry must find the time it was claimed.
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO responder_idempotency_keys (caller, idempotency_key, fingerprint, claim, created_at, expires_at, lease_until)
                VALUES (@Caller, @Key, @Fingerprint, @Claim, @Now, @ExpiresAt, @Lease)
                ON CONFLICT (caller, idempotency_key) DO NOTHING
                """,
                new { Caller = caller, Key = key, Fingerprint = fingerprint, Claim = claimId, Now = now, ExpiresAt = now + (long)Lifetime.TotalMilliseconds, Lease = lease },
                cancellationToken: cancellationToken));
            if (inserted == 1)
            {
                await TrimAsync(connection, caller, cancellationToken);
                return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed, claimId, RequestId: RequestIdOf(caller, key, fingerprint, now));
            }

            // A row written before lease_until was its claim's lease in expires_at.
            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                """
                SELECT fingerprint AS Fingerprint, claim AS Claim, status AS Status, content_type AS ContentType, body AS Body,
                       location AS Location, created_at AS CreatedAt, COALESCE(lease_until, expires_at) AS LeaseUntil
                FROM responder_idempotency_keys WHERE caller = @Caller AND idempotency_key = @Key AND expires_at > @Now
                """,
                new { Caller = caller, Key = key, Now = now },
                cancellationToken: cancellationToken));
            // A lease further ahead than any claim sets (a lease of margin for the skew between replicas' clocks) was
            // left by a wall-clock step back, or a replica whose clock ran ahead: waiting it out would refuse the
            // request's retries for the length of the step, so it counts as ended, as an SSF jti claim does.
            if (row is { Status: null } && row.Fingerprint == fingerprint && (row.LeaseUntil <= now || row.LeaseUntil > lease + (long)ClaimLease.TotalMilliseconds))
            {
                // The run that held it died unanswered. Only one retry takes it over, on any replica: the update is
                // decided on the claim read.
                var taken = await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE responder_idempotency_keys SET claim = @Claim, lease_until = @Lease
                    WHERE caller = @Caller AND idempotency_key = @Key AND claim = @Was AND status IS NULL
                    """,
                    new { Caller = caller, Key = key, Claim = claimId, Lease = lease, Was = row.Claim },
                    cancellationToken: cancellationToken));
                if (taken == 1)
                {
                    return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed, claimId, RequestId: RequestIdOf(caller, key, fingerprint, row.CreatedAt));
                }

                row = null;
            }

            if (row is null && attempt < 2)
            {
                continue;
            }

            return row switch
            {
                null => new IdempotencyClaim(IdempotencyClaimOutcome.InUse),
                _ when row.Fingerprint != fingerprint => new IdempotencyClaim(IdempotencyClaimOutcome.OtherRequest),
                { Status: null } => new IdempotencyClaim(IdempotencyClaimOutcome.InUse),
                _ => new IdempotencyClaim(IdempotencyClaimOutcome.Answered, Answer: new IdempotentAnswer((int)row.Status.Value, row.ContentType, row.Body ?? [], row.Location)),
            };
        }
    }

    /// <summary>
    /// The id of the request a key names: a name-based UUID (RFC 9562 version 8, over SHA-256) of the caller, the key, the
    /// request's fingerprint and when the key was first claimed. Every run of the request has it, on any replica; the same
    /// key claimed again after it expired or was given up names a new request, and so a new id (with another request,
    /// another id even within the same millisecond).
    /// </summary>
    public static Guid RequestIdOf(string caller, string key, string fingerprint, long claimedAt)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{caller}\n{key}\n{fingerprint}\n{claimedAt.ToString(CultureInfo.InvariantCulture)}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>Keeps <paramref name="answer"/> as the key's answer for <see cref="Lifetime"/> from now.</summary>
    public async Task CompleteAsync(string caller, string key, string claimId, IdempotentAnswer answer, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE responder_idempotency_keys SET status = @Status, content_type = @ContentType, body = @Body, location = @Location,
                expires_at = @ExpiresAt
            WHERE caller = @Caller AND idempotency_key = @Key AND claim = @Claim
            """,
            new
            {
                Caller = caller,
                Key = key,
                Claim = claimId,
                answer.Status,
                answer.ContentType,
                answer.Body,
                answer.Location,
                ExpiresAt = (time.GetUtcNow() + Lifetime).ToUnixTimeMilliseconds(),
            },
            cancellationToken: cancellationToken));
    }

    /// <summary>Gives the key up: the request created nothing, so the same key may be sent again with any request.</summary>
    public async Task ReleaseAsync(string caller, string key, string claimId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM responder_idempotency_keys WHERE caller = @Caller AND idempotency_key = @Key AND claim = @Claim AND status IS NULL",
            new { Caller = caller, Key = key, Claim = claimId },
            cancellationToken: cancellationToken));
    }

    /// <summary>Forgets <paramref name="caller"/>'s oldest answered keys beyond <see cref="MaxPerCaller"/>.</summary>
    private async Task TrimAsync(DbConnection connection, string caller, CancellationToken cancellationToken)
    {
        var count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM responder_idempotency_keys WHERE caller = @Caller", new { Caller = caller }, cancellationToken: cancellationToken));
        if (count <= MaxPerCaller)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM responder_idempotency_keys WHERE caller = @Caller AND idempotency_key IN (
                SELECT idempotency_key FROM responder_idempotency_keys WHERE caller = @Caller AND status IS NOT NULL
                ORDER BY created_at, idempotency_key LIMIT @Excess)
            """,
            new { Caller = caller, Excess = count - MaxPerCaller },
            cancellationToken: cancellationToken));
    }

    private sealed class Row
    {
        public string Fingerprint { get; set; } = "";
        public string Claim { get; set; } = "";
        public long CreatedAt { get; set; }
        public long LeaseUntil { get; set; }
        public long? Status { get; set; }
        public string? ContentType { get; set; }
        public byte[]? Body { get; set; }
        public string? Location { get; set; }
    }
}
