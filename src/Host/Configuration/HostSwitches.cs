namespace ZtStream.Host.Configuration;

/// <summary>
/// The switches every command shares (config file, seam kinds, addresses, roles), declared once on the root command
/// and accepted after every sub-command. Shared switches become configuration keys, so a switch, its config-file
/// key and its environment variable (<c>ZTSTREAM_Section__Key</c>) are one setting.
/// </summary>
internal sealed class HostSwitches
{
    /// <summary>Switch → configuration key.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--roles"] = "Roles",
        ["--event-log"] = "EventLog:Kind",
        ["--kafka"] = "EventLog:BootstrapServers",
        ["--kafka-prefix"] = "EventLog:KafkaPrefix",
        ["--event-log-path"] = "EventLog:Path",
        ["--store"] = "Store:Kind",
        ["--postgres"] = "Store:ConnectionString",
        ["--sqlite"] = "Store:SqlitePath",
        ["--bus"] = "Bus:Kind",
        ["--rabbitmq"] = "Bus:RabbitMqUri",
        ["--urls"] = "Urls",
    };

    private readonly Option<string> config = new("--config") { Description = "JSON configuration file", HelpName = "FILE", Recursive = true };

    private readonly Option<string[]> set = new("--set")
    {
        Description = "a configuration key without a switch of its own, e.g. Responder:PolicyPath=/etc/zt/response.yaml",
        HelpName = "KEY=VALUE",
        Recursive = true,
    };

    private readonly Dictionary<Option<string>, string> keyed = Keys.ToDictionary(
        s => new Option<string>(s.Key) { Description = $"sets {s.Value}", HelpName = "VALUE", Recursive = true },
        s => s.Value);

    /// <summary>The options to add to the root command.</summary>
    public IEnumerable<Option> Options => [config, .. keyed.Keys, set];

    /// <summary>What <paramref name="parsed"/> set with the shared switches; a malformed <c>--set</c> is a problem.</summary>
    public HostArguments Read(ParseResult parsed, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in keyed)
        {
            if (parsed.GetValue(option) is { } value)
            {
                overrides[key] = value;
            }
        }

        foreach (var assignment in parsed.GetValue(set) ?? [])
        {
            // --set Section:Key=value, for any key without a switch of its own.
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problems.Add($"--set takes KEY=VALUE, got '{assignment}'");
                continue;
            }

            overrides[assignment[..eq]] = assignment[(eq + 1)..];
        }

        return new HostArguments(parsed.GetValue(config), overrides);
    }
}
