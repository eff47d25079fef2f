using ZtStream.Platform.Options;
using ZtStream.Platform.Store;
using ZtStream.Platform.Store.Migrations;

namespace ZtStream.TestSupport.Services;

/// <summary>
/// A store as a component's tests start from it: made from its options as the host makes it, then migrated by the
/// sources given (a component's migrations, or those up to a version for a test of the next one), as the host's start does.
/// </summary>
internal static class MigratedStores
{
    /// <summary>The store of <paramref name="options"/>, with the migrations of <paramref name="sources"/> applied.</summary>
    public static async Task<IStore> CreateAsync(StoreOptions options, params IMigrationSource[] sources)
    {
        var store = StoreServiceCollectionExtensions.CreateStore(options);
        await MigrateAsync(store, sources);
        return store;
    }

    /// <summary>Applies the migrations of <paramref name="sources"/> that <paramref name="store"/> does not have yet.</summary>
    public static Task MigrateAsync(IStore store, params IMigrationSource[] sources) =>
        new StoreMigrator(store, sources).MigrateAsync(TestCancellation.Ct);
}
