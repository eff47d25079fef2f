namespace ZtStream.Verifier.Rules.Backtest;

/// <summary>
/// What <c>rules backtest</c> prints: one line (or JSON object) per rule — the new set's in its order, then the rules
/// only the compared set has — the rules that matched nothing included (a rule that never fires is news), then each
/// rule file that failed, then a summary.
/// </summary>
internal static class BacktestReport
{
    public const string Added = "added";
    public const string Removed = "removed";
    public const string Changed = "changed";
    public const string Unchanged = "unchanged";

    public static async Task WriteAsync(TextWriter o, RuleBacktest run, int refused, bool json)
    {
        var rows = Rows(run).ToList();
        if (!json)
        {
            await o.WriteLineAsync(run.Old is null
                ? $"{"ID",-40} {"REVISION",-12} {"MATCHES",8} {"EVENTS",8} {"PRINCIPALS",10}  {"FIRST",-20} {"LAST",-20} SAMPLES"
                : $"{"ID",-40} {"CHANGE",-9} {"REVISION (OLD → NEW)",-27} {"MATCHES",-13} {"ONLY NEW",8} {"ONLY OLD",8}  SAMPLES");
        }

        foreach (var row in rows)
        {
            await o.WriteLineAsync(json ? RulesCommand.Json(w => WriteJson(w, run, row)) : Line(run, row));
        }

        foreach (var (side, error) in Errors(run))
        {
            await o.WriteLineAsync(json
                ? RulesCommand.Json(w =>
                {
                    w.WriteString("file", error.File);
                    w.WriteNumber("line", error.Line);
                    if (error.RuleId is not null)
                    {
                        w.WriteString("rule", error.RuleId);
                    }

                    w.WriteString("error", error.Reason);
                    if (side is not null)
                    {
                        w.WriteString("set", side);
                    }
                })
                : $"FAILED {(side is null ? "" : $"({side}) ")}{error}");
        }

        var matched = rows.Count(r => r.New is { Events: > 0 });
        var newRules = run.New.Tallies.Count;
        var failed = run.New.Loaded.Errors.Count + (run.Old?.Loaded.Errors.Count ?? 0);
        if (json)
        {
            await o.WriteLineAsync(RulesCommand.Json(w =>
            {
                w.WriteNumber("events", run.Events);
                w.WriteNumber("refused", refused);
                w.WriteNumber("rules", newRules);
                w.WriteNumber("matched", matched);
                w.WriteNumber("silent", newRules - matched);
                if (run.Old is not null)
                {
                    w.WriteNumber("against_rules", run.Old.Tallies.Count);
                    w.WriteNumber("added", rows.Count(r => r.Change == Added));
                    w.WriteNumber("removed", rows.Count(r => r.Change == Removed));
                    w.WriteNumber("changed", rows.Count(r => r.Change == Changed));
                    w.WriteNumber("only_new", rows.Sum(r => run.Differences(r.Id)?.OnlyNew.Count ?? 0));
                    w.WriteNumber("only_old", rows.Sum(r => run.Differences(r.Id)?.OnlyOld.Count ?? 0));
                }

                w.WriteNumber("failed", failed);
            }));
            return;
        }

        var change = run.Old is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; against {run.Old.Tallies.Count} rules: {rows.Count(r => r.Change == Added)} added, {rows.Count(r => r.Change == Removed)} removed, {rows.Count(r => r.Change == Changed)} changed");
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{run.Events} events backtested, {refused} refused; {newRules} rules: {matched} matched, {newRules - matched} matched nothing{change}; {failed} failed"));
    }

    private static IEnumerable<Row> Rows(RuleBacktest run)
    {
        foreach (var (id, tally) in run.New.Tallies)
        {
            var old = run.Old?.Tallies.GetValueOrDefault(id);
            yield return new Row(id, tally, old, run.Old is null ? Unchanged
                : old is null ? Added
                : old.Rule.Revision == tally.Rule.Revision ? Unchanged : Changed);
        }

        foreach (var (id, old) in run.Old?.Tallies ?? [])
        {
            if (!run.New.Tallies.ContainsKey(id))
            {
                yield return new Row(id, null, old, Removed);
            }
        }
    }

    private static IEnumerable<(string? Side, RuleLoadError Error)> Errors(RuleBacktest run) =>
        run.New.Loaded.Errors.Select(e => (run.Old is null ? null : "new", e))
            .Concat((run.Old?.Loaded.Errors ?? []).Select(e => ((string?)"against", e)));

    private static string Line(RuleBacktest run, Row row)
    {
        var t = row.New ?? row.Old!;
        if (run.Old is null)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{row.Id,-40} {t.Rule.Revision,-12} {t.Firings.Count,8} {t.Events,8} {Principals(t),10}  {Time(t.First),-20} {Time(t.Last),-20} {Samples(t.Firings)}{State(t.Rule)}");
        }

        var revisions = $"{row.Old?.Rule.Revision ?? "-"} → {row.New?.Rule.Revision ?? "-"}";
        var matches = $"{row.Old?.Firings.Count.ToString(CultureInfo.InvariantCulture) ?? "-"} → {row.New?.Firings.Count.ToString(CultureInfo.InvariantCulture) ?? "-"}";
        var d = run.Differences(row.Id);
        var shown = d is null ? "" : string.Join("; ", new[] { ("new", d.Value.OnlyNew), ("old", d.Value.OnlyOld) }
            .Where(x => x.Item2.Count > 0).Select(x => $"only {x.Item1}: {Samples(x.Item2)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{row.Id,-40} {row.Change,-9} {revisions,-27} {matches,-13} {d?.OnlyNew.Count ?? 0,8} {d?.OnlyOld.Count ?? 0,8}  {shown}{State(t.Rule)}");
    }

    /// <summary>Why a rule cannot have matched (it is off, or it only feeds a correlation), or that its matches would be staged.</summary>
    private static string State(Rule r) => !r.Enabled ? " (disabled)" : !r.Generates ? " (correlated only)" : r.Staged ? " (staged)" : "";

    private static string Principals(RuleTally t) => t.PrincipalsCapped ? $">{t.Principals}" : t.Principals.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";

    private static string Samples(SampledCount c) => c.Samples.Count == 0 ? "-" : string.Join(", ", c.Samples) + (c.Count > c.Samples.Count ? ", …" : "");

    private static void WriteJson(Utf8JsonWriter w, RuleBacktest run, Row row)
    {
        var t = row.New ?? row.Old!;
        w.WriteString("id", row.Id);
        w.WriteString("title", t.Rule.Title);
        w.WriteString("format", t.Rule.Format);
        if (run.Old is not null)
        {
            w.WriteString("change", row.Change);
        }

        Side(w, "", row.New);
        if (run.Old is not null)
        {
            Side(w, "old_", row.Old);
            var d = run.Differences(row.Id);
            Count(w, "only_new", d?.OnlyNew);
            Count(w, "only_old", d?.OnlyOld);
        }
    }

    /// <summary>One side's numbers for a rule, under <paramref name="prefix"/>; null values for a side without the rule.</summary>
    private static void Side(Utf8JsonWriter w, string prefix, RuleTally? t)
    {
        if (t is null)
        {
            w.WriteNull(prefix + "revision");
            return;
        }

        w.WriteString(prefix + "revision", t.Rule.Revision);
        w.WriteBoolean(prefix + "enabled", t.Rule.Enabled);
        w.WriteBoolean(prefix + "generates", t.Rule.Generates);
        w.WriteBoolean(prefix + "staged", t.Rule.Staged);
        w.WriteNumber(prefix + "matches", t.Firings.Count);
        w.WriteNumber(prefix + "events", t.Events);
        w.WriteNumber(prefix + "principals", t.Principals);
        if (t.PrincipalsCapped)
        {
            w.WriteBoolean(prefix + "principals_capped", true);
        }

        Time(w, prefix + "first", t.First);
        Time(w, prefix + "last", t.Last);
        RulesCommand.Strings(w, prefix + "samples", t.Firings.Samples);
    }

    private static void Time(Utf8JsonWriter w, string name, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            w.WriteString(name, value.UtcDateTime);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Count(Utf8JsonWriter w, string name, SampledCount? c)
    {
        w.WriteStartObject(name);
        w.WriteNumber("events", c?.Count ?? 0);
        RulesCommand.Strings(w, "samples", c?.Samples ?? []);
        w.WriteEndObject();
    }

    /// <summary>One rule id: its tally in the new set and in the compared one (either may be absent), and what changed.</summary>
    private sealed record Row(string Id, RuleTally? New, RuleTally? Old, string Change);
}
