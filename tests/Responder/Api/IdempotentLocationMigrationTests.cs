using ZtStream.Responder.Api;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// Responder migration 15 keeps the <c>Location</c> of an idempotent request's answer. An answer kept before it (at
/// schema 14: status, media type and body) is still answered to a repeat, as it was first answered: without a Location.
/// In both dialects.
/// </summary>
public abstract class IdempotentLocationMigrationTests
{
    private protected abstract Task<StoreOptions> CreateDatabaseAsync();

    [Fact]
    public async Task AnswerKeptBeforeMigration15_IsStillReplayed_WithoutALocation_AndOneKeptAfterWithIt()
    {
        var store = await MigratedStores.CreateAsync(await CreateDatabaseAsync(), new ResponderMigrationsUpTo(14));
        var keys = new IdempotencyKeys(store, TimeProvider.System);
        var before = await keys.ClaimAsync("token:rex", "before", "f1", Ct);
        // The answer as schema 14 kept it: no location column yet.
        await using (var connection = await store.OpenAsync(Ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE responder_idempotency_keys SET status = 202, content_type = 'application/json', body = @Body WHERE claim = @Claim",
                new { Body = "{\"id\":\"kept-before\"}"u8.ToArray(), Claim = before.ClaimId },
                cancellationToken: Ct));
        }

        await MigratedStores.MigrateAsync(store, new ResponderMigrations());

        var replay = await keys.ClaimAsync("token:rex", "before", "f1", Ct);
        Assert.Equal(IdempotencyClaimOutcome.Answered, replay.Outcome);
        Assert.Equal((202, "application/json", "{\"id\":\"kept-before\"}", (string?)null),
            (replay.Answer!.Status, replay.Answer.ContentType, Encoding.UTF8.GetString(replay.Answer.Body), replay.Answer.Location));

        var after = await keys.ClaimAsync("token:rex", "after", "f2", Ct);
        await keys.CompleteAsync("token:rex", "after", after.ClaimId!, new IdempotentAnswer(201, "application/json", [], "/v1/suppressions/sup-1"), Ct);
        Assert.Equal("/v1/suppressions/sup-1", (await keys.ClaimAsync("token:rex", "after", "f2", Ct)).Answer!.Location);
    }
}

public sealed class SqliteIdempotentLocationMigrationTests(SqliteFiles files) : IdempotentLocationMigrationTests, IClassFixture<SqliteFiles>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => Task.FromResult(files.NewStore());
}

public sealed class PostgresIdempotentLocationMigrationTests(PostgresFixture postgres) : IdempotentLocationMigrationTests, IClassFixture<PostgresFixture>
{
    private protected override Task<StoreOptions> CreateDatabaseAsync() => postgres.CreateStoreAsync(Ct);
}
