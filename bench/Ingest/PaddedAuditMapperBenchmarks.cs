using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ZtStream.Ingest.Sources;
using ZtStream.Ingest.Sources.K8sAudit;

namespace ZtStream.Benchmarks.Ingest;

/// <summary>
/// The audit adapter on records padded past <c>Ingest:MaxRawBytes</c> (64 KiB), where trimming does its work: a privileged
/// pod with one 80 KiB annotation, with 5,000 labels, and with forty containers of 2 KiB env values each. One operation =
/// one webhook post of one event, mapped with its attributes and its trimmed <c>raw</c>.
/// </summary>
[MemoryDiagnoser]
public class PaddedAuditMapperBenchmarks
{
    private const string Template = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"6c3b6a42-0c6e-4a59-9b5a-2a1f0f5c9a01","stage":"ResponseComplete",
         "requestURI":"/api/v1/namespaces/team-a/pods","verb":"create","user":{"username":"mallory@example.com"},"sourceIPs":["203.0.113.10"],
         "objectRef":{"resource":"pods","namespace":"team-a","name":"debug","apiVersion":"v1"},"responseStatus":{"code":201},"requestReceivedTimestamp":"2026-03-02T10:15:00.000000Z",
         "requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"debug"},"spec":{"containers":[{"name":"shell","image":"alpine:3.20","securityContext":{"privileged":true}}]}}}
        """;

    private byte[] payload = [];

    [Params("HugeAnnotation", "FiveThousandLabels", "FortyPaddedContainers")]
    public string Padding { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var e = JsonNode.Parse(Template)!;
        var metadata = e["requestObject"]!["metadata"]!.AsObject();
        var containers = e["requestObject"]!["spec"]!["containers"]!.AsArray();
        switch (Padding)
        {
            case "HugeAnnotation":
                metadata["annotations"] = new JsonObject { ["example.com/notes"] = new string('x', 80 * 1024) };
                break;
            case "FiveThousandLabels":
                metadata["labels"] = new JsonObject(Enumerable.Range(0, 5_000).Select(i => KeyValuePair.Create($"example.com/l{i:D4}", (JsonNode?)"true")));
                break;
            default:
                for (var i = 0; i < 40; i++)
                {
                    containers.Insert(i, new JsonObject { ["name"] = $"side{i}", ["image"] = "registry.example.com/side:1", ["env"] = new JsonArray(new JsonObject { ["name"] = "PAD", ["value"] = new string('p', 2 * 1024) }) });
                }

                break;
        }

        payload = Encoding.UTF8.GetBytes(e.ToJsonString());
    }

    [Benchmark]
    public int Map()
    {
        var result = K8sAuditMapper.Map(payload);
        return result.Errors.Count == 0 && result.Items.Count == 1 && result.Items[0].Event.Attributes!.ContainsKey(RawObject.TrimmedAttribute)
            ? result.Items.Count
            : throw new InvalidOperationException($"{result.Errors.Count} errors: {result.Errors.FirstOrDefault()}");
    }
}
