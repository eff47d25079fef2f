namespace ZtStream.Platform.Tests.Http;

public sealed class JsonMediaTypeTests
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/problem+json")]
    [InlineData("application/secevent-poll+JSON; charset=UTF-8")]
    public void Is_JsonOrPlusJson_AnyCaseAndParameters_True(string contentType) =>
        Assert.True(JsonMediaType.Is(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain")]
    [InlineData("text/html; charset=utf-8")]
    [InlineData("application/jsonx")]
    [InlineData("application/x-ndjson")]
    [InlineData("application/json-seq")]
    [InlineData("not a media type")]
    public void Is_AnythingElse_False(string? contentType) =>
        Assert.False(JsonMediaType.Is(contentType));
}
