namespace ZtStream.Host.Configuration;

/// <summary>What a command line set with the shared switches: the config file and the configuration keys the switches name.</summary>
internal sealed record HostArguments(string? ConfigFile, IReadOnlyDictionary<string, string?> Overrides);
