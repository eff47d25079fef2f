namespace ZtStream.Host.Configuration;

/// <summary>
/// Splits a command line into the switches every command shares (config file, seam kinds, addresses, roles)
/// and the arguments the command itself reads. Shared switches become configuration keys, so a switch,
/// its config-file key and its environment variable (<c>ZTSTREAM_Section__Key</c>) are one setting.
/// </summary>
internal sealed record HostArguments(string? ConfigFile, IReadOnlyDictionary<string, string?> Overrides, IReadOnlyList<string> Rest, IReadOnlyList<string> Problems)
{
    /// <summary>Switch → configuration key.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--roles"] = "Roles",
        ["--event-log"] = "EventLog:Kind",
        ["--kafka"] = "EventLog:BootstrapServers",
        ["--event-log-path"] = "EventLog:Path",
        ["--store"] = "Store:Kind",
        ["--postgres"] = "Store:ConnectionString",
        ["--sqlite"] = "Store:SqlitePath",
        ["--bus"] = "Bus:Kind",
        ["--rabbitmq"] = "Bus:RabbitMqUri",
        ["--urls"] = "Urls",
    };

    public static HostArguments Parse(IReadOnlyList<string> args)
    {
        string? configFile = null;
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var rest = new List<string>();
        var problems = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inlineValue) = SplitInline(arg);
            var isConfig = name == "--config";
            if (!isConfig && !Switches.ContainsKey(name) && !name.StartsWith("--set", StringComparison.Ordinal))
            {
                rest.Add(arg);
                continue;
            }

            var value = inlineValue;
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    problems.Add($"{name} needs a value");
                    continue;
                }

                value = args[++i];
            }

            if (isConfig)
            {
                configFile = value;
            }
            else if (name == "--set")
            {
                // --set Section:Key=value, for any key without a switch of its own.
                var eq = value.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    problems.Add($"--set takes KEY=VALUE, got '{value}'");
                    continue;
                }

                overrides[value[..eq]] = value[(eq + 1)..];
            }
            else
            {
                overrides[Switches[name]] = value;
            }
        }

        return new HostArguments(configFile, overrides, rest, problems);
    }

    private static (string Name, string? Value) SplitInline(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            return (arg, null);
        }

        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
    }
}
