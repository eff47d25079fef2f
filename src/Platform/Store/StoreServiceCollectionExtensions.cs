using ZtStream.Platform.Store.Postgres;

namespace ZtStream.Platform.Store;

internal static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates section <c>Store</c>, registers the <see cref="IStore"/> singleton it names, a
    /// <see cref="StoreMigrator"/> (for commands that need the store without the host) and a hosted service
    /// that migrates before any other hosted service starts. Components add their <see cref="IMigrationSource"/>s
    /// with <see cref="ServiceRegistration.AddMigrations{TSource}"/>.
    /// </summary>
    internal static IServiceCollection AddStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<StoreOptions, StoreOptionsValidator>(configuration.GetSection(StoreOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStore>(sp => CreateStore(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value,
            sp.GetService<ILoggerFactory>()?.CreateLogger("ZtStream.Platform.Store")));
        services.TryAddSingleton<StoreMigrator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StoreMigrationService>());
        return services;
    }

    /// <summary>The store <paramref name="options"/> name; they must have passed <see cref="StoreOptionsValidator"/>.</summary>
    internal static IStore CreateStore(StoreOptions options, ILogger? logger = null)
    {
        IStore store = options.Kind.Trim().ToLowerInvariant() switch
        {
            StoreOptions.Postgres => new PostgresStore(options),
            StoreOptions.Sqlite => new SqliteStore(options),
            _ => throw new OptionsValidationException(StoreOptions.Section, typeof(StoreOptions), StoreOptionsValidator.Validate(options)),
        };
        if (logger is not null)
        {
            StoreLog.StoreOpened(logger, store.Dialect, Location(store));
        }

        return store;
    }

    /// <summary>Where <paramref name="store"/> is, for logs and errors: the SQLite file, or PostgreSQL's host, port and database (no credentials).</summary>
    internal static string Location(IStore store) => store switch
    {
        PostgresStore postgres => postgres.Location,
        SqliteStore sqlite => Path.GetFullPath(sqlite.FilePath),
        _ => "?",
    };
}
