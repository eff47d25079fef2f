using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace ZtStream.Verifier.Rules;

/// <summary>
/// The value lists of a rule set, seen through one rule's compilation: every list the rule's placeholders named is
/// recorded, so its revision covers exactly the lists it uses (a change to another list leaves it as it was).
/// </summary>
internal sealed class UsedLists(IReadOnlyDictionary<string, IReadOnlyList<string>> lists) : IReadOnlyDictionary<string, IReadOnlyList<string>>
{
    private readonly Dictionary<string, IReadOnlyList<string>> used = new(StringComparer.Ordinal);

    /// <summary>The lists looked up so far, with their values.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Used => used;

    public IReadOnlyList<string> this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => lists.Keys;

    public IEnumerable<IReadOnlyList<string>> Values => lists.Values;

    public int Count => lists.Count;

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlyList<string> value)
    {
        if (!lists.TryGetValue(key, out value))
        {
            return false;
        }

        used[key] = value;
        return true;
    }

    public IEnumerator<KeyValuePair<string, IReadOnlyList<string>>> GetEnumerator() => lists.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
