namespace ZtStream.Verifier.Rules;

/// <summary>One rule file's text and the name errors call it by (a path, or <c>builtin:NAME</c>).</summary>
internal sealed record RuleSource(string Path, string Text);
