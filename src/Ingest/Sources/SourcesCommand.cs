using System.Globalization;
using Microsoft.Extensions.Configuration;
using ZtStream.Ingest.Sources.Credentials;
using ZtStream.Platform.Hosting;
using ZtStream.Platform.Options;
using ZtStream.Platform.Store;
using ZtStream.Platform.Store.Migrations;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// <c>ztstream sources add NAME | list | revoke NAME</c>: source credentials in the same store <c>ztstream run</c>
/// uses (section <c>Store</c> of the same configuration). <c>add</c> prints the new key alone on its last line;
/// only its hash is kept, so it is never shown again.
/// </summary>
internal sealed class SourcesCommand : ICliCommand
{
    public string Name => "sources";

    public string Summary => "Source credentials for Ingest: sources add NAME | sources list | sources revoke NAME";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var verb = args.Count > 0 ? args[0] : null;
        var needsName = verb is "add" or "revoke";
        if (verb is not ("add" or "list" or "revoke") || args.Count != (needsName ? 2 : 1))
        {
            await context.Error.WriteLineAsync("usage: ztstream sources add NAME | sources list | sources revoke NAME");
            return 2;
        }

        var name = needsName ? args[1] : null;
        if (needsName && !SourceKeys.IsValidName(name))
        {
            await context.Error.WriteLineAsync($"sources: '{name}' is not a valid source name: 1-64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit");
            return 2;
        }

        var storeOptions = context.Configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var problems = StoreOptionsValidator.Validate(storeOptions);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await context.Error.WriteLineAsync($"ztstream: {problem}");
            }

            return 2;
        }

        var store = StoreServiceCollectionExtensions.CreateStore(storeOptions);
        try
        {
            await new StoreMigrator(store, [new IngestMigrations()], context.Time).MigrateAsync(cancellationToken);
            var credentials = new SourceCredentialStore(store, context.Time);
            return verb switch
            {
                "add" => await AddAsync(credentials, name!, context, cancellationToken),
                "revoke" => await RevokeAsync(credentials, name!, context, cancellationToken),
                _ => await ListAsync(credentials, context, cancellationToken),
            };
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    private static async Task<int> AddAsync(SourceCredentialStore credentials, string name, CliContext context, CancellationToken cancellationToken)
    {
        var key = SourceKeys.NewKey();
        if (await credentials.AddAsync(name, SourceKeys.Hash(key), cancellationToken) == AddSourceResult.AlreadyActive)
        {
            await context.Error.WriteLineAsync($"sources: source '{name}' already exists; revoke it first to issue a new key");
            return 1;
        }

        await context.Out.WriteLineAsync($"Source '{name}' added. Send its key as 'Authorization: Bearer <key>'. It is shown only now:");
        await context.Out.WriteLineAsync(key);
        return 0;
    }

    private static async Task<int> RevokeAsync(SourceCredentialStore credentials, string name, CliContext context, CancellationToken cancellationToken)
    {
        if (!await credentials.RevokeAsync(name, cancellationToken))
        {
            await context.Error.WriteLineAsync($"sources: no active source named '{name}'");
            return 1;
        }

        await context.Out.WriteLineAsync($"Source '{name}' revoked; running Ingest processes refuse its key within Ingest:CredentialCacheTime.");
        return 0;
    }

    private static async Task<int> ListAsync(SourceCredentialStore credentials, CliContext context, CancellationToken cancellationToken)
    {
        var sources = await credentials.ListAsync(cancellationToken);
        var width = Math.Max(4, sources.Count == 0 ? 0 : sources.Max(s => s.Name.Length));
        await context.Out.WriteLineAsync($"{"NAME".PadRight(width)}  {"CREATED",-20}  REVOKED");
        foreach (var source in sources)
        {
            var revoked = source.RevokedAt is { } at ? Format(at) : "-";
            await context.Out.WriteLineAsync($"{source.Name.PadRight(width)}  {Format(source.CreatedAt),-20}  {revoked}");
        }

        return 0;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
