namespace ZtStream.Responder.Console.SignIn;

/// <summary>
/// Console sessions kept in the store: the cookie carries only a random session key, the claims stay here. Signing out
/// deletes the row, so a copied cookie ends with the session; a session past its expiry is gone for every Responder
/// sharing the store, whatever the cookie says, and so is one signed in longer ago than
/// <see cref="ConsoleSsoOptions.MaxSessionLifetime"/>, however active; one signed in by a clock that has since stepped
/// back counts as signed in when it is next used. An admin ends every session of a user at once.
/// </summary>
internal sealed class ConsoleSessionStore(IStore store, TimeProvider time, IOptions<ConsoleSsoOptions> sso) : ITicketStore
{
    public Task<string> StoreAsync(AuthenticationTicket ticket) => this.StoreAsync(ticket, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket) => this.RenewAsync(key, ticket, CancellationToken.None);

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => this.RetrieveAsync(key, CancellationToken.None);

    public Task RemoveAsync(string key) => this.RemoveAsync(key, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await using var connection = await store.OpenAsync(cancellationToken);
        // Sessions nobody signed out of leave here once expired: the sign-in that adds a row removes the stale ones.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM responder_console_sessions WHERE expires_at <= @Now",
            new { Now = now.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO responder_console_sessions (id, name, ticket, created_at, expires_at)
            VALUES (@Id, @Name, @Ticket, @CreatedAt, @ExpiresAt)
            """,
            new
            {
                Id = key,
                Name = ticket.Principal.Identity?.Name ?? "unknown",
                Ticket = Convert.ToBase64String(TicketSerializer.Default.Serialize(ticket)),
                CreatedAt = now.ToUnixTimeMilliseconds(),
                ExpiresAt = this.ExpiresAt(ticket),
            },
            cancellationToken: cancellationToken));
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE responder_console_sessions SET ticket = @Ticket, expires_at = @ExpiresAt WHERE id = @Id AND expires_at > @Now",
            new
            {
                Id = key,
                Ticket = Convert.ToBase64String(TicketSerializer.Default.Serialize(ticket)),
                ExpiresAt = this.ExpiresAt(ticket),
                Now = time.GetUtcNow().ToUnixTimeMilliseconds(),
            },
            cancellationToken: cancellationToken));
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var live = this.Live(new { Id = key });
        var row = await connection.QuerySingleOrDefaultAsync<(string Ticket, long CreatedAt)?>(new CommandDefinition(
            "SELECT ticket, created_at FROM responder_console_sessions WHERE id = @Id AND expires_at > @Now AND created_at > @Oldest",
            live,
            cancellationToken: cancellationToken));
        if (row is not { } session)
        {
            return null;
        }

        // Signed in "later" than now: dated by a clock that has since stepped back (NTP, a VM resumed from a snapshot).
        // Its true age is unknown, so it counts as signed in now: kept alive by the step would be as long as the step
        // was, days or years; signed out by it would be everyone who signed in within a step of minutes.
        var now = live.Get<long>("Now");
        if (session.CreatedAt > now)
        {
            var latest = now + (long)sso.Value.SessionLifetime.TotalMilliseconds;
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE responder_console_sessions
                SET created_at = @Now, expires_at = CASE WHEN expires_at > @Latest THEN @Latest ELSE expires_at END
                WHERE id = @Id AND created_at > @Now
                """,
                new { Id = key, Now = now, Latest = latest },
                cancellationToken: cancellationToken));
        }

        return TicketSerializer.Default.Deserialize(Convert.FromBase64String(session.Ticket));
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM responder_console_sessions WHERE id = @Id", new { Id = key }, cancellationToken: cancellationToken));
    }

    /// <summary>The live sessions (no keys: a listing is not a way in), oldest sign-in first.</summary>
    public async Task<IReadOnlyList<ConsoleSessionView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, long CreatedAt, long ExpiresAt)>(new CommandDefinition(
            """
            SELECT name, created_at, expires_at FROM responder_console_sessions
            WHERE expires_at > @Now AND created_at > @Oldest ORDER BY created_at, name
            """,
            this.Live(new { }),
            cancellationToken: cancellationToken));
        var max = sso.Value.MaxSessionLifetime;
        return rows.Select(r => new ConsoleSessionView(
            r.Name,
            DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(r.ExpiresAt, r.CreatedAt + (long)max.TotalMilliseconds)))).ToList();
    }

    /// <summary>Ends every session of <paramref name="name"/>; how many there were.</summary>
    public async Task<int> EndAllAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM responder_console_sessions WHERE name = @Name", new { Name = name }, cancellationToken: cancellationToken));
    }

    /// <summary><paramref name="parameters"/> with the bounds of a live session: expiry after now, sign-in within the maximum.</summary>
    private DynamicParameters Live(object parameters)
    {
        var now = time.GetUtcNow();
        var live = new DynamicParameters(parameters);
        live.Add("Now", now.ToUnixTimeMilliseconds());
        live.Add("Oldest", (now - sso.Value.MaxSessionLifetime).ToUnixTimeMilliseconds());
        return live;
    }

    /// <summary>The cookie handler's expiry (sliding), or the configured lifetime from now where it set none.</summary>
    private long ExpiresAt(AuthenticationTicket ticket) =>
        (ticket.Properties.ExpiresUtc ?? time.GetUtcNow() + sso.Value.SessionLifetime).ToUnixTimeMilliseconds();
}
