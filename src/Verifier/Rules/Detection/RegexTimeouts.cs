using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;

namespace ZtStream.Verifier.Rules.Detection;

/// <summary>
/// Where a rule's regular expression that ran out of matching time is reported: the counter
/// <c>ztstream.verifier.rules.regex.timeouts</c> (tagged with the rule) on the Verifier's meter, and a warning naming the
/// rule, at most once a minute per rule with the number left unlogged since. The match still counts as no match — the
/// bound is what keeps one rule from stalling scoring — but no longer silently.
/// Process-wide because rules are compiled by static readers, outside the container; the Verifier hands it its logger
/// and clock when it builds the rule set (<see cref="Use"/>).
/// </summary>
internal sealed class RegexTimeouts
{
    public const string CounterName = "ztstream.verifier.rules.regex.timeouts";

    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);
    private static readonly Meter Meter = new(VerifierTelemetry.Name);
    private static readonly Counter<long> Counter = Meter.CreateCounter<long>(
        CounterName, "{match}", "Regular-expression matches of a rule that hit their time limit and counted as no match, by rule.");

    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<string, Pending> pending = new(StringComparer.Ordinal);

    public RegexTimeouts(ILogger logger, TimeProvider time)
    {
        this.logger = logger;
        this.time = time;
    }

    public static RegexTimeouts Shared { get; private set; } = new(NullLogger.Instance, TimeProvider.System);

    public static void Use(ILogger logger, TimeProvider time) => Shared = new RegexTimeouts(logger, time);

    /// <summary>A match of <paramref name="pattern"/> in rule <paramref name="rule"/> ran out of time.</summary>
    public void Record(string rule, string pattern, TimeSpan limit)
    {
        Counter.Add(1, new KeyValuePair<string, object?>("rule", rule));
        var now = time.GetTimestamp();
        var entry = pending.GetOrAdd(rule, _ => new Pending());
        int suppressed;
        lock (entry)
        {
            if (entry.LoggedAt is { } logged && time.GetElapsedTime(logged, now) < LogEvery)
            {
                entry.Suppressed++;
                return;
            }

            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            entry.LoggedAt = now;
        }

        VerifierLog.RegexTimedOut(logger, rule, pattern, (long)limit.TotalMilliseconds, suppressed);
    }

    private sealed class Pending
    {
        /// <summary>
        /// When the rule's last warning was logged, on the monotonic clock, so a step back of the wall clock does not
        /// silence the rule for the step; null before the first.
        /// </summary>
        public long? LoggedAt { get; set; }

        public int Suppressed { get; set; }
    }
}
