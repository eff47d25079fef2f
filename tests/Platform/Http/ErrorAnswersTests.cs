namespace ZtStream.Platform.Tests.Http;

public sealed class ErrorAnswersTests
{
    [Fact]
    public void OAuth_TheSpecsErrorObject_GivesCodeAndDescription()
    {
        var answer = ErrorAnswers.OAuth("""{"error":"invalid_request","error_description":"token is missing","error_uri":"https://idp.example/e"}""");

        Assert.Equal(("invalid_request", "token is missing"), (answer.Code, answer.Description));
        Assert.Equal(": invalid_request — token is missing", answer.Suffix);
        Assert.Equal(": unsupported_token_type", ErrorAnswers.OAuth("""{"error":"unsupported_token_type"}""").Suffix);
    }

    [Fact]
    public void SetReceiver_Rfc8935ErrorObject_GivesCodeAndDescription()
    {
        Assert.Equal(": invalid_key — the kid is unknown", ErrorAnswers.SetReceiver("""{"err":"invalid_key","description":"the kid is unknown"}""").Suffix);
        // The other spec's field names are not this one's: quoted as text.
        Assert.Null(ErrorAnswers.SetReceiver("""{"error":"invalid_key"}""").Code);
    }

    [Fact]
    public void Bodies_NotTheErrorObject_AreQuotedClipped_NeverThrown()
    {
        Assert.Equal(": [1,2]", ErrorAnswers.OAuth("[1,2]").Suffix);
        Assert.Equal(""": {"error":42}""", ErrorAnswers.OAuth("""{"error":42}""").Suffix);
        Assert.Equal(": <h1>502 Bad Gateway</h1>", ErrorAnswers.OAuth("  <h1>502 Bad Gateway</h1>\n").Suffix);
        Assert.Equal(": null", ErrorAnswers.SetReceiver("null").Suffix);
        Assert.Equal("", ErrorAnswers.OAuth(null).Suffix);
        Assert.Equal("", ErrorAnswers.OAuth(" \r\n").Suffix);
        var longBody = new string('x', 1_000);
        Assert.Equal(": " + longBody[..ErrorAnswers.MaxShown], ErrorAnswers.OAuth(longBody).Suffix);
    }
}
