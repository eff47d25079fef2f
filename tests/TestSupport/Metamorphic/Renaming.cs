using System.Text.RegularExpressions;
using ZtStream.Contracts.Identity;

namespace ZtStream.TestSupport.Metamorphic;

/// <summary>
/// A consistent renaming: each name replaced by one <see cref="Renaming(IEnumerable{string}, IEnumerable{string}, Random, Func{string, Random, string}, Func{string, bool}?)"/>'s
/// <c>rename</c> draws (another length, case or script), each address by one of another family or form that keeps which
/// addresses share a network (an IPv4 /24 becomes another /24 or a /48, each of its addresses a /64 of its own) and
/// stays public; wherever a name occurs in a string as a whole token. <see cref="Back"/> names a principal an adapter keyed from renamed records by the old names.
/// </summary>
public sealed class Renaming
{
    private readonly Dictionary<string, string> forward = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> back = new(StringComparer.Ordinal);
    private readonly Regex pattern;
    private readonly Regex backPattern;

    /// <param name="names">Every value that names someone or something; replaced longest first.</param>
    /// <param name="addresses">IPv4 addresses.</param>
    /// <param name="random">Draws every replacement.</param>
    /// <param name="rename">A new name for a name (drawn again while it collides with another, as logins compare, or is read by rules).</param>
    /// <param name="readByRules">Whether some loaded rule's text holds a name: none of the old names may be, and no new one is.</param>
    public Renaming(IEnumerable<string> names, IEnumerable<string> addresses, Random random, Func<string, Random, string> rename, Func<string, bool>? readByRules = null)
    {
        readByRules ??= _ => false;
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names)
        {
            Assert.False(readByRules(name), $"a loaded rule reads {name}");
            string renamed;
            do
            {
                renamed = rename(name, random);
            }
            while (!used.Add(LoginNames.Fold(renamed)!) || readByRules(renamed));

            Add(name, renamed);
            back.TryAdd(LoginNames.Fold(renamed)!, name);
        }

        // One new network per network (IPv4 /24), of a family drawn for it.
        var networks = new Dictionary<string, (int Form, int A, int B)>(StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            var parts = address.Split('.');
            var net = string.Join('.', parts[..3]);
            if (!networks.TryGetValue(net, out var to))
            {
                networks[net] = to = (random.Next(4), random.Next(1, 0xfff0), networks.Count + 1);
            }

            var host = int.Parse(parts[3], CultureInfo.InvariantCulture);
            var v4 = $"{(to.A % 90) + 130}.{to.B + 40}.{to.A % 250}.{host}";
            // An IPv6 host is its /64 (the address twins are keyed by it): each address gets a /64 of its own in the network's /48.
            var renamed = to.Form switch
            {
                0 => v4,
                1 => $"2001:db8:{(to.B * 256) + (to.A % 256):x}:{host + 1:x}::{to.A:x}",
                2 => $"2001:DB8:{(to.B * 256) + (to.A % 256):X}:{host + 1:X}:0:0:0:{to.A:X}",
                _ => "::ffff:" + v4,
            };
            Add(address, renamed);
        }

        pattern = Tokens(forward.Keys);
        backPattern = Tokens(back.Keys);
    }

    /// <summary>
    /// An identity provider's names: a GUID stays a GUID (in either case); any other name becomes upper case and longer,
    /// longer, non-ASCII, fullwidth or shorter.
    /// </summary>
    public static string IdentityName(string name, Random random)
    {
        if (Guid.TryParse(name, out _))
        {
            var guid = new Guid([.. Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256))]).ToString();
            return random.Next(2) == 0 ? guid : guid.ToUpperInvariant();
        }

        var token = (char)('a' + random.Next(26)) + random.Next(100, 99999).ToString(CultureInfo.InvariantCulture);
        return random.Next(5) switch
        {
            0 => name.ToUpperInvariant() + "X" + token.ToUpperInvariant(),
            1 => name + "-" + token + "-" + token,
            2 => "Zoë-Ñandú-" + token + "-" + name.Length,
            3 => new string([.. ("w" + token).Select(c => (char)(c + 0xFEE0))]),
            _ => token,
        };
    }

    /// <summary>The renaming, for a failure message.</summary>
    public override string ToString() => string.Join(", ", forward.Select(p => $"{p.Key} → {p.Value}"));

    /// <summary>What <paramref name="name"/> (a name or an address of the scenario) was renamed to.</summary>
    public string this[string name] => forward[name];

    /// <summary>Whether <paramref name="text"/> holds one of the old names or addresses as a whole token.</summary>
    public bool Names(string text) => pattern.IsMatch(text);

    /// <summary>Every string in <paramref name="node"/> with each name replaced wherever it occurs as a whole token.</summary>
    public JsonNode Apply(JsonNode node) => JsonMetamorphs.Map(node, Apply);

    /// <summary><paramref name="text"/> with each name replaced wherever it occurs as a whole token.</summary>
    public string Apply(string text) => pattern.Replace(text, m => forward[m.Value]);

    /// <summary>
    /// A principal (a login folded, an <c>ip:</c> twin, an id, a workload's <c>NS/POD</c>) named back by the old names:
    /// whole, as a login's local part and domain, or token by token; <c>unmapped:</c> and the principal when a part of it
    /// is no new name.
    /// </summary>
    public string Back(string principal)
    {
        var prefix = principal.StartsWith("ip:", StringComparison.Ordinal) ? "ip:" : "";
        var rest = principal[prefix.Length..];
        if (back.TryGetValue(rest, out var whole))
        {
            return prefix + whole;
        }

        var at = rest.LastIndexOf('@');
        if (at > 0 && back.TryGetValue(rest[..at], out var local) && back.TryGetValue(rest[(at + 1)..], out var domain))
        {
            return prefix + local + "@" + domain;
        }

        var tokens = 0;
        var named = backPattern.Replace(principal, m =>
        {
            tokens++;
            return back[m.Value];
        });
        return tokens > 0 ? named : "unmapped:" + principal;
    }

    private void Add(string name, string renamed)
    {
        forward[name] = renamed;
        back[renamed] = name;
        if (System.Net.IPAddress.TryParse(renamed, out var ip))
        {
            // Adapters write an address in its shortest form (an IPv4-mapped one as IPv4).
            back[(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()] = name;
            if (!ip.IsIPv4MappedToIPv6 && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                // The address twin of an IPv6 address is keyed by its /64.
                var bytes = ip.GetAddressBytes();
                Array.Clear(bytes, 8, 8);
                back[new System.Net.IPAddress(bytes) + "/64"] = name;
            }
        }
    }

    private static Regex Tokens(IEnumerable<string> words) => new(
        "(?<![A-Za-z0-9])(" + string.Join('|', words.OrderByDescending(k => k.Length).Select(Regex.Escape)) + ")(?![A-Za-z0-9])",
        RegexOptions.CultureInvariant);
}
