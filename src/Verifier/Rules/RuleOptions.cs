namespace ZtStream.Verifier.Rules;

/// <summary>Section <c>Verifier:Rules</c>: which rules score events (see docs/rules.md).</summary>
internal sealed record RuleOptions
{
    /// <summary>Rule files and directories (ZtStream, Sigma or Falco rules), loaded after the built-in library; directories reload live.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>Whether the built-in Kubernetes threat library is loaded.</summary>
    public bool Builtin { get; init; } = true;

    /// <summary>
    /// Rules to run staged (<see cref="Rule.Staged"/>), by id or by a pattern where <c>*</c> matches any run of
    /// characters: how a Sigma or Falco rule, whose file is a vendor's, is staged. Each entry must name at least one
    /// loaded rule (<see cref="RuleStaging"/>), so a typo can never leave the rule it meant live.
    /// </summary>
    public IReadOnlyList<string> Staged { get; init; } = [];

    /// <summary>Quiet time after a change in a watched directory before the rules are reloaded.</summary>
    public TimeSpan ReloadDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public IReadOnlyList<string> Validate(string section)
    {
        var problems = new List<string>();
        if (ReloadDelay <= TimeSpan.Zero || ReloadDelay > TimeSpan.FromMinutes(10))
        {
            problems.Add($"{section}:ReloadDelay must be positive and at most 10 minutes (is {ReloadDelay})");
        }

        for (var i = 0; i < Paths.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Paths[i]))
            {
                problems.Add($"{section}:Paths:{i} is empty");
            }
        }

        RuleStaging.Check($"{section}:Staged", Staged, problems);
        return problems;
    }
}
