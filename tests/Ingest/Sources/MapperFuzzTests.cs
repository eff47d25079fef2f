using ZtStream.Ingest.Sources.Azure;
using ZtStream.Ingest.Sources.Aws;
using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources;

/// <summary>The adapters are pure functions over untrusted bytes: whatever comes in, they return, never throw.</summary>
public sealed class MapperFuzzTests
{
    [Fact]
    public void Map_MutatedRealPayloads_NeverThrowAndAccountForEveryItem()
    {
        var random = new Random(20261128);
        byte[][] seeds =
        [
            TestData.K8sTrace("create_nginx_pod_privileged.json"),
            TestData.K8sTrace("create_configmap_sensitive_values.json"),
            TestData.K8sTrace("exec_pod.json"),
            TestData.Managed("aks-diagnostic-records.json"),
            TestData.Managed("aks-audit-query-api.json"),
            TestData.Managed("aks-audit-export-records.json"),
            TestData.Managed("eks-cloudwatch-subscription.json"),
            TestData.Managed("eks-firehose-delivery.json"),
            TestData.Managed("gke-audit-entries.ndjson"),
            TestData.Managed("gke-pubsub-push.json"),
            TestData.Falco("terminal-shell.json"),
            TestData.Falco("sidekick-webhook.json"),
            TestData.Idp("okta", "event-hook-delivery.json"),
            TestData.Idp("okta", "system-log-admin.ndjson"),
            TestData.Idp("entra", "signin-records.json"),
            TestData.Idp("entra", "audit-records.json"),
            TestData.Idp("keycloak", "user-events.json"),
            TestData.Idp("keycloak", "admin-events.json"),
            TestData.Idp("auth0", "log-stream.json"),
            File.ReadAllBytes(TestData.Path("aws-cloudtrail", "cloudtrail-records.ndjson")),
            File.ReadAllBytes(TestData.Path("aws-cloudtrail", "s3-log-file.json")),
            TestData.Idp("google-workspace", "activities-list.json"),
            File.ReadAllBytes(TestData.Path("azure-activity", "activity-records.ndjson")),
            File.ReadAllBytes(TestData.Path("tetragon", "events.jsonl")),
        ];

        for (var i = 0; i < 3000; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var body = (byte[])seed.Clone();
            for (var n = random.Next(1, 6); n > 0; n--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            if (random.Next(3) == 0)
            {
                body = body[..random.Next(body.Length + 1)];
            }

            foreach (var result in new[] { K8sAuditMapper.Map(body), FalcoMapper.Map(body), OktaMapper.Map(body), EntraMapper.Map(body), KeycloakMapper.Map(body), Auth0Mapper.Map(body), CloudTrailMapper.Map(body), GoogleWorkspaceMapper.Map(body), AzureActivityMapper.Map(body), TetragonMapper.Map(body) })
            {
                Assert.True(result.ItemCount >= 1 || result.EmptyDeliveries > 0, Encoding.UTF8.GetString(body));
                Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
                Assert.Equal(result.ItemCount, result.Items.Select(m => m.Index).Concat(result.Errors.Select(e => e.Index)).Distinct().Count());
            }
        }
    }

    /// <summary>
    /// Valid JSON in other shapes than the vendors document: members missing, null, of another type, nested deeper,
    /// very long or wrapped in arrays, anywhere in a real payload. Byte flips above mostly break the JSON; these keep it
    /// valid, which is what a new vendor version or another deployment sends.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Map_RealPayloadsInOtherShapes_NeverThrowAndAccountForEveryItem()
    {
        var seeds = Directory.EnumerateFiles(TestData.Path(), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".ndjson", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(JsonReshaper.Load)
            .ToArray();

        await JsonReshaper.RunAsync(2000, 20261130, (_, random) =>
        {
            var doc = JsonReshaper.Reshape(seeds[random.Next(seeds.Length)], random);
            var body = Encoding.UTF8.GetBytes(doc.ToJsonString());
            foreach (var adapter in SourceAdapters.All)
            {
                var result = adapter.Map(body, SourceMapOptions.Default);

                // Nothing to account for only when the batch is empty (a root array, an EventList's items, an Okta hook's
                // data.events) or holds only deliveries that carry no events (a CloudWatch Logs control message);
                // anything else is an item or an item's error.
                // An activities.list page without "items" is Google's empty page (no activity in the range).
                Assert.True(
                    result.ItemCount >= 1 || result.EmptyDeliveries > 0 || doc.ToJsonString().Contains("[]", StringComparison.Ordinal)
                        || (doc is JsonObject page && page["kind"]?.ToJsonString() == "\"admin#reports#activities\"" && !page.ContainsKey("items")),
                    $"{adapter.Name}: {Encoding.UTF8.GetString(body)[..Math.Min(body.Length, 1500)]}");
                Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
                Assert.Equal(result.ItemCount, result.Items.Select(m => m.Index).Concat(result.Errors.Select(e => e.Index)).Distinct().Count());
            }
        }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Map_InvalidUtf8InAString_IsAnItemError()
    {
        var body = Encoding.UTF8.GetBytes("""{"kind":"Event","auditID":"a","requestReceivedTimestamp":"2026-01-01T00:00:00Z","user":{"username":"XX"}}""");
        var at = Array.IndexOf(body, (byte)'X');
        body[at] = 0xC3;
        body[at + 1] = 0x28;

        var result = K8sAuditMapper.Map(body);

        Assert.Empty(result.Events);
        Assert.Equal(JsonPayload.InvalidText, Assert.Single(result.Errors).Reason);
    }
}
