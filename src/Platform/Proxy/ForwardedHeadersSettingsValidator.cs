namespace ZtStream.Platform.Proxy;

/// <summary>Checks section <c>ForwardedHeaders</c>: a proxy list that does not parse would silently trust no one, or the wrong one.</summary>
internal sealed class ForwardedHeadersSettingsValidator : OptionsValidator<ForwardedHeadersSettings, ForwardedHeadersSettingsValidator>, IOptionsRules<ForwardedHeadersSettings>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(ForwardedHeadersSettings options, List<string> problems)
    {
        for (var i = 0; i < options.KnownProxies.Length; i++)
        {
            if (!TryParseAddress(options.KnownProxies[i], out _))
            {
                problems.Add($"{ForwardedHeadersSettings.Section}:KnownProxies:{i} '{options.KnownProxies[i]}' is not an IP address (IPv4 as four decimal numbers a.b.c.d)");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Length; i++)
        {
            if (!TryParseNetwork(options.KnownNetworks[i], out _))
            {
                problems.Add($"{ForwardedHeadersSettings.Section}:KnownNetworks:{i} '{options.KnownNetworks[i]}' is not a network in CIDR notation (address/prefix, no host bits set)");
            }
        }

        if (!string.Equals(options.Header, ForwardedHeadersSettings.XForwarded, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(options.Header, ForwardedHeadersSettings.Forwarded, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{ForwardedHeadersSettings.Section}:Header '{options.Header}' is not one of {ForwardedHeadersSettings.XForwarded}, {ForwardedHeadersSettings.Forwarded}");
        }

        problems.AtLeast($"{ForwardedHeadersSettings.Section}:ForwardLimit", options.ForwardLimit, 1);
    }

    /// <summary>
    /// <c>address/prefix</c> with the prefix written out: a bare address would be read as a one-host network, which is
    /// what <c>KnownProxies</c> is for, and a typo there is more likely than the intent.
    /// </summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        // The written address must be the network's own: "10.244.0.1/16" is read as 10.244.0.0/16, and an operator who
        // wrote a host there most likely meant a proxy (KnownProxies), not 65,536 of them.
        return slash > 0 && TryParseAddress(text![..slash], out var written) && IPNetwork.TryParse(text.Trim(), out network)
            && network.BaseAddress.Equals(written);
    }

    /// <summary>
    /// An address as it is written: .NET also reads the old short IPv4 forms ("10.1" as 10.0.0.1, "10.0.0" as
    /// 10.0.0.0) and leading zeros, so an IPv4 address must read back as written or it would trust a host nobody named.
    /// </summary>
    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text is null || !IPAddress.TryParse(text.Trim(), out var parsed))
        {
            return false;
        }

        address = parsed;
        return parsed.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || parsed.ToString() == text.Trim();
    }
}
