namespace ZtStream.TestSupport.Fuzzing;

/// <summary>
/// Real payloads in other shapes than their documentation gives, still valid JSON: a member removed, null, of another
/// type, nested deeper, wrapped in an array, empty or 70,000 characters long, anywhere in the document. What a new
/// vendor version, another deployment or a hostile sender produces; byte flips mostly produce invalid JSON instead.
/// </summary>
public static class JsonReshaper
{
    /// <summary>
    /// One to five changes at random places of a copy of <paramref name="document"/>; <paramref name="more"/> adds
    /// replacements a format needs (given the node replaced), drawn as often as each of the generic ones.
    /// </summary>
    public static JsonNode Reshape(JsonNode document, Random random, IReadOnlyList<Func<JsonNode, Random, JsonNode?>>? more = null)
    {
        var result = document.DeepClone();
        for (var n = random.Next(1, 6); n > 0; n--)
        {
            result = ReshapeOnce(result, random, more ?? []);
        }

        return result;
    }

    /// <summary>
    /// Calls <paramref name="iteration"/> <paramref name="count"/> times with one <see cref="Random"/> seeded with
    /// <paramref name="seed"/>, on a thread of its own: code under test that never returns then fails the test at its
    /// timeout (<paramref name="cancellationToken"/>) instead of stalling the run.
    /// </summary>
    public static Task RunAsync(int count, int seed, Action<int, Random> iteration, CancellationToken cancellationToken) =>
        Task.Run(
            () =>
            {
                var random = new Random(seed);
                for (var i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
                {
                    iteration(i, random);
                }
            },
            cancellationToken).WaitAsync(cancellationToken);

    /// <summary>
    /// A count or seed for <see cref="RunAsync"/> from environment variable <paramref name="name"/>, else
    /// <paramref name="fallback"/>: CI runs a small volume, a developer runs more, and others, by setting it.
    /// </summary>
    public static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var n) ? n : fallback;

    /// <summary>A file's JSON; newline-delimited JSON becomes an array of its lines.</summary>
    public static JsonNode Load(string path)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return JsonNode.Parse(lines.Length > 1 && lines[0].StartsWith('{') && lines[0].EndsWith('}') ? "[" + string.Join(",", lines) + "]" : text)!;
    }

    /// <summary>Every node of <paramref name="root"/>, itself first, in document order.</summary>
    public static List<JsonNode> Places(JsonNode root)
    {
        var places = new List<JsonNode>();
        Collect(root, places);
        return places;
    }

    private static JsonNode ReshapeOnce(JsonNode root, Random random, IReadOnlyList<Func<JsonNode, Random, JsonNode?>> more)
    {
        var places = Places(root);
        var target = places[random.Next(places.Count)];
        var pick = random.Next(9 + more.Count);
        JsonNode? replacement = pick switch
        {
            >= 9 => more[pick - 9](target, random),
            0 => null,
            1 => JsonValue.Create(random.Next(-5, 5) * 1e15),
            2 => JsonValue.Create(random.Next(2) == 0),
            3 => JsonValue.Create(new string('x', random.Next(0, 3) == 0 ? 0 : 70_000)),
            4 => new JsonArray(target.DeepClone()),
            5 => new JsonObject { ["value"] = target.DeepClone() },
            6 => JsonValue.Create("\u0000\ud800 ☃ \"quoted\" 2026-13-45T25:61:61Z"),
            7 => new JsonArray(),
            _ => new JsonObject(),
        };

        switch (target.Parent)
        {
            case null:
                return replacement ?? JsonValue.Create(0);
            case JsonObject parent when random.Next(4) == 0:
                parent.Remove(target.GetPropertyName());
                break;
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = replacement;
                break;
        }

        return root;
    }

    private static void Collect(JsonNode? node, List<JsonNode> into)
    {
        if (node is null)
        {
            return;
        }

        into.Add(node);
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(m => m.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children)
        {
            Collect(child, into);
        }
    }
}
