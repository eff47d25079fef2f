namespace ZtStream.Responder.Drivers;

/// <summary>
/// Checks section <c>Responder:Drivers</c>, listing every problem at once. Each enabled driver's sub-section
/// (<c>OAuth</c>, <c>SharedSignals</c>, <c>Kubernetes</c> …) checks itself in its record's <c>Validate()</c>,
/// which <see cref="ResponderDriversOptions.Validate"/> gathers: those records are never options on their own.
/// </summary>
internal sealed class ResponderDriversOptionsValidator : OptionsValidator<ResponderDriversOptions, ResponderDriversOptionsValidator>, IOptionsRules<ResponderDriversOptions>
{
    /// <summary>Adds one line per problem to <paramref name="problems"/>.</summary>
    public static void Check(ResponderDriversOptions options, List<string> problems)
    {
        problems.AddRange(options.Validate());
    }
}
