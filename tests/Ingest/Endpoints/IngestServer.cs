using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Ingest on loopback Kestrel (HTTP/1.1 and HTTP/2) over a throwaway SQLite store and the given event log.</summary>
internal sealed class IngestServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly string? folder;

    private readonly IEventLog log;

    private IngestServer(WebApplication app, string? folder, Uri address, IStore store, string topic, IEventLog log)
    {
        this.log = log;
        this.app = app;
        this.folder = folder;
        Address = address;
        Store = store;
        Topic = topic;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>The HTTP/2-only (h2c) listener.</summary>
    public Uri Http2Address { get; private init; } = null!;

    public IStore Store { get; }

    public string Topic { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>
    /// Settings under which an event of any age is taken: the recorded fixtures and the vendors' examples keep the times
    /// they were captured at (one third-party Entra shape is dated 2007), and the age limit is not what the tests that
    /// post them are about. A new dictionary each time, for a test to add to.
    /// </summary>
    public static Dictionary<string, string?> AnyAge => new() { ["Ingest:MaxEventAge"] = "36500.00:00:00" };

    /// <summary>Starts Ingest over a fresh in-memory event log (see <see cref="StartAsync"/>).</summary>
    public static Task<IngestServer> StartInProcessAsync(Dictionary<string, string?>? settings = null, TimeProvider? time = null, string? folder = null, ILoggerProvider? logs = null) =>
        StartAsync(TestLogs.CreateInProcess(), settings, time, folder, logs);

    /// <summary>
    /// Starts Ingest. With <paramref name="folder"/> it keeps its SQLite store there (and leaves it on dispose), so a
    /// second server on the same folder stands for a restart. With <paramref name="logs"/> what it logs goes there.
    /// </summary>
    public static async Task<IngestServer> StartAsync(IEventLog log, Dictionary<string, string?>? settings = null, TimeProvider? time = null, string? folder = null, ILoggerProvider? logs = null)
    {
        var owned = folder is null;
        folder ??= Directory.CreateTempSubdirectory("ztstream-ingest-").FullName;
        var topic = KafkaFixture.UniqueTopic("ingest");
        var config = new Dictionary<string, string?>
        {
            ["Ingest:Topic"] = topic,
            ["Ingest:CredentialCacheTime"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? [])
        {
            config[key] = value;
        }

        var store = StoreServiceCollectionExtensions.CreateStore(new StoreOptions { SqlitePath = Path.Combine(folder, "ztstream.db") });
        await new StoreMigrator(store, [new IngestMigrations(), new SsfReceiverMigrations()]).MigrateAsync(CancellationToken.None);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        // Without TLS there is no ALPN, so Kestrel answers prior-knowledge HTTP/2 (h2c) only on an HTTP/2-only endpoint.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2);
        });
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(log);
        builder.Services.AddIngest(builder.Configuration);
        var app = builder.Build();
        app.MapIngest();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToList();
        return new IngestServer(app, owned ? folder : null, new Uri(addresses[0]), store, topic, log) { Http2Address = new Uri(addresses[1]) };
    }

    /// <summary>
    /// What Ingest appended to its topic, read as the Verifier would once <paramref name="expected"/> records are there
    /// and <paramref name="quiet"/> has passed without more (see <see cref="LogReader.ReadAsync"/>).
    /// </summary>
    public Task<IReadOnlyList<LogReader.Read>> ReadLoggedAsync(int expected, TimeSpan? quiet = null) => LogReader.ReadAsync(log, Topic, expected, quiet);

    /// <summary>Adds a source (with a scope, if given) and returns its key, as <c>ztstream sources add</c> would.</summary>
    public async Task<string> AddSourceAsync(string name, ZtStream.Ingest.Sources.Scopes.SourceScope? scope = null)
    {
        var key = SourceKeys.NewKey();
        var added = await new SourceCredentialStore(Store, TimeProvider.System).AddAsync(name, SourceKeys.Hash(key), CancellationToken.None, scope);
        Assert.Equal(AddSourceResult.Added, added);
        return key;
    }

    public Task<bool> RevokeSourceAsync(string name) =>
        new SourceCredentialStore(Store, TimeProvider.System).RevokeAsync(name, CancellationToken.None);

    public Task<HttpResponseMessage> PostAsync(string path, string body, string? key, string contentType = "application/json", Version? version = null) =>
        PostAsync(path, Encoding.UTF8.GetBytes(body), key, contentType, version);

    /// <summary>
    /// Posts <paramref name="body"/>, which must be accepted whole (202 taking <paramref name="count"/> items), and reads the
    /// <paramref name="count"/> records it logged.
    /// </summary>
    public async Task<IReadOnlyList<LogReader.Read>> PostAcceptedAsync(string path, byte[] body, string key, int count, string contentType = "application/json")
    {
        using var response = await PostAsync(path, body, key, contentType);
        await IngestAnswer.AcceptedAsync(response, count);
        return await ReadLoggedAsync(count);
    }

    public Task<HttpResponseMessage> PostAsync(string path, byte[] body, string? key, string contentType = "application/json", Version? version = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, version == HttpVersion.Version20 ? new Uri(Http2Address, path) : new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (version is not null)
        {
            request.Version = version;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        (log as SwitchableEventLog)?.Inner.Dispose();
        (log as IDisposable)?.Dispose();
        if (folder is null)
        {
            return;
        }

        try
        {
            if (log is ZtStream.Platform.EventLog.FileLog.FileEventLog file)
            {
                Directory.Delete(file.Root, recursive: true);
            }

            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
