using System.Net;
using System.Text.RegularExpressions;
using ZtStream.Contracts.Identity;

namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// Changes to identity-provider records that must not change what detection says about them (metamorphic relations):
/// a consistent renaming of every name and address, another delivery path of the same records, other spellings of
/// times, members reordered or left out, a batch split across requests. <see cref="Verdict"/> is what the Verifier
/// says, in a form two runs can be compared by.
/// </summary>
internal static class IdpMetamorphs
{
    /// <summary>The first run's seed; <c>ZTSTREAM_TEST_METAMORPH_SEED</c> picks another, to reproduce or explore.</summary>
    public static readonly int Seed = ZtStream.TestSupport.Fuzzing.JsonReshaper.Setting("ZTSTREAM_TEST_METAMORPH_SEED", 20260302);

    /// <summary>Runs of each relation, each with the next seed; <c>ZTSTREAM_TEST_METAMORPH_RUNS</c> for more.</summary>
    public static readonly int Runs = ZtStream.TestSupport.Fuzzing.JsonReshaper.Setting("ZTSTREAM_TEST_METAMORPH_RUNS", 3);

    /// <summary>
    /// Every rule ZtStream loads for these providers: the built-in library, SigmaHQ's Okta, Auth0, Azure and GCP rules and
    /// Falco's okta and gcpaudit plugin rules — with the text they were loaded from.
    /// </summary>
    public static readonly Lazy<(IReadOnlyList<Rule> Rules, IReadOnlyList<string> Texts)> Loaded = new(() =>
    {
        var errors = new List<RuleLoadError>();
        var falco = Path.Combine(AppContext.BaseDirectory, "TestData", "falco-k8s-audit", "rules");
        var sources = RuleLoader.Builtin()
            .Concat(RuleLoader.Read(
                [
                    Path.Combine(AppContext.BaseDirectory, "TestData", "sigma-hq"),
                    Path.Combine(falco, "okta_rules.plugins-HEAD.yaml"),
                    Path.Combine(falco, "gcp_auditlog_rules.plugins-HEAD.yaml"),
                ],
                errors))
            .ToList();
        Assert.Empty(errors);
        var rules = RuleLoader.Load(sources).Rules.Where(r => r.Enabled).ToList();
        Assert.Contains(rules, r => r.Format == RuleFormats.Falco);
        Assert.Contains(rules, r => r.Format == RuleFormats.Sigma);
        return (rules, [.. sources.Select(s => s.Text)]);
    });

    /// <summary>One alert as compared across runs: its principal, severity and each reason's detector, rule and score.</summary>
    public sealed record AlertVerdict(string Principal, string Severity, int Score, string Reasons);

    /// <summary>
    /// Every alert the Verifier raises on the events mapped from <paramref name="payloads"/> (each a request body of
    /// <paramref name="format"/>, in order), the Verifier holding every loaded rule; a refused item fails the test.
    /// </summary>
    public static List<AlertVerdict> Verdict(string format, IEnumerable<string> payloads, Func<string, string>? principalBack = null)
    {
        var engine = new ScoringEngine(new VerifierOptions { ModelEnabled = false }, rules: new RuleSetHolder(new RuleSet(Loaded.Value.Rules)));
        var verdicts = new List<AlertVerdict>();
        foreach (var payload in payloads)
        {
            foreach (var e in IdpRecords.MapAll(format, payload))
            {
                var result = engine.Score(e);
                if (result.Score > 0 && result.Alert is null)
                {
                    // What stayed below an alert counts as much: a finding lost or scored otherwise is a divergence.
                    verdicts.Add(new((principalBack ?? (p => p))(e.PrincipalKey), "-", result.Score, "-"));
                }

                if (result.Alert is { } alert)
                {
                    verdicts.Add(new(
                        (principalBack ?? (p => p))(alert.Principal),
                        alert.Severity,
                        alert.Score,
                        string.Join("; ", alert.Reasons.Select(r => $"{r.Detector}/{r.Rule}={r.Score}").Order(StringComparer.Ordinal))));
                }
            }
        }

        return verdicts;
    }

    /// <summary>
    /// A consistent renaming: each name of the scenario replaced by one of another length, case or script (non-ASCII,
    /// fullwidth), each address by one of another family or form that keeps which addresses share a network, drawn from
    /// <paramref name="random"/>; none of the names, old or new, occurs in any loaded rule's text.
    /// </summary>
    public sealed class Renaming
    {
        private readonly Dictionary<string, string> forward = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> back = new(StringComparer.Ordinal);
        private readonly Regex pattern;

        public Renaming(IdpScenario scenario, Random random)
        {
            string[] styles = ["upper", "longer", "accented", "fullwidth", "shorter"];
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in scenario.Names)
            {
                string renamed;
                do
                {
                    if (Guid.TryParse(name, out _))
                    {
                        // An id of a fixed form keeps it: a GUID stays one, in either case.
                        var guid = new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256))]).ToString();
                        renamed = random.Next(2) == 0 ? guid : guid.ToUpperInvariant();
                        continue;
                    }

                    var token = (char)('a' + random.Next(26)) + random.Next(100, 99999).ToString(CultureInfo.InvariantCulture);
                    renamed = styles[random.Next(styles.Length)] switch
                    {
                        "upper" => name.ToUpperInvariant() + "X" + token.ToUpperInvariant(),
                        "longer" => name + "-" + token + "-" + token,
                        "accented" => "Zoë-Ñandú-" + token + "-" + name.Length,
                        "fullwidth" => new string([.. ("w" + token).Select(c => (char)(c + 0xFEE0))]),
                        _ => token,
                    };
                }
                while (!used.Add(LoginNames.Fold(renamed)!) || Loaded.Value.Texts.Any(t => t.Contains(renamed, StringComparison.OrdinalIgnoreCase)));

                Add(name, renamed);
                back.TryAdd(LoginNames.Fold(renamed)!, name);
            }

            // One new network per network (IPv4 /24) of the scenario, of a family drawn for it.
            var networks = new Dictionary<string, (int Form, int A, int B)>(StringComparer.Ordinal);
            foreach (var address in scenario.Addresses)
            {
                var parts = address.Split('.');
                var net = string.Join('.', parts[..3]);
                if (!networks.TryGetValue(net, out var to))
                {
                    networks[net] = to = (random.Next(4), random.Next(1, 0xfff0), networks.Count + 1);
                }

                var host = int.Parse(parts[3], CultureInfo.InvariantCulture);
                var v4 = $"{(to.A % 90) + 130}.{to.B + 40}.{to.A % 250}.{host}";
                var renamed = to.Form switch
                {
                    0 => v4,
                    1 => $"2001:db8:{(to.B * 256) + (to.A % 256):x}:{to.A:x}::{host:x}",
                    2 => $"2001:DB8:{(to.B * 256) + (to.A % 256):X}:{to.A:X}:0:0:0:{host:X}",
                    _ => "::ffff:" + v4,
                };
                Add(address, renamed);
            }

            pattern = new Regex(
                "(?<![A-Za-z0-9])(" + string.Join('|', forward.Keys.OrderByDescending(k => k.Length).Select(Regex.Escape)) + ")(?![A-Za-z0-9])",
                RegexOptions.CultureInvariant);
        }

        /// <summary>The renaming, for a failure message.</summary>
        public override string ToString() => string.Join(", ", forward.Select(p => $"{p.Key} → {p.Value}"));

        private void Add(string name, string renamed)
        {
            // Rules read addresses by range (public, private, a CIDR), which the renaming keeps; names only as literals.
            Assert.False(!IPAddress.TryParse(name, out _) && Loaded.Value.Texts.Any(t => t.Contains(name, StringComparison.OrdinalIgnoreCase)), $"a loaded rule reads {name}");
            forward[name] = renamed;
            back[renamed] = name;
            if (IPAddress.TryParse(renamed, out var ip))
            {
                // Adapters write an address in its shortest form (an IPv4-mapped one as IPv4).
                back[(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()] = name;
            }
        }

        /// <summary>Every string in <paramref name="node"/> with each name replaced wherever it occurs as a whole token.</summary>
        public JsonNode Apply(JsonNode node) => Map(node, s => pattern.Replace(s, m => forward[m.Value]));

        /// <summary>A principal (a login folded, an <c>ip:</c> twin, an id) named back by the scenario's names.</summary>
        public string Back(string principal)
        {
            var prefix = principal.StartsWith("ip:", StringComparison.Ordinal) ? "ip:" : "";
            var rest = principal[prefix.Length..];
            if (back.TryGetValue(rest, out var whole))
            {
                return prefix + whole;
            }

            var at = rest.LastIndexOf('@');
            return at > 0 && back.TryGetValue(rest[..at], out var local) && back.TryGetValue(rest[(at + 1)..], out var domain)
                ? prefix + local + "@" + domain
                : "unmapped:" + principal;
        }
    }

    /// <summary>A copy of <paramref name="node"/> with every string value passed through <paramref name="change"/>.</summary>
    public static JsonNode Map(JsonNode node, Func<string, string> change) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Map(p.Value, change)))),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Map(x, change))]),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(change(v.GetValue<string>())),
        _ => node.DeepClone(),
    };

    /// <summary>A copy of <paramref name="node"/> with every object's members in an order drawn from <paramref name="random"/>.</summary>
    public static JsonNode Reorder(JsonNode node, Random random) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(_ => random.Next()).Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Reorder(p.Value, random))).ToList()),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Reorder(x, random))]),
        _ => node.DeepClone(),
    };

    /// <summary>
    /// A copy of <paramref name="node"/> with each member named in <paramref name="optional"/> (at any depth) removed or
    /// set to null, as <paramref name="random"/> draws; every member whose value is null removed or kept likewise.
    /// </summary>
    public static JsonNode Prune(JsonNode node, Random random, IReadOnlySet<string> optional) => node switch
    {
        JsonObject o => new JsonObject(o
            .Where(p => !((p.Value is null || optional.Contains(p.Key)) && random.Next(2) == 0))
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null || optional.Contains(p.Key) ? null : Prune(p.Value, random, optional)))
            .ToList()),
        JsonArray a => new JsonArray([.. a.Select(x => x is null ? null : Prune(x, random, optional))]),
        _ => node.DeepClone(),
    };

    /// <summary>
    /// An ISO 8601 time written another way the vendors or their pipelines write it: no fraction, seven or nine digits,
    /// an offset other than Z, as <paramref name="random"/> draws.
    /// </summary>
    public static string Retime(string iso, Random random)
    {
        var t = DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);
        var local = t.ToOffset(TimeSpan.FromMinutes(random.Next(-11, 14) * 60 + (random.Next(2) * 30)));
        return random.Next(5) switch
        {
            0 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) is var s && t.Millisecond == 0 ? s : iso,
            1 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            2 => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'00Z'", CultureInfo.InvariantCulture),
            3 => local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
            _ => local.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture),
        };
    }

    /// <summary><paramref name="items"/> cut into consecutive batches of one to <paramref name="most"/>, as <paramref name="random"/> draws.</summary>
    public static List<List<T>> Split<T>(IReadOnlyList<T> items, Random random, int most)
    {
        var batches = new List<List<T>>();
        for (var i = 0; i < items.Count;)
        {
            var n = Math.Min(random.Next(1, most + 1), items.Count - i);
            batches.Add([.. items.Skip(i).Take(n)]);
            i += n;
        }

        return batches;
    }
}
