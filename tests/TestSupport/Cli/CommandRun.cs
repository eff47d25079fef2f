using Microsoft.Extensions.Configuration;
using ZtStream.Platform.Hosting;

namespace ZtStream.TestSupport.Cli;

/// <summary>
/// One component's command run in this process through the runner the binary uses (<c>command.RunAsync</c>, which sets
/// the command's path as the binary does), over the test's own settings: the exit code and what it wrote to standard
/// output and standard error. The whole binary, its root switches included, is <c>CliRun</c> in the host's tests.
/// </summary>
internal static class CommandRun
{
    /// <summary>Runs <paramref name="command"/> with <paramref name="args"/> to its end, its configuration <paramref name="settings"/> alone.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(
        ICliCommand command,
        IEnumerable<KeyValuePair<string, string?>> settings,
        IReadOnlyList<string> args,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var code = await command.RunAsync(args, new CliContext(stdout, stderr, configuration, time ?? TimeProvider.System), TestCancellation.Ct);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The lines of <paramref name="text"/> a command wrote, trimmed, without the empty ones.</summary>
    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// What a command printed as JSON lines (<c>rules backtest --json</c>): the objects naming an <c>id</c>, by that id,
    /// and the summary, the last line.
    /// </summary>
    public static (Dictionary<string, JsonElement> Items, JsonElement Summary) JsonLines(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return (lines[..^1].Where(l => l.TryGetProperty("id", out _)).ToDictionary(l => l.GetProperty("id").GetString()!), lines[^1]);
    }
}
