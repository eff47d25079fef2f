using System.CommandLine;
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
    public Command Build()
    {
        var addName = NameArgument();
        var keyFile = new Option<string>("--key-file")
        {
            Description = "register the key this file holds, or write a new key to it (mode 0600) when it does not exist",
            HelpName = "FILE",
        };
        var add = new Command("add", "register a source and print its key (shown only now)") { addName, keyFile };
        add.SetCliAction((parsed, context, ct) => RunAsync(context, (credentials, c) => AddAsync(credentials, parsed.GetValue(addName)!, parsed.GetValue(keyFile), context, c), ct));

        var list = new Command("list", "list sources with when they were created and revoked (never keys)");
        list.SetCliAction((_, context, ct) => RunAsync(context, (credentials, c) => ListAsync(credentials, context, c), ct));

        var revokeName = NameArgument();
        var revoke = new Command("revoke", "revoke a source's key; Ingest refuses it within Ingest:CredentialCacheTime") { revokeName };
        revoke.SetCliAction((parsed, context, ct) => RunAsync(context, (credentials, c) => RevokeAsync(credentials, parsed.GetValue(revokeName)!, context, c), ct));

        return new Command("sources", "Source credentials for Ingest: sources add NAME [--key-file FILE] | sources list | sources revoke NAME") { add, list, revoke };
    }

    private static Argument<string> NameArgument()
    {
        var name = new Argument<string>("NAME") { Description = "the source's name: 1-64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit" };
        name.Validators.Add(result =>
        {
            if (!SourceKeys.IsValidName(result.GetValueOrDefault<string>()))
            {
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a valid source name: 1-64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit");
            }
        });
        return name;
    }

    /// <summary>Opens and migrates the store the configuration names, runs <paramref name="verb"/> on its credentials, and closes it.</summary>
    private static async Task<int> RunAsync(CliContext context, Func<SourceCredentialStore, CancellationToken, Task<int>> verb, CancellationToken cancellationToken)
    {
        var storeOptions = context.Configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        var problems = StoreOptionsValidator.Validate(storeOptions);
        if (problems.Count > 0)
        {
            return await CliCommandLine.FailAsync(context.Error, problems);
        }

        var store = StoreServiceCollectionExtensions.CreateStore(storeOptions);
        try
        {
            await new StoreMigrator(store, [new IngestMigrations()], context.Time).MigrateAsync(cancellationToken);
            return await verb(new SourceCredentialStore(store, context.Time), cancellationToken);
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
        SourceCredentialStore credentials, string name, string? keyFile, CliContext context, CancellationToken cancellationToken)
    {
        string? givenKey = null;
        if (keyFile is not null && File.Exists(keyFile))
        {
            givenKey = (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
            if (givenKey.Length is < SourceKeys.MinKeyLength or > SourceKeys.MaxKeyLength || givenKey.Any(char.IsWhiteSpace))
            {
                await context.Error.WriteLineAsync($"sources: the key in '{keyFile}' must be {SourceKeys.MinKeyLength}-{SourceKeys.MaxKeyLength} characters without spaces");
                return CliCommandLine.UsageError;
            }
        }

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
