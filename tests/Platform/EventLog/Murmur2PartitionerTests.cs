namespace ZtStream.Platform.Tests.EventLog;

public sealed class Murmur2PartitionerTests
{
    // The vectors of Apache Kafka's UtilsTest.testMurmur2: matching them means Java clients, librdkafka's
    // murmur2 partitioners and the in-process log all put a key on the same partition.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_KafkaVectors_Match(string key, int expected) =>
        Assert.Equal(expected, Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void PartitionFor_AnyKey_IsStableAndInRange()
    {
        foreach (var key in new[] { "", "alice", "ünïcode-principal", new string('x', 1000) })
        {
            var partition = Murmur2Partitioner.PartitionFor(key, 7);
            Assert.InRange(partition, 0, 6);
            Assert.Equal(partition, Murmur2Partitioner.PartitionFor(key, 7));
        }
    }

    [Fact]
    public void PartitionFor_ManyKeys_UsesEveryPartition()
    {
        var used = Enumerable.Range(0, 200).Select(i => Murmur2Partitioner.PartitionFor($"principal-{i}", 3)).ToHashSet();
        Assert.Equal([0, 1, 2], used.Order());
    }
}
