namespace ZtStream.Ingest.Tests.SharedSignals;

public sealed class SsfReceiverOptionsValidatorTests
{
    private static SsfReceiverOptions With(string jwks, string? poll = null, bool allowHttp = false) => new()
    {
        Transmitters = new(StringComparer.OrdinalIgnoreCase)
        {
            ["idp"] = new SsfTransmitterOptions
            {
                Issuer = "https://idp.example/",
                JwksUri = new Uri(jwks),
                Audience = "https://ztstream.example/ssf",
                PollEndpoint = poll is null ? null : new Uri(poll),
                PollAuthorization = poll is null ? null : "Bearer poll-secret",
                AllowHttp = allowHttp,
            },
        },
    };

    /// <summary>The JWKS decides which SETs are trusted and the poll carries a bearer credential: neither in clear across a network.</summary>
    [Theory]
    [InlineData("http://idp.example/keys", null, "Ingest:Ssf:Transmitters:idp:JwksUri must be https")]
    [InlineData("https://idp.example/keys", "http://idp.example/poll", "Ingest:Ssf:Transmitters:idp:PollEndpoint must be https")]
    public void Check_PlainHttpToAnotherHost_IsAProblem(string jwks, string? poll, string expected) =>
        Assert.StartsWith(expected, Assert.Single(SsfReceiverOptionsValidator.Validate(With(jwks, poll))), StringComparison.Ordinal);

    [Theory]
    [InlineData("https://idp.example/keys", "https://idp.example/poll", false)]
    [InlineData("http://127.0.0.1:8080/keys", "http://127.0.0.1:8080/poll", false)]
    [InlineData("http://localhost:8080/keys", "http://[::1]:8080/poll", false)]
    [InlineData("http://idp.internal/keys", "http://idp.internal/poll", true)]
    public void Check_HttpsLoopbackOrAllowedHttp_IsFine(string jwks, string poll, bool allowHttp) =>
        Assert.Empty(SsfReceiverOptionsValidator.Validate(With(jwks, poll, allowHttp)));
}
