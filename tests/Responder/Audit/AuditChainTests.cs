using ZtStream.TestSupport.Cli;

namespace ZtStream.Responder.Tests.Audit;

/// <summary>
/// The audit trail's hash chain, through <c>ztstream audit verify</c> as an operator runs it, against a store tampered
/// with as someone with the database's keys would: guards switched off (SQLite: triggers dropped; PostgreSQL: triggers
/// disabled, as a superuser can), then a row edited, deleted, the trail cut short, or the table truncated.
/// </summary>
public abstract class AuditChainContractTests : IAsyncLifetime
{
    private readonly TempFolder folder = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    private protected IStore Store { get; private set; } = null!;

    protected Dictionary<string, string?> StoreSettings { get; } = [];

    protected string Folder => folder.Path;

    protected abstract Task<Dictionary<string, string?>> CreateStoreSettingsAsync();

    /// <summary>Switches the append-only guards off, as an attacker with the database's owner rights would.</summary>
    protected abstract Task DisableGuardsAsync(System.Data.Common.DbConnection connection);

    /// <summary>Empties the audit table the fastest way the dialect has.</summary>
    protected abstract string TruncateAudit { get; }

    public async ValueTask InitializeAsync()
    {
        foreach (var (k, v) in await CreateStoreSettingsAsync())
        {
            StoreSettings[k] = v;
        }

        // The command migrates the store it opens, as it would a store a Responder never ran against.
        Assert.Equal(0, (await VerifyAsync()).Code);
        Store = StoreServiceCollectionExtensions.CreateStore(new ConfigurationBuilder().AddInMemoryCollection(StoreSettings).Build()
            .GetSection("Store").Get<ZtStream.Platform.Options.StoreOptions>()!);
        var audit = new AuditLog(Store, time);
        for (var i = 1; i <= 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await audit.AppendAsync("action.decided", $"policy:rule-{i}", $"entry {i}", Ct,
                actionId: $"act-{i}", alertId: i % 2 == 0 ? $"alt-{i}" : null, principal: "alice", afterJson: $$"""{"n":{{i}}}""");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        folder.Dispose();
    }

    [Fact]
    public async Task Verify_UntouchedTrail_IntactWithHeadThatAnchorsTheNextRun()
    {
        var (code, output) = await VerifyAsync();

        Assert.Equal(0, code);
        Assert.Contains("intact: 5 row(s) chained", output, StringComparison.Ordinal);
        var head = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        Assert.StartsWith("head 5:", head, StringComparison.Ordinal);
        Assert.Equal(0, (await VerifyAsync("--head", head["head ".Length..])).Code);
        Assert.Equal(2, (await VerifyAsync("--head", "5:not-a-hash")).Code);
    }

    [Fact]
    public async Task Verify_EditedRow_NamesItAsTheFirstBrokenLink()
    {
        await TamperAsync("UPDATE responder_audit SET summary = 'nothing happened' WHERE seq = 3");

        await AssertBrokenAsync("after 2 intact row(s)", "row seq 3 (id ", "changed after it was written");
    }

    [Fact]
    public async Task Verify_RowEditedWithItsHashRecomputed_BreaksTheNextLink()
    {
        // Whoever edits row 2 and writes a matching hash for it still leaves row 3 pointing at the old hash.
        await using (var connection = await Store.OpenAsync(Ct))
        {
            var row = await connection.QuerySingleAsync<(long At, string PrevHash)>("SELECT at, prev_hash FROM responder_audit WHERE seq = 2");
            var forged = AuditChain.Hash(row.PrevHash, 2, row.At, "action.decided", "policy:rule-2", "act-2", "alt-2", "alice", "forged", null, """{"n":2}""");
            await DisableGuardsAsync(connection);
            await connection.ExecuteAsync("UPDATE responder_audit SET summary = 'forged', hash = @forged WHERE seq = 2", new { forged });
        }

        await AssertBrokenAsync("row seq 3 (id ", "does not follow row seq 2");
    }

    [Fact]
    public async Task Verify_DeletedRow_NamesTheGap()
    {
        await TamperAsync("DELETE FROM responder_audit WHERE seq = 2");

        await AssertBrokenAsync("row seq 2 is missing", "next row present is seq 3");
    }

    [Fact]
    public async Task Verify_TrailCutShort_TheHeadShowsTheMissingRows()
    {
        await TamperAsync("DELETE FROM responder_audit WHERE seq >= 4");

        await AssertBrokenAsync("rows seq 4–5 are missing");
    }

    [Fact]
    public async Task Verify_TableTruncated_Detected()
    {
        await TamperAsync(TruncateAudit);

        await AssertBrokenAsync("holds no chained rows but its head records 5");
    }

    [Fact]
    public async Task Verify_TrailAndHeadBothReset_OnlyAnAnchorKeptElsewhereTellsIt()
    {
        var head = (await VerifyAsync()).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim()["head ".Length..];
        await TamperAsync(TruncateAudit, $"UPDATE responder_audit_head SET seq = 0, hash = '{AuditChain.Genesis}'");

        Assert.Equal(0, (await VerifyAsync()).Code);
        var (code, output) = await VerifyAsync("--head", head);

        Assert.Equal(1, code);
        Assert.Contains("anchored row seq 5 is gone", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guards_RefuseEditDeleteAndMovingTheHeadBack()
    {
        await using var connection = await Store.OpenAsync(Ct);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("UPDATE responder_audit SET summary = 'x' WHERE seq = 1"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("DELETE FROM responder_audit"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("UPDATE responder_audit_head SET seq = 0"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("DELETE FROM responder_audit_head"));
        Assert.Equal(0, (await VerifyAsync()).Code);
    }

    protected async Task TamperAsync(params string[] statements)
    {
        await using var connection = await Store.OpenAsync(Ct);
        await DisableGuardsAsync(connection);
        foreach (var sql in statements)
        {
            await connection.ExecuteAsync(sql);
        }
    }

    /// <summary>Verification exits 1 and its report names each of <paramref name="findings"/>.</summary>
    protected async Task AssertBrokenAsync(params string[] findings)
    {
        var (code, output) = await VerifyAsync();
        Assert.Equal(1, code);
        ProblemList.AssertNames([output], findings);
    }

    protected async Task<(int Code, string Output)> VerifyAsync(params string[] extra)
    {
        var (code, output, error) = await CommandRun.RunAsync(new AuditCommand(), StoreSettings, ["verify", .. extra], time);
        return (code, output + error);
    }
}

public sealed class SqliteAuditChainTests : AuditChainContractTests
{
    protected override string TruncateAudit => "DELETE FROM responder_audit";

    protected override Task<Dictionary<string, string?>> CreateStoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>
    {
        ["Store:Kind"] = "sqlite",
        ["Store:ConnectionString"] = Path.Combine(Folder, "audit.db"),
    });

    protected override async Task DisableGuardsAsync(System.Data.Common.DbConnection connection)
    {
        // SQLite cannot switch a trigger off; whoever holds the file drops it.
        foreach (var trigger in new[] { "responder_audit_no_update", "responder_audit_no_delete", "responder_audit_head_forward", "responder_audit_head_no_delete" })
        {
            await connection.ExecuteAsync($"DROP TRIGGER IF EXISTS {trigger}");
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void DatabaseFile_CreatedReadableByItsOwnerOnly()
    {
        var mode = File.GetUnixFileMode(Path.Combine(Folder, "audit.db"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        foreach (var sidecar in new[] { "-wal", "-shm" }.Select(s => Path.Combine(Folder, "audit.db" + s)).Where(File.Exists))
        {
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(sidecar) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        }
    }
}

public sealed class PostgresAuditChainTests(PostgresFixture postgres) : AuditChainContractTests
{
    protected override string TruncateAudit => "TRUNCATE responder_audit";

    protected override Task<Dictionary<string, string?>> CreateStoreSettingsAsync() => postgres.CreateStoreSettingsAsync(Ct);

    protected override Task DisableGuardsAsync(System.Data.Common.DbConnection connection) =>
        // A superuser's way past every trigger of the session: replica mode fires none.
        connection.ExecuteAsync("SET session_replication_role = replica");

    [Fact]
    public async Task Guards_RefuseTruncate()
    {
        await using var connection = await Store.OpenAsync(Ct);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("TRUNCATE responder_audit"));
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("TRUNCATE responder_audit_head"));
    }
}
