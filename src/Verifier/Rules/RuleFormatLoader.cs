namespace ZtStream.Verifier.Rules;

/// <summary>
/// A rule format loaded by its own loader (Falco): how to recognise a file of it, and how to load all its files at once
/// (in order: later files append to or override earlier ones). <paramref name="Kinds"/> are the event kinds its rules
/// apply to when a rule does not say (the set is indexed by them).
/// </summary>
internal sealed record RuleFormatLoader(string Format, Func<string, bool> Recognises, Func<IReadOnlyList<(string Path, string Text)>, RuleLoadResult> Load, IReadOnlyList<string>? Kinds = null);
