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
/// only its hash is kept, so it is never shown again. With <c>--key-file FILE</c>, an existing file's key is
/// registered (again without harm), and otherwise a new key is made and also written to FILE (mode 0600).
/// </summary>
internal sealed class SourcesCommand : ICliCommand
{
    public string Name => "sources";

    private const string Usage = "usage: ztstream sources add NAME [--key-file FILE] | sources list | sources revoke NAME";

    public string Summary => "Source credentials for Ingest: sources add NAME [--key-file FILE] | sources list | sources revoke NAME";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var verb = args.Count > 0 ? args[0] : null;
        string? keyFile = null;
        var positional = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] == "--key-file" && verb == "add" && i + 1 < args.Count && keyFile is null)
            {
                keyFile = args[++i];
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        var needsName = verb is "add" or "revoke";
        if (verb is not ("add" or "list" or "revoke") || positional.Count != (needsName ? 1 : 0))
        {
            await context.Error.WriteLineAsync(Usage);
            return 2;
        }

        var name = needsName ? positional[0] : null;
        if (needsName && !SourceKeys.IsValidName(name))
        {
            await context.Error.WriteLineAsync($"sources: '{name}' is not a valid source name: 1-64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit");
            return 2;
        }

        string? givenKey = null;
        if (keyFile is not null && File.Exists(keyFile))
        {
            givenKey = (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
            if (givenKey.Length is < SourceKeys.MinKeyLength or > SourceKeys.MaxKeyLength || givenKey.Any(char.IsWhiteSpace))
            {
                await context.Error.WriteLineAsync($"sources: the key in '{keyFile}' must be {SourceKeys.MinKeyLength}-{SourceKeys.MaxKeyLength} characters without spaces");
                return 2;
            }
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
                "add" => await AddAsync(credentials, name!, givenKey, keyFile, context, cancellationToken),
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

    private static async Task<int> AddAsync(
        SourceCredentialStore credentials, string name, string? givenKey, string? keyFile, CliContext context, CancellationToken cancellationToken)
    {
        var key = givenKey ?? SourceKeys.NewKey();
        var hash = SourceKeys.Hash(key);
        if (await credentials.AddAsync(name, hash, cancellationToken) == AddSourceResult.AlreadyActive)
        {
            // Registering the key a key file already holds again is a no-op, so a one-shot setup job may rerun.
            if (givenKey is null || await credentials.FindActiveAsync(hash, cancellationToken) != name)
            {
                await context.Error.WriteLineAsync($"sources: source '{name}' already exists; revoke it first to issue a new key");
                return 1;
            }

            await context.Out.WriteLineAsync($"Source '{name}' is already registered with the key in '{keyFile}':");
            await context.Out.WriteLineAsync(key);
            return 0;
        }

        if (keyFile is not null && givenKey is null)
        {
            await WriteKeyFileAsync(keyFile, key, cancellationToken);
        }

        await context.Out.WriteLineAsync(givenKey is null
            ? $"Source '{name}' added. Send its key as 'Authorization: Bearer <key>'. It is shown only now{(keyFile is null ? string.Empty : $" and written to '{keyFile}'")}:"
            : $"Source '{name}' added with the key in '{keyFile}':");
        await context.Out.WriteLineAsync(key);
        return 0;
    }

    private static async Task WriteKeyFileAsync(string path, string key, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteLineAsync(key.AsMemory(), cancellationToken);
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
