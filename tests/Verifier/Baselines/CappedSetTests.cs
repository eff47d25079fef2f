namespace ZtStream.Verifier.Tests.Baselines;

public sealed class CappedSetTests
{
    [Fact]
    public void Add_NewThenAgain_TrueThenFalse()
    {
        var set = new CappedSet(4);

        Assert.True(set.Add(7));
        Assert.False(set.Add(7));
        Assert.True(set.Contains(7));
        Assert.Equal(1, set.Count);
    }

    [Fact]
    public void Add_BeyondCapacity_OverwritesTheOldestAndStaysAtCapacity()
    {
        var set = Filled(3, 1, 2, 3, 4);

        Assert.Equal(3, set.Count);
        Assert.False(set.Contains(1));
        Assert.True(set.Contains(4));

        // The overwritten item is new again, and takes the next-oldest slot.
        Assert.True(set.Add(1));
        Assert.False(set.Contains(2));
        Assert.True(set.Contains(3));
    }

    [Fact]
    public void WriteRead_RoundTrip_KeepsMembersAndWhichIsOldest()
    {
        var set = Filled(3, 10, 20, 30, 40);

        var copy = RoundTrip(set, new CappedSet(3));
        copy.Add(50);
        set.Add(50);

        foreach (var h in new ulong[] { 10, 20, 30, 40, 50 })
        {
            Assert.Equal(set.Contains(h), copy.Contains(h));
        }

        Assert.False(copy.Contains(20));
    }

    [Fact]
    public void Read_IntoSmallerCapacity_KeepsWhatFits()
    {
        var set = Filled(4, 1, 2, 3, 4);

        var smaller = RoundTrip(set, new CappedSet(2));

        Assert.Equal(2, smaller.Count);
        Assert.True(smaller.Contains(1));
        Assert.True(smaller.Contains(2));
        Assert.True(smaller.Add(5));
        Assert.Equal(2, smaller.Count);
    }

    [Fact]
    public void Clear_EmptiesButKeepsCapacity()
    {
        var set = Filled(2, 1, 2);

        set.Clear();

        Assert.Equal(0, set.Count);
        Assert.False(set.Contains(1));
        Assert.Equal(2, set.Capacity);
    }

    private static CappedSet Filled(int capacity, params ulong[] hashes)
    {
        var set = new CappedSet(capacity);
        foreach (var h in hashes)
        {
            set.Add(h);
        }

        return set;
    }

    private static CappedSet RoundTrip(CappedSet from, CappedSet into)
    {
        using var reader = WrittenBytes.Reader(from.Write);
        into.Read(reader);
        return into;
    }

    [Fact]
    public void Add_GrowingPastItsFirstStorage_KeepsEveryMemberAndTheOldestFirstOrder()
    {
        var set = new CappedSet(10);
        for (ulong h = 1; h <= 10; h++)
        {
            Assert.True(set.Add(h));
        }

        Assert.All(Enumerable.Range(1, 10), h => Assert.True(set.Contains((ulong)h)));

        // Full: the next one replaces the oldest (1), the one after the next oldest (2).
        Assert.True(set.Add(11));
        Assert.True(set.Add(12));
        Assert.False(set.Contains(1));
        Assert.False(set.Contains(2));
        Assert.True(set.Contains(3) && set.Contains(12));
        Assert.Equal(10, set.Count);
    }
}
