namespace ZtStream.Sdk.Tests.Client;

public sealed class IngestResponseTests
{
    [Fact]
    public void ReadInvalidItems_ProblemWithErrors_ReturnsIndicesInRange()
    {
        var body = """{"title":"bad","detail":"2 invalid","errors":[{"index":0,"field":"id","reason":"required"},{"index":9,"field":"x"},{"index":2,"field":"kind"}]}""";
        var (invalid, detail) = IngestResponse.ReadInvalidItems(Encoding.UTF8.GetBytes(body), 3);

        Assert.Equal([0, 2], invalid.Order().ToArray());
        Assert.Equal("2 invalid", detail);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"errors":"none"}""")]
    public void ReadInvalidItems_NoItemList_ReturnsNone(string body)
    {
        var (invalid, _) = IngestResponse.ReadInvalidItems(Encoding.UTF8.GetBytes(body), 3);
        Assert.Empty(invalid);
    }
}
