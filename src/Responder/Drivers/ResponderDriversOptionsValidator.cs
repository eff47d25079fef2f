namespace ZtStream.Responder.Drivers;

/// <summary>
/// Checks section <c>Responder:Drivers</c>, listing every problem at once. Each enabled driver's sub-section
/// (<c>OAuth</c>, <c>SharedSignals</c>, <c>Kubernetes</c> …) checks itself in its record's <c>Validate()</c>,
/// which <see cref="ResponderDriversOptions.Validate"/> gathers: those records are never options on their own.
/// </summary>
internal sealed class ResponderDriversOptionsValidator : IValidateOptions<ResponderDriversOptions>
{
    public ValidateOptionsResult Validate(string? name, ResponderDriversOptions options) => OptionsValidation.ToResult(Validate(options));

    /// <summary>One line per problem; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Validate(ResponderDriversOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Validate();
    }
}
