namespace ZtStream.TestSupport.Assertions;

/// <summary>
/// Assertions over the problems a validator reports all at once (options, policy files, drivers): each expected
/// problem is found by a fragment of its text, in any order, and a miss shows every problem that was reported.
/// </summary>
public static class ProblemList
{
    /// <summary>Fails unless every one of <paramref name="fragments"/> occurs (ordinal) in at least one of <paramref name="problems"/>.</summary>
    public static void AssertNames(IEnumerable<string> problems, params string[] fragments)
    {
        var reported = problems.ToList();
        foreach (var fragment in fragments)
        {
            Assert.True(
                reported.Exists(p => p.Contains(fragment, StringComparison.Ordinal)),
                $"no problem names '{fragment}'; reported:{Environment.NewLine}{string.Join(Environment.NewLine, reported)}");
        }
    }
}
