namespace ZtStream.Verifier.Rules.Detection;

/// <summary>A rule that cannot be compiled; <see cref="Line"/> is 0 when the caller knows the line better.</summary>
internal sealed class RuleFormatException(string message, int line = 0) : Exception(message)
{
    public int Line { get; } = line;
}
