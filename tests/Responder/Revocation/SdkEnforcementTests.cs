using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ZtStream.Contracts.Commands;
using ZtStream.Responder.Revocation;
using ZtStream.Responder.Tests.Actions;
using ZtStream.Sdk;
using ZtStream.TestSupport.Ingest;
using ZtStream.TestSupport.Revocations;

namespace ZtStream.Responder.Tests.Revocation;

public sealed class SdkEnforcementTests
{
    [Fact]
    public async Task Feed_MeetsTheRevocationFeedContract()
    {
        using var folder = new TempFolder();
        await using var host = await new ResponderTestHost(folder.Path).StartAsync();
        var revoker = host.Get<ITokenRevoker>();

        await RevocationFeedContract.VerifyAsync(
            host.Client,
            jti => revoker.RevokeTokenAsync(new RevokeToken { ActionId = Guid.NewGuid(), Jti = jti, Reason = "contract", RequestedBy = "test" }, default),
            TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task CriticalAlert_AutomaticRevocation_SdkProtectedAppRejectsTheToken()
    {
        using var folder = new TempFolder();
        await using var responder = await new ResponderTestHost(folder.Path, ResponseFlowTests.RevokeCritical) { UseKestrel = true }.StartAsync();
        await using var ingest = await FakeIngest.StartAsync();
        await using var app = await ProtectedApp.StartAsync(ingest.BaseAddress, responder.BaseAddress!);
        var stolen = ProtectedApp.Token("alice", "jti-stolen-sdk");
        var other = ProtectedApp.Token("bob", "jti-fine");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(stolen)).StatusCode);

        await responder.PublishAlertAsync(TestAlerts.Critical("sdk-1", jti: "jti-stolen-sdk"));

        await Eventually.HoldsAsync(async () => (await app.GetAsync(stolen)).StatusCode == HttpStatusCode.Unauthorized, "the app rejects the revoked token");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(other)).StatusCode);
    }

    /// <summary>A service using the SDK with JWT bearer authentication (symmetric test key) on loopback.</summary>
    private sealed class ProtectedApp(WebApplication app, HttpClient http) : IAsyncDisposable
    {
        private const string Issuer = "https://idp.test";
        private const string Audience = "orders-api";
        private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("ztstream-responder-test-signing-key-32-bytes!"));

        public static async Task<ProtectedApp> StartAsync(Uri ingest, Uri feed)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o => o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = Audience,
                IssuerSigningKey = Key,
            });
            builder.Services.AddAuthorization();
            builder.Services.AddZtStream(o =>
            {
                o.Endpoint = ingest;
                o.SourceKey = "app-key";
                o.Revocations.Feed = feed;
            });
            var web = builder.Build();
            web.UseAuthentication();
            web.UseZtStream();
            web.UseAuthorization();
            web.MapGet("/api/orders", () => Results.Text("[]", "application/json")).RequireAuthorization();
            await web.StartAsync();
            var address = web.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new ProtectedApp(web, new HttpClient { BaseAddress = new Uri(address) });
        }

        public static string Token(string subject, string jti) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, ["jti"] = jti },
            IssuedAt = DateTime.UtcNow,
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        });

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
        }
    }
}
