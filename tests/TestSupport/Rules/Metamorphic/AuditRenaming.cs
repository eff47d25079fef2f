using System.Net;
using System.Text.RegularExpressions;

namespace ZtStream.TestSupport.Rules.Metamorphic;

/// <summary>
/// A consistent renaming of the names in Kubernetes audit events that no loaded rule reads: users, groups, namespaces,
/// object and pod names, service accounts, UIDs and audit ids, addresses and user agents, taken word by word (a pod
/// <c>web-7f9c</c> is the words <c>web</c> and <c>7f9c</c>) and replaced in every string of the event alike, so a
/// namespace is renamed the same in <c>objectRef</c>, the request URI, the body and the service account's user name.
/// A replacement has another length; a word that only ever names people, groups and clients may become upper case or
/// non-ASCII (Kubernetes allows any text there), one that also names an object stays a DNS label as Kubernetes
/// requires; digits stay digits and hexadecimal stays hexadecimal of the same length (account ids, UIDs). An address
/// is replaced by an IPv6 or another IPv4 address in exactly the rules' networks the old one was in.
/// </summary>
public sealed partial class AuditRenaming
{
    /// <summary>Where names are, as paths of the audit event (<c>*</c>: any member or item).</summary>
    private static readonly string[][] NameFields =
    [
        ["auditID"], ["user", "username"], ["user", "uid"], ["user", "groups", "*"], ["user", "extra", "*", "*"],
        ["impersonatedUser", "username"], ["impersonatedUser", "uid"], ["impersonatedUser", "groups", "*"], ["userAgent"],
        ["objectRef", "namespace"], ["objectRef", "name"], ["objectRef", "uid"],
        ["requestObject", "metadata", "name"], ["requestObject", "metadata", "namespace"], ["requestObject", "metadata", "uid"],
        ["responseObject", "metadata", "name"], ["responseObject", "metadata", "namespace"], ["responseObject", "metadata", "uid"],
        ["requestObject", "subjects", "*", "name"], ["requestObject", "subjects", "*", "namespace"],
        ["requestObject", "spec", "serviceAccountName"], ["annotations", "authentication.openshift.io/username"],
    ];

    /// <summary>Fields whose words say what a request is, not who or what it names: a name spelt like one is kept.</summary>
    private static readonly string[][] StructureFields =
    [
        ["kind"], ["apiVersion"], ["level"], ["stage"], ["verb"], ["objectRef", "resource"], ["objectRef", "subresource"],
        ["objectRef", "apiGroup"], ["objectRef", "apiVersion"], ["requestObject", "kind"], ["requestObject", "apiVersion"],
        ["responseObject", "kind"], ["responseObject", "apiVersion"], ["responseStatus", "*"],
    ];

    private const string Letters = "abcdefghijklmnopqrstuvwxyz";
    private const string FreeLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßçñéøåÄÖÜÉΩλжЖ漢字";

    private readonly RuleLiterals literals;
    private readonly Random random;
    private readonly Dictionary<string, string> words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> addresses = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public AuditRenaming(RuleLiterals literals, IReadOnlyList<JsonObject> events, int seed)
    {
        this.literals = literals;
        random = new Random(seed);
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var inObjects = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            foreach (var path in NameFields)
            {
                foreach (var text in Strings(e, path))
                {
                    if (IPAddress.TryParse(text, out _))
                    {
                        continue;
                    }

                    foreach (Match m in Word().Matches(text))
                    {
                        candidates.Add(m.Value);
                    }
                }
            }

            foreach (var path in StructureFields)
            {
                foreach (var text in Strings(e, path))
                {
                    foreach (Match m in Word().Matches(text))
                    {
                        kept.Add(m.Value);
                    }
                }
            }

            Walk(e, (key, value) =>
            {
                kept.Add(key);
                if (value is not null && !IsPersonal(key))
                {
                    foreach (Match m in Word().Matches(value))
                    {
                        inObjects.Add(m.Value);
                    }
                }
            });
            foreach (var text in Strings(e, ["sourceIPs", "*"]))
            {
                AddAddress(text);
            }
        }

        foreach (var word in candidates.Order(StringComparer.Ordinal))
        {
            if (kept.Contains(word) || literals.Reads(word))
            {
                continue;
            }

            words[word] = Replacement(word, free: !inObjects.Contains(word));
        }
    }

    /// <summary>The words renamed (old → new).</summary>
    public IReadOnlyDictionary<string, string> Words => words;

    /// <summary>The addresses renamed (old → new).</summary>
    public IReadOnlyDictionary<string, string> Addresses => addresses;

    /// <summary>A renamed copy of <paramref name="e"/>.</summary>
    public JsonObject Rename(JsonObject e)
    {
        var copy = (JsonObject)e.DeepClone();
        RenameNode(copy);
        return copy;
    }

    /// <summary>
    /// What a text ZtStream derived from the events (a principal, a workload id) is after the renaming: an address, or
    /// <c>ip:</c> and an address, is its replacement, any other text has its words replaced.
    /// </summary>
    public string Map(string text)
    {
        if (addresses.TryGetValue(text, out var address))
        {
            return address;
        }

        if (text.StartsWith("ip:", StringComparison.Ordinal) && addresses.TryGetValue(text[3..], out var ip))
        {
            return "ip:" + ip;
        }

        return IPAddress.TryParse(text, out _) ? text : Word().Replace(text, m => words.GetValueOrDefault(m.Value, m.Value));
    }

    /// <summary>Whether <paramref name="text"/> holds a name this renaming wrote: a replacement word or address.</summary>
    public bool Wrote(string text) =>
        addresses.Values.Any(a => text.Contains(a, StringComparison.Ordinal)) || words.Values.Any(w => text.Contains(w, StringComparison.Ordinal));

    private void RenameNode(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        o[key] = Map(v.GetValue<string>());
                    }
                    else if (o[key] is { } child)
                    {
                        RenameNode(child);
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
                    {
                        a[i] = Map(v.GetValue<string>());
                    }
                    else if (a[i] is { } child)
                    {
                        RenameNode(child);
                    }
                }

                break;
        }
    }

    private void AddAddress(string text)
    {
        if (addresses.ContainsKey(text) || !IPAddress.TryParse(text, out var address) || literals.Reads(text))
        {
            return;
        }

        var membership = literals.Membership(address);
        var inside = literals.Networks.Where((g, i) => membership[i] == '1').SelectMany(g => g).ToList();
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var candidate = inside.Count > 0 && attempt % 4 != 3 ? Inside(inside[random.Next(inside.Count)]) : Anywhere();
            var shown = candidate.ToString();
            if (literals.Membership(candidate) == membership && used.Add(shown) && !literals.Reads(shown))
            {
                addresses[text] = shown;
                return;
            }
        }
    }

    /// <summary>An address in <paramref name="network"/>: its prefix, random host bits.</summary>
    private IPAddress Inside(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var bit = network.PrefixLength; bit < bytes.Length * 8; bit++)
        {
            if (random.Next(2) == 1)
            {
                bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            }
        }

        return new IPAddress(bytes);
    }

    /// <summary>A global unicast IPv6 address mostly, else an IPv4 one.</summary>
    private IPAddress Anywhere()
    {
        var v6 = random.Next(4) != 0;
        var bytes = new byte[v6 ? 16 : 4];
        random.NextBytes(bytes);
        if (v6)
        {
            bytes[0] = (byte)(0x20 | (bytes[0] & 0x0f) | 0x02);
        }
        else
        {
            bytes[0] = (byte)random.Next(1, 224);
        }

        return new IPAddress(bytes);
    }

    private string Replacement(string word, bool free)
    {
        for (var attempt = 0; ; attempt++)
        {
            string next;
            if (word.All(char.IsAsciiDigit))
            {
                next = Draw(word.Length, "0123456789", first: word[0] == '0' ? "0123456789" : "123456789");
            }
            else if (word.Length >= 6 && word.All(char.IsAsciiHexDigitLower) && word.Any(char.IsAsciiDigit))
            {
                next = Draw(word.Length, "0123456789abcdef", first: "0123456789abcdef");
            }
            else
            {
                // Another length: one shorter than three letters could be read as a literal word, so at least three.
                var length = Math.Max(3, word.Length + random.Next(-3, 9));
                var alphabet = free ? FreeLetters : Letters + "0123456789";
                next = Draw(length, alphabet, first: free ? FreeLetters : Letters);
                if (word.Any(char.IsAsciiLetterUpper) && !free)
                {
                    next = next.ToUpperInvariant();
                }
            }

            if (next != word && !literals.Reads(next) && used.Add(next) && !words.ContainsKey(next))
            {
                return next;
            }
        }
    }

    private string Draw(int length, string alphabet, string first)
    {
        var chars = new char[length];
        chars[0] = first[random.Next(first.Length)];
        for (var i = 1; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>A member that names people, groups or clients only: its words may take any text.</summary>
    private static bool IsPersonal(string key) => key is "username" or "groups" or "userAgent" or "uid" or "authentication.openshift.io/username";

    private static IEnumerable<string> Strings(JsonNode? node, string[] path, int at = 0)
    {
        if (node is null)
        {
            yield break;
        }

        if (at == path.Length)
        {
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                yield return v.GetValue<string>();
            }

            yield break;
        }

        IEnumerable<JsonNode?> next = node switch
        {
            JsonObject o when path[at] == "*" => o.Select(p => p.Value),
            JsonObject o => [o[path[at]]],
            JsonArray a when path[at] == "*" => a,
            _ => [],
        };
        foreach (var child in next)
        {
            foreach (var s in Strings(child, path, at + 1))
            {
                yield return s;
            }
        }
    }

    /// <summary>Every member's key, with its value when that is a string; an array's strings under its member's key.</summary>
    private static void Walk(JsonNode? node, Action<string, string?> visit, string key = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    visit(k, null);
                    Walk(v, visit, k);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Walk(item, visit, key);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                visit(key, v.GetValue<string>());
                break;
        }
    }

    [GeneratedRegex("[A-Za-z0-9]+")]
    private static partial Regex Word();
}
