namespace ZtStream.Platform.EventLog;

/// <summary>
/// Kafka's default key partitioner (Java client's <c>Utils.murmur2</c>; librdkafka's <c>murmur2_random</c>), so the
/// in-process log and Kafka place a key on the same partition number for the same partition count.
/// </summary>
internal static class Murmur2Partitioner
{
    public static int PartitionFor(string key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var length = Encoding.UTF8.GetByteCount(key);
        Span<byte> buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(key, buffer);
        return (Hash(buffer) & 0x7fffffff) % partitions;
    }

    public static int Hash(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = 0x9747b28c ^ (uint)length;
        var whole = length & ~3;
        for (var i = 0; i < whole; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }

        switch (length & 3)
        {
            case 3:
                h ^= (uint)data[whole + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[whole + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[whole];
                h *= m;
                break;
        }

        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return (int)h;
    }
}
