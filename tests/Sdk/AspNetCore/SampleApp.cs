using Microsoft.AspNetCore.Authentication.JwtBearer;
using ZtStream.TestSupport.Jose;

namespace ZtStream.Sdk.Tests.AspNetCore;

/// <summary>A small ASP.NET Core service using the SDK with JWT bearer auth (symmetric test key) on loopback Kestrel.</summary>
internal sealed class SampleApp : IAsyncDisposable
{
    public const string Audience = "sample-api";
    public static readonly byte[] ReportChunk = new byte[1000];
    public const string OrdersBody = "[{\"id\":1},{\"id\":2}]";

    private SampleApp(WebApplication app, HttpClient http)
    {
        App = app;
        Http = http;
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public static async Task<SampleApp> StartAsync(Action<ZtStreamOptions> configure)
    {
        var builder = LoopbackApp.CreateBuilder();
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o => o.TokenValidationParameters = TestBearer.Validation(Audience));
        builder.Services.AddAuthorization();
        builder.Services.AddZtStream(configure);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseZtStream();
        app.UseAuthorization();
        app.MapGet("/api/customers/{id}", (string id) => Results.Json(new { id, name = "Ada" })).RequireAuthorization();
        app.MapGet("/api/orders", () => Results.Text(OrdersBody, "application/json")).RequireAuthorization();
        app.MapGet("/api/report", async (HttpContext http) =>
        {
            // Written through the response stream in chunks, not the pipe, to count both paths.
            for (var i = 0; i < 3; i++)
            {
                await http.Response.Body.WriteAsync(ReportChunk);
            }
        }).RequireAuthorization();
        app.MapGet("/api/fail", string () => throw new InvalidOperationException("boom")).RequireAuthorization();
        app.MapGet("/health", () => "ok");
        var address = await LoopbackApp.StartAsync(app);
        return new SampleApp(app, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) });
    }

    public static string Token(string subject, string jti, string? sessionId = null, DateTimeOffset? issuedAt = null, string clientId = "web-portal", string? preferredUsername = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["jti"] = jti, ["client_id"] = clientId };
        if (preferredUsername is not null)
        {
            claims["preferred_username"] = preferredUsername;
        }

        if (sessionId is not null)
        {
            claims["sid"] = sessionId;
        }

        return TestBearer.Token(Audience, claims, issuedAt?.UtcDateTime);
    }

    public async Task<HttpResponseMessage> GetAsync(string path, string? token, string userAgent = "sdk-tests/1.0")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Headers.UserAgent.ParseAdd(userAgent);
        return await Http.SendAsync(request);
    }

    /// <summary>Polls until <paramref name="path"/> answers <paramref name="status"/> for the token, or the deadline passes.</summary>
    public async Task<HttpResponseMessage?> PollUntilAsync(string path, string token, HttpStatusCode status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            var response = await GetAsync(path, token);
            if (response.StatusCode == status)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(20);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
