namespace ZtStream.Responder.Api;

/// <summary>The first answer to a request sent with an <c>Idempotency-Key</c>, as it was written.</summary>
internal sealed record IdempotentAnswer(int Status, string? ContentType, byte[] Body);

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

internal sealed record IdempotencyClaim(IdempotencyClaimOutcome Outcome, string? ClaimId = null, IdempotentAnswer? Answer = null);

/// <summary>
/// The idempotency keys of the creating POSTs (<see cref="IdempotentRequests"/>), per caller, in the store every replica
/// shares: a key is claimed by inserting its row (the primary key decides between replicas), completed with the answer,
/// or released when the answer created nothing. A completed key answers again for <see cref="Lifetime"/>; a claim no
/// answer followed (the process died) holds the key for <see cref="ClaimLease"/>. Expired rows leave as new keys come, and
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

        // A row that expires or is released between the insert and the read is gone, not another's: claim again.
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var claimId = Guid.NewGuid().ToString("N");
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM responder_idempotency_keys WHERE expires_at <= @Now", new { Now = now }, cancellationToken: cancellationToken));
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO responder_idempotency_keys (caller, idempotency_key, fingerprint, claim, created_at, expires_at)
                VALUES (@Caller, @Key, @Fingerprint, @Claim, @Now, @ExpiresAt)
                ON CONFLICT (caller, idempotency_key) DO NOTHING
                """,
                new { Caller = caller, Key = key, Fingerprint = fingerprint, Claim = claimId, Now = now, ExpiresAt = now + (long)ClaimLease.TotalMilliseconds },
                cancellationToken: cancellationToken));
            if (inserted == 1)
            {
                await TrimAsync(connection, caller, cancellationToken);
                return new IdempotencyClaim(IdempotencyClaimOutcome.Claimed, claimId);
            }

            var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                """
                SELECT fingerprint AS Fingerprint, status AS Status, content_type AS ContentType, body AS Body
                FROM responder_idempotency_keys WHERE caller = @Caller AND idempotency_key = @Key AND expires_at > @Now
                """,
                new { Caller = caller, Key = key, Now = now },
                cancellationToken: cancellationToken));
            if (row is null && attempt < 2)
            {
                continue;
            }

            return row switch
            {
                null => new IdempotencyClaim(IdempotencyClaimOutcome.InUse),
                _ when row.Fingerprint != fingerprint => new IdempotencyClaim(IdempotencyClaimOutcome.OtherRequest),
                { Status: null } => new IdempotencyClaim(IdempotencyClaimOutcome.InUse),
                _ => new IdempotencyClaim(IdempotencyClaimOutcome.Answered, Answer: new IdempotentAnswer((int)row.Status.Value, row.ContentType, row.Body ?? [])),
            };
        }
    }

    /// <summary>Keeps <paramref name="answer"/> as the key's answer for <see cref="Lifetime"/> from now.</summary>
    public async Task CompleteAsync(string caller, string key, string claimId, IdempotentAnswer answer, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE responder_idempotency_keys SET status = @Status, content_type = @ContentType, body = @Body, expires_at = @ExpiresAt
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
        public long? Status { get; set; }
        public string? ContentType { get; set; }
        public byte[]? Body { get; set; }
    }
}
