using ZtStream.Contracts.Alerts;

namespace ZtStream.Verifier.Feedback;

/// <summary>
/// Analyst false-positive verdicts in force: a scope (<c>detector</c> or <c>detector/rule</c>) for one principal and,
/// optionally, one resource class, until the verdict expires (compared with event time).
/// </summary>
internal sealed class SuppressionList
{
    private readonly Dictionary<string, List<Suppression>> byPrincipal = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(AlertFeedback feedback)
    {
        if (!string.Equals(feedback.Verdict, "false_positive", StringComparison.Ordinal))
        {
            return;
        }

        if (!byPrincipal.TryGetValue(feedback.Principal, out var list))
        {
            list = [];
            byPrincipal[feedback.Principal] = list;
        }

        foreach (var rule in feedback.Rules)
        {
            // The same verdict arrives again after a restore (the worker re-applies what it read from the feedback
            // topic to a partition whose checkpoint already holds it): keep one, so checkpoints do not grow.
            var suppression = new Suppression(rule, feedback.ResourceClass, feedback.ExpiresAt.UtcTicks, feedback.AlertId);
            if (!list.Contains(suppression))
            {
                list.Add(suppression);
                Count++;
            }
        }
    }

    /// <summary>Whether a contribution is suppressed for this principal and resource class at this event time.</summary>
    public bool IsSuppressed(string principal, string detector, string rule, string? resourceClass, long ticks)
    {
        if (Count == 0 || !byPrincipal.TryGetValue(principal, out var list))
        {
            return false;
        }

        for (var i = list.Count - 1; i >= 0; i--)
        {
            var s = list[i];
            if (s.ExpiresTicks <= ticks)
            {
                list.RemoveAt(i);
                Count--;
                continue;
            }

            if ((s.ResourceClass is null || string.Equals(s.ResourceClass, resourceClass, StringComparison.Ordinal)) && Covers(s.Scope, detector, rule))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The verdicts in force for a principal (for display).</summary>
    public IReadOnlyList<Suppression> For(string principal) =>
        byPrincipal.TryGetValue(principal, out var list) ? list : [];

    private static bool Covers(string scope, string detector, string rule) =>
        scope == "*"
        || string.Equals(scope, detector, StringComparison.Ordinal)
        || (scope.Length == detector.Length + 1 + rule.Length && scope.StartsWith(detector, StringComparison.Ordinal)
            && scope[detector.Length] == '/' && scope.EndsWith(rule, StringComparison.Ordinal));

    public void Write(BinaryWriter w)
    {
        w.Write(byPrincipal.Count);
        foreach (var (p, list) in byPrincipal)
        {
            w.Write(p);
            w.Write(list.Count);
            foreach (var s in list)
            {
                w.Write(s.Scope);
                w.Write(s.ResourceClass ?? "\0");
                w.Write(s.ExpiresTicks);
                w.Write(s.AlertId);
            }
        }
    }

    public void Read(BinaryReader r)
    {
        byPrincipal.Clear();
        Count = 0;
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var p = r.ReadString();
            var m = r.ReadInt32();
            var list = new List<Suppression>(m);
            for (var j = 0; j < m; j++)
            {
                var scope = r.ReadString();
                var rc = r.ReadString();
                list.Add(new Suppression(scope, rc == "\0" ? null : rc, r.ReadInt64(), r.ReadString()));
            }

            byPrincipal[p] = list;
            Count += m;
        }
    }
}

internal sealed record Suppression(string Scope, string? ResourceClass, long ExpiresTicks, string AlertId);
