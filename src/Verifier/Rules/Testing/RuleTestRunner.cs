namespace ZtStream.Verifier.Rules.Testing;

/// <summary>
/// Runs a rule's embedded tests: the input becomes events (canonical events as written, or a source's payload mapped by
/// that source's reader), read by the readers <c>ztstream replay --format</c> uses — with the <c>Ingest</c> bounds and
/// naming of <paramref name="configuration"/> and Ingest's event validator, so a test sees the events live ingestion would
/// append, and an input live ingestion would refuse fails its test, naming item, field and reason. Each event is evaluated
/// in order by a fresh rule detector holding only this rule (skipped, as live, for an event without the attribute the rule
/// needs: <see cref="RuleCandidates"/>), and the outcome is compared with <c>expect</c>. A single-event
/// rule matches when any event but a failed sign-in's twins matches (as live, <see cref="RuleDetector.JudgesOneEvent"/>);
/// for an aggregation the last event decides (a twin only for a rule that selects it). An input that yields no event fails the test.
/// </summary>
internal sealed class RuleTestRunner(IReadOnlyDictionary<string, SourceFileReader> readers, IConfiguration? configuration = null)
{
    /// <summary>Event time given to test events that name none: one second apart from here.</summary>
    private static readonly DateTimeOffset DefaultTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IEnumerable<RuleTestResult> Run(Rule rule)
    {
        foreach (var test in rule.Tests)
        {
            yield return Run(rule, test);
        }
    }

    public RuleTestResult Run(Rule rule, RuleTest test)
    {
        List<AccessEvent> events;
        try
        {
            events = Events(test.Input);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return new RuleTestResult(rule, test, false, $"its {test.Input.Format} input is not valid: {ex.Message}");
        }

        if (events.Count == 0)
        {
            return new RuleTestResult(rule, test, false, $"its {test.Input.Format} input maps to no event");
        }

        var detector = new RuleDetector(new RuleSetHolder(new RuleSet([rule])));
        string? explanation = null;
        string? last = null;
        foreach (var e in events)
        {
            if (RuleDetector.JudgesOneEvent(rule) && Authentication.AuthenticationDetector.IsAddressTwin(e))
            {
                // As live: a failed sign-in's twins are evidence only for a rule that counts.
                continue;
            }

            // As live, a rule is not asked of an event without the attribute it cannot match without (RuleCandidates).
            var re = new RuleEvent(e) { OktaMfa = detector.OktaMfa };
            var match = RuleCandidates.Gate(rule) is { } gate && !gate.Exists(re) ? null : detector.Match(rule, re);
            explanation ??= match;
            if (rule.Aggregation is null || !Authentication.AuthenticationDetector.IsAddressTwin(e) || rule.Condition.Matches(re))
            {
                // The address twin a reader writes after a failed sign-in (docs/events.md) is not the input's last event
                // for a rule that does not count twins.
                last = match;
            }
        }

        var matched = rule.Aggregation is null ? explanation is not null : last is not null;
        if (matched == test.ExpectMatch)
        {
            return new RuleTestResult(rule, test, true, "ok");
        }

        var detail = !test.ExpectMatch
            ? $"expected no match, but it matched: {(rule.Aggregation is null ? explanation : last)}"
            : rule.Aggregation is not null
                ? $"expected match, but the last of {events.Count} events did not bring its group to the threshold ({rule.Aggregation.Threshold})"
                : events.Count == 1 ? "expected match, but the event did not match" : $"expected match, but none of {events.Count} events matched";
        return new RuleTestResult(rule, test, false, detail);
    }

    private List<AccessEvent> Events(RuleTestInput input)
    {
        var json = input.Json;
        var format = input.Format;
        if (format == RuleTestInput.Events)
        {
            var node = JsonNode.Parse(input.Json);
            var items = node is JsonArray array ? array.ToList() : [node];
            var lines = new StringBuilder();
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is not JsonObject o)
                {
                    throw new FormatException($"event {i} is not a map");
                }

                // Tests may leave out the id and time: defaults keep them short and in order.
                o["id"] ??= "test-" + (i + 1).ToString(CultureInfo.InvariantCulture);
                o["time"] ??= DefaultTime.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture);
                lines.Append(o.ToJsonString()).Append('\n');
            }

            (json, format) = (Encoding.UTF8.GetBytes(lines.ToString()), SourceFileFormats.Canonical);
        }

        if (!readers.TryGetValue(format, out var read))
        {
            throw new NotSupportedException(
                $"no reader for source format '{format}' (known: events, {string.Join(", ", readers.Keys.Where(k => k != SourceFileFormats.Canonical).Select(k => k.Replace('-', '_')))})");
        }

        // A test input live ingestion would not take whole would test something else: it fails the test, naming the item and
        // why. Its events are examples dated anywhere, so only their times relative to each other are checked (no "now").
        using var stream = new MemoryStream(json);
        var skipped = new List<SkippedItem>();
        List<AccessEvent> events = [.. read(stream, DefaultTime, skipped.Add, configuration)];
        if (skipped.Count > 0)
        {
            throw new FormatException(string.Join("; ", skipped.Select(s => $"{s.Where}, {s.Field}: {s.Reason}")));
        }

        return events;
    }
}
