namespace ZtStream.Host.Configuration;

/// <summary>Builds the one configuration every command reads: defaults, then the config file, then ZTSTREAM_ variables, then switches.</summary>
internal static class HostConfiguration
{
    public const string EnvironmentPrefix = "ZTSTREAM_";

    public static IConfigurationRoot Build(HostArguments arguments, ICollection<string> problems)
    {
        // Other tools' conventions (OTEL_*, ASPNETCORE_URLS …, Kestrel) first: ZtStream's own keys win over them.
        var builder = new ConfigurationBuilder().AddInMemoryCollection(StandardEnvironment.Variables());
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
                    var bytes = File.ReadAllBytes(path);
                    builder.AddJsonStream(new MemoryStream(bytes));
                    ReportUnknownKeys(bytes, file, problems);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    problems.Add($"--config: cannot read '{file}': {e.Message}");
                }
            }
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        ReportUnknownVariables(Environment.GetEnvironmentVariables(), problems);
        builder.AddInMemoryCollection(arguments.Overrides);
        foreach (var key in arguments.Overrides.Keys.Where(k => !ConfigurationSchema.IsKnown(k)))
        {
            problems.Add($"--set: unknown configuration key '{key}'");
        }

        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            problems.Add($"--config: '{arguments.ConfigFile}' is not valid JSON: {e.Message}");
            return new ConfigurationBuilder().AddInMemoryCollection(StandardEnvironment.Variables()).AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(arguments.Overrides).Build();
        }
    }

    /// <summary>
    /// A <c>ZTSTREAM_</c> variable naming a key below a section (<c>ZTSTREAM_Section__Key</c>) that the binary does not
    /// read is a typo as surely as one in a config file: a default would silently stay in force. Variables without
    /// <c>__</c> (<c>ZTSTREAM_WORKLOAD_NAME</c> for the SDK, the test suite's <c>ZTSTREAM_TEST_*</c>) are others'.
    /// </summary>
    internal static void ReportUnknownVariables(System.Collections.IDictionary environment, ICollection<string> problems)
    {
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            // The provider's own matching: the prefix in any case, "__" for ':'.
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || !name.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }

            var key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (!ConfigurationSchema.IsKnown(key))
            {
                // ZtStream__Section__Key (.NET's usual double underscore after the prefix) leaves a key starting with '_'.
                problems.Add(key.StartsWith('_')
                    ? $"{name}: unknown configuration key '{key}' (the prefix is {EnvironmentPrefix} with one underscore: {EnvironmentPrefix}{name[(EnvironmentPrefix.Length + 1)..]})"
                    : $"{name}: unknown configuration key '{key}'");
            }
        }
    }

    /// <summary>
    /// A key the binary does not read is almost always a typo that would silently leave a default in force; so is a
    /// section given a single value. Only leaves carry values, so a section is seen where its value is.
    /// </summary>
    private static void ReportUnknownKeys(byte[] json, string file, ICollection<string> problems)
    {
        IConfigurationRoot fileOnly;
        try
        {
            fileOnly = new ConfigurationBuilder().AddJsonStream(new MemoryStream(json)).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            return; // reported as malformed by the caller
        }

        foreach (var (key, value) in fileOnly.AsEnumerable())
        {
            if (value is not null && !ConfigurationSchema.IsKnown(key))
            {
                problems.Add($"--config: unknown key '{key}' in '{file}'");
            }
            else if (value is not null && ConfigurationSchema.IsSection(key))
            {
                // {"Ingest": 5}: the section's keys would silently keep their defaults.
                problems.Add($"--config: '{key}' in '{file}' is a section and takes an object of its keys, not the value '{value}'");
            }
        }
    }
}
