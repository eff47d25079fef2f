namespace ZtStream.Verifier.Rules;

/// <summary>One rule file's text and the name errors call it by (a path, or <c>builtin:NAME</c>).</summary>
internal sealed record RuleSource(string Path, string Text)
{
    /// <summary>The name alerts and listings give the file: its path relative to the configured path that holds it; the path when not set.</summary>
    public string RelativePath
    {
        get => relative ?? Path;
        init => relative = value;
    }

    private readonly string? relative;
}
