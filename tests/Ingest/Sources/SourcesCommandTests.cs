using ZtStream.TestSupport.Cli;

namespace ZtStream.Ingest.Tests.Sources;

public sealed class SourcesCommandTests : IDisposable
{
    private readonly TempFolder temp = new("ztstream-sources-");

    private string DbPath => Path.Combine(temp.Path, "ztstream.db");

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunOnAsync(DbPath, args);

    private static Task<(int Code, string Out, string Err)> RunOnAsync(string database, params string[] args) =>
        CommandRun.RunAsync(new SourcesCommand(), new Dictionary<string, string?> { ["Store:SqlitePath"] = database }, args);

    [Fact]
    public async Task Add_PrintsTheKeyAloneOnTheLastLineAndTheKeyAuthenticates()
    {
        var (code, output, _) = await RunAsync("add", "kube-apiserver");

        Assert.Equal(0, code);
        var key = output.TrimEnd().Split('\n')[^1].Trim();
        Assert.StartsWith(SourceKeys.Prefix, key, StringComparison.Ordinal);
        Assert.Equal(47, key.Length);

        // The same store, as `ztstream run` would open it from the same configuration.
        var store = StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath });
        var authenticator = new SourceAuthenticator(new SourceCredentialStore(store, TimeProvider.System), Microsoft.Extensions.Options.Options.Create(new IngestOptions()), TimeProvider.System);
        Assert.Equal("kube-apiserver", await authenticator.AuthenticateAsync($"Bearer {key}", CancellationToken.None));
        Assert.Null(await authenticator.AuthenticateAsync($"Bearer {key}x", CancellationToken.None));
    }

    [Fact]
    public async Task List_ShowsNamesAndRevocationButNeverKeysOrHashes()
    {
        var (_, added, _) = await RunAsync("add", "falco");
        var key = added.TrimEnd().Split('\n')[^1].Trim();
        await RunAsync("add", "orders-api");
        Assert.Equal(0, (await RunAsync("revoke", "falco")).Code);

        var (code, output, _) = await RunAsync("list");

        Assert.Equal(0, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("NAME", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("falco", lines[1], StringComparison.Ordinal);
        Assert.Matches(@"Z\s+\d{4}-\d\d-\d\dT\S+Z\s+\(none", lines[1]);
        Assert.Matches(@"Z\s+-\s+\(none", lines[2]);
        Assert.DoesNotContain(key, output, StringComparison.Ordinal);
        Assert.DoesNotContain(SourceKeys.Hash(key), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_MakesTheKeyFailAndTheNameCanBeAddedAgainWithANewKey()
    {
        var (_, first, _) = await RunAsync("add", "rotating");
        var oldKey = first.TrimEnd().Split('\n')[^1].Trim();
        Assert.Equal(1, (await RunAsync("add", "rotating")).Code);

        Assert.Equal(0, (await RunAsync("revoke", "rotating")).Code);
        Assert.Equal(1, (await RunAsync("revoke", "rotating")).Code);
        var (code, second, _) = await RunAsync("add", "rotating");
        var newKey = second.TrimEnd().Split('\n')[^1].Trim();

        Assert.Equal(0, code);
        var credentials = new SourceCredentialStore(StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath }), TimeProvider.System);
        Assert.Null(await credentials.FindActiveAsync(SourceKeys.Hash(oldKey), CancellationToken.None));
        Assert.Equal("rotating", await credentials.FindActiveAsync(SourceKeys.Hash(newKey), CancellationToken.None));
    }

    /// <summary>
    /// A --kinds entry that names no event kind (a typo, an empty entry between commas) registered a scope that turned
    /// away every event of that kind; it is a usage error naming the entries and listing the kinds. Patterns stay allowed.
    /// </summary>
    [Theory]
    [InlineData("add", "nope,,x", "'nope', empty entry 2, 'x' are not event kinds")]
    [InlineData("add", "auth.login,acess.request", "'acess.request' is not an event kind")]
    [InlineData("add", "zt.*", "'zt.*' is not an event kind")]
    [InlineData("update", "k8s.audit,", "empty entry 2 is not an event kind")]
    public async Task KindsNamingNoEventKind_ExitTwo_NamingThemAndListingTheKinds(string verb, string kinds, string expected)
    {
        if (verb == "update")
        {
            Assert.Equal(0, (await RunAsync("add", "scoped-kinds", "--kinds", "k8s.audit")).Code);
        }

        var (code, _, error) = await RunAsync(verb, "scoped-kinds", "--kinds", kinds);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("the kinds are auth.login, auth.token_issued", error, StringComparison.Ordinal);
        Assert.Contains("runtime.alert", error, StringComparison.Ordinal);
        Assert.DoesNotContain("zt.workload_binding", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// An empty entry in a pattern list ('user:*,,' or a lone ',') was dropped without a word, so a list cut short by a
    /// shell variable that expanded to nothing registered with one pattern fewer than written; it is named like --kinds'.
    /// </summary>
    [Theory]
    [InlineData("add", "--subjects", "user:*@shop.example,,svc:orders", "--subjects: empty entry 2")]
    [InlineData("add", "--workloads", ",", "--workloads: empty entry 1")]
    [InlineData("update", "--namespaces", "shop,", "--namespaces: empty entry 2")]
    public async Task PatternsWithAnEmptyEntry_ExitTwo_NamingIt(string verb, string option, string patterns, string expected)
    {
        if (verb == "update")
        {
            Assert.Equal(0, (await RunAsync("add", "scoped-patterns", "--namespaces", "shop")).Code);
        }

        var (code, _, error) = await RunAsync(verb, "scoped-patterns", option, patterns);

        Assert.Equal(2, code);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auth.*,k8s.audit")]
    [InlineData("*")]
    [InlineData(" runtime.alert , access.* ")]
    public async Task KindsOfPatternsThatMatchEventKinds_AreAccepted(string kinds)
    {
        Assert.Equal(0, (await RunAsync("add", "pattern-kinds", "--kinds", kinds)).Code);
    }

    [Fact]
    public async Task Add_WithScope_ListShowsIt_UpdateReplacesOnlyWhatIsGiven_AndTheKeyCarriesIt()
    {
        var (code, added, addError) = await RunAsync("add", "shop-app", "--namespaces", "shop", "--subjects", "user:*@shop.example,svc:orders", "--kinds", "access.request");
        Assert.Equal(0, code);
        Assert.DoesNotContain("warning", addError, StringComparison.Ordinal);
        Assert.Contains("kinds=access.request subjects=user:*@shop.example,svc:orders namespaces=shop", addError, StringComparison.Ordinal);
        var key = added.TrimEnd().Split('\n')[^1].Trim();

        Assert.Equal(0, (await RunAsync("update", "shop-app", "--workloads", "shop/web-*", "--kinds", "")).Code);
        var (_, listed, _) = await RunAsync("list");

        var line = Assert.Single(listed.Split('\n'), l => l.StartsWith("shop-app", StringComparison.Ordinal));
        Assert.EndsWith("subjects=user:*@shop.example,svc:orders namespaces=shop workloads=shop/web-*", line.TrimEnd(), StringComparison.Ordinal);
        var store = StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath });
        var source = await new SourceCredentialStore(store, TimeProvider.System).FindActiveSourceAsync(SourceKeys.Hash(key), CancellationToken.None);
        Assert.Equal(["shop"], source!.Scope.Namespaces);
        Assert.Null(source.Scope.Kinds);
        Assert.Equal(["shop/web-*"], source.Scope.Workloads);
    }

    /// <summary>The part of a scope that <paramref name="option"/> (<c>--clusters</c> or <c>--tenants</c>) sets.</summary>
    private static IReadOnlyList<string>? Limited(SourceScope scope, string option) => option == "--clusters" ? scope.Clusters : scope.Tenants;

    [Theory]
    [InlineData("--clusters", "k8s.audit", "prod-eu,prod-us-*")]
    [InlineData("--tenants", "auth.*", "acme,acme-*")]
    public async Task Add_WithClustersOrTenants_ListShowsThem_UpdateWithAnEmptyValueLiftsTheLimit_AndTheKeyCarriesIt(string option, string kinds, string patterns)
    {
        var (code, added, addError) = await RunAsync("add", "limited", "--kinds", kinds, option, patterns);
        Assert.Equal(0, code);
        Assert.Contains($"kinds={kinds} {option[2..]}={patterns}", addError, StringComparison.Ordinal);
        var key = added.TrimEnd().Split('\n')[^1].Trim();
        var store = StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath });
        var credentials = new SourceCredentialStore(store, TimeProvider.System);
        Assert.Equal(patterns.Split(','), Limited((await credentials.FindActiveSourceAsync(SourceKeys.Hash(key), Ct))!.Scope, option));
        Assert.EndsWith($"{option[2..]}={patterns}", Assert.Single((await RunAsync("list")).Out.Split('\n'), l => l.StartsWith("limited", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync("update", "limited", option, "")).Code);

        var source = await credentials.FindActiveSourceAsync(SourceKeys.Hash(key), Ct);
        Assert.Null(Limited(source!.Scope, option));
        Assert.Equal([kinds], source.Scope.Kinds);
    }

    [Theory]
    [InlineData("--clusters", "k8s.cluster")]
    [InlineData("--tenants", "subject.tenant")]
    public async Task AddHelp_NamesTheClustersAndTenantsOptions_AndAnEmptyEntryExitsTwo(string option, string field)
    {
        var (code, output, _) = await RunAsync("add", "--help");
        Assert.Equal(0, code);
        Assert.Contains($"{option} <GLOB,…>", output, StringComparison.Ordinal);
        Assert.Contains(field, output, StringComparison.Ordinal);

        var (bad, _, error) = await RunAsync("add", "limited", option, "a,,b");
        Assert.Equal(2, bad);
        Assert.Contains($"{option}: empty entry 2", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// Adds <paramref name="name"/> for <paramref name="kinds"/> with the label <paramref name="option"/>
    /// <paramref name="value"/>, which the add reports and the list shows beside it; returns a read of the scope its key
    /// carries as stored at the time.
    /// </summary>
    private async Task<Func<Task<SourceScope>>> AddLabelledAsync(string name, string kinds, string option, string value)
    {
        var (code, added, addError) = await RunAsync("add", name, "--kinds", kinds, option, value);
        Assert.Equal(0, code);
        var label = $"{option[2..]}={value}";
        Assert.Contains($"kinds={kinds} {label}", addError, StringComparison.Ordinal);
        Assert.EndsWith(label, Assert.Single((await RunAsync("list")).Out.Split('\n'), l => l.StartsWith(name, StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        var key = added.TrimEnd().Split('\n')[^1].Trim();
        var credentials = new SourceCredentialStore(StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath }), TimeProvider.System);
        return async () => (await credentials.FindActiveSourceAsync(SourceKeys.Hash(key), Ct))!.Scope;
    }

    [Fact]
    public async Task Add_WithCluster_ListShowsIt_TheKeyCarriesIt_UpdateReplacesAndAnEmptyValueLiftsIt()
    {
        var scope = await AddLabelledAsync("kube-prod-eu", "k8s.audit,runtime.alert", "--cluster", "prod-eu");
        Assert.Equal("prod-eu", (await scope()).Cluster);

        // Changing the limit beside it keeps the label; a limit it is in is allowed.
        Assert.Equal(0, (await RunAsync("update", "kube-prod-eu", "--clusters", "prod-*")).Code);
        Assert.Equal(0, (await RunAsync("update", "kube-prod-eu", "--cluster", "prod-us")).Code);
        var changed = await scope();
        Assert.Equal("prod-us", changed.Cluster);
        Assert.Equal(["prod-*"], changed.Clusters);

        Assert.Equal(0, (await RunAsync("update", "kube-prod-eu", "--cluster", "")).Code);
        var lifted = await scope();
        Assert.Null(lifted.Cluster);
        Assert.Equal(["k8s.audit", "runtime.alert"], lifted.Kinds);
    }

    [Fact]
    public async Task Add_WithTenant_ListShowsIt_TheKeyCarriesIt_UpdateReplacesAndAnEmptyValueLiftsIt()
    {
        var scope = await AddLabelledAsync("okta-acme", "auth.*,idp.event", "--tenant", "acme.okta.com");
        Assert.Equal("acme.okta.com", (await scope()).Tenant);

        Assert.Equal(0, (await RunAsync("update", "okta-acme", "--tenant", "acme.oktapreview.com")).Code);
        Assert.Equal("acme.oktapreview.com", (await scope()).Tenant);
        Assert.Equal(0, (await RunAsync("update", "okta-acme", "--tenant", "")).Code);
        var lifted = await scope();
        Assert.Null(lifted.Tenant);
        Assert.Equal(["auth.*", "idp.event"], lifted.Kinds);
    }

    [Theory]
    [InlineData("acme*", "is a pattern")]
    [InlineData("acme.okta.com,initech.okta.com", "is a list")]
    public async Task Add_WithTenantThatIsNoOneName_ExitsTwoNamingWhy_AndAddsNothing(string tenant, string why)
    {
        await AssertLabelRefusedAsync("okta", "auth.*", "--tenant", tenant, why);
    }

    /// <summary>A label is one cluster's name as its records carry it; anything else is refused with exit 2, naming why.</summary>
    [Theory]
    [InlineData("prod-*", "is a pattern")]
    [InlineData("prod-eu,prod-us", "is a list")]
    [InlineData("prod eu", "holds a space")]
    [InlineData(" ", "is blank")]
    public async Task Add_WithClusterThatIsNoOneName_ExitsTwoNamingWhy_AndAddsNothing(string cluster, string why)
    {
        await AssertLabelRefusedAsync("kube", "k8s.audit", "--cluster", cluster, why);
    }

    /// <summary>
    /// Adding <paramref name="name"/> for <paramref name="kinds"/> with the label <paramref name="option"/>
    /// <paramref name="value"/> exits 2 with the line naming the option, the value and <paramref name="why"/>, and the list
    /// holds no such source.
    /// </summary>
    private async Task AssertLabelRefusedAsync(string name, string kinds, string option, string value, string why)
    {
        var (code, _, error) = await RunAsync("add", name, "--kinds", kinds, option, value);

        Assert.Equal(2, code);
        Assert.Contains($"{option}: '{value}' {why}", error, StringComparison.Ordinal);
        Assert.DoesNotContain(name + " ", (await RunAsync("list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddOrUpdate_ClusterOutsideTheClusterLimitOrOnAnIdentityProvider_ExitsTwoNamingWhy_AndChangesNothing()
    {
        var (code, _, error) = await RunAsync("add", "kube", "--kinds", "k8s.audit", "--clusters", "staging,dev-*", "--cluster", "prod-eu");
        Assert.Equal(2, code);
        Assert.Contains("--cluster 'prod-eu' is not one of the clusters the source may speak for (staging, dev-*)", error, StringComparison.Ordinal);

        (code, _, error) = await RunAsync("add", "okta-acme", "--kinds", "auth.*,idp.event", "--cluster", "prod-eu");
        Assert.Equal(2, code);
        Assert.Contains("kinds=auth.*,idp.event are an identity provider's", error, StringComparison.Ordinal);
        Assert.DoesNotContain("okta-acme", (await RunAsync("list")).Out, StringComparison.Ordinal);
        Assert.DoesNotContain("kube ", (await RunAsync("list")).Out, StringComparison.Ordinal);

        // On update the scope as it would become is checked: the stored limit against the new label, and the other way round.
        Assert.Equal(0, (await RunAsync("add", "kube", "--kinds", "k8s.audit", "--clusters", "staging")).Code);
        (code, _, error) = await RunAsync("update", "kube", "--cluster", "prod-eu");
        Assert.Equal(2, code);
        Assert.Contains("(staging)", error, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("update", "kube", "--cluster", "staging")).Code);
        (code, _, error) = await RunAsync("update", "kube", "--clusters", "prod-*");
        Assert.Equal(2, code);
        Assert.Contains("--cluster 'staging' is not one of the clusters the source may speak for (prod-*)", error, StringComparison.Ordinal);
        Assert.EndsWith("kinds=k8s.audit cluster=staging clusters=staging", Assert.Single((await RunAsync("list")).Out.Split('\n'), l => l.StartsWith("kube", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_WithoutScope_WarnsThatItMaySpeakForAnyone_ListSaysSo()
    {
        var (code, _, error) = await RunAsync("add", "wide-open");

        Assert.Equal(0, code);
        Assert.StartsWith("ztstream sources add: warning: 'wide-open' has no scope, ", Assert.Single(Lines(error)), StringComparison.Ordinal);
        Assert.Contains("(none: speaks for anything)", (await RunAsync("list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_UnknownOrRevokedSource_Exits1_WithoutAnyScopeOption_Exits2()
    {
        await RunAsync("add", "gone");
        await RunAsync("revoke", "gone");

        Assert.Equal(1, (await RunAsync("update", "gone", "--subjects", "x")).Code);
        Assert.Equal(1, (await RunAsync("update", "never-added", "--subjects", "x")).Code);
        var (code, _, error) = await RunAsync("update", "gone");
        Assert.Equal(2, code);
        Assert.Contains("give at least one of --kinds", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData()]
    [InlineData("add")]
    [InlineData("add", "x", "--subjects", "has space")]
    [InlineData("delete", "x")]
    [InlineData("add", "Bad Name")]
    [InlineData("list", "extra")]
    [InlineData("revoke", "x", "--key-file", "f")]
    [InlineData("add", "x", "--key-file", " ")]
    public async Task BadUsage_Exits2WithUsageOnStandardError(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.NotEmpty(error);
    }

    [Fact]
    public async Task AddWithKeyFile_WritesANewKeyThenRegistersTheFileKeyAgainWithoutHarm()
    {
        var keyFile = Path.Combine(Directory.CreateDirectory(Path.Combine(temp.Path, "keys")).FullName, "sample.key");

        var (code, output, _) = await RunAsync("add", "sample", "--key-file", keyFile);

        Assert.Equal(0, code);
        var key = (await File.ReadAllTextAsync(keyFile, Ct)).Trim();
        Assert.Equal(key, output.TrimEnd().Split('\n')[^1].Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        // A rerun of the same setup step succeeds and keeps the key.
        var again = await RunAsync("add", "sample", "--key-file", keyFile);
        Assert.Equal(0, again.Code);
        Assert.Equal(key, (await File.ReadAllTextAsync(keyFile, Ct)).Trim());

        // A file key for a new source is registered as given.
        var shared = Path.Combine(temp.Path, "given.key");
        await File.WriteAllTextAsync(shared, "zts_given-key-0123456789abcdefghij\n", Ct);
        Assert.Equal(0, (await RunAsync("add", "given", "--key-file", shared)).Code);
        var credentials = new SourceCredentialStore(StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath }), TimeProvider.System);
        Assert.Equal("given", await credentials.FindActiveAsync(SourceKeys.Hash("zts_given-key-0123456789abcdefghij"), CancellationToken.None));

        // Another source's key file does not silently take over an active name.
        Assert.Equal(1, (await RunAsync("add", "sample", "--key-file", shared)).Code);
    }

    /// <summary>
    /// A key file holding a key that was revoked: adding it again — the rotation docs/sources.md describes, run by a setup
    /// step whose file is still there — must not make the revoked key valid again, for the same name or another.
    /// </summary>
    [Theory]
    [InlineData("sample")]
    [InlineData("other")]
    public async Task AddWithKeyFileOfARevokedKey_Exits1_AndTheKeyStaysRevoked(string name)
    {
        var keyFile = Path.Combine(temp.Path, "sample.key");
        Assert.Equal(0, (await RunAsync("add", "sample", "--key-file", keyFile)).Code);
        var key = (await File.ReadAllTextAsync(keyFile, Ct)).Trim();
        Assert.Equal(0, (await RunAsync("revoke", "sample")).Code);

        var (code, output, error) = await RunAsync("add", name, "--key-file", keyFile);

        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.StartsWith($"ztstream sources add: the key in '{keyFile}' was revoked with source 'sample' at ", Assert.Single(Lines(error)), StringComparison.Ordinal);
        var credentials = new SourceCredentialStore(StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = DbPath }), TimeProvider.System);
        Assert.Null(await credentials.FindActiveAsync(SourceKeys.Hash(key), CancellationToken.None));
        Assert.DoesNotContain("other", (await RunAsync("list")).Out, StringComparison.Ordinal);
    }

    /// <summary>One key file given to two sources: one line naming the source that holds the key, exit 1, not a database error.</summary>
    [Fact]
    public async Task AddWithKeyFileOfAnotherActiveSource_Exits1_NamingIt()
    {
        var keyFile = Path.Combine(temp.Path, "falco.key");
        Assert.Equal(0, (await RunAsync("add", "falco", "--key-file", keyFile)).Code);

        var (code, output, error) = await RunAsync("add", "falco-2", "--key-file", keyFile);

        Assert.Equal(1, code);
        Assert.Empty(output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith($"ztstream sources add: the key in '{keyFile}' belongs to source 'falco'; ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("falco-2", (await RunAsync("list")).Out, StringComparison.Ordinal);
    }

    /// <summary>
    /// A rerun of a setup step with scope options the registered source does not have: refused (exit 1, naming the scope it
    /// has and <c>sources update</c>), not answered "already registered" with the options dropped; the same scope or none is a no-op.
    /// </summary>
    [Fact]
    public async Task AddWithKeyFileAgain_WithADifferentScope_Exits1_WithTheSameOrNone_IsANoOp()
    {
        var keyFile = Path.Combine(temp.Path, "orders.key");
        Assert.Equal(0, (await RunAsync("add", "orders-api", "--key-file", keyFile, "--kinds", "access.request")).Code);

        var (code, _, error) = await RunAsync("add", "orders-api", "--key-file", keyFile, "--kinds", "access.request", "--namespaces", "shop");

        Assert.Equal(1, code);
        Assert.Contains("may speak for: kinds=access.request", error, StringComparison.Ordinal);
        Assert.Contains("ztstream sources update orders-api", error, StringComparison.Ordinal);
        Assert.DoesNotContain("namespaces=shop", (await RunAsync("list")).Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("add", "orders-api", "--key-file", keyFile, "--kinds", "access.request")).Code);
        Assert.Equal(0, (await RunAsync("add", "orders-api", "--key-file", keyFile)).Code);
    }

    /// <summary>
    /// A key file that cannot be written (a folder given for it, a folder path through a file): nothing is registered, so
    /// no key exists that was never saved nor shown, and the same name can be added once the path is right.
    /// </summary>
    [Theory]
    [InlineData("", 2, "--key-file '")]
    [InlineData("plain-file/sample.key", 1, "cannot write the key")]
    public async Task AddWithKeyFileThatCannotBeWritten_RegistersNothing(string keyPath, int exitCode, string named)
    {
        await File.WriteAllTextAsync(Path.Combine(temp.Path, "plain-file"), "not a folder", Ct);

        var (code, output, error) = await RunAsync("add", "sample", "--key-file", Path.Combine(temp.Path, keyPath));

        Assert.Equal(exitCode, code);
        Assert.Empty(output);
        Assert.StartsWith($"ztstream sources add: {named}", Assert.Single(Lines(error)), StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync("add", "sample", "--key-file", Path.Combine(temp.Path, "right.key"))).Code);
    }

    /// <summary>
    /// A key file whose folder does not exist is refused in one line naming the folder, exit 1, and nothing is made or
    /// registered, as <c>ssh-keygen -f</c> refuses it: before, the missing folders were made without a word (with the
    /// umask's permissions), so a mistyped path left a secret in a new folder nobody looks in.
    /// </summary>
    [Theory]
    [InlineData("keys/sample.key", "keys")]
    [InlineData("a/b/c/key", "a/b/c")]
    public async Task AddWithKeyFileInAMissingFolder_Exits1_NamingIt_MakesAndRegistersNothing(string keyPath, string missing)
    {
        var (code, output, error) = await RunAsync("add", "sample", "--key-file", Path.Combine(temp.Path, keyPath));

        Assert.Equal(1, code);
        Assert.Empty(output);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains($"the folder '{Path.Combine(temp.Path, missing)}' does not exist; create it first", line, StringComparison.Ordinal);
        Assert.Contains("source 'sample' was not added", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(temp.Path, keyPath.Split('/')[0])));
        Assert.DoesNotContain("sample", (await RunAsync("list")).Out, StringComparison.Ordinal);
    }

    /// <summary>A store that cannot be opened (a folder named as the database, a file that is no database): one line naming it, exit 1.</summary>
    [Theory]
    [InlineData("folder")]
    [InlineData("not-a-database")]
    public async Task AnyVerb_StoreThatCannotBeOpened_OneLineExitOne(string what)
    {
        var db = Path.Combine(temp.Path, what);
        if (what == "folder")
        {
            Directory.CreateDirectory(db);
        }
        else
        {
            await File.WriteAllTextAsync(db, "these bytes are no SQLite database, whatever their length may be; " + new string('x', 200), Ct);
        }

        var (code, _, error) = await RunOnAsync(db, "list");

        Assert.Equal(1, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("ztstream sources list: ", line, StringComparison.Ordinal);
        Assert.Contains(db, line, StringComparison.Ordinal);
    }

    /// <summary>
    /// Identity providers' users are keyed in the one form of login names before the scope is applied, so a --subjects
    /// pattern naming a login in another form (the domain as the company writes it) refused every event of an Okta source
    /// (posted through ztstream run: 403, all 4 outside '*@Acme.Example'). add and update say so, naming the form that
    /// matches; patterns already in that form, opaque ids and Kubernetes-style names without an @ draw no warning.
    /// </summary>
    [Theory]
    [InlineData("*@Acme.Example", "*@acme.example")]
    [InlineData("DANA@acme.example", "dana@acme.example")]
    [InlineData("*@ＡＣＭＥ.example", "*@acme.example")]
    public async Task AddAndUpdate_SubjectPatternNotInTheFormOfLoginNames_Warn_NamingTheFormThatMatches(string pattern, string folded)
    {
        var (code, _, error) = await RunAsync("add", "okta", "--kinds", "auth.*", "--subjects", pattern);
        var (updateCode, _, updateError) = await RunAsync("update", "okta", "--subjects", $"00uAbC*,{pattern}");

        Assert.Equal((0, 0), (code, updateCode));
        foreach (var text in new[] { error, updateError })
        {
            var warning = Assert.Single(text.Split('\n'), l => l.Contains("warning", StringComparison.Ordinal));
            Assert.StartsWith($"ztstream sources {(text == error ? "add" : "update")}: warning: --subjects '", warning, StringComparison.Ordinal);
            Assert.Contains($"'{pattern}'", warning, StringComparison.Ordinal);
            Assert.Contains($"'{folded}'", warning, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("*@acme.example")]
    [InlineData("00uAbCdEf*")]
    [InlineData("system:serviceaccount:Shop:*")]
    public async Task Add_SubjectPatternInTheFormOfLoginNamesOrWithoutAnAt_DoesNotWarn(string pattern)
    {
        var (code, _, error) = await RunAsync("add", "okta", "--kinds", "auth.*", "--subjects", pattern);

        Assert.Equal(0, code);
        Assert.DoesNotContain("warning", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// What a verb finds wrong itself is said under the path of the sub-command run, as the runner says a usage problem,
    /// so one run prints its lines in one shape; the exit codes stay.
    /// </summary>
    [Theory]
    [InlineData(1, "ztstream sources revoke: no active source named 'nope'", "revoke", "nope")]
    [InlineData(1, "ztstream sources update: no active source named 'nope'", "update", "nope", "--kinds", "auth.*")]
    [InlineData(2, "ztstream sources add: --key-file is empty; name the file that holds the key, or where to write a new one", "add", "x", "--key-file", " ")]
    [InlineData(2, "ztstream sources add: --cluster 'prod-eu' is not one of the clusters the source may speak for (staging): every record it labels would be refused; give a cluster the limit allows, or lift the limit (--clusters ''); source 'x' was not added", "add", "x", "--clusters", "staging", "--cluster", "prod-eu")]
    public async Task AVerbsOwnProblem_IsOneLineUnderTheSubCommandsPath(int exitCode, string said, params string[] args)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(exitCode, code);
        Assert.Equal([said], Lines(error));
    }

    [Fact]
    public async Task Add_AlreadyActive_AndItsScopeNote_SayTheirLinesUnderSourcesAdd()
    {
        var (_, _, scoped) = await RunAsync("add", "kube", "--kinds", "k8s.audit");
        var (code, _, again) = await RunAsync("add", "kube");

        Assert.Equal(["ztstream sources add: 'kube' may speak for: kinds=k8s.audit"], Lines(scoped));
        Assert.Equal(1, code);
        Assert.Equal(["ztstream sources add: source 'kube' already exists; revoke it first to issue a new key"], Lines(again));
    }

    private static string[] Lines(string text) => text.TrimEnd().Split('\n');

    public void Dispose()
    {
        temp.Dispose();
    }
}
