using System.Net.Http.Headers;
using System.Text.Json;
using Xunit;

namespace ZtStream.TestSupport.Processes;

/// <summary>
/// A temporary folder that <c>ztstream</c> processes run in (its SQLite store, rule folders, files to replay), the
/// processes started there, and the steps end-to-end tests share: register a source key, ask the API for an alert.
/// Disposing stops every process and removes the folder.
/// </summary>
public sealed class ZtStreamWorkspace(string prefix) : IAsyncDisposable
{
    /// <summary>How long a step may take on a loaded machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory(prefix);
    private readonly List<ZtStreamProcess> processes = [];

    public string Folder => folder.FullName;

    /// <summary>Starts <c>ztstream ARGS</c> in the folder (for <c>run</c>, once it listens), named by its command.</summary>
    public Task<ZtStreamProcess> StartAsync(string[] args, bool waitForListening, CancellationToken ct) => StartAsync(args[0], args, waitForListening, ct);

    /// <summary>Starts <c>ztstream ARGS</c> in the folder as <paramref name="name"/>; several may start at once.</summary>
    public async Task<ZtStreamProcess> StartAsync(string name, string[] args, bool waitForListening, CancellationToken ct)
    {
        ZtStreamProcess p;
        try
        {
            p = await ZtStreamProcess.StartAsync(name, args, workingDirectory: folder.FullName, waitForListening: waitForListening, cancellationToken: ct);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{name} did not start: {e.Message}", e);
        }

        lock (processes)
        {
            processes.Add(p);
        }

        return p;
    }

    /// <summary><c>ztstream sources add NAME</c> against the store <paramref name="sqlite"/>: the new source key.</summary>
    public async Task<string> AddSourceAsync(string sqlite, string name, CancellationToken ct)
    {
        var sources = await StartAsync(["sources", "add", name, "--sqlite", sqlite], waitForListening: false, ct);
        Assert.Equal(0, await sources.WaitForExitAsync(Timeout, ct));
        return sources.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[^1];
    }

    /// <summary>A client of <paramref name="url"/> presenting <paramref name="bearer"/> (a source key or an API token).</summary>
    public static HttpClient Client(Uri url, string bearer)
    {
        var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }

    /// <summary>
    /// Polls <c>GET /v1/alerts?principal=</c> until an alert on <paramref name="principal"/> has a reason of
    /// <paramref name="detector"/>/<paramref name="rule"/>; that alert and the reason's text.
    /// </summary>
    public static async Task<(JsonElement Alert, string Text)> WaitForReasonAsync(HttpClient api, string principal, string detector, string rule, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/alerts?principal={Uri.EscapeDataString(principal)}&limit=20", UriKind.Relative), ct));
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                var alert = item.GetProperty("alert");
                foreach (var reason in alert.GetProperty("reasons").EnumerateArray())
                {
                    if (reason.GetProperty("detector").GetString() == detector && reason.GetProperty("rule").GetString() == rule)
                    {
                        return (alert.Clone(), reason.GetProperty("text").GetString()!);
                    }
                }
            }

            await Task.Delay(250, ct);
        }

        Assert.Fail($"no alert with {detector}/{rule} on {principal} within {Timeout.TotalSeconds} s");
        return default;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in processes)
        {
            await p.DisposeAsync();
        }

        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A process still exiting holds a file; the temp folder is reclaimed later.
        }
    }
}
