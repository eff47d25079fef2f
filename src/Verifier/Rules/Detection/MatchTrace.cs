namespace ZtStream.Verifier.Rules.Detection;

/// <summary>What an explained match found: the field paths and values that made it true.</summary>
internal sealed class MatchTrace
{
    public List<(string Path, string Value)> Values { get; } = [];

    public int Count => Values.Count;

    public void Add(string path, string value) => Values.Add((path, value));

    public void Truncate(int count)
    {
        if (Values.Count > count)
        {
            Values.RemoveRange(count, Values.Count - count);
        }
    }
}
