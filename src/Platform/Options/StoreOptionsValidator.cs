namespace ZtStream.Platform.Options;

/// <summary>Checks section <c>Store</c>, listing every problem at once.</summary>
internal sealed class StoreOptionsValidator : OptionsValidator<StoreOptions, StoreOptionsValidator>, IOptionsRules<StoreOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(StoreOptions options, List<string> problems)
    {
        var kind = options.Kind?.Trim().ToLowerInvariant();
        switch (kind)
        {
            case StoreOptions.Sqlite:
                if (string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(options.SqlitePath))
                {
                    problems.Add("Store:SqlitePath (or Store:ConnectionString) is required when Store:Kind is sqlite");
                }
                else
                {
                    try
                    {
                        var builder = SqliteStore.Build(options);
                        if (builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || builder.DataSource == ":memory:")
                        {
                            problems.Add("Store:ConnectionString names an in-memory SQLite database, which every connection would see empty; name a file");
                        }
                    }
                    catch (ArgumentException e)
                    {
                        problems.Add($"Store:ConnectionString is not a usable SQLite connection string: {e.Message}");
                    }
                }

                break;
            case StoreOptions.Postgres:
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    problems.Add("Store:ConnectionString is required when Store:Kind is postgres");
                }
                else
                {
                    try
                    {
                        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                        if (string.IsNullOrWhiteSpace(builder.Host))
                        {
                            problems.Add("Store:ConnectionString names no Host");
                        }
                    }
                    catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
                    {
                        problems.Add($"Store:ConnectionString is not a valid PostgreSQL connection string: {e.Message}");
                    }
                }

                break;
            default:
                problems.Add($"Store:Kind '{options.Kind}' is not one of {StoreOptions.Sqlite}, {StoreOptions.Postgres}");
                break;
        }
    }
}
