namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Random and truncated bodies on every endpoint: never a 5xx, and every refusal is a problem document.</summary>
public sealed class IngestFuzzTests
{
    private const int BodiesPerEndpoint = 120;

    public static TheoryData<string, string> Endpoints => new()
    {
        { "/v1/events", "application/json" },
        { "/v1/events", "application/x-ndjson" },
        { "/v1/events", "application/cloudevents-batch+json" },
        { "/v1/sources/k8s-audit", "application/json" },
        { "/v1/sources/falco", "application/json" },
        { "/v1/sources/okta", "application/json" },
        { "/v1/sources/entra", "application/json" },
        { "/v1/sources/keycloak", "application/json" },
        { "/v1/sources/auth0", "application/json" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Post_RandomAndTruncatedBodies_AlwaysAnswerWithoutServerErrorAndProblemsAreDocuments(string path, string contentType)
    {
        await using var server = await IngestServer.StartInProcessAsync(new(IngestServer.AnyAge) { ["Ingest:MaxBodyBytes"] = "65536" });
        var key = await server.AddSourceAsync("fuzz");
        var random = new Random(path.Length * 31 + contentType.Length);
        var seeds = Seeds(path, contentType);

        for (var i = 0; i < BodiesPerEndpoint; i++)
        {
            var body = Mutate(random, seeds[random.Next(seeds.Count)]);

            using var response = await server.PostAsync(path, body, key, contentType);

            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(status < 500, $"{path} answered {status} to body #{i} ({Convert.ToBase64String(body)}): {text}");
            if (status >= 400)
            {
                Assert.Equal(Problem.MediaType, response.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(text);
                Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
                Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
                // Bad input is reported by the mappers item by item, not caught by the handler's last-resort guard.
                Assert.NotEqual(Problem.TypeBase + "unprocessable-body", problem.RootElement.GetProperty("type").GetString());
            }
            else
            {
                Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.MultiStatus });
            }
        }
    }

    private static readonly Dictionary<string, string[]> IdentityFixtures = new(StringComparer.Ordinal)
    {
        ["okta"] = ["event-hook-delivery.json", "system-log-mfa-push.json", "system-log-admin.ndjson"],
        ["entra"] = ["signin-records.json", "audit-records.json", "log-analytics.ndjson"],
        ["keycloak"] = ["user-events.json", "admin-events.json", "webhook.ndjson"],
        ["auth0"] = ["log-stream.json", "management-api.ndjson"],
    };

    private static List<byte[]> Seeds(string path, string contentType)
    {
        var events = Payloads.Array(Payloads.Event("f-0"), Payloads.Event("f-1", subject: "bob"));
        var seeds = new List<string> { events, "{}", "[]", "null", "[[[[[]]]]]", "\"text\"" };
        if (path.EndsWith("k8s-audit", StringComparison.Ordinal))
        {
            seeds.Add(Encoding.UTF8.GetString(Sources.TestData.K8sTrace("create_nginx_pod_privileged.json")));
            seeds.Add(Encoding.UTF8.GetString(Sources.TestData.K8sTrace("create_configmap_sensitive_values.json")));
        }
        else if (path.EndsWith("falco", StringComparison.Ordinal))
        {
            seeds.Add(Encoding.UTF8.GetString(Sources.TestData.Falco("terminal-shell.json")));
            seeds.Add(Encoding.UTF8.GetString(Sources.TestData.Falco("sidekick-webhook.json")));
        }
        else if (IdentityFixtures.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var files))
        {
            var vendor = path[(path.LastIndexOf('/') + 1)..];
            seeds.AddRange(files.Select(f => Encoding.UTF8.GetString(Sources.TestData.Idp(vendor, f))));
        }
        else if (contentType.Contains("cloudevents", StringComparison.Ordinal))
        {
            seeds.Add($$"""[{"specversion":"1.0","id":"c","source":"s","type":"io.ztstream.access.v1","data":{{Payloads.Event("c-1")}}}]""");
        }
        else
        {
            seeds.Add(Payloads.Event("n-0") + "\n" + Payloads.Event("n-1"));
        }

        return [.. seeds.Select(Encoding.UTF8.GetBytes)];
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        switch (random.Next(5))
        {
            case 0:
                // Truncated anywhere.
                return seed[..random.Next(seed.Length + 1)];
            case 1:
                {
                    // Bytes flipped, including invalid UTF-8 and control characters.
                    var copy = (byte[])seed.Clone();
                    for (var n = random.Next(1, 8); n > 0 && copy.Length > 0; n--)
                    {
                        copy[random.Next(copy.Length)] = (byte)random.Next(256);
                    }

                    return copy;
                }

            case 2:
                {
                    // Pure noise.
                    var noise = new byte[random.Next(0, 512)];
                    random.NextBytes(noise);
                    return noise;
                }

            case 3:
                {
                    // JSON-ish tokens in random order.
                    string[] tokens = ["{", "}", "[", "]", ",", ":", "\"id\"", "\"time\"", "\"kind\"", "\"subject\"", "\"items\"", "\"rule\"", "\"data\"", "\"records\"", "\"events\"", "\"properties\"", "\"type\"", "\"uuid\"", "\"published\"", "\"eventType\"", "null", "1e999", "-0", "\"\\u0000\"", "true", "\"2026-11-28T10:00:00Z\"", "\n"];
                    var sb = new StringBuilder();
                    for (var n = random.Next(1, 60); n > 0; n--)
                    {
                        sb.Append(tokens[random.Next(tokens.Length)]);
                    }

                    return Encoding.UTF8.GetBytes(sb.ToString());
                }

            default:
                {
                    // A valid body with a slice cut out of the middle.
                    if (seed.Length < 4)
                    {
                        return seed;
                    }

                    var from = random.Next(seed.Length / 2);
                    var to = from + random.Next(1, seed.Length - from);
                    return [.. seed[..from], .. seed[to..]];
                }
        }
    }
}
