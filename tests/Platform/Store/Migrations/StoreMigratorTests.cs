using Microsoft.Extensions.Logging;

namespace ZtStream.Platform.Tests.Store.Migrations;

/// <summary>
/// The migrator's own rules, on the embedded SQLite store. What it must do on both dialects (order, idempotence,
/// renames, failures, concurrent starts) is in the store contract suite.
/// </summary>
public sealed class StoreMigratorTests : IDisposable
{
    private readonly TempFolder temp = new("zt-migrator-");

    [Fact]
    public void Planned_SourcesInAnyOrder_AreOrderedByComponentThenVersion()
    {
        var migrator = new StoreMigrator(Store(), [Source(M("verifier", 2), M("ingest", 1)), Source(M("verifier", 1), M("ingest", 10), M("ingest", 2))]);

        Assert.Equal(["ingest 1", "ingest 2", "ingest 10", "verifier 1", "verifier 2"], migrator.Planned().Select(m => $"{m.Component} {m.Version}"));
    }

    [Fact]
    public void Planned_MalformedMigrations_ListsEveryProblemAtOnce()
    {
        var migrator = new StoreMigrator(Store(), [Source(M("", 1), M("ingest", 0), M("ingest", 1) with { Name = " " })]);

        var error = Assert.Throws<StoreMigrationException>(migrator.Planned);
        Assert.Contains("has no component", error.Message, StringComparison.Ordinal);
        Assert.Contains("versions start at 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("has no name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_RecordsWhenEachMigrationWasApplied_FromTheClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var store = Store();
        await new StoreMigrator(store, [Source(M("ingest", 1))], time).MigrateAsync(Ct);
        time.Advance(TimeSpan.FromDays(2));

        await new StoreMigrator(store, [Source(M("ingest", 1), M("ingest", 2))], time).MigrateAsync(Ct);

        var applied = await new StoreMigrator(store, [], time).ReadAppliedAsync(Ct);
        Assert.Equal(
            [("ingest", 1L, new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)), ("ingest", 2L, new DateTimeOffset(2026, 3, 3, 12, 0, 0, TimeSpan.Zero))],
            applied.Select(a => (a.Component, a.Version, a.AppliedAt)));
    }

    /// <summary>
    /// A newer version of a component this process migrates is worth a warning; a component it does not run at all (a
    /// role of another process on the same store, a driver this configuration leaves off) was not written by a newer
    /// ZtStream, and saying so at every start would send an operator looking for a downgrade that never happened.
    /// </summary>
    [Fact]
    public async Task Migrate_RecordedMigrationsItDoesNotKnow_WarnsOnlyOfNewerVersionsOfItsOwnComponents()
    {
        var store = Store();
        await new StoreMigrator(store, [Source(M("ingest", 1), M("ingest", 2), M("driver", 1))]).MigrateAsync(Ct);
        using var log = new ZtStream.TestSupport.Logging.CapturedLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));

        await new StoreMigrator(store, [Source(M("ingest", 1))], logger: factory.CreateLogger<StoreMigrator>()).MigrateAsync(Ct);

        var warnings = log.Lines.Where(l => l.Id.Id == 2003).Select(l => l.Message).ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains("ingest 2", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_NoSources_CreatesOnlyTheBookkeepingAndAppliesNothing()
    {
        var store = Store();

        var applied = await new StoreMigrator(store, []).MigrateAsync(Ct);

        Assert.Empty(applied);
        Assert.Empty(await new StoreMigrator(store, []).ReadAppliedAsync(Ct));
    }

    public void Dispose()
    {
        temp.Dispose();
    }

    private IStore Store() => StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = Path.Combine(temp.Path, $"{Guid.NewGuid():N}.db") });

    private static Migration M(string component, int version)
    {
        var table = $"zt_{(component.Length == 0 ? "none" : component)}_{version}";
        return new Migration(component, version, $"{component}-{version}", $"CREATE TABLE {table} (id INTEGER);", $"CREATE TABLE {table} (id integer);");
    }

    private static IMigrationSource Source(params Migration[] migrations) => new ListSource(migrations);

    private sealed class ListSource(IEnumerable<Migration> migrations) : IMigrationSource
    {
        public IEnumerable<Migration> Migrations { get; } = [.. migrations];
    }
}
