using Microsoft.AspNetCore.Authentication.JwtBearer;
using ZtStream.Sdk;
using ZtStream.TestSupport.Jose;

namespace ZtStream.Responder.Tests.Revocation;

/// <summary>A service protected by the SDK (the revocation feed, events to Ingest) with JWT bearer authentication (symmetric test key) on loopback.</summary>
internal sealed class ProtectedApp(WebApplication app, HttpClient http, FakeIngest ingest, CapturedLog log) : IAsyncDisposable
{
    private const string Audience = "orders-api";

    /// <summary>
    /// The Responder's clock at the wall-clock time the app (and its SDK) lives in: revocation entries expire on the
    /// Responder's time and the SDK drops them on its own.
    /// </summary>
    public static FakeTimeProvider WallClock() => new(DateTimeOffset.UtcNow);

    /// <summary>What the SDK logged.</summary>
    public CapturedLog Log => log;

    /// <summary>
    /// Starts the app on the Responder's revocation <paramref name="feed"/>, with <paramref name="revocations"/>' further
    /// settings; its events go to a fake Ingest of its own.
    /// </summary>
    public static async Task<ProtectedApp> StartAsync(Uri feed, Action<ZtStreamRevocationOptions>? revocations = null)
    {
        var ingest = await FakeIngest.StartAsync();
        var builder = LoopbackApp.CreateBuilder();
        var log = new CapturedLog();
        builder.Logging.AddProvider(log);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o => o.TokenValidationParameters = TestBearer.Validation(Audience));
        builder.Services.AddAuthorization();
        builder.Services.AddZtStream(o =>
        {
            o.Endpoint = ingest.BaseAddress;
            o.SourceKey = "app-key";
            o.Revocations.Feed = feed;
            o.Revocations.Key = ResponderTestHost.FeedToken;
            revocations?.Invoke(o.Revocations);
        });
        var web = builder.Build();
        web.UseAuthentication();
        web.UseZtStream();
        web.UseAuthorization();
        web.MapGet("/api/orders", () => Results.Text("[]", "application/json")).RequireAuthorization();
        return new ProtectedApp(web, new HttpClient { BaseAddress = await LoopbackApp.StartAsync(web) }, ingest, log);
    }

    public static string Token(string subject, string jti) => Token(new Dictionary<string, object> { ["sub"] = subject, ["jti"] = jti });

    public static string Token(Dictionary<string, object> claims) => TestBearer.Token(Audience, claims);

    public async Task<HttpResponseMessage> GetAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        await ingest.DisposeAsync();
    }
}
