namespace ZtStream.Platform.Options;

/// <summary>
/// What every section's validator shares. The validator writes only its rules (<see cref="IOptionsRules{TOptions}.Check"/>:
/// one line per problem, naming <c>Section:Key</c>); the host asks through <see cref="IValidateOptions{TOptions}"/>, and
/// commands that run without a host call <see cref="Validate(TOptions)"/>, so both see every problem at once.
/// </summary>
/// <typeparam name="TOptions">The section's options.</typeparam>
/// <typeparam name="TRules">The validator itself, whose static rules this runs.</typeparam>
internal abstract class OptionsValidator<TOptions, TRules> : IValidateOptions<TOptions>
    where TOptions : class
    where TRules : IOptionsRules<TOptions>
{
    public ValidateOptionsResult Validate(string? name, TOptions options) => OptionsValidation.ToResult(Validate(options));

    /// <summary>One line per problem; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Validate(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        TRules.Check(options, problems);
        return problems;
    }
}

/// <summary>A section's rules, run by <see cref="OptionsValidator{TOptions, TRules}"/>.</summary>
internal interface IOptionsRules<TOptions>
{
    /// <summary>Adds one line per problem of <paramref name="options"/> to <paramref name="problems"/>.</summary>
    static abstract void Check(TOptions options, List<string> problems);
}
