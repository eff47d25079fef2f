namespace ZtStream.Verifier.Authentication;

/// <summary>Section <c>Verifier:Authentication</c>: the sign-in and session detectors (docs/detection.md, "Identity detectors").</summary>
internal sealed record AuthenticationOptions
{
    /// <summary>Failed sign-ins older than this (event time) before a success are not counted against it.</summary>
    public TimeSpan FailureWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Failed sign-ins (since the last success, within <see cref="FailureWindow"/>) from which a success is suspect.</summary>
    public int SuccessAfterFailures { get; init; } = 5;

    /// <summary>Refused or unanswered second-factor prompts older than this before an accepted one are not counted.</summary>
    public TimeSpan MfaWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Refused or unanswered prompts (since the last accepted one) from which an accepted prompt is MFA fatigue.</summary>
    public int MfaFatigueMinimum { get; init; } = 5;

    /// <summary>
    /// A session seen from a second network counts as hijacked only when the first network used it within this long
    /// before: a laptop that moves from home to the office an hour later is not a stolen cookie; two networks at once are.
    /// </summary>
    public TimeSpan SessionConcurrency { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Requests still in flight when a session ends: use within this long after the end is not flagged.</summary>
    public TimeSpan SessionEndGrace { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a risky sign-in raises the risk of access in its session (or until the session ends).</summary>
    public TimeSpan RiskySessionWindow { get; init; } = TimeSpan.FromHours(12);

    /// <summary>
    /// A step that makes access last (a factor registered, the password or recovery address changed, an API token created)
    /// whose record names no session counts as taken over when it follows a risky sign-in of the principal by at most this
    /// long: the records that name their session are judged by that session, within <see cref="RiskySessionWindow"/>.
    /// </summary>
    public TimeSpan PersistenceWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Successful sign-ins a principal must have before a new country or device is a reason.</summary>
    public int NewLocationMinimumSignIns { get; init; } = 5;

    /// <summary>
    /// How much event time a principal's first-seen history (sign-ins saying how they authenticated) must span before
    /// something it has not seen is a reason: a new deployment learns everyone's everyday networks and clients first.
    /// </summary>
    public TimeSpan FirstSeenWarmUp { get; init; } = TimeSpan.FromDays(7);

    public IReadOnlyList<string> Validate(string section)
    {
        var problems = new List<string>();
        problems.Positive($"{section}:{nameof(FailureWindow)}", FailureWindow);
        problems.Positive($"{section}:{nameof(MfaWindow)}", MfaWindow);
        problems.Positive($"{section}:{nameof(SessionConcurrency)}", SessionConcurrency);
        problems.Positive($"{section}:{nameof(RiskySessionWindow)}", RiskySessionWindow);
        problems.Positive($"{section}:{nameof(PersistenceWindow)}", PersistenceWindow);
        if (FirstSeenWarmUp < TimeSpan.Zero)
        {
            problems.Add($"{section}:{nameof(FirstSeenWarmUp)} must be zero or more (is {FirstSeenWarmUp})");
        }
        if (SessionEndGrace < TimeSpan.Zero)
        {
            problems.Add($"{section}:{nameof(SessionEndGrace)} must be zero or more (is {SessionEndGrace})");
        }

        if (SuccessAfterFailures < 1 || MfaFatigueMinimum < 1)
        {
            problems.Add($"{section}:{nameof(SuccessAfterFailures)} and {nameof(MfaFatigueMinimum)} must be positive (are {SuccessAfterFailures}, {MfaFatigueMinimum})");
        }

        problems.NotNegative($"{section}:{nameof(NewLocationMinimumSignIns)}", NewLocationMinimumSignIns);

        return problems;
    }
}
