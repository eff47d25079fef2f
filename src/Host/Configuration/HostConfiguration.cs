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
            if (UserFiles.ReadProblem(file, "file") is { } problem)
            {
                problems.Add($"--config: {problem}");
            }
            else
            {
                try
                {
                    var bytes = UserFiles.ReadBytes(Path.GetFullPath(file)).ToArray();
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
        foreach (var (key, value) in arguments.Overrides)
        {
            if (!ConfigurationSchema.IsKnown(key))
            {
                problems.Add($"--set: unknown configuration key '{key}'");
            }
            else if (SectionGivenAValue(key, value, $"its keys (--set {key}:KEY=VALUE)") is { } problem)
            {
                problems.Add($"--set: {problem}");
            }
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
    /// read is a typo as surely as one in a config file: a default would silently stay in force. So is one giving a
    /// section a single value (<c>ZTSTREAM_Ingest=5</c>). Other variables without <c>__</c> (<c>ZTSTREAM_WORKLOAD_NAME</c>
    /// for the SDK, the test suite's <c>ZTSTREAM_TEST_*</c>) are others'.
    /// </summary>
    internal static void ReportUnknownVariables(System.Collections.IDictionary environment, ICollection<string> problems)
    {
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            // The provider's own matching: the prefix in any case, "__" for ':'.
            if (entry.Key is not string name || !name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            if (SectionGivenAValue(key, entry.Value as string, $"its keys ({EnvironmentPrefix}{key.Replace(":", "__", StringComparison.Ordinal)}__KEY)") is { } problem)
            {
                problems.Add($"{name}: {problem}");
            }
            else if (!name.Contains("__", StringComparison.Ordinal))
            {
                continue;
            }
            else if (!ConfigurationSchema.IsKnown(key))
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
            else if (SectionGivenAValue(key, value, "an object of its keys") is { } problem)
            {
                problems.Add($"--config: in '{file}', {problem}");
            }
        }
    }

    /// <summary>
    /// A section given a single value — <c>{"Ingest": 5}</c>, <c>--set Ingest=5</c>, <c>ZTSTREAM_Ingest=5</c> — binds to
    /// nothing, and every key in it silently keeps its default: the problem, saying how <paramref name="takes"/> its keys
    /// where it was given, or null for anything else.
    /// </summary>
    private static string? SectionGivenAValue(string key, string? value, string takes) =>
        value is not null && ConfigurationSchema.IsSection(key) ? $"'{key}' is a section and takes {takes}, not the value '{value}'" : null;
}
