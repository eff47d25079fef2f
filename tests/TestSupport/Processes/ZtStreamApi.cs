namespace ZtStream.TestSupport.Processes;

/// <summary>What end-to-end tests ask of a running <c>ztstream</c>: a client with a bearer credential, an alert to wait for.</summary>
public static class ZtStreamApi
{
    /// <summary>How long a step may take on a loaded machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

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
}
