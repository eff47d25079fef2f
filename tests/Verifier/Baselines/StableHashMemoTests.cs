namespace ZtStream.Verifier.Tests.Baselines;

public sealed class StableHashMemoTests
{
    [Theory]
    [InlineData("")]
    [InlineData("api/1.0")]
    [InlineData("10.1.0.5")]
    [InlineData("system:serviceaccount:payments:payments-svc-0053")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")]
    [InlineData("système:compte/ñandú-0001")]
    [InlineData("日本語のワークロード/パッド-1")]
    [InlineData("emoji-\U0001F600-in-an-agent")]
    public void Of_AnyText_IsStableHashOfItFirstAndAgain(string text)
    {
        var memo = new StableHashMemo();

        Assert.Equal(StableHash.Of(text), memo.Of(text));
        Assert.Equal(StableHash.Of(text), memo.Of(text));
        Assert.Equal(StableHash.Of(text), memo.Of(new string(text.AsSpan())));
    }

    [Fact]
    public void Of_FarMoreInstancesThanSlots_EachKeepsItsOwnHash()
    {
        // Five times the table's slots: instances share slots, and a slot's entry must answer only for its own instance.
        var memo = new StableHashMemo();
        var texts = Enumerable.Range(0, 20_000).Select(i => $"workload-{i:D5}/ñ").ToArray();

        foreach (var t in texts)
        {
            Assert.Equal(StableHash.Of(t), memo.Of(t));
        }

        for (var i = texts.Length - 1; i >= 0; i--)
        {
            Assert.Equal(StableHash.Of(texts[i]), memo.Of(texts[i]));
            Assert.Equal(StableHash.Of(texts[i]), memo.Of(new string(texts[i].AsSpan())));
        }
    }
}
