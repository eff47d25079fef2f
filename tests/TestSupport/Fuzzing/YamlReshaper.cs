namespace ZtStream.TestSupport.Fuzzing;

/// <summary>
/// Real rule files (Sigma, Falco, ZtStream) in other shapes than their authors wrote: <see cref="JsonReshaper"/>'s
/// structural changes (JSON is YAML's flow style, so its output is a YAML file), plus what rule languages and YAML
/// add: conditions nested 10,000 deep or of 10,000 terms, unknown modifiers on field names, bad and pathological
/// regular expressions and wildcards, list placeholders, 10,000-item lists, YAML nested 10,000 deep, anchors and
/// aliases (also of aliases, and of themselves), tags and duplicate keys.
/// </summary>
public static class YamlReshaper
{
    private const int Many = 10_000;

    // Raw YAML put in place of these strings after the document is written out as JSON.
    private static readonly Dictionary<string, string> Raw = new(StringComparer.Ordinal)
    {
        ["@@deep-list@@"] = new string('[', Many) + new string(']', Many),
        ["@@deep-map@@"] = string.Concat(Enumerable.Repeat("{a: ", Many)) + "1" + new string('}', Many),
        ["@@anchor@@"] = "&anchor [x, y]",
        ["@@alias@@"] = "*anchor",
        ["@@laughs@@"] = "{l0: &l0 [x, x, x, x, x, x, x, x, x, x], " + string.Concat(Enumerable.Range(1, 8).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}], ")) + "l9: *l8}",
        ["@@self-alias@@"] = "&self [a, *self]",
        ["@@tagged@@"] = "!!binary AAECAw==",
        ["@@custom-tag@@"] = "!nosuch {a: 1}",
        ["@@merge@@"] = "{<<: {a: 1}, b: 2}",
    };

    private static readonly string[] Conditions =
    [
        new string('(', Many) + "selection" + new string(')', Many),
        string.Concat(Enumerable.Repeat("not ", Many)) + "selection",
        string.Join(" and ", Enumerable.Repeat("selection", Many)),
        string.Join(" or ", Enumerable.Range(0, Many).Select(i => $"sel{i}")),
        "1 of selection*", "all of them", "1 of nosuch*", "2 of them", "all of", "selection | count() > 5", "selection near other",
        "(selection", "selection)", "", " ", "not", "and or", "selection and", "((((", "))))", "them",
        // Falco
        new string('(', Many) + "ka.verb=create" + new string(')', Many),
        string.Join(" and ", Enumerable.Repeat("ka.verb=create", Many)),
        string.Concat(Enumerable.Repeat("not ", Many)) + "ka.verb=create",
        "ka.verb=create and (", "ka.verb in (", "ka.verb in (a, b", "ka.verb in nosuch_list", "nosuch_macro",
        "ka.verb regex \"(\"", "ka.verb regex \"(a+)+$\"", "ka.user.name pmatch (/a, /b)", "ka.verb glob \"[\"",
        "ka.req.pod.containers.image[99999999999] = x", "jevt.value[/a/b] exists", "ka.uri.param[x] = \"\\", "ka.verb = \"\u0000\"",
        "tolower(ka.verb) = x", "ka.verb = val(ka.user.name)", "ka.response.code > 1e400", "ka.response.code < 0xZZ",
    ];

    private static readonly string[] Values =
    [
        "(unclosed", "a{1000000}", "(a+)+$", "(?<=a)b", @"\p{Nope}", "[z-a]", @"(?i)(?m)^.*$", "\\",
        string.Concat(Enumerable.Repeat("*a", 1_000)) + "*", new string('?', Many), new string('*', Many), "*", "?",
        "%nosuch%", "%%", "%", "%k8s_node_users%%k8s_node_users%", "\\*\\?\\\\",
        "İıſK☃\ud800\u0000\u202e", "999.1.1.1/99", "::/0", "10.0.0.0/33", "1e400", "NaN", "-0", "0x10", "",
        "2026-13-45T25:61:61Z", "true", "~",
    ];

    private static readonly string[] Modifiers =
    [
        "|re", "|re|i|m|s", "|contains|all", "|nosuch", "|expand", "|cidr", "|base64offset|contains", "|base64", "|utf16le|base64",
        "|windash", "|gt", "|lte", "|fieldref", "|exists", "|minute", "|startswith|endswith", "|", "||", "|all", "|cased", "|wide",
    ];

    private static readonly IReadOnlyList<Func<JsonNode, Random, JsonNode?>> Replacements =
    [
        // YAML 10,000 deep takes the YAML parser about half a second: rarer than the rest, so a run stays short.
        (_, r) => JsonValue.Create(r.Next(8) == 0 ? (r.Next(2) == 0 ? "@@deep-list@@" : "@@deep-map@@") : Raw.Keys.ElementAt(r.Next(2, Raw.Count))),
        (_, r) => JsonValue.Create(Conditions[r.Next(Conditions.Length)]),
        (_, r) => JsonValue.Create(Values[r.Next(Values.Length)]),
        (_, r) => new JsonArray([.. Enumerable.Range(0, Many).Select(i => (JsonNode?)JsonValue.Create(r.Next(2) == 0 ? $"v{i}" : Values[i % Values.Length]))]),
        (_, r) => JsonValue.Create(new string('x', 100_000)),
    ];

    /// <summary>A YAML document (an operator's file, a documentation example) as JSON, to reshape.</summary>
    public static JsonNode FromYaml(string yaml)
    {
        var tree = new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object?>(yaml);
        var json = new YamlDotNet.Serialization.SerializerBuilder().JsonCompatible().Build().Serialize(tree);
        return JsonNode.Parse(json) ?? new JsonObject();
    }

    /// <summary>The YAML blocks of a Markdown file (its examples).</summary>
    public static IEnumerable<string> Blocks(string markdown)
    {
        for (var start = markdown.IndexOf("```yaml", StringComparison.Ordinal); start >= 0; start = markdown.IndexOf("```yaml", start, StringComparison.Ordinal))
        {
            start += "```yaml".Length;
            var end = markdown.IndexOf("```", start, StringComparison.Ordinal);
            if (end < 0)
            {
                yield break;
            }

            yield return markdown[start..end];
            start = end + 3;
        }
    }

    /// <summary>A changed copy of <paramref name="rule"/>, as YAML text.</summary>
    public static string Reshape(JsonNode rule, Random random)
    {
        var doc = JsonReshaper.Reshape(rule, random, Replacements);
        for (var n = random.Next(0, 3); n > 0; n--)
        {
            Retarget(doc, random);
        }

        var text = doc.ToJsonString();
        foreach (var (marker, yaml) in Raw)
        {
            text = text.Replace($"\"{marker}\"", yaml, StringComparison.Ordinal);
        }

        return random.Next(8) == 0 ? DuplicateKey(text, doc) : text;
    }

    /// <summary>Changes where rule languages put meaning: a condition, a field name's modifiers, a field's values.</summary>
    private static void Retarget(JsonNode doc, Random random)
    {
        var members = JsonReshaper.Places(doc).OfType<JsonObject>().SelectMany(o => o.Select(m => (Owner: o, m.Key))).ToList();
        if (members.Count == 0)
        {
            return;
        }

        var (owner, key) = members[random.Next(members.Count)];
        if (key == "condition")
        {
            owner[key] = Conditions[random.Next(Conditions.Length)];
        }
        else if (random.Next(2) == 0)
        {
            var value = owner[key];
            owner.Remove(key);
            owner[key.Split('|')[0] + Modifiers[random.Next(Modifiers.Length)]] = value;
        }
        else
        {
            owner[key] = Values[random.Next(Values.Length)];
        }
    }

    /// <summary>A key of the outermost map written twice, which YAML forbids.</summary>
    private static string DuplicateKey(string text, JsonNode doc)
    {
        var first = doc switch
        {
            JsonObject o => o.FirstOrDefault().Key,
            JsonArray { Count: > 0 } a when a[0] is JsonObject o => o.FirstOrDefault().Key,
            _ => null,
        };
        var open = text.IndexOf('{', StringComparison.Ordinal);
        return first is null || open < 0 ? text : text.Insert(open + 1, $"\"{first}\": null, ");
    }
}
