using System.Net.Http.Headers;
using Confluent.Kafka;
using Dapper;
using k8s;
using MailKit.Net.Smtp;
using RabbitMQ.Client;
using ZtStream.Contracts;
using ZtStream.Ingest.SignedTokens;
using ZtStream.Platform.Bus;
using ZtStream.Platform.EventLog.Kafka;
using ZtStream.Platform.Store;
using ZtStream.Platform.Store.Sqlite;
using ZtStream.Responder.Isolation.Kubernetes;
using ZtStream.Responder.Notifications.Targets;
using ZtStream.Responder.Revocation.OAuth;
using ZtStream.Responder.Revocation.SharedSignals;

namespace ZtStream.Host.Check;

/// <summary>
/// Each check reaches one configured dependency the way the roles will, with its credentials, and does nothing there
/// a real run would not: Kafka's metadata, <c>SELECT 1</c>, an AMQP login, an RFC 7009 revocation of a token that
/// does not exist (an IdP answers 200 to that once it accepts the client), an SMTP login without a message, the
/// Kubernetes API's version and a pod list, and a plain request to each webhook (no message is posted).
/// </summary>
internal sealed class ConnectivityChecks(IConfiguration configuration, TimeSpan timeout, HttpClient http)
{
    public async IAsyncEnumerable<CheckResult> RunAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var eventLog = EventLogServiceCollectionExtensions.BindEventLogOptions(configuration);
        yield return await Guard("event log", eventLog.NormalizedKind switch
        {
            EventLogOptions.Kafka => $"kafka {eventLog.BootstrapServers}",
            EventLogOptions.File => $"file {eventLog.Path}",
            var kind => kind,
        }, ct => EventLogAsync(eventLog, ct), cancellationToken);
        var store = Bind<StoreOptions>(StoreOptions.Section);
        yield return await Guard("store", StoreTarget(store), ct => StoreAsync(store, ct), cancellationToken);
        var bus = Bind<BusOptions>(BusOptions.Section);
        yield return await Guard("command bus", IsRabbitMq(bus) ? $"rabbitmq {RabbitMqEndpoint.Parse(bus.RabbitMqUri ?? "")}" : bus.Kind, ct => BusAsync(bus, ct), cancellationToken);

        var drivers = Bind<ResponderDriversOptions>(ResponderDriversOptions.Section);
        foreach (var coverage in await ClusterCoverageAsync(store, drivers, cancellationToken))
        {
            yield return coverage;
        }

        if (drivers.Uses(OAuthTokenRevoker.DriverName))
        {
            yield return await Guard("oauth", drivers.OAuth.Endpoint?.ToString() ?? "", ct => OAuthAsync(drivers.OAuth, ct), cancellationToken);
        }

        if (drivers.Uses(SharedSignalsTransmitter.DriverName))
        {
            foreach (var (name, receiver) in drivers.SharedSignals.Receivers)
            {
                yield return await Guard("ssf receiver", $"{name} {receiver.Endpoint}", ct => SsfReceiverAsync(receiver, ct), cancellationToken);
            }
        }

        if (drivers.IsolationKind() == KubernetesWorkloadIsolator.DriverName)
        {
            var k8s = drivers.Kubernetes;
            yield return await Guard(
                "kubernetes",
                (k8s.Host?.ToString() ?? k8s.KubeconfigPath ?? "in-cluster") + (string.IsNullOrEmpty(k8s.Cluster) ? "" : $" (cluster {k8s.Cluster})"),
                ct => KubernetesAsync(k8s.KubeconfigPath, k8s.Context, k8s.Host, k8s.DefaultNamespace, ct),
                cancellationToken);
            foreach (var cluster in k8s.Clusters)
            {
                yield return await Guard(
                    "kubernetes",
                    $"{cluster.Host?.ToString() ?? cluster.KubeconfigPath ?? "default kubeconfig"} (cluster {cluster.Name})",
                    ct => KubernetesAsync(cluster.KubeconfigPath, cluster.Context, cluster.Host, k8s.DefaultNamespace, ct),
                    cancellationToken);
            }
        }

        // Signed tokens are verified against their signers' JWKS (Google's for Pub/Sub push by default; each Shared
        // Signals transmitter's): an egress that cannot reach one refuses that sender's tokens with 503.
        var pubSub = Bind<PubSubPushOptions>(PubSubPushOptions.Section);
        var ssf = Bind<Ingest.SharedSignals.SsfReceiverOptions>(Ingest.SharedSignals.SsfReceiverOptions.Section);
        var signers = pubSub.Sources.Select(s => (Uri: s.Value.JwksUri, Who: $"pubsub push {s.Key}"))
            .Concat(ssf.Transmitters.Where(t => t.Value.JwksUri is not null).Select(t => (Uri: t.Value.JwksUri!, Who: $"ssf transmitter {t.Key}")));
        foreach (var keys in signers.GroupBy(s => s.Uri))
        {
            yield return await Guard("signing keys", $"{keys.Key} ({string.Join(", ", keys.Select(s => s.Who))})", ct => SigningKeysAsync(keys.Key, ct), cancellationToken);
        }

        var notifications = Bind<NotificationOptions>(NotificationOptions.Section);
        foreach (var (name, target) in notifications.Targets)
        {
            var routes = notifications.Routes.Where(r => r.Targets.Contains(name, StringComparer.Ordinal)).Select(r => r.Name).ToList();
            var where = string.Equals(target.Kind, NotificationTargetOptions.Email, StringComparison.OrdinalIgnoreCase)
                ? $"smtp://{target.Smtp.Host}:{target.Smtp.Port}"
                : (target.Url ?? NotificationTargetOptions.PagerDutyEvents).GetLeftPart(UriPartial.Authority);
            var label = $"{name} ({target.Kind} {where}{(routes.Count == 0 ? ", on no route" : $", route {string.Join(", ", routes)}")})";
            yield return await Guard("notification", label, ct => NotificationTargetAsync(target, ct), cancellationToken);
        }
    }

    private T Bind<T>(string section) where T : new() => configuration.GetSection(section).Get<T>() ?? new T();

    private static bool IsRabbitMq(BusOptions options) => string.Equals(options.Kind, BusOptions.RabbitMq, StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the store is, without its password.</summary>
    private static string StoreTarget(StoreOptions options)
    {
        if (!string.Equals(options.Kind, StoreOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            return $"sqlite {SqliteStore.Build(options).DataSource}";
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
        return $"postgres {builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>
    /// Runs one check within the timeout and reports it as <paramref name="area"/> and <paramref name="target"/>, named
    /// here once for the answer, the timeout and the failure alike.
    /// </summary>
    private async Task<CheckResult> Guard(string area, string target, Func<CancellationToken, Task<Outcome>> check, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var (ok, detail) = await check(deadline.Token);
            return new CheckResult(area, target, ok, detail);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CheckResult(area, target, false, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CheckResult(area, target, false, Flatten(e));
        }
    }

    private async Task<Outcome> EventLogAsync(EventLogOptions options, CancellationToken cancellationToken)
    {
        if (options.NormalizedKind == EventLogOptions.File)
        {
            return FileLog(options.Path!);
        }

        if (options.NormalizedKind != EventLogOptions.Kafka)
        {
            return new Outcome(true, "in this process's memory: nothing to reach");
        }

        var target = options.BootstrapServers ?? "";
        var config = new AdminClientConfig(new Dictionary<string, string>(options.KafkaSettings, StringComparer.Ordinal)) { BootstrapServers = target };
        // librdkafka blocks; its own timeout bounds the call, the task keeps the command responsive to Ctrl-C.
        var metadata = await Task.Run(
            () =>
            {
                using var admin = new AdminClientBuilder(config).SetLogHandler((_, _) => { }).Build();
                return admin.GetMetadata(timeout);
            },
            cancellationToken);
        if (metadata.Brokers.Count == 0)
        {
            return new Outcome(false, "the cluster answered with no broker");
        }

        var names = new KafkaNames(options.KafkaPrefix);
        string[] topics = [names.Topic(Topics.Events), names.Topic(Topics.Alerts), names.Topic(Topics.Feedback)];
        var missing = topics.Where(t => metadata.Topics.All(m => m.Topic != t || m.Error.IsError)).ToList();
        var detail = $"{metadata.Brokers.Count} broker(s), cluster answered as {metadata.OriginatingBrokerName}";
        return new Outcome(true, missing.Count == 0 ? detail + "; ZtStream's topics exist" : $"{detail}; not created yet (the roles create them at start): {string.Join(", ", missing)}");
    }

    /// <summary>The file log's folder must exist (or be creatable) and take a file; the check leaves nothing behind.</summary>
    private static Outcome FileLog(string path)
    {
        var folder = new DirectoryInfo(path);
        var existing = folder;
        while (existing is { Exists: false })
        {
            existing = existing.Parent;
        }

        if (existing is null)
        {
            return new Outcome(false, "no part of the path exists");
        }

        var probe = Path.Combine(existing.FullName, $".ztstream-check-{Guid.NewGuid():N}");
        File.WriteAllBytes(probe, []);
        File.Delete(probe);
        return new Outcome(true, folder.Exists
            ? "the folder takes files"
            : $"the folder will be created in {existing.FullName}, which takes files");
    }

    private static async Task<Outcome> StoreAsync(StoreOptions options, CancellationToken cancellationToken)
    {
        var store = StoreServiceCollectionExtensions.CreateStore(options);
        try
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await store.OpenAsync(cancellationToken);
            var one = await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            return new Outcome(one == 1, $"SELECT 1 answered in {clock.ElapsedMilliseconds} ms");
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The sources' clusters (from the store, as <c>ztstream sources list</c> reads them) beside the isolation driver's:
    /// <see cref="ClusterCoverage"/>. A store no Ingest has migrated holds no sources yet.
    /// </summary>
    private async Task<IReadOnlyList<CheckResult>> ClusterCoverageAsync(StoreOptions options, ResponderDriversOptions drivers, CancellationToken cancellationToken)
    {
        var store = StoreServiceCollectionExtensions.CreateStore(options);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var ingest = new IngestMigrations();
            var latest = ingest.Migrations.Max(m => m.Version);
            var applied = (await new StoreMigrator(store, [ingest]).ReadAppliedAsync(deadline.Token))
                .Where(m => m.Component == IngestMigrations.Component).Select(m => (int)m.Version).DefaultIfEmpty(0).Max();
            if (applied > 0 && applied < latest)
            {
                return [new CheckResult(ClusterCoverage.Area, "sources", true, $"not compared with the isolation driver's clusters: the store's ingest schema is at version {applied} of {latest}; `ztstream run` with the ingest role migrates it", Warning: true)];
            }

            IReadOnlyList<SourceInfo> sources = applied == 0 ? [] : await new SourceCredentialStore(store, TimeProvider.System).ListAsync(deadline.Token);
            return ClusterCoverage.Compare(sources, drivers);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return [new CheckResult(ClusterCoverage.Area, "sources", true, $"not compared with the isolation driver's clusters: the sources could not be read ({Flatten(e)})", Warning: true)];
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }
    }

    private async Task<Outcome> BusAsync(BusOptions options, CancellationToken cancellationToken)
    {
        if (!IsRabbitMq(options))
        {
            return new Outcome(true, "in memory: nothing to reach");
        }

        var endpoint = RabbitMqEndpoint.Parse(options.RabbitMqUri ?? "");
        var factory = new ConnectionFactory
        {
            HostName = endpoint.Host,
            Port = endpoint.Port,
            VirtualHost = endpoint.VirtualHost,
            UserName = endpoint.Username,
            Password = endpoint.Password,
            RequestedConnectionTimeout = timeout,
            ClientProvidedName = "ztstream check",
        };
        if (endpoint.UseTls)
        {
            factory.Ssl = new SslOption { Enabled = true, ServerName = endpoint.Host };
        }

        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        // RabbitMQ answers the login and only then refuses a virtual host it does not have, closing the connection the
        // client has just returned as open; a channel is the first thing that needs the virtual host, as the bus does.
        await using (await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
        }

        var server = connection.ServerProperties?.TryGetValue("version", out var version) == true && version is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "?";
        return new Outcome(true, $"logged in as {endpoint.Username} (RabbitMQ {server})");
    }

    private async Task<Outcome> OAuthAsync(OAuthRevocationOptions options, CancellationToken cancellationToken)
    {
        // RFC 7009 §2.2: an unknown token is answered with 200 once the client is authenticated.
        using var request = OAuthTokenRevoker.BuildRequest(options, "ztstream-check-" + Guid.NewGuid().ToString("N"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return new Outcome(true, $"client {options.ClientId} accepted (answered {status} to revoking an unknown token)");
        }

        var answer = ErrorAnswers.OAuth(await ErrorAnswers.BodyAsync(response, cancellationToken));
        var error = answer.Code ?? answer.Text ?? "";
        var refused = status is 401 or 403 || answer.Code == "invalid_client";
        return new Outcome(!refused && status == 400, refused
            ? $"client {options.ClientId} refused: {status} {error}"
            : $"answered {status} {error}".TrimEnd());
    }

    private async Task<Outcome> SsfReceiverAsync(SsfReceiverOptions receiver, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, receiver.Endpoint);
        if (!string.IsNullOrEmpty(receiver.Authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", receiver.Authorization);
        }

        // The status is the answer: the body is not read.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        return status is 401 or 403
            ? new Outcome(false, $"refused the credentials ({status})")
            : new Outcome(true, $"reachable (answered {status} to GET; no SET is pushed)");
    }

    /// <summary>The JWKS at <paramref name="uri"/> answers 200 with at least one signing key, as the verifier will need.</summary>
    private async Task<Outcome> SigningKeysAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            return new Outcome(false, $"answered {status}");
        }

        // Read as Ingest reads it: one larger than Ingest takes is refused, not held.
        var json = await PublisherHttp.ReadAtMostAsync(response.Content, JwksKeySets.MaxJwksBytes, "the JWKS", cancellationToken);
        var keys = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(System.Text.Encoding.UTF8.GetString(json)).GetSigningKeys().Count;
        return new Outcome(keys > 0, keys > 0 ? $"{keys} signing key(s) published" : "the JWKS publishes no signing key");
    }

    private static async Task<Outcome> KubernetesAsync(string? kubeconfigPath, string? context, Uri? host, string defaultNamespace, CancellationToken cancellationToken)
    {
        var config = ResponderDrivers.KubernetesConfiguration(kubeconfigPath, context, host);
        using var client = new Kubernetes(config);
        var version = await client.Version.GetCodeAsync(cancellationToken);
        // The quarantine driver reads and labels pods: listing one in its default namespace proves the credentials and RBAC.
        var pods = await client.CoreV1.ListNamespacedPodAsync(defaultNamespace, limit: 1, cancellationToken: cancellationToken);
        return new Outcome(true, $"API {version.GitVersion}; may list pods in {defaultNamespace} ({pods.Items.Count} seen)");
    }

    private async Task<Outcome> NotificationTargetAsync(NotificationTargetOptions target, CancellationToken cancellationToken)
    {
        if (string.Equals(target.Kind, NotificationTargetOptions.Email, StringComparison.OrdinalIgnoreCase))
        {
            var smtp = target.Smtp;
            using var client = new SmtpClient();
            await client.ConnectAsync(smtp.Host ?? "", smtp.Port, EmailNotificationSender.Security(smtp), cancellationToken);
            var login = "";
            if (smtp.Username is not null)
            {
                await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
                login = $", logged in as {smtp.Username}";
            }

            await client.DisconnectAsync(true, cancellationToken);
            return new Outcome(true, $"SMTP server answered{login}{(client.IsSecure ? " over TLS" : "")}; no message sent");
        }

        var url = target.Endpoint;
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("ZtStream-check", "1"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new Outcome((int)response.StatusCode < 500 || (int)response.StatusCode == 501 || (int)response.StatusCode == 405,
            $"reachable (answered {(int)response.StatusCode} to GET; no message is posted)");
    }

    private static string Flatten(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (!messages.Contains(x.Message, StringComparer.Ordinal))
            {
                messages.Add(x.Message);
            }
        }

        return string.Join(": ", messages);
    }

    /// <summary>What one check found; <see cref="Guard"/> names the area and target it is reported under.</summary>
    private readonly record struct Outcome(bool Ok, string Detail);
}
