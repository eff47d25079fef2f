namespace ZtStream.Platform.Options;

/// <summary>How every options validator answers <see cref="IValidateOptions{TOptions}"/>: from its list of problems, one line each.</summary>
internal static class OptionsValidation
{
    public static ValidateOptionsResult ToResult(IReadOnlyCollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
