using ZtStream.TestSupport.Processes;

namespace ZtStream.TestSupport.Metamorphic;

/// <summary>
/// The verdict a running <c>ztstream</c> reached, read from its Responder API, compared between records as written and
/// copies of them renamed: each alert's principal (named back through its copy's renaming), severity, score, count and
/// each reason's detector, rule and score.
/// </summary>
public static class AlertVerdicts
{
    /// <summary>One alert as compared, with its principal named by <paramref name="back"/>.</summary>
    public static string Of(JsonElement alert, Func<string, string> back) => string.Join(' ',
        back(alert.GetProperty("principal").GetString()!),
        alert.GetProperty("severity").GetString(),
        alert.GetProperty("score").GetInt32().ToString(CultureInfo.InvariantCulture),
        "x" + (alert.TryGetProperty("count", out var count) ? count.GetInt32() : 1).ToString(CultureInfo.InvariantCulture),
        string.Join(',', alert.GetProperty("reasons").EnumerateArray()
            .Select(r => $"{r.GetProperty("detector").GetString()}/{r.GetProperty("rule").GetString()}={r.GetProperty("score").GetInt32()}")
            .Order(StringComparer.Ordinal)));

    /// <summary>
    /// Waits until the alerts <paramref name="api"/> lists on the records as written hold every one of
    /// <paramref name="expected"/> (<c>principal detector/rule</c>), each copy's alerts named back are the same, and two
    /// readings a second apart agree; else fails the test with each difference, the renamings and <paramref name="output"/>.
    /// An alert on a principal no copy renamed belongs to the records as written; each copy is compared with those of
    /// them on a principal its renaming names (so copies of several scenarios may share one process).
    /// </summary>
    public static async Task SameAsync(
        HttpClient api, IReadOnlyList<(string What, Renaming Renaming)> copies, IReadOnlyCollection<string> expected, Func<string> output, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ZtStreamApi.Timeout;
        string? last = null;
        var report = "";
        while (DateTime.UtcNow < deadline)
        {
            var alerts = await ZtStreamApi.AllAlertsAsync(api, ct);
            var original = new List<(string Principal, string Verdict)>();
            var renamed = copies.Select(_ => new List<string>()).ToList();
            foreach (var alert in alerts)
            {
                var principal = alert.GetProperty("principal").GetString()!;
                var copy = copies.Select((c, i) => (i, Back: c.Renaming.Back(principal))).FirstOrDefault(c => !c.Back.StartsWith("unmapped:", StringComparison.Ordinal));
                if (copy.Back is null)
                {
                    original.Add((principal, Of(alert, p => p)));
                }
                else
                {
                    renamed[copy.i].Add(Of(alert, _ => copy.Back));
                }
            }

            original.Sort((a, b) => string.CompareOrdinal(a.Verdict, b.Verdict));
            renamed.ForEach(r => r.Sort(StringComparer.Ordinal));
            var missing = expected.Where(e => !original.Any(o => o.Principal == e.Split(' ')[0] && o.Verdict.Contains(e.Split(' ', 2)[1] + "=", StringComparison.Ordinal))).ToList();
            var differences = copies
                .Select((c, i) => (c.What, c.Renaming, Renamed: renamed[i], Original: original.Where(o => c.Renaming.Names(o.Principal)).Select(o => o.Verdict).ToList()))
                .Where(c => !c.Renamed.SequenceEqual(c.Original))
                .ToList();
            var now = string.Join('\n', original.Select(o => o.Verdict)) + "\n--\n" + string.Join("\n--\n", renamed.Select(r => string.Join('\n', r)));
            if (missing.Count == 0 && differences.Count == 0 && now == last)
            {
                return;
            }

            last = now;
            report = $"missing from the records as written: {string.Join("; ", missing)}\nas written:\n  {string.Join("\n  ", original.Select(o => o.Verdict))}\n"
                + string.Join('\n', differences.Select(d => $"{d.What} (renaming {d.Renaming}):\n  {string.Join("\n  ", d.Renamed)}\n as written, on its names:\n  {string.Join("\n  ", d.Original)}"));
            await Task.Delay(1000, ct);
        }

        var log = output();
        Assert.Fail($"the renamed copies' verdicts did not settle on the original's within {ZtStreamApi.Timeout.TotalSeconds} s:\n{report}\n{(log.Length > 8000 ? log[^8000..] : log)}");
    }
}
