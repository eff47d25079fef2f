using System.Text;
using System.Text.Json;

namespace ZtStream.Sdk.Tests.Revocations;

public sealed class SnapshotReaderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly FakeTimeProvider _time = new(Now);

    private static byte[] Snapshot(int entries, string before = "", string after = "")
    {
        var json = new StringBuilder($"{{{before}\"version\":{entries},\"revocations\":[");
        for (var i = 1; i <= entries; i++)
        {
            json.Append(i == 1 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture, $"{{\"version\":{i},\"jti\":\"j{i}\",\"revoked_at\":\"2026-01-01T00:00:00Z\"}}");
        }

        return Encoding.UTF8.GetBytes(json.Append(']').Append(after).Append('}').ToString());
    }

    /// <summary>
    /// Entries go into the list as they are read, so a snapshot with more in force than MaxEntries is refused after
    /// reading little past the limit, not once the whole body (up to MaxSnapshotBytes) was read and every entry
    /// materialised beside the index built from them.
    /// </summary>
    [Fact]
    public async Task ReadAsync_MoreEntriesThanMaxEntries_StopsReadingSoonAfterTheLimit()
    {
        var body = new CountingStream(Snapshot(100_000));
        var list = new RevocationList(_time, maxEntries: 100);

        var ex = await Assert.ThrowsAsync<FeedLimitExceededException>(() => SnapshotReader.ReadAsync(body, list.StartLoad(), Ct));

        Assert.True(ex.ListFull);
        Assert.True(body.BytesRead < 256 * 1024, $"{body.BytesRead} of {body.Length} bytes read");
        Assert.False(list.Loaded);
    }

    /// <summary>Members in any order, unknown ones (nested too) skipped, and a body that arrives a byte at a time.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public async Task ReadAsync_InPieces_LoadsEveryEntryAndTheVersion(int piece)
    {
        var json = Snapshot(300, before: "\"note\":{\"a\":[1,{\"b\":\"]}\"}]},", after: ",\"more\":\"x\"");
        var list = new RevocationList(_time);
        var loading = list.StartLoad();

        var version = await SnapshotReader.ReadAsync(new CountingStream(json, piece), loading, Ct);
        loading.Commit(version);

        Assert.Equal(300, version);
        Assert.Equal(300, list.Count);
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.Token, list.Match("j300", null, null, null));
    }

    /// <summary>A member or an entry longer than the read buffer is read whole (the buffer grows, bounded by MaxSnapshotBytes).</summary>
    [Fact]
    public async Task ReadAsync_PartsLongerThanTheBuffer_AreReadWhole()
    {
        var longNote = new string('n', 200_000);
        var longReason = new string('r', 300_000);
        var json = Encoding.UTF8.GetBytes(
            $"{{\"note\":\"{longNote}\",\"version\":2,\"revocations\":[{{\"version\":1,\"jti\":\"j1\",\"revoked_at\":\"2026-01-01T00:00:00Z\",\"reason\":\"{longReason}\"}},{{\"version\":2,\"jti\":\"j2\",\"revoked_at\":\"2026-01-01T00:00:00Z\"}}]}}");
        var list = new RevocationList(_time);
        var loading = list.StartLoad();

        var version = await SnapshotReader.ReadAsync(new CountingStream(json), loading, Ct);
        loading.Commit(version);

        Assert.Equal(2, version);
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.Token, list.Match("j2", null, null, null));
    }

    /// <summary>
    /// A long member arriving a byte at a time: scanned again after every read it cost time in its length squared (a
    /// loop a feed could hold the reader in); scanned again only when the buffer fills, it costs its length.
    /// </summary>
    [Fact]
    public async Task ReadAsync_LongMemberArrivingAByteAtATime_IsRead()
    {
        var json = Snapshot(2, before: $"\"note\":\"{new string('n', 1024 * 1024)}\",");
        var list = new RevocationList(_time);
        var loading = list.StartLoad();

        var version = await SnapshotReader.ReadAsync(new CountingStream(json, piece: 1), loading, Ct);

        Assert.Equal(2, version);
    }

    [Theory]
    [InlineData("{\"version\":1,\"revocations\":[{\"version\":1,\"jti\":\"j1\",\"revoked_at\":\"2026-01-01T00:00:00Z\"}")]
    [InlineData("{\"revocations\":[]}")]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"version\":\"1\",\"revocations\":[]}")]
    [InlineData("{\"version\":1,\"revocations\":[null]}")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task ReadAsync_NotASnapshot_ThrowsJsonException(string json)
    {
        var list = new RevocationList(_time);

        await Assert.ThrowsAnyAsync<JsonException>(() => SnapshotReader.ReadAsync(new CountingStream(Encoding.UTF8.GetBytes(json)), list.StartLoad(), Ct));
    }
}
