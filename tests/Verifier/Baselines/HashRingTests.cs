namespace ZtStream.Verifier.Tests.Baselines;

public sealed class HashRingTests
{
    [Fact]
    public void Write_IsTheFixedCheckpointLayout_WhateverIsUsed()
    {
        // capacity × (key, value) then the next slot: the layout checkpoints written before the ring was a type have.
        var ring = new HashRing(4);
        ring.Add(7, 70);

        var bytes = Bytes(ring);

        using var expected = new MemoryStream();
        using (var w = new BinaryWriter(expected))
        {
            w.Write(7UL);
            w.Write(70L);
            for (var i = 1; i < 4; i++)
            {
                w.Write(0UL);
                w.Write(0UL);
            }

            w.Write(1);
        }

        Assert.Equal(expected.ToArray(), bytes);
        Assert.Equal(bytes.Length, Bytes(new HashRing(4)).Length);
    }

    [Fact]
    public void Read_KeepsEveryPair_AndGoesOnFromTheNextSlot()
    {
        var ring = new HashRing(3);
        ring.Add(1, 10);
        ring.Add(2, 20);

        var copy = new HashRing(3);
        using (var r = new BinaryReader(new MemoryStream(Bytes(ring))))
        {
            copy.Read(r);
        }

        Assert.Equal(20UL, copy.ValueAt(copy.IndexOf(2)));
        copy.Add(3, 30);
        copy.Add(4, 40);
        // The fourth pair replaced the oldest, not a slot the read skipped.
        Assert.Equal(-1, copy.IndexOf(1));
        Assert.Equal(new[] { 20UL, 30UL, 40UL }, new ulong[] { 2, 3, 4 }.Select(k => copy.ValueAt(copy.IndexOf(k))));
    }

    [Fact]
    public void IndexOf_AnUnknownKey_IsMinusOne()
    {
        Assert.Equal(-1, new HashRing(8).IndexOf(5));
        Assert.Equal(-1, Filled(8, (1, 1)).IndexOf(5));
    }

    private static HashRing Filled(int capacity, params (ulong Key, ulong Value)[] pairs)
    {
        var ring = new HashRing(capacity);
        foreach (var (key, value) in pairs)
        {
            ring.Add(key, value);
        }

        return ring;
    }

    private static byte[] Bytes(HashRing ring) => WrittenBytes.Of(ring.Write);
}
