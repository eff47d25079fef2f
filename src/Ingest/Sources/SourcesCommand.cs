using System.CommandLine;
using System.CommandLine.Parsing;

namespace ZtStream.Ingest.Sources;

/// <summary>
/// <c>ztstream sources add NAME [scope] | update NAME [scope] | list | revoke NAME</c>: source credentials and scopes in
/// the same store <c>ztstream run</c> uses (section <c>Store</c> of the same configuration). <c>add</c> prints the new
/// key alone on its last line; only its hash is kept, so it is never shown again. With <c>--key-file FILE</c>, an
/// existing file's key is registered (again without harm), and otherwise a new key is made and also written to FILE
/// (mode 0600). The scope (<c>--kinds</c>, <c>--subjects</c>, <c>--namespaces</c>, <c>--workloads</c>, <c>--clusters</c>, <c>--tenants</c>, and
/// <c>--cluster</c>, which also labels the source's records) limits what the
/// source may speak for; <c>add</c> without one warns, since such a source may speak for anyone.
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
        var addScope = new ScopeOptions();
        var add = new Command("add", "register a source and print its key (shown only now)") { addName, keyFile };
        addScope.AddTo(add);
        add.SetCliAction((parsed, context, ct) => RunAsync(context, (credentials, c) =>
            AddAsync(credentials, parsed.GetValue(addName)!, parsed.GetValue(keyFile), addScope.Read(parsed, SourceScope.None), context, c), ct));

        var updateName = NameArgument();
        var updateScope = new ScopeOptions();
        var update = new Command("update", "change a source's scope: each option given replaces that part (an empty value lifts the limit); Ingest applies it within Ingest:CredentialCacheTime") { updateName };
        updateScope.AddTo(update);
        update.SetCliAction((parsed, context, ct) => RunAsync(context, (credentials, c) =>
            UpdateAsync(credentials, parsed.GetValue(updateName)!, parsed, updateScope, context, c), ct));

        var list = new Command("list", "list sources with when they were created and revoked, and their scopes (never keys)");
        list.SetCliAction((_, context, ct) => RunAsync(context, (credentials, c) => ListAsync(credentials, context, c), ct));

        var revokeName = NameArgument();
        var revoke = new Command("revoke", "revoke a source's key; Ingest refuses it within Ingest:CredentialCacheTime") { revokeName };
        revoke.SetCliAction((parsed, context, ct) => RunAsync(context, (credentials, c) => RevokeAsync(credentials, parsed.GetValue(revokeName)!, context, c), ct));

        return new Command(
            "sources",
            "Source credentials and scopes for Ingest: sources add NAME [--kinds K,…] [--subjects GLOB,…] [--namespaces NS,…] [--workloads GLOB,…] [--clusters GLOB,…] [--cluster CLUSTER] [--tenant TENANT] [--tenants GLOB,…] [--key-file FILE] | sources update NAME [scope options] | sources list | sources revoke NAME")
        {
            add, update, list, revoke,
        };
    }

    /// <summary>The scope options: six comma-separated lists of patterns (<c>*</c> matches any run of characters) and the one cluster the key speaks for.</summary>
    private sealed class ScopeOptions
    {
        private readonly Option<string> kinds = Kinds(Pattern("--kinds", "K,…", "event kinds the source may send (e.g. access.request,auth.login; k8s.audit for an audit webhook; auth.* for every auth kind)"));
        private readonly Option<string> subjects = Pattern("--subjects", "GLOB,…", "subjects its events may name (subject.id), e.g. 'user:*@shop.example'");
        private readonly Option<string> namespaces = Pattern("--namespaces", "NS,…", "namespaces its events' workloads, and its audit events' objects, may be in (workload.namespace, raw.objectRef.namespace)");
        private readonly Option<string> workloads = Pattern("--workloads", "GLOB,…", "workloads its events may name (workload.id, or namespace/name), e.g. 'shop/web-*'");
        private readonly Option<string> clusters = Pattern("--clusters", "GLOB,…", "clusters its events may be labelled with (attributes[\"k8s.cluster\"]), e.g. 'prod-eu'; an event naming no cluster is then refused");
        private readonly Option<string> cluster = Literal("--cluster", "CLUSTER", "the one cluster the source's key speaks for: its records that name no cluster (an API server's audit webhook, Falco, the SDK) are labelled with it (attributes[\"k8s.cluster\"]), one that names another is refused; implies --clusters CLUSTER");
        private readonly Option<string> tenant = Literal("--tenant", "TENANT", "the one identity-provider tenant the source's key speaks for (an Okta org's host, e.g. acme.okta.com; an Entra tenant id …): its records whose subject names no tenant (the System Log API's events) are labelled with it (subject.tenant), one that names another is refused");
        private readonly Option<string> tenants = Pattern("--tenants", "GLOB,…", "identity-provider tenants its events' subjects may belong to (subject.tenant: the Entra tenant id, Keycloak realm, Auth0 tenant, Google Cloud project, AWS account), e.g. 'acme-prod'; an event naming no tenant is then refused");

        public void AddTo(Command command)
        {
            command.Add(kinds);
            command.Add(subjects);
            command.Add(namespaces);
            command.Add(workloads);
            command.Add(clusters);
            command.Add(cluster);
            command.Add(tenant);
            command.Add(tenants);
        }

        /// <summary><paramref name="current"/> with each option given replacing its part ("" lifts the limit).</summary>
        public SourceScope Read(ParseResult parsed, SourceScope current) => new(
            Part(parsed, kinds, current.Kinds),
            Part(parsed, subjects, current.Subjects),
            Part(parsed, namespaces, current.Namespaces),
            Part(parsed, workloads, current.Workloads),
            Part(parsed, clusters, current.Clusters),
            Part(parsed, tenants, current.Tenants),
            parsed.GetResult(cluster) is null ? current.Cluster : parsed.GetValue(cluster) is { Length: > 0 } given ? given.Trim() : null,
            parsed.GetResult(tenant) is null ? current.Tenant : parsed.GetValue(tenant) is { Length: > 0 } named ? named.Trim() : null);

        public bool AnyGiven(ParseResult parsed) =>
            new[] { kinds, subjects, namespaces, workloads, clusters, cluster, tenant, tenants }.Any(o => parsed.GetResult(o) is not null);

        private static IReadOnlyList<string>? Part(ParseResult parsed, Option<string> option, IReadOnlyList<string>? current) =>
            parsed.GetResult(option) is null ? current : parsed.GetValue(option) is { Length: > 0 } given ? SourceScope.Split(given) : null;

        /// <summary>
        /// Every --kinds entry must allow some kind a source can send (docs/events.md): an empty entry or a mistyped kind
        /// would otherwise register a scope that turns away all the source's events.
        /// </summary>
        private static Option<string> Kinds(Option<string> option)
        {
            option.Validators.Add(result =>
            {
                if (Entries(result) is not { } entries)
                {
                    return;
                }

                var bad = entries.Select((e, i) => (Entry: e, Index: i))
                    .Where(p => p.Entry.Length == 0 || !EventKinds.Observed.Any(k => Glob.IsMatch(p.Entry, k)))
                    .Select(p => p.Entry.Length == 0 ? $"empty entry {p.Index + 1}" : $"'{p.Entry}'")
                    .ToList();
                if (bad.Count > 0)
                {
                    result.AddError($"--kinds: {string.Join(", ", bad)} {(bad.Count == 1 ? "is not an event kind" : "are not event kinds")}; the kinds are {string.Join(", ", EventKinds.Observed)} ('*' matches any run of characters, e.g. auth.*)");
                }
            });
            return option;
        }

        private static Option<string> Pattern(string name, string helpName, string description)
        {
            var option = new Option<string>(name) { Description = description, HelpName = helpName };
            option.Validators.Add(result =>
            {
                if (Entries(result) is not { } entries)
                {
                    return;
                }

                // As for --kinds: an empty entry ('user:*,,' or a stray ',') is a mistake to name, not to drop.
                var empty = Array.FindIndex(entries, e => e.Length == 0);
                var bad = entries.FirstOrDefault(p => p.Length > 256 || p.Any(char.IsWhiteSpace));
                if (empty >= 0)
                {
                    result.AddError($"{name}: empty entry {empty + 1}; give the patterns separated by single commas ('' lifts the limit)");
                }
                else if (bad is not null)
                {
                    result.AddError($"{name}: '{bad}' is not a pattern (at most 256 characters, no spaces)");
                }
            });
            return option;
        }

        /// <summary>One name, as written: no pattern (<c>*</c>), no list, no spaces, at most 256 characters; "" lifts it.</summary>
        private static Option<string> Literal(string name, string helpName, string description)
        {
            var option = new Option<string>(name) { Description = description, HelpName = helpName };
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<string>() is not { Length: > 0 } value)
                {
                    return;
                }

                // A label is written into every record as it stands: a pattern or a list there would name no cluster or tenant.
                var what = name.TrimStart('-');
                var why = value.Trim() switch
                {
                    { Length: 0 } => "is blank",
                    { Length: > 256 } => "is longer than 256 characters",
                    var v when v.Any(char.IsWhiteSpace) => "holds a space",
                    var v when v.Contains(',', StringComparison.Ordinal) => $"is a list; a source's key speaks for one {what} (a source per {what})",
                    var v when v.Contains('*', StringComparison.Ordinal) => $"is a pattern; name the {what} as its records do (limit to several with {name}s)",
                    var v when v.Any(char.IsControl) => "holds a control character",
                    _ => null,
                };
                if (why is not null)
                {
                    result.AddError($"{name}: '{ItemError.Clip(value, 80)}' {why}");
                }
            });
            return option;
        }

        /// <summary>The comma-separated entries of a list option, trimmed; null for "", which lifts the limit.</summary>
        private static string[]? Entries(OptionResult result) =>
            result.GetValueOrDefault<string>() is { Length: > 0 } value ? value.Split(',', StringSplitOptions.TrimEntries) : null;
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

    /// <summary>Runs <paramref name="verb"/> on the credentials in the store the configuration names.</summary>
    private static Task<int> RunAsync(CliContext context, Func<SourceCredentialStore, CancellationToken, Task<int>> verb, CancellationToken cancellationToken) =>
        CliStore.RunAsync(context, [new IngestMigrations()], (store, ct) => verb(new SourceCredentialStore(store, context.Time), ct), cancellationToken);

    private static async Task<int> AddAsync(
        SourceCredentialStore credentials, string name, string? keyFile, SourceScope scope, CliContext context, CancellationToken cancellationToken)
    {
        string? givenKey = null;
        if (keyFile is not null && keyFile.Trim().Length == 0)
        {
            await context.ErrorAsync("--key-file is empty; name the file that holds the key, or where to write a new one");
            return CliCommandLine.UsageError;
        }

        if (keyFile is not null && Directory.Exists(keyFile))
        {
            await context.ErrorAsync($"--key-file '{keyFile}' is a folder; name the file that holds the key, or where to write a new one");
            return CliCommandLine.UsageError;
        }

        if (keyFile is not null && File.Exists(keyFile))
        {
            givenKey = UserFiles.ReadText(keyFile, UserFiles.MaxKeyFileBytes).Trim();
            if (givenKey.Length is < SourceKeys.MinKeyLength or > SourceKeys.MaxKeyLength || givenKey.Any(char.IsWhiteSpace))
            {
                await context.ErrorAsync($"the key in '{keyFile}' must be {SourceKeys.MinKeyLength}-{SourceKeys.MaxKeyLength} characters without spaces");
                return CliCommandLine.UsageError;
            }
        }

        if (scope.ClusterConflict() is { } conflict)
        {
            await context.ErrorAsync($"{conflict}; source '{name}' was not added");
            return CliCommandLine.UsageError;
        }

        var key = givenKey ?? SourceKeys.NewKey();
        var hash = SourceKeys.Hash(key);
        if (givenKey is not null && await credentials.FindKeyHolderAsync(hash, cancellationToken) is { } holder)
        {
            return await KeyAlreadyRegisteredAsync(holder, name, keyFile!, key, scope, context);
        }

        var wroteKeyFile = false;
        if (keyFile is not null && givenKey is null)
        {
            // Written before the source is registered: a key registered but never saved could not be used or shown again.
            try
            {
                await WriteKeyFileAsync(keyFile, key, cancellationToken);
                wroteKeyFile = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.ErrorAsync($"cannot write the key to '{keyFile}': {e.Message}; source '{name}' was not added");
                return 1;
            }
        }

        if (await credentials.AddAsync(name, hash, cancellationToken, scope) == AddSourceResult.AlreadyActive)
        {
            if (wroteKeyFile)
            {
                File.Delete(keyFile!);
            }

            await context.ErrorAsync($"source '{name}' already exists; revoke it first to issue a new key");
            return 1;
        }

        if (scope.IsUnscoped)
        {
            await context.WarnAsync(
                $"'{name}' has no scope, so its key may speak for any subject, namespace and workload; limit it with 'ztstream sources update {name} --subjects … --namespaces … --workloads … --kinds …' (docs/sources.md)");
        }
        else
        {
            await context.ErrorAsync($"'{name}' may speak for: {scope.Describe()}");
        }

        await WarnOfUnfoldedLoginsAsync(scope, context);

        await context.Out.WriteLineAsync(givenKey is null
            ? $"Source '{name}' added. Send its key as 'Authorization: Bearer <key>'. It is shown only now{(keyFile is null ? string.Empty : $" and written to '{keyFile}'")}:"
            : $"Source '{name}' added with the key in '{keyFile}':");
        await context.Out.WriteLineAsync(key);
        return 0;
    }

    /// <summary>
    /// A key file whose key is registered already. For the same active source and scope that is a rerun of a setup step, a
    /// no-op; a revoked key is never made valid again, another source's key is not shared, and a scope that differs is not
    /// dropped unsaid (it is changed with <c>sources update</c>).
    /// </summary>
    private static async Task<int> KeyAlreadyRegisteredAsync(KeyHolder holder, string name, string keyFile, string key, SourceScope scope, CliContext context)
    {
        string? refusal = holder switch
        {
            { RevokedAt: { } revokedAt } => $"the key in '{keyFile}' was revoked with source '{holder.Name}' at {Format(revokedAt)}; a revoked key is never registered again: delete the file (or name a new one) to make a new key",
            _ when holder.Name != name => $"the key in '{keyFile}' belongs to source '{holder.Name}'; each source needs its own key: name a file that does not exist to make one",
            _ when !scope.IsUnscoped && scope.Describe() != holder.Scope.Describe() =>
                $"source '{name}' is already registered with the key in '{keyFile}' and may speak for: {holder.Scope.Describe()}; change that with 'ztstream sources update {name} …'",
            _ => null,
        };
        if (refusal is not null)
        {
            await context.ErrorAsync(refusal);
            return 1;
        }

        // Registering the key a key file already holds again is a no-op, so a one-shot setup job may rerun.
        await context.Out.WriteLineAsync($"Source '{name}' is already registered with the key in '{keyFile}':");
        await context.Out.WriteLineAsync(key);
        return 0;
    }

    /// <summary>
    /// Writes a new key file, readable by its owner only whatever the umask (it can only take permissions away). Its folder
    /// must exist: as <c>ssh-keygen -f</c> does, a missing one is refused, since a mistyped path would otherwise make
    /// folders, with the umask's permissions, to hold a secret where nobody looks for it.
    /// </summary>
    private static async Task WriteKeyFileAsync(string path, string key, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory && !Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(File.Exists(directory)
                ? $"'{directory}' is a file, not a folder"
                : $"the folder '{directory}' does not exist; create it first (e.g. mkdir -m 700 '{directory}')");
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

    private static async Task<int> UpdateAsync(
        SourceCredentialStore credentials, string name, ParseResult parsed, ScopeOptions options, CliContext context, CancellationToken cancellationToken)
    {
        if (!options.AnyGiven(parsed))
        {
            return await CliCommandLine.UsageAsync(context.Error, parsed, ["give at least one of --kinds, --subjects, --namespaces, --workloads, --clusters, --cluster, --tenant, --tenants"]);
        }

        var current = (await credentials.ListAsync(cancellationToken)).FirstOrDefault(s => s.Name == name && s.RevokedAt is null);
        var scope = options.Read(parsed, current?.Scope ?? SourceScope.None);
        if (current is not null && scope.ClusterConflict() is { } conflict)
        {
            await context.ErrorAsync($"{conflict}; source '{name}' was not changed");
            return CliCommandLine.UsageError;
        }

        if (current is null || !await credentials.UpdateScopeAsync(name, scope, cancellationToken))
        {
            await context.ErrorAsync($"no active source named '{name}'");
            return 1;
        }

        await context.Out.WriteLineAsync($"Source '{name}' may now speak for: {scope.Describe()}. Running Ingest processes apply it within Ingest:CredentialCacheTime.");
        await WarnOfUnfoldedLoginsAsync(scope, context);
        return 0;
    }

    /// <summary>
    /// Ingest keys the users of identity providers, and login claims, by their login name in one form (lower case, width
    /// and normalization folded: <see cref="LoginNames"/>), before the scope is applied. A <c>--subjects</c> pattern that
    /// names a login (an <c>@</c>) in another form — the domain as the company writes it, <c>*@Acme.Example</c> — can
    /// then match none of them, and every such event of the source is refused: say so at once, with the pattern that
    /// would. It stays a warning: Kubernetes user names are compared as written, where the pattern may be meant.
    /// </summary>
    private static async Task WarnOfUnfoldedLoginsAsync(SourceScope scope, CliContext context)
    {
        foreach (var pattern in scope.Subjects ?? [])
        {
            if (pattern.Contains('@', StringComparison.Ordinal) && LoginNames.Fold(pattern) is { } folded && folded != pattern)
            {
                await context.WarnAsync(
                    $"--subjects '{pattern}' matches no user of an identity provider nor login claim, which Ingest names in one form ('{folded}'; docs/sources.md, \"Login names in one form\"); only subjects sent as written, such as Kubernetes user names, can match it");
            }
        }
    }

    private static async Task<int> RevokeAsync(SourceCredentialStore credentials, string name, CliContext context, CancellationToken cancellationToken)
    {
        if (!await credentials.RevokeAsync(name, cancellationToken))
        {
            await context.ErrorAsync($"no active source named '{name}'");
            return 1;
        }

        await context.Out.WriteLineAsync($"Source '{name}' revoked; running Ingest processes refuse its key within Ingest:CredentialCacheTime.");
        return 0;
    }

    private static async Task<int> ListAsync(SourceCredentialStore credentials, CliContext context, CancellationToken cancellationToken)
    {
        var sources = await credentials.ListAsync(cancellationToken);
        var width = Math.Max(4, sources.Count == 0 ? 0 : sources.Max(s => s.Name.Length));
        await context.Out.WriteLineAsync($"{"NAME".PadRight(width)}  {"CREATED",-20}  {"REVOKED",-20}  SCOPE");
        foreach (var source in sources)
        {
            var revoked = source.RevokedAt is { } at ? Format(at) : "-";
            await context.Out.WriteLineAsync($"{source.Name.PadRight(width)}  {Format(source.CreatedAt),-20}  {revoked,-20}  {source.Scope.Describe()}");
        }

        return 0;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
