namespace ZtStream.Verifier.Tests.Scoring;

public sealed class RecentIdsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Add_ThreeRingsOfIdsWithRepeats_KnowsExactlyTheLastCapacityNewIds(int seed)
    {
        // Random ids fill the table to half its slots, so runs of neighbouring entries form and are split by removals;
        // repeats of recent and of forgotten ids go through the same paths. An id is known while fewer than Capacity
        // new ids came after it.
        var random = new Random(seed);
        var ids = new RecentIds();
        var addedAt = new Dictionary<ulong, int>();
        var seen = new List<ulong>();
        var added = 0;
        bool Known(ulong h) => addedAt.TryGetValue(h, out var at) && at >= added - RecentIds.Capacity;
        for (var i = 0; i < 3 * RecentIds.Capacity; i++)
        {
            var hash = seen.Count > 0 && random.Next(8) == 0 ? seen[random.Next(seen.Count)] : (ulong)random.NextInt64() | 1;
            seen.Add(hash);
            var isNew = !Known(hash);
            Assert.Equal(isNew, ids.Add(hash));
            if (isNew)
            {
                addedAt[hash] = added++;
            }

            var probe = seen[random.Next(seen.Count)];
            Assert.Equal(Known(probe), ids.Contains(probe));
        }

        Assert.Equal(0, seen.Count(h => ids.Contains(h) != Known(h)));
    }

    [Fact]
    public void Add_IdHashingToZero_IsRememberedLikeAnyOther()
    {
        var ids = new RecentIds();
        Assert.False(ids.Contains(0));
        Assert.True(ids.Add(0));
        Assert.True(ids.Contains(0));
        Assert.False(ids.Add(0));
    }

    [Fact]
    public void Add_IdsSharingOneHomeSlot_ForgetsOnlyTheOldest()
    {
        // Ids whose home is the same slot make one run of entries; forgetting the first must leave the rest findable.
        var sameHome = new List<ulong>();
        for (ulong h = 1; sameHome.Count < 40; h++)
        {
            if ((h * 0x9E3779B97F4A7C15UL) >> 47 == 5)
            {
                sameHome.Add(h);
            }
        }

        var ids = new RecentIds();
        foreach (var h in sameHome)
        {
            Assert.True(ids.Add(h));
        }

        for (var i = 0; i < RecentIds.Capacity - sameHome.Count + 10; i++)
        {
            Assert.True(ids.Add(((ulong)i << 20) | 0xABCDE));
        }

        Assert.All(sameHome.Take(10), h => Assert.False(ids.Contains(h)));
        Assert.All(sameHome.Skip(10), h => Assert.True(ids.Contains(h)));
        Assert.False(ids.Add(sameHome[^1]));
        Assert.True(ids.Add(sameHome[0]));
    }

    [Fact]
    public void Write_IsTheCheckpointsRingLayout_AndReadRestoresIt()
    {
        var ids = new RecentIds();
        for (ulong h = 1; h <= 70_000; h++)
        {
            ids.Add(h * 7919);
        }

        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            ids.Write(w);
        }

        // next position, ring length, then the ring: the layout every checkpoint format has had.
        var bytes = buffer.ToArray();
        Assert.Equal(8 + (8 * RecentIds.Capacity), bytes.Length);
        Assert.Equal(70_000 % RecentIds.Capacity, BitConverter.ToInt32(bytes, 0));
        Assert.Equal(RecentIds.Capacity, BitConverter.ToInt32(bytes, 4));
        Assert.Equal(65_537UL * 7919, BitConverter.ToUInt64(bytes, 8));

        var restored = new RecentIds();
        buffer.Position = 0;
        restored.Read(new BinaryReader(buffer));
        Assert.False(restored.Contains(4_464UL * 7919));
        Assert.True(restored.Contains(4_465UL * 7919));
        Assert.True(restored.Contains(70_000UL * 7919));
        Assert.True(restored.Add(1));
        Assert.False(restored.Contains(4_465UL * 7919));
    }
}
