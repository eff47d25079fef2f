using Microsoft.Extensions.Configuration;

namespace ZtStream.Host.Configuration;

/// <summary>Builds the one configuration every command reads: defaults, then the config file, then ZTSTREAM_ variables, then switches.</summary>
internal static class HostConfiguration
{
    public const string EnvironmentPrefix = "ZTSTREAM_";

    public static IConfigurationRoot Build(HostArguments arguments, ICollection<string> problems)
    {
        var builder = new ConfigurationBuilder();
        if (arguments.ConfigFile is { } file)
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                problems.Add($"--config: file '{file}' does not exist");
            }
            else
            {
                try
                {
                    // Parse eagerly so a malformed file is a configuration problem, not a crash later.
                    using var stream = File.OpenRead(path);
                    builder.AddJsonStream(new MemoryStream(File.ReadAllBytes(path)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"--config: cannot read '{file}': {e.Message}");
                }
            }
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(arguments.Overrides);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            problems.Add($"--config: '{arguments.ConfigFile}' is not valid JSON: {e.Message}");
            return new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(arguments.Overrides).Build();
        }
    }
}
