namespace ZtStream.Platform.Tests.Http;

public sealed class HttpUrlsTests
{
    [Theory]
    [InlineData("https://idp.example.test/keys", true)]
    [InlineData("HTTP://idp.example.test/", true)]
    [InlineData("ftp://idp.example.test/", false)]
    [InlineData("unix:///var/run/docker.sock", false)]
    [InlineData("idp.example.test/keys", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void TryParse_TakesOnlyAnAbsoluteHttpOrHttpsUrl(string? text, bool expected)
    {
        Assert.Equal(expected, HttpUrls.TryParse(text, out var uri));
        Assert.Equal(expected, uri is not null && HttpUrls.IsHttp(uri));
    }

    [Theory]
    [InlineData("http://idp.example.test/", false, true)]
    [InlineData("http://idp.example.test/", true, false)]
    [InlineData("https://idp.example.test/", false, false)]
    [InlineData("http://127.0.0.1:8080/", false, false)]
    [InlineData("http://[::1]:8080/", false, false)]
    [InlineData("http://localhost:8080/", false, false)]
    public void InClear_IsPlainHttpToAnotherHostWithoutTheOptOut(string url, bool allowHttp, bool expected) =>
        Assert.Equal(expected, HttpUrls.InClear(new Uri(url), allowHttp));
}
