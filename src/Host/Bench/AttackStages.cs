namespace ZtStream.Host.Bench;

/// <summary>When the Verifier raised an alert: the append of the record that raised it, and its scoring.</summary>
internal readonly record struct Raised(DateTimeOffset Appended, DateTimeOffset Scored);

/// <summary>How one action came to enforce an attack: its alert raised (when seen), stored, the action decided and done.</summary>
internal sealed record EnforcementPath(Raised? Raised, DateTimeOffset AlertStored, DateTimeOffset Decided, DateTimeOffset Done);

/// <summary>
/// The attacks' times to enforcement split into consecutive stages, so a slow attack shows which wait it spent in:
/// <c>to_log</c> (first event sent → the record that raised the alert appended: the request, its admission and any
/// later request the alert needed), <c>in_log</c> (appended → scored: the queue in front of the Verifier),
/// <c>to_responder</c> (scored → alert stored by the Responder), <c>decision</c> (stored → action decided),
/// <c>execution</c> (decided → action done: the command, its consumer and the driver), <c>to_refusal</c> (done → the
/// SDK refusing the token; 0 for an isolation). <c>ack</c> (sent → that first request acknowledged) is beside them, not
/// one of them. Stages that overlap on a busy machine (an alert stored before its raising was seen) count as 0.
/// </summary>
internal sealed class AttackStages
{
    private static readonly string[] Names = ["ack", "to_log", "in_log", "to_responder", "decision", "execution", "to_refusal"];

    private readonly Dictionary<string, LatencySamples> samples = Names.ToDictionary(n => n, _ => new LatencySamples(), StringComparer.Ordinal);

    /// <summary>Records one enforced attack's stages; returns them (milliseconds, whole) for its entry in <c>detected</c>.</summary>
    public JsonObject Add(DateTimeOffset sent, DateTimeOffset? acknowledged, EnforcementPath? path, DateTimeOffset enforced)
    {
        var stages = new JsonObject();
        lock (samples)
        {
            Record(stages, "ack", sent, acknowledged);
            if (path is null)
            {
                return stages;
            }

            // Each stage from where the previous one ended, so that they add up to the whole.
            var at = sent;
            if (path.Raised is { } raised)
            {
                at = Record(stages, "to_log", at, raised.Appended);
                at = Record(stages, "in_log", at, raised.Scored);
            }

            at = Record(stages, "to_responder", at, path.AlertStored);
            at = Record(stages, "decision", at, path.Decided);
            at = Record(stages, "execution", at, path.Done);
            Record(stages, "to_refusal", at, enforced);
        }

        return stages;
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        lock (samples)
        {
            foreach (var name in Names)
            {
                json[name] = samples[name].ToJson();
            }
        }

        return json;
    }

    private DateTimeOffset Record(JsonObject stages, string name, DateTimeOffset from, DateTimeOffset? to)
    {
        if (to is not { } end)
        {
            return from;
        }

        var milliseconds = Math.Max(0, Math.Round((end - from).TotalMilliseconds));
        samples[name].Add(milliseconds);
        stages[name] = milliseconds;
        return end > from ? end : from;
    }
}
