namespace ZtStream.Platform.Hosting;

/// <summary>
/// The store a command works on without a host (<c>sources</c>, <c>audit verify</c>): the one section <c>Store</c> of
/// the merged configuration names, validated as <c>run</c> would, migrated with the command's component migrations,
/// and closed when the command is done.
/// </summary>
internal static class CliStore
{
    public static async Task<int> RunAsync(
        CliContext context, IEnumerable<IMigrationSource> migrations, Func<IStore, CancellationToken, Task<int>> verb, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(verb);
        var storeOptions = context.Configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var problems = StoreOptionsValidator.Validate(storeOptions);
        if (problems.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        IStore? store = null;
        try
        {
            store = StoreServiceCollectionExtensions.CreateStore(storeOptions);
            await new StoreMigrator(store, migrations, context.Time).MigrateAsync(cancellationToken);
            return await verb(store, cancellationToken);
        }
        catch (Exception e) when (e is StorageUnusableException or StoreMigrationException)
        {
            await context.ErrorAsync(e.Message);
            return 1;
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }
}
